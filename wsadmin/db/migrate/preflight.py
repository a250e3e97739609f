"""Preflight: every check that must pass before a backup-then-change, without
writing (DESIGN.md rules 7 and 9), and the dry run's plan.

Each action applies to some states only (SCHEMA.md "States"): `upgrade`
(legacy, stuck_at_001, an older revision), `downgrade`, `adopt`
(unversioned_head), `repair` (recorded_ahead_of_shape, half_initialised,
mixed, half_upgraded) and `init` (missing or empty). Any other state is
refused with the command that does apply. Refused before any write as well:
a revision we do not know, a foreign schema, less free disk than twice the
database, an audit log that cannot be written, a read-only file, or another
program holding the database (named where the OS allows; `force` overrides
only that). A hot journal raises HotJournal (`wsadmin recover` first), as in
every other command.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from wsadmin.db.backup.folders import default_backup_folder
from wsadmin.db.backup.names import backup_path_for, check_names
from wsadmin.db.common import audit
from wsadmin.db.common.errors import (
    DatabaseMissing,
    ForeignDatabase,
    InUse,
    NotEnoughSpace,
    ReadOnlyDatabase,
    UnknownRevision,
    WrongAction,
    WsadminError,
    hot_journal,
)
from wsadmin.db.migrate.data_checks import data_refusals
from wsadmin.db.migrate.model import DISK_FACTOR, Finding, Plan, PlannedStep
from wsadmin.db.migrate.prepare import tables_repair_drops
from wsadmin.db.migrate.runner import resolve_target
from wsadmin.db.schema import chain
from wsadmin.db.schema.states import State, command_for
from wsadmin.db.schema.status import Status, inspect
from wsadmin.db.sqlite.files import check_file, free_bytes, same_filesystem
from wsadmin.db.sqlite.holders import check_open, scan_processes
from wsadmin.db.sqlite.journal import has_hot_journal

ACTIONS = ("upgrade", "downgrade", "adopt", "repair", "init")
REPAIRABLE = frozenset({State.RECORDED_AHEAD_OF_SHAPE, State.HALF_INITIALISED, State.MIXED,
                        State.HALF_UPGRADED})
UPGRADABLE = frozenset({State.LEGACY, State.STUCK_AT_001, State.AT_REVISION})


@dataclass
class Preflight:
    """What a run starts from: the database's status (None: no file yet, for init), the
    revisions it will run, where it ends, and what preflight found."""

    status: Status | None
    revisions: list[str]
    goal: str | None
    findings: list[Finding] = field(default_factory=list)


@dataclass
class _Examined:
    status: Status
    refusal: Finding | None
    revisions: list[str]
    goal: str | None
    data: list[Finding]


def _examine(file: Path, action: str, target: str | None) -> _Examined:
    """Status, whether the action applies, its revisions, and what in the data stops it."""
    status = inspect(file)
    refusal = _refuse_state(status, action)
    if refusal is not None:
        return _Examined(status, refusal, [], None, [])
    steps, goal = _steps(status, action, target)
    data = data_refusals(file, status, steps) if steps or action != "upgrade" else []
    return _Examined(status, None, steps, goal, data)


def _refuse_state(status: Status, action: str) -> Finding | None:
    """Why `action` does not apply to this state (None when it does)."""
    state = status.state
    if state is State.FOREIGN:
        return Finding(ForeignDatabase, f"{status.path} is not the backend's app_metadata.db: "
                       + status.summary, "choose the backend's app_metadata.db")
    if state is State.UNKNOWN_REVISION:
        return Finding(UnknownRevision, f"{status.path}: {status.summary}",
                       "this database was migrated by a newer or different tool; use that tool")
    allowed = {"upgrade": UPGRADABLE, "downgrade": {State.STUCK_AT_001, State.AT_REVISION},
               "adopt": {State.UNVERSIONED_HEAD}, "repair": REPAIRABLE,
               "init": {State.EMPTY}}[action]
    if state in allowed:
        return None
    if action == "downgrade" and state is State.LEGACY:
        return Finding(WrongAction, f"{status.path} has no revision to downgrade from",
                       "it is already before revision 001")
    right = command_for(status.offer, status.path)
    # at_revision's summary says where it is ("Up to date: at revision ... (head).").
    what = "" if state is State.AT_REVISION else f" is {state.value.replace('_', ' ')}"
    return Finding(WrongAction, f"{status.path}{what}: {status.summary}",
                   f"run `{right}`" if right else
                   "nothing to do" if status.up_to_date else
                   "see `wsadmin status DB`")


def _steps(status: Status, action: str, target: str | None) -> tuple[list[str], str | None]:
    """The revisions the action runs and the revision it ends at."""
    if action in ("adopt", "repair", "init") and target not in (None, "head"):
        raise WrongAction(f"`{action}` always ends at head ({chain.HEAD_REVISION})",
                          "leave out --to")
    if action == "adopt":
        return [], chain.HEAD_REVISION
    if action in ("repair", "init"):
        return [p.revision for p in status.pending], chain.HEAD_REVISION
    cur = status.current_revision
    goal = resolve_target(target, upgrading=action == "upgrade")
    ahead = chain.position(goal or chain.BASE) > chain.position(cur or chain.BASE)
    behind = chain.position(goal or chain.BASE) < chain.position(cur or chain.BASE)
    if action == "upgrade" and behind:
        raise WrongAction(f"{status.path} is at {cur}, newer than {goal}",
                          "use `wsadmin downgrade` (or `wsadmin rollback`)")
    if action == "downgrade" and ahead:
        raise WrongAction(f"{status.path} is at {cur}, older than {goal}",
                          "use `wsadmin upgrade` to go forward")
    return chain.path(cur, goal), goal


def preflight(db: str | Path, action: str = "upgrade", target: str | None = "head", *,
              backup_dir: str | Path | None = None, dry_run: bool = False) -> Preflight:
    """Every check that must pass before `action`, without writing.

    Raises for bad input (missing file, not a database). Returns findings; the
    caller refuses on blocking ones.
    """
    if action not in ACTIONS:
        raise ValueError(action)
    path = Path(db)
    if action == "init" and not path.exists():
        return Preflight(None, list(chain.REVISION_IDS), chain.HEAD_REVISION,
                         _environment(path, None, backup_dir, dry_run))
    check_file(path)
    findings: list[Finding] = []
    if has_hot_journal(path):
        holders, _scanned, _ = scan_processes(path)
        if holders:
            findings.append(Finding(InUse, f"{path} is being written by "
                                    + ", ".join(h.describe() for h in holders),
                                    "stop the backend first"))
            return Preflight(None, [], None, findings)
        # Never rolled back on the side: `wsadmin recover` keeps the raw files first.
        raise hot_journal(path)
    found = _examine(path, action, target)
    if found.refusal is not None:
        return Preflight(found.status, [], None, [*findings, found.refusal])
    if found.revisions or action in ("adopt", "repair", "init"):
        findings += found.data
        findings += _environment(path, found.status, backup_dir, dry_run)
    return Preflight(found.status, found.revisions, found.goal, findings)


def _environment(path: Path, status: Status | None, backup_dir: str | Path | None,
                 dry_run: bool) -> list[Finding]:
    findings: list[Finding] = []
    if not path.parent.is_dir():
        return [Finding(DatabaseMissing, f"the folder {path.parent} does not exist",
                        "create it first, or choose another place")]
    folder = Path(backup_dir) if backup_dir is not None else default_backup_folder(path)
    check_names(path, folder.absolute())    # a name too long for a backup: refuse now
    probe_dir = folder if folder.exists() else path.parent
    size = (status.size if status else 0) + _side_size(path)
    try:
        if same_filesystem(probe_dir, path.parent):
            free, need = free_bytes(path.parent), DISK_FACTOR * size
        else:
            free, need = min(free_bytes(path.parent), free_bytes(probe_dir)), size
    except OSError:
        free, need = -1, 0
    if 0 <= free < need:
        findings.append(Finding(
            NotEnoughSpace, f"only {free:,} bytes free; backup-then-change needs {need:,} "
            f"({DISK_FACTOR}x the database)"))
    try:
        audit.ensure_writable()
    except audit.AuditUnavailable as exc:
        findings.append(Finding(audit.AuditUnavailable, exc.message, exc.hint))
    writable_file = not path.exists() or os.access(path, os.W_OK)
    if not writable_file or not os.access(path.parent, os.W_OK):
        which = path if not writable_file else path.parent
        findings.append(Finding(ReadOnlyDatabase, f"{which} is read-only",
                                "check the permissions of the file and its folder"))
        return findings
    if status is None:
        return findings
    try:
        in_use = check_open(path)
    except WsadminError as exc:
        findings.append(Finding(InUse, exc.message, exc.hint))
        return findings
    if in_use.in_use:
        findings.append(Finding(InUse, f"{path} is {in_use.describe()}",
                                "stop the backend (or close that program) first; --force "
                                "ignores this"))
    return findings


def _side_size(path: Path) -> int:
    total = 0
    for suffix in ("-wal", "-journal"):
        with contextlib.suppress(OSError):
            total += path.with_name(path.name + suffix).stat().st_size
    return total


_BEFORE = {"adopt": ("adopt", "Record head: the schema is already the backend's"),
           "repair": ("repair", "Record the revision the schema is really at"),
           "init": ("init", "Create the database file")}


VERIFY_ALONGSIDE: Final = "Verify the backup (alongside the change)"
"""The pipeline's backup verification runs on the second core while the change runs, and
is joined before the result is verified and committed: it is listed, and its outcome
reported, at the join."""


def step_list(action: str, steps: list[str], status: Status | None) -> list[PlannedStep]:
    """The steps a run reports, in the order their outcomes are reported (the plan shows
    them before it starts)."""
    verb = "Undo" if action == "downgrade" else "Upgrade to"
    run = "downgrade" if action == "downgrade" else "upgrade"
    out = [PlannedStep("preflight", "Check the database can be changed safely")]
    if status is not None:
        out += [PlannedStep("lock", "Lock the database against other writers"),
                PlannedStep("backup", "Back up the database")]
    if action in _BEFORE and not (action == "init" and status is not None):
        out.append(PlannedStep(*_BEFORE[action]))
    if action == "repair" and status is not None and status.leftovers:
        out.append(PlannedStep("clean", "Drop the leftover tables of an interrupted migration"))
    out += [PlannedStep(f"{run}:{r}", f"{verb} {r}: {chain.revision(r).title}") for r in steps]
    if status is not None:
        out.append(PlannedStep("verify", VERIFY_ALONGSIDE))
    out.append(PlannedStep("post-verify", "Verify the result before committing"))
    return out


def plan(db: str | Path, action: str = "upgrade", target: str | None = "head", *,
         backup_dir: str | Path | None = None) -> Plan:
    """The dry run: steps, backup path, revisions, row counts, findings. Changes nothing."""
    path = Path(db)
    pf = preflight(path, action, target, backup_dir=backup_dir, dry_run=True)
    st = pf.status
    changes = bool(pf.revisions) or (action in ("adopt", "repair", "init") and pf.goal)
    # The folder the run will write to (the configured backup folder by default).
    folder = Path(backup_dir) if backup_dir is not None else default_backup_folder(path)
    backup = (str(backup_path_for(path, st.current_revision, folder))
              if st is not None and changes else None)
    free: int | None = None
    with contextlib.suppress(OSError):
        free = free_bytes(path.parent)
    size = st.size if st else (path.stat().st_size if path.exists() else 0)
    return Plan(str(path), action, st.current_revision if st else None, pf.goal,
                pf.revisions, step_list(action, pf.revisions, st) if changes else [],
                backup, dict(st.counts) if st else {}, size, free,
                st.journal_mode if st else None, pf.findings,
                st.state.value if st else "missing", st.highest_present if st else None,
                tables_repair_drops(st) if st is not None and action == "repair" else [])


def refuse(db: str | Path, p: Plan, force: bool = False) -> None:
    """Raise (and audit) the refusal a plan implies, if any: the CLI's early exit 2."""
    blocking = [f for f in p.findings if f.blocking and not (force and f.forceable)]
    if blocking:
        audit_refusal(Path(db), p.action, p.from_revision, p.to_revision, blocking)
        raise refusal_of(blocking)


def refusal_of(blocking: list[Finding]) -> WsadminError:
    first = blocking[0]
    assert first.error is not None
    err = first.error("; ".join(f.message for f in blocking), first.hint or None)
    err.refusal = True      # even a DiskFull: preflight declined, nothing was attempted
    return err


def audit_refusal(path: Path, action: str, from_revision: str | None,
                  to_revision: str | None, blocking: list[Finding]) -> None:
    if any(f.error is audit.AuditUnavailable for f in blocking):
        return      # nowhere to record it: the refusal itself says why
    audit.record(action, path, "refused", from_revision=from_revision,
                 to_revision=to_revision, message="; ".join(f.message for f in blocking))


def missing(path: Path) -> DatabaseMissing:
    return DatabaseMissing(f"{path} does not exist",
                           "check the path; `wsadmin init PATH` creates a new database")
