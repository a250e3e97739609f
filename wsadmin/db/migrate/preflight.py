"""Preflight: every check that must pass before a backup-then-change, without
writing (DESIGN.md rules 7 and 9), and the dry run's plan.

Refused before any write: a revision we do not know, leftover
`_alembic_tmp_*` tables (cleaned only on request), less free disk than twice
the database, an audit log that cannot be written, or another program holding
the database (named where the OS allows; `force` overrides only that).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from wsadmin.db import revisions
from wsadmin.db.backup.create import backup_path_for
from wsadmin.db.backup.folders import default_backup_folder
from wsadmin.db.backup.names import check_names
from wsadmin.db.common import audit
from wsadmin.db.common.errors import (
    DiskFull,
    HalfUpgraded,
    Refused,
    WsadminError,
)
from wsadmin.db.inspect import State, Status, inspect
from wsadmin.db.migrate.model import DISK_FACTOR, Finding, Plan, PlannedStep
from wsadmin.db.migrate.runner import ensure_migratable, resolve_target
from wsadmin.db.sqlite.files import check_file, free_bytes, same_filesystem
from wsadmin.db.sqlite.holders import check_open, scan_processes
from wsadmin.db.sqlite.journal import has_hot_journal, journal_path, recover_hot_journal

# ---------------------------------------------------------------- preflight


@dataclass
class _Preflight:
    status: Status | None
    revisions: list[str]
    goal: str | None
    findings: list[Finding]
    hot_journal: bool


def _inspect_recovered_copy(path: Path) -> Status:
    """Status of the database as it will be once its stale journal is rolled back,
    from a temporary copy of both files (the dry run changes nothing)."""
    with tempfile.TemporaryDirectory(prefix="wsadmin-plan-") as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        shutil.copyfile(journal_path(path), journal_path(copy))
        recover_hot_journal(copy)
        st = inspect(copy)
    return Status(str(path), path.stat().st_size, st.journal_mode, st.state,
                  st.current_revision, st.head, st.pending, st.counts, st.problems)


def _steps_for(status: Status, action: str, target: str | None) -> tuple[list[str], str | None]:
    ids = list(revisions.ids())
    cur = -1 if status.current_revision is None else ids.index(status.current_revision)
    if action == "upgrade":
        goal = resolve_target(target, upgrading=True)
        want = -1 if goal is None else ids.index(goal)
        if want < cur:
            raise Refused(f"{status.path} is at {status.current_revision}, newer than {goal}",
                          "use `wsadmin downgrade` (or `wsadmin rollback`) to go back")
        return ids[cur + 1 : want + 1], goal
    goal = resolve_target(target, upgrading=False)
    if status.state in (State.FRESH, State.LEGACY):
        raise Refused(f"{status.path} has no revision to downgrade from",
                      "it is already before revision 001")
    want = -1 if goal is None else ids.index(goal)
    if want > cur:
        raise Refused(f"{status.path} is at {status.current_revision}, older than {goal}",
                      "use `wsadmin upgrade` to go forward")
    return [r.id for r in revisions.between(status.current_revision, goal)], goal


def _leftovers_only(status: Status) -> list[str] | None:
    """The leftover tables, if they are the ONLY problem (then dropping them is safe)."""
    if status.state is not State.HALF_UPGRADED:
        return None
    names = [p for p in status.problems if p.startswith("leftover tables")]
    if len(names) != len(status.problems):
        return None
    return [t.strip() for t in names[0].split(":", 1)[1].split(",")]


def preflight(db: str | Path, action: str = "upgrade", target: str | None = "head", *,
              backup_dir: str | Path | None = None, clean_leftovers: bool = False,
              dry_run: bool = False) -> _Preflight:
    """Every check that must pass before a backup-then-change, without writing.

    Raises for bad input (missing file, not a database). Returns findings; the
    caller refuses on blocking ones.
    """
    path = Path(db)
    check_file(path)
    findings: list[Finding] = []
    hot = has_hot_journal(path)
    status: Status | None = None
    if hot:
        holders, _scanned, _ = scan_processes(path)
        if holders:
            findings.append(Finding(
                "in_use", f"{path} is being written by "
                + ", ".join(h.describe() for h in holders), True,
                "stop the backend first", forceable=False))
            return _Preflight(None, [], None, findings, hot)
        findings.append(Finding(
            "hot_journal", f"{path.name}-journal was left by a writer that died; SQLite "
            "rolls its unfinished change back " + ("before the backup" if dry_run else
                                                   "now (before the backup)"), False))
        if not dry_run:
            recover_hot_journal(path)
            hot = False
    status = _inspect_recovered_copy(path) if hot else inspect(path)
    leftovers = _leftovers_only(status)
    if leftovers is not None:
        if clean_leftovers:
            findings.append(Finding(
                "leftovers", "leftover tables of an interrupted migration will be dropped "
                "after the backup: " + ", ".join(leftovers), False))
        else:
            findings.append(Finding(
                "leftovers", f"{path} holds leftover tables of an interrupted migration ("
                + ", ".join(leftovers) + ")", True,
                "they are safe to drop: run again with --clean-leftovers "
                "(a backup is taken first)"))
        steps, goal = _steps_after_cleaning(status, action, target)
        return _Preflight(status, steps, goal, findings + _environment(path, status, backup_dir,
                                                                       dry_run), hot)
    try:
        ensure_migratable(status)
    except WsadminError as exc:
        code = "half_upgraded" if isinstance(exc, HalfUpgraded) else "unknown_revision"
        findings.append(Finding(code, exc.message, True, exc.hint))
        return _Preflight(status, [], None, findings, hot)
    steps, goal = _steps_for(status, action, target)
    if steps:
        findings += _environment(path, status, backup_dir, dry_run)
    return _Preflight(status, steps, goal, findings, hot)


def _steps_after_cleaning(status: Status, action: str, target: str | None
                          ) -> tuple[list[str], str | None]:
    cleaned = Status(status.path, status.size, status.journal_mode, State.CURRENT
                     if status.current_revision else State.LEGACY, status.current_revision,
                     status.head, status.pending, status.counts, [])
    return _steps_for(cleaned, action, target)


def _environment(path: Path, status: Status, backup_dir: str | Path | None, dry_run: bool
                 ) -> list[Finding]:
    findings: list[Finding] = []
    folder = Path(backup_dir) if backup_dir is not None else default_backup_folder(path)
    check_names(path, folder.absolute())    # a name too long for a backup: refuse now
    probe_dir = folder if folder.exists() else path.parent
    size = status.size + _side_size(path)
    try:
        if same_filesystem(probe_dir, path.parent):
            free, need = free_bytes(path.parent), DISK_FACTOR * size
        else:
            free, need = min(free_bytes(path.parent), free_bytes(probe_dir)), size
    except OSError:
        free, need = -1, 0
    if 0 <= free < need:
        findings.append(Finding(
            "disk", f"only {free:,} bytes free; backup-then-upgrade needs {need:,} "
            f"({DISK_FACTOR}x the database)", True, "free some disk space; nothing was changed"))
    try:
        audit.ensure_writable()
    except audit.AuditUnavailable as exc:
        findings.append(Finding("audit", exc.message, True, exc.hint))
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        which = path if not os.access(path, os.W_OK) else path.parent
        findings.append(Finding("read_only", f"{which} is read-only", True,
                                "check the permissions of the file and its folder"))
        return findings
    if dry_run and has_hot_journal(path):
        return findings
    try:
        in_use = check_open(path)
    except WsadminError as exc:
        findings.append(Finding("in_use", exc.message, True, exc.hint))
        return findings
    if in_use.in_use:
        findings.append(Finding(
            "in_use", f"{path} is {in_use.describe()}", True,
            "stop the backend (or close that program) first; --force ignores this",
            forceable=True))
    return findings


def _side_size(path: Path) -> int:
    total = 0
    for suffix in ("-wal", "-journal"):
        with contextlib.suppress(OSError):
            total += path.with_name(path.name + suffix).stat().st_size
    return total


def _step_list(action: str, steps: list[str], clean: bool) -> list[PlannedStep]:
    labels = {r.id: r.title for r in revisions.chain()}
    verb = "Upgrade to" if action == "upgrade" else "Undo"
    out = [PlannedStep("preflight", "Check the database can be changed safely"),
           PlannedStep("backup", "Back up the database"),
           PlannedStep("verify", "Verify the backup")]
    if clean:
        out.append(PlannedStep("clean", "Drop the leftover tables of an interrupted migration"))
    out += [PlannedStep(f"{action}:{r}", f"{verb} {r}: {labels[r]}") for r in steps]
    out.append(PlannedStep("post-verify", "Verify the result before committing"))
    return out


def plan(db: str | Path, action: str = "upgrade", target: str | None = "head", *,
         backup_dir: str | Path | None = None, clean_leftovers: bool = False) -> Plan:
    """The dry run: steps, backup path, revisions, row counts, findings. Changes nothing."""
    path = Path(db)
    pf = preflight(path, action, target, backup_dir=backup_dir,
                   clean_leftovers=clean_leftovers, dry_run=True)
    st = pf.status
    # The folder the run will write to (the configured backup folder by default).
    folder = Path(backup_dir) if backup_dir is not None else default_backup_folder(path)
    backup = (str(backup_path_for(path, st.current_revision, folder))
              if st is not None and pf.revisions else None)
    free: int | None = None
    with contextlib.suppress(OSError):
        free = free_bytes(path.parent)
    return Plan(str(path), action, st.current_revision if st else None, pf.goal,
                pf.revisions, _step_list(action, pf.revisions, clean_leftovers)
                if pf.revisions else [], backup, dict(st.counts) if st else {},
                st.size if st else path.stat().st_size, free,
                st.journal_mode if st else None, pf.findings)


def refuse(db: str | Path, p: Plan, force: bool = False) -> None:
    """Raise (and audit) the refusal a plan implies, if any: the CLI's early exit 2."""
    blocking = [f for f in p.findings if f.blocking and not (force and f.forceable)]
    if blocking:
        if any(f.code == "audit" for f in blocking):
            raise _refusal(blocking)    # nowhere to record it: the refusal says why
        audit.record(p.action, Path(db), "refused", from_revision=p.from_revision,
                     to_revision=p.to_revision,
                     message="; ".join(f.message for f in blocking))
        raise _refusal(blocking)


def _refusal(blocking: list[Finding]) -> WsadminError:
    first = blocking[0]
    cls: type[WsadminError] = DiskFull if first.code == "disk" else Refused
    if first.code == "unknown_revision":
        from wsadmin.db.common.errors import UnknownRevision
        cls = UnknownRevision
    msg = "; ".join(f.message for f in blocking)
    err = cls(msg, first.hint or None)
    err.refusal = True      # even a DiskFull: preflight declined, nothing was attempted
    return err


def _audit_refused(path: Path, action: str, pf: _Preflight, blocking: list[Finding]) -> None:
    if any(f.code == "audit" for f in blocking):
        return      # nowhere to record it: the refusal itself says why
    audit.record(action, path, "refused",
                 from_revision=pf.status.current_revision if pf.status else None,
                 to_revision=pf.goal, message="; ".join(f.message for f in blocking))
