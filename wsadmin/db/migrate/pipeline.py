"""Backup-then-change: the one-button pipeline.

    preflight -> lock -> backup -> verify -> upgrade:... -> post-verify -> commit
              -> after-commit check -> release   (on failure: rolled back, or restored)

DESIGN.md rules 5 and 7. One connection takes the database's write lock
before the backup and keeps it until the outcome is known: the backup is
copied through it, the revisions run on it in one transaction, the
post-verification (revision, quick_check, foreign_key_check no worse than
the backup's, no table losing rows the revisions do not document losing)
runs inside that transaction, and a failure after the commit restores the
backup through it too. Nothing another program commits can fall in between.
"""
from __future__ import annotations

import contextlib
import sqlite3
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from wsadmin.db.backup.create import create_backup
from wsadmin.db.backup.manifest import BackupInfo
from wsadmin.db.backup.restore import compare, restore_into, settle_after_failed_copy
from wsadmin.db.backup.verify import Snapshot, take_snapshot
from wsadmin.db.common import audit
from wsadmin.db.common.errors import (
    DiskFull,
    DiskIOError,
    MigrationFailed,
    WsadminError,
    classify_sqlite_error,
)
from wsadmin.db.common.interrupts import InterruptLatch, held_interrupts
from wsadmin.db.common.progress import CancelToken, ProgressCallback, Reporter, Step, StepState
from wsadmin.db.contract import ALEMBIC_TMP_PREFIX
from wsadmin.db.inspect import Status, inspect
from wsadmin.db.migrate.model import (
    DISK_FACTOR,
    PipelineFailed,
    PipelineNotRestored,
    PipelineResult,
)
from wsadmin.db.migrate.preflight import _audit_refused, _Preflight, _refusal, preflight
from wsadmin.db.migrate.runner import run_alembic
from wsadmin.db.sqlite.connect import translated_errors
from wsadmin.db.sqlite.files import free_bytes
from wsadmin.db.sqlite.integrity import (
    foreign_key_problems,
    foreign_key_problems_of_file,
    quick_check,
)
from wsadmin.db.sqlite.introspect import quote_ident, table_names
from wsadmin.db.sqlite.lock import hold_write_lock

# ---------------------------------------------------------------- the run


def allowed_losses(conn: sqlite3.Connection, action: str, steps: list[str]
                   ) -> dict[str, int | None]:
    """Rows each table may lose by `steps` as documented (None: the table goes away)."""
    if action == "upgrade":
        return {}
    from wsadmin.db.downgrade_costs import downgrade_cost

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
