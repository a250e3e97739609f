"""Backup-then-upgrade (and backup-then-downgrade): the one-button pipeline.

    preflight -> backup -> verify -> [exclusive lock] -> upgrade:001 -> upgrade:002
              -> post-verify -> commit   (on any failure: rolled back, or restore)

DESIGN.md rules 5, 7 and 9. Preflight refuses before any write: a revision we
do not know, leftover `_alembic_tmp_*` tables (cleaned only on request),
less free disk than twice the database, or another program holding the
database (named where the OS allows; `force` overrides only that). The
migration connection takes `locking_mode=EXCLUSIVE` before the backup on a
rollback-journal database (its SHARED lock stops every other writer, while
the backup can still read), and right after the copy on a WAL database (where
an exclusive lock also stops readers), checking that nothing was committed in
between. The revisions run in one transaction; post-verification (revision,
quick_check, foreign_key_check no worse than before, no table losing rows the
revisions do not document losing) runs INSIDE that transaction, so a failure
there rolls back instead of needing a restore. A last check after commit
restores the verified backup if it fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wsadmin.db import audit, revisions
from wsadmin.db.backup import BackupInfo, Snapshot, backup_path_for, create_backup, take_snapshot
from wsadmin.db.backup_names import check_names
from wsadmin.db.contract import ALEMBIC_TMP_PREFIX
from wsadmin.db.errors import (
    DiskFull,
    DiskIOError,
    HalfUpgraded,
    MigrationFailed,
    NotRestored,
    Refused,
    WsadminError,
    classify_sqlite_error,
)
from wsadmin.db.inspect import State, Status, inspect
from wsadmin.db.interrupts import InterruptLatch, held_interrupts
from wsadmin.db.migrate import (
    ensure_migratable,
    resolve_target,
    run_alembic,
)
from wsadmin.db.progress import CancelToken, ProgressCallback, Reporter, Step, StepState
from wsadmin.db.recover import has_hot_journal, journal_path, recover_hot_journal
from wsadmin.db.restore import compare, restore_into, settle_after_failed_copy
from wsadmin.db.sqlite_engine import (
    check_file,
    quote_ident,
    table_names,
    translated_errors,
)
from wsadmin.db.sqlite_locks import (
    check_open,
    copy_database,
    foreign_key_problems,
    foreign_key_problems_of_file,
    free_bytes,
    hold_write_lock,
    quick_check,
    same_filesystem,
    scan_processes,
)

DISK_FACTOR = 2


@dataclass(frozen=True)
class Finding:
    """Something preflight found. `blocking` findings stop the run (exit 2)."""

    code: str        # "unknown_revision", "leftovers", "disk", "in_use", "hot_journal", ...
    message: str
    blocking: bool
    hint: str = ""
    forceable: bool = False


@dataclass(frozen=True)
class PlannedStep:
    id: str
    label: str


@dataclass
class Plan:
    """What `run()` would do, computed without changing anything (--dry-run)."""

    database: str
    action: str
    from_revision: str | None
    to_revision: str | None
    revisions: list[str]
    steps: list[PlannedStep]
    backup_path: str | None
    counts: dict[str, int]
    size: int
    free_bytes: int | None
    journal_mode: str | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def can_run(self) -> bool:
        return not any(f.blocking for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["can_run"] = self.can_run
        return data

    def render(self) -> str:
        lines = [f"database:  {self.database} ({self.size:,} bytes, journal mode "
                 f"{self.journal_mode or '-'})",
                 f"{self.action}:   {self.from_revision or 'legacy'} -> "
                 f"{self.to_revision or 'base'}"
                 + (f"  (applies {', '.join(self.revisions)})" if self.revisions
                    else "  (nothing to do)")]
        if self.counts:
            lines.append("rows:      " + ", ".join(f"{t} {n:,}" for t, n in self.counts.items()))
        if self.backup_path:
            lines.append(f"backup:    {self.backup_path}")
        if self.free_bytes is not None:
            lines.append(f"free disk: {self.free_bytes:,} bytes "
                         f"(needs {DISK_FACTOR}x the database)")
        lines.append("steps:")
        lines += [f"  {i}. {s.label}  [{s.id}]" for i, s in enumerate(self.steps, 1)]
        for f in self.findings:
            mark = "REFUSED" if f.blocking else "note"
            lines.append(f"{mark}: {f.message}" + (f" ({f.hint})" if f.hint else ""))
        lines.append("would run: yes" if self.can_run else "would run: no")
        return "\n".join(lines)


@dataclass
class PipelineResult:
    database: str
    action: str
    # upgraded | downgraded | nothing-to-do | failed-unchanged | failed-restored
    outcome: str
    from_revision: str | None
    to_revision: str | None
    applied: list[str]
    backup: BackupInfo | None
    counts_before: dict[str, int]
    counts_after: dict[str, int]
    findings: list[Finding] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in ("upgraded", "downgraded", "nothing-to-do")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["backup"] = self.backup.path if self.backup else None
        return data


class PipelineFailed(MigrationFailed):
    """The change failed after the backup; the database is as it was (exit 1)."""

    def __init__(self, message: str, result: PipelineResult, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.result = result


class PipelineNotRestored(PipelineFailed):
    """The change failed and the backup could not be put back (exit 4)."""

    exit_code = NotRestored.exit_code


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
    folder = Path(backup_dir) if backup_dir is not None else path.parent
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
    folder = Path(backup_dir) if backup_dir is not None else path.parent
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


# ---------------------------------------------------------------- the run


def allowed_losses(conn: sqlite3.Connection, action: str, steps: list[str]
                   ) -> dict[str, int | None]:
    """Rows each table may lose by `steps` as documented (None: the table goes away)."""
    if action == "upgrade":
        return {}
    from wsadmin.db.rollback import downgrade_cost

    allowed: dict[str, int | None] = {}
    for rev in steps:
        cost = downgrade_cost(conn, rev)
        for table, n in cost.deleted_rows.items():
            prev = allowed.get(table, 0)
            allowed[table] = None if n is None or prev is None else prev + n
    return allowed


def post_checks(conn: sqlite3.Connection, goal: str | None, before: Snapshot,
                fk_before: dict[str, int], losses: dict[str, int | None]) -> list[str]:
    """Post-verification on the migration connection (inside or after the transaction)."""
    problems: list[str] = []
    tables = table_names(conn)
    if "alembic_version" in tables:
        revs = [str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version")]
    else:
        revs = []
    rev = revs[0] if len(revs) == 1 else None
    if rev != goal:
        problems.append(f"the revision is {rev or 'none'} instead of {goal or 'none'}")
    leftovers = [t for t in tables if t.startswith(ALEMBIC_TMP_PREFIX)]
    if leftovers:
        problems.append("leftover tables: " + ", ".join(leftovers))
    problems += [f"quick_check: {p}" for p in quick_check(conn)[:5]]
    fk_after = foreign_key_problems(conn)
    for table, n in fk_after.items():
        if n > fk_before.get(table, 0):
            problems.append(f"foreign_key_check: {table} has {n} broken references "
                            f"(before: {fk_before.get(table, 0)})")
    for table, n in before.counts.items():
        allowed = losses.get(table, 0)
        if table not in tables:
            if allowed is None or table == "alembic_version" or table.startswith(
                    ALEMBIC_TMP_PREFIX):
                continue
            problems.append(f"table {table} is gone")
            continue
        got = int(conn.execute(f"SELECT COUNT(*) FROM {quote_ident(table)}").fetchone()[0])
        if table != "alembic_version" and allowed is not None and got < n - allowed:
            problems.append(f"{table} lost {n - got} rows (expected at most {allowed})")
    return problems


def run(db: str | Path, action: str = "upgrade", target: str | None = "head", *,
        progress: ProgressCallback | None = None, backup_dir: str | Path | None = None,
        force: bool = False, clean_leftovers: bool = False,
        cancel: CancelToken | None = None) -> PipelineResult:
    """Backup-then-change. Returns on success; raises PipelineFailed (exit 1) when the
    change failed after the backup (database as before), PipelineNotRestored (exit
    4) when it failed and the backup could not be put back, and WsadminError (exit 2)
    when refused before anything was written."""
    path = Path(db)
    reporter = Reporter(progress)
    cancel = cancel or CancelToken()
    with reporter.step("preflight", "Check the database can be changed safely") as step:
        pf = preflight(path, action, target, backup_dir=backup_dir,
                       clean_leftovers=clean_leftovers)
        blocking = [f for f in pf.findings if f.blocking and not (force and f.forceable)]
        if blocking:
            _audit_refused(path, action, pf, blocking)
            raise _refusal(blocking)
        step.detail = "; ".join(f.message for f in pf.findings) or "ok"
    status = pf.status
    assert status is not None
    if not pf.revisions:
        return PipelineResult(str(path), action, "nothing-to-do", status.current_revision,
                              status.current_revision, [], None, status.counts, status.counts,
                              pf.findings, f"already at {status.current_revision or 'legacy'}")
    cancel.raise_if_cancelled()
    return _Runner(path, action, pf, reporter, progress, backup_dir, cancel,
                   clean_leftovers).run()


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
        from wsadmin.db.errors import UnknownRevision
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


class _Runner:
    """One backup-then-change, all on the one connection that holds the write lock."""

    def __init__(self, path: Path, action: str, pf: _Preflight, reporter: Reporter,
                 progress: ProgressCallback | None, backup_dir: str | Path | None,
                 cancel: CancelToken, clean: bool) -> None:
        self.path, self.action, self.pf = path, action, pf
        assert pf.status is not None
        self.status: Status = pf.status
        self.reporter, self.progress = reporter, progress
        self.backup_dir, self.cancel, self.clean = backup_dir, cancel, clean
        self.conn: sqlite3.Connection | None = None
        self.backup: BackupInfo | None = None
        self.committed = False
        self.fk_before: Future[dict[str, int]] | None = None
        self.losses: dict[str, int | None] = {}
        # From just before COMMIT until the outcome is audited, Ctrl-C is held.
        self.held = contextlib.ExitStack()
        self.latch: InterruptLatch | None = None
        self.intent: audit.Intent | None = None

    # The steps ---------------------------------------------------------
    def run(self) -> PipelineResult:
        self.intent = audit.begin(self.action, self.path,
                                  from_revision=self.status.current_revision,
                                  to_revision=self.pf.goal, revisions=list(self.pf.revisions))
        with ThreadPoolExecutor(max_workers=1) as pool, self.held:
            try:
                self._lock_and_back_up(pool)
            except BaseException as exc:
                self._close()
                self.intent.done("refused" if isinstance(exc, WsadminError) else "cancelled",
                                 message=failure_reason(exc, self.path))
                raise
            try:
                if self.clean:
                    self._clean_leftovers()
                self.cancel.raise_if_cancelled()
                self._change()
                self.committed = True
                self._after_commit_check()
            except BaseException as exc:
                return self._failed(exc)
            finally:
                self._close()
            return self._succeeded()

    def _lock_and_back_up(self, pool: ThreadPoolExecutor) -> None:
        with self.reporter.step("lock", "Lock the database against other writers") as step:
            self.conn = hold_write_lock(self.path)
            step.detail = "other programs can still read; their writes wait"
        self.backup = create_backup(self.path, self.backup_dir, progress=self.progress,
                                    cancel=self.cancel, connection=self.conn)
        # The backup is the exact state before the change: its foreign-key problems
        # are the baseline, counted on the copy while the change runs.
        self.fk_before = pool.submit(foreign_key_problems_of_file, Path(self.backup.path))

    def _clean_leftovers(self) -> None:
        conn = self._conn()
        with self.reporter.step("clean", "Drop the leftover tables of an interrupted migration"
                                ) as step:
            names = [t for t in table_names(conn) if t.startswith(ALEMBIC_TMP_PREFIX)]
            with translated_errors(self.path, "clean"):
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for name in names:
                        conn.execute(f"DROP TABLE {quote_ident(name)}")
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            step.detail = ", ".join(names)

    def _change(self) -> None:
        conn = self._conn()
        before = _snapshot(self.backup)
        self.losses = allowed_losses(conn, self.action, self.pf.revisions)
        last = f"{self.action}:{self.pf.revisions[-1]}"
        outer = self.progress

        def gate(step: Step) -> None:
            if outer is not None and step.id != f"{self.action}:?":
                outer(step)
            if step.id == last and step.state is StepState.DONE:
                # Still inside the migration's transaction: verify before COMMIT.
                self._post_verify(conn, before)
                self.latch = self.held.enter_context(held_interrupts())

        run_alembic(self.path, self.action, self.pf.goal, list(self.pf.revisions), gate,
                    connection=conn)

    def _post_verify(self, conn: sqlite3.Connection, before: Snapshot) -> None:
        with self.reporter.step("post-verify", "Verify the result before committing") as step:
            assert self.fk_before is not None
            try:
                problems = post_checks(conn, self.pf.goal, before, self.fk_before.result(),
                                       self.losses)
            except sqlite3.Error as exc:
                known = classify_sqlite_error(exc, self.path, "verify")
                raise known or exc from exc
            if problems:
                raise MigrationFailed(f"post-verification of the {self.action} failed: "
                                      + "; ".join(problems[:5]))
            step.detail = "revision, quick_check, foreign keys and row counts ok"

    def _after_commit_check(self) -> None:
        """After COMMIT (the lock still held): the database shows the new revision."""
        problems = post_commit_problems(self._conn(), self.pf.goal)
        if problems:
            raise MigrationFailed("after commit: " + "; ".join(problems))

    # Outcomes ---------------------------------------------------------
    def _succeeded(self) -> PipelineResult:
        after = inspect(self.path)
        outcome = "upgraded" if self.action == "upgrade" else "downgraded"
        message = (f"{self.action}d {self.path}: {self.status.current_revision or 'legacy'} "
                   f"-> {self.pf.goal or 'legacy'}")
        if self.latch is not None and self.latch.interrupted:
            message += " (Ctrl-C came after the commit: the change is complete)"
        result = PipelineResult(str(self.path), self.action, outcome,
                                self.status.current_revision, self.pf.goal,
                                list(self.pf.revisions), self.backup, dict(self.status.counts),
                                dict(after.counts), self.pf.findings, message)
        assert self.intent is not None
        self.intent.done("ok", from_revision=self.status.current_revision,
                         to_revision=self.pf.goal,
                         backup=self.backup.path if self.backup else None,
                         counts_before=result.counts_before, counts_after=result.counts_after)
        return result

    def _failed(self, exc: BaseException) -> PipelineResult:
        # Whatever comes now (a rollback check, a restore) must not be cut short.
        latch = self.latch or self.held.enter_context(held_interrupts())
        assert self.backup is not None and self.intent is not None
        conn = self._conn()
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        reason = failure_reason(exc, self.path)
        expected = _snapshot(self.backup)
        base = PipelineResult(str(self.path), self.action, "failed-unchanged",
                              self.status.current_revision, self.pf.goal, [], self.backup,
                              dict(self.status.counts), dict(self.status.counts), self.pf.findings)
        interrupted = isinstance(exc, KeyboardInterrupt) or latch.interrupted
        if not (self.committed or self.clean or _differs(conn, expected)):
            base.message = (f"the {self.action} {'was interrupted' if interrupted else 'failed'}"
                            f"{'' if interrupted else ': ' + reason}. It was rolled back: your "
                            "database is unchanged")
            self.intent.done("failed-unchanged", backup=self.backup.path, message=reason)
            if isinstance(exc, KeyboardInterrupt):
                raise KeyboardInterrupt(base.message) from exc
            raise PipelineFailed(base.message, base, f"the backup {self.backup.path} is kept; "
                                 "run with --debug for details") from exc
        try:
            with self.reporter.step("restore", "Restore the backup") as step:
                restore_into(conn, self.path, Path(self.backup.path), expected)
                step.detail = f"restored from {self.backup.path}"
        except BaseException as rexc:
            self._close()
            state = settle_after_failed_copy(self.path, expected)
            why = rexc.message if isinstance(rexc, WsadminError) else str(rexc)
            base.outcome = "failed-not-restored"
            base.message = (f"the {self.action} failed ({reason}) and restoring the backup "
                            f"failed too ({why}); restore it with `wsadmin restore "
                            f"{self.path} {self.backup.path}`")
            if state is None:
                # SQLite rolled the failed copy back: the database is the changed one.
                base.message += " (the database holds the result of the failed change)"
            self.intent.done("failed-not-restored", backup=self.backup.path,
                             message=base.message)
            raise PipelineNotRestored(base.message, base, "the backup file is intact") from exc
        base.outcome = "failed-restored"
        base.message = (f"the {self.action} failed: {reason}. Your database was restored "
                        f"from {self.backup.path}")
        self.intent.done("failed-restored", from_revision=self.status.current_revision,
                         to_revision=self.pf.goal, backup=self.backup.path, message=reason)
        raise PipelineFailed(base.message, base, "run with --debug for details") from exc

    def _conn(self) -> sqlite3.Connection:
        assert self.conn is not None
        return self.conn

    def _close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(sqlite3.Error):
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
            self.conn.close()
            self.conn = None


def _differs(conn: sqlite3.Connection, expected: Snapshot) -> bool:
    """Whether the database (through the locked connection) is not the backed-up state."""
    try:
        return bool(quick_check(conn) + compare(expected, take_snapshot(conn)))
    except (WsadminError, sqlite3.Error):
        return True


def failure_reason(exc: BaseException, path: Path) -> str:
    """One clause saying why a change failed, naming a file size limit when one was hit."""
    if isinstance(exc, WsadminError):
        reason = exc.message.removesuffix("; the database was left as it was")
    else:
        reason = str(exc) or type(exc).__name__
    if isinstance(exc, DiskIOError | DiskFull):
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        if soft != resource.RLIM_INFINITY:
            reason += (f" (the disk is full for this process: its file size limit, "
                       f"ulimit -f, is {soft:,} bytes)")
        else:
            with contextlib.suppress(OSError):
                free = free_bytes(path.parent)
                if free < DISK_FACTOR * path.stat().st_size:
                    reason += f" (the disk is full: {free:,} bytes free)"
    return reason


def post_commit_problems(conn: sqlite3.Connection, goal: str | None) -> list[str]:
    tables = table_names(conn)
    revs = ([str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version")]
            if "alembic_version" in tables else [])
    rev = revs[0] if len(revs) == 1 else None
    return [] if rev == goal else [f"revision {rev or 'none'} instead of {goal or 'none'}"]


def _snapshot(info: BackupInfo | None) -> Snapshot:
    assert info is not None
    return Snapshot(info.revision, list(info.tables), dict(info.counts))


# ---------------------------------------------------------------- rehearsal


@dataclass
class Rehearsal:
    database: str
    start_revision: str | None
    revisions: list[str]
    ok: bool
    differences: list[str]
    ignored: list[str]
    counts: dict[str, dict[str, int]]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def render(self) -> str:
        lines = [f"rehearsal on a temporary copy of {self.database}: upgrade "
                 f"({', '.join(self.revisions)}), downgrade to "
                 f"{self.start_revision or 'legacy'}, upgrade again"]
        for stage, counts in self.counts.items():
            lines.append(f"  {stage:<12} " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        if self.ok:
            lines.append("round trip preserved every row")
        else:
            lines += ["round trip did NOT preserve every row:"] + [
                f"  - {d}" for d in self.differences]
        lines += [f"  (ignored: {i})" for i in self.ignored]
        return "\n".join(lines)


# Columns that a re-run legitimately re-creates with a new value.
_REGENERATED = {"workspaces": ("created_at",), "workspace_members": ("created_at",)}


def rehearse(db: str | Path, target: str | None = "head",
             progress: ProgressCallback | None = None,
             workdir: str | Path | None = None) -> Rehearsal:
    """Upgrade, downgrade and upgrade again on a temporary copy; compare every row."""
    path = Path(db)
    pf = preflight(path, "upgrade", target, dry_run=True)
    blocking = [f for f in pf.findings if f.blocking and f.code not in ("in_use",)]
    if blocking:
        raise _refusal(blocking)
    status = pf.status
    assert status is not None
    if not pf.revisions:
        raise Refused(f"{path} is already at {status.current_revision}: nothing to rehearse")
    reporter = Reporter(progress)
    with tempfile.TemporaryDirectory(prefix="wsadmin-rehearse-", dir=workdir) as tmp:
        copies = {name: Path(tmp) / f"{name}.db" for name in ("start", "up", "down", "up2")}
        with reporter.step("copy", "Copy the database to a temporary folder"):
            _sqlite_copy(path, copies["start"])
        work = copies["up"]
        shutil.copyfile(copies["start"], work)
        start = status.current_revision
        with reporter.step("rehearse-upgrade", "Upgrade the copy"):
            run_alembic(work, "upgrade", pf.goal, list(pf.revisions))
        shutil.copyfile(work, copies["down"])
        down_steps = [r.id for r in revisions.between(pf.goal, start)]
        with reporter.step("rehearse-downgrade", "Downgrade the copy"):
            run_alembic(copies["down"], "downgrade", start, down_steps)
        shutil.copyfile(copies["down"], copies["up2"])
        with reporter.step("rehearse-upgrade-again", "Upgrade the copy again"):
            run_alembic(copies["up2"], "upgrade", pf.goal, list(pf.revisions))
        with reporter.step("compare", "Compare every row"):
            diffs, ignored = _diff(copies["start"], copies["down"], "after the downgrade")
            d2, i2 = _diff(copies["up"], copies["up2"], "after upgrading again")
        counts = {stage: _counts(copies[key]) for stage, key in
                  (("before", "start"), ("upgraded", "up"), ("downgraded", "down"),
                   ("re-upgraded", "up2"))}
    return Rehearsal(str(path), start, list(pf.revisions), not (diffs or d2), diffs + d2,
                     sorted(set(ignored + i2)), counts)


def _sqlite_copy(src_path: Path, dst_path: Path) -> None:
    from wsadmin.db.sqlite_engine import connect_ro

    src = connect_ro(src_path, timeout=30.0)
    try:
        dst = sqlite3.connect(dst_path, isolation_level=None)
        try:
            copy_database(src, dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        snap = take_snapshot(conn)
    finally:
        conn.close()
    return {t: n for t, n in snap.counts.items() if t != "alembic_version"}


def _diff(a: Path, b: Path, stage: str) -> tuple[list[str], list[str]]:
    """Rows in one database and not the other, table by table (SQL EXCEPT both ways)."""
    conn = sqlite3.connect(f"file:{a}?mode=ro", uri=True)
    diffs: list[str] = []
    ignored: list[str] = []
    try:
        conn.execute("ATTACH DATABASE ? AS other", (f"file:{b}?mode=ro",))
        ta = set(table_names(conn))
        tb = {str(r[0]) for r in conn.execute(
            "SELECT name FROM other.sqlite_master WHERE type='table' "
            "AND name NOT LIKE 'sqlite_%'")}
        # An empty alembic_version is legacy too (SCHEMA.md); revisions are compared apart.
        ta.discard("alembic_version")
        tb.discard("alembic_version")
        for t in sorted(ta ^ tb):
            diffs.append(f"{stage}: table {t} exists in only one of the two")
        for t in sorted(ta & tb):
            cols_a = [str(r[1]) for r in conn.execute(f"PRAGMA main.table_info({quote_ident(t)})")]
            cols_b = {str(r[1]) for r in conn.execute(
                f"PRAGMA other.table_info({quote_ident(t)})")}
            skip = set(_REGENERATED.get(t, ()))
            if cols_a and skip & set(cols_a):
                ignored.append(f"{t}.{', '.join(sorted(skip))} (re-created rows get a new time)")
            if set(cols_a) != cols_b:
                diffs.append(f"{stage}: table {t} has different columns")
                continue
            cols = ", ".join(quote_ident(c) for c in cols_a if c not in skip)
            q = quote_ident(t)
            only_a = conn.execute(f"SELECT COUNT(*) FROM (SELECT {cols} FROM main.{q} "
                                  f"EXCEPT SELECT {cols} FROM other.{q})").fetchone()[0]
            only_b = conn.execute(f"SELECT COUNT(*) FROM (SELECT {cols} FROM other.{q} "
                                  f"EXCEPT SELECT {cols} FROM main.{q})").fetchone()[0]
            na = conn.execute(f"SELECT COUNT(*) FROM main.{q}").fetchone()[0]
            nb = conn.execute(f"SELECT COUNT(*) FROM other.{q}").fetchone()[0]
            if only_a or only_b or na != nb:
                diffs.append(f"{stage}: {t}: {only_a} rows lost or changed, {only_b} rows new "
                             f"or changed ({na} -> {nb})")
    finally:
        conn.close()
    return diffs, ignored

