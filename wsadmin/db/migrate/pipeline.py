"""Backup-then-change: the one-button pipeline for upgrade, downgrade, adopt, repair
and init.

    preflight -> lock -> backup -> verify -> [adopt | repair] -> revisions...
              -> post-verify -> commit -> after-commit check -> release
              (on failure: rolled back, or restored from the backup)

DESIGN.md rules 5 and 7. One connection takes the database's write lock
before the backup and keeps it until the outcome is known: the backup is
copied through it, adopt's or repair's own steps and the revisions run on it
in ONE transaction, the post-verification (verify_change.py) runs inside that
transaction, and a failure after the commit restores the backup through it
too. Nothing another program commits can fall in between.

`init` of a missing file creates it first and has no backup to take: on
failure the file it created is removed again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from wsadmin.db.backup.create import CopiedBackup, copy_backup
from wsadmin.db.backup.manifest import BackupInfo
from wsadmin.db.backup.restore import compare, restore_into, settle_after_failed_copy
from wsadmin.db.backup.verify import Snapshot, take_snapshot
from wsadmin.db.common import audit
from wsadmin.db.common.errors import MigrationFailed, WsadminError, classify_sqlite_error
from wsadmin.db.common.interrupts import InterruptLatch, held_interrupts
from wsadmin.db.common.progress import CancelToken, ProgressCallback, Reporter, Step, StepState
from wsadmin.db.migrate import prepare
from wsadmin.db.migrate.model import (
    DONE,
    PipelineFailed,
    PipelineNotRestored,
    PipelineResult,
    start_words,
)
from wsadmin.db.migrate.preflight import (
    VERIFY_ALONGSIDE,
    Preflight,
    audit_refusal,
    preflight,
    refusal_of,
)
from wsadmin.db.migrate.runner import run_alembic
from wsadmin.db.migrate.verify_change import (
    allowed_losses,
    failure_reason,
    post_checks,
    post_commit_problems,
)
from wsadmin.db.schema.status import Status, inspect
from wsadmin.db.sqlite.connect import connect_rw, translated_errors
from wsadmin.db.sqlite.integrity import foreign_key_problems_of_file, quick_check
from wsadmin.db.sqlite.lock import hold_write_lock

_NOTHING = Snapshot(None, [], {})


def run(db: str | Path, action: str = "upgrade", target: str | None = "head", *,
        progress: ProgressCallback | None = None, backup_dir: str | Path | None = None,
        force: bool = False, cancel: CancelToken | None = None) -> PipelineResult:
    """Backup-then-change. Returns on success; raises PipelineFailed (exit 1) when the
    change failed after the backup (database as before), PipelineNotRestored (exit
    4) when it failed and the backup could not be put back, and WsadminError (exit 2)
    when refused before anything was written."""
    path = Path(db)
    reporter = Reporter(progress)
    cancel = cancel or CancelToken()
    with reporter.step("preflight", "Check the database can be changed safely") as step:
        pf = preflight(path, action, target, backup_dir=backup_dir)
        blocking = [f for f in pf.findings if f.blocking and not (force and f.forceable)]
        if blocking:
            status = pf.status
            audit_refusal(path, action, status.current_revision if status else None, pf.goal,
                          blocking)
            raise refusal_of(blocking)
        step.detail = "; ".join(f.message for f in pf.findings) or "ok"
    status = pf.status
    if status is not None and not pf.revisions and action not in ("adopt", "repair", "init"):
        return PipelineResult(str(path), action, "nothing-to-do", status.current_revision,
                              status.current_revision, [], None, status.counts, status.counts,
                              pf.findings, f"already at {status.current_revision or 'legacy'}")
    cancel.raise_if_cancelled()
    return _Runner(path, action, pf, reporter, progress, backup_dir, cancel).run()


class _Runner:
    """One backup-then-change, all on the one connection that holds the write lock."""

    def __init__(self, path: Path, action: str, pf: Preflight, reporter: Reporter,
                 progress: ProgressCallback | None, backup_dir: str | Path | None,
                 cancel: CancelToken) -> None:
        self.path, self.action, self.pf = path, action, pf
        self.status: Status | None = pf.status
        self.reporter, self.progress = reporter, progress
        self.backup_dir, self.cancel = backup_dir, cancel
        self.conn: sqlite3.Connection | None = None
        self.copied: CopiedBackup | None = None
        self.verified: Future[BackupInfo] | None = None
        self.verification_outcome: list[Step] = []
        self.backup: BackupInfo | None = None
        self.created = False            # init made the file: remove it on failure
        self.committed = False
        self.fk_before: Future[dict[str, int]] | None = None
        self.dropped = prepare.tables_repair_drops(pf.status) if (
            action == "repair" and pf.status is not None) else []
        # From just before COMMIT until the outcome is audited, Ctrl-C is held.
        self.held = contextlib.ExitStack()
        self.latch: InterruptLatch | None = None
        self.intent: audit.Intent | None = None

    @property
    def from_revision(self) -> str | None:
        return self.status.current_revision if self.status else None

    def run(self) -> PipelineResult:
        self.intent = audit.begin(self.action, self.path, from_revision=self.from_revision,
                                  to_revision=self.pf.goal, revisions=list(self.pf.revisions))
        with ThreadPoolExecutor(max_workers=1) as pool, self.held:
            try:
                self._lock_and_back_up(pool)
            except BaseException as exc:
                self._close()
                self._remove_created()
                self.intent.done("refused" if isinstance(exc, WsadminError) else "cancelled",
                                 message=failure_reason(exc, self.path))
                raise
            try:
                self.cancel.raise_if_cancelled()
                self._change()
                self.committed = True
                problems = post_commit_problems(self._conn(), self.pf.goal)
                if problems:
                    raise MigrationFailed("after commit: " + "; ".join(problems))
            except BaseException as exc:
                return self._failed(exc)
            finally:
                self._close()
            return self._succeeded()

    def _lock_and_back_up(self, pool: ThreadPoolExecutor) -> None:
        if self.status is None:
            with self.reporter.step("init", "Create the database file") as step:
                with translated_errors(self.path, "create"):
                    connect_rw(self.path, create=True).close()
                self.created = True
                step.detail = str(self.path)
        with self.reporter.step("lock", "Lock the database against other writers") as step:
            self.conn = hold_write_lock(self.path)
            step.detail = "other programs can still read; their writes wait"
        if self.created:
            return          # a new file: nothing to back up
        copied = copy_backup(self.path, self.backup_dir, progress=self.progress,
                             cancel=self.cancel, connection=self.conn)
        self.copied = copied
        # The two cores: the copy is verified, hashed and named while the change runs;
        # the change waits for it before COMMIT. The copy is also the exact state
        # before the change: its foreign-key problems are the baseline. Its step is
        # shown running at once, but its outcome only where the change joins it: the
        # steps then read in the order the pipeline relies on them (`[ok] Verify the
        # backup` before the result is verified and committed, never after an upgrade
        # step that merely finished first on the other core).
        checker = dataclasses.replace(copied, reporter=Reporter(self._verification_event))
        verified = self.verified = pool.submit(checker.finish)
        self.fk_before = pool.submit(
            lambda: foreign_key_problems_of_file(Path(verified.result().path)))

    def _before(self) -> Snapshot:
        return self.copied.snapshot if self.copied is not None else _NOTHING

    def _verification_event(self, step: Step) -> None:
        """The backup's verification reports from the other core: running now, its
        outcome held until _wait_for_backup joins it."""
        if step.state is StepState.RUNNING:
            self.reporter.emit(step.id, VERIFY_ALONGSIDE, step.state, step.detail,
                               step.fraction)
        else:
            self.verification_outcome.append(step)

    def _wait_for_backup(self) -> None:
        """Before COMMIT: the backup is verified and has its final name, or the change
        is rolled back (a change never commits without a good backup)."""
        if self.verified is not None and self.backup is None:
            fk = self.fk_before
            try:
                self.backup = self.verified.result()
            finally:
                # The future is done: its outcome event was appended before it returned.
                while self.verification_outcome:
                    outcome = self.verification_outcome.pop(0)
                    self.reporter.emit(outcome.id, VERIFY_ALONGSIDE, outcome.state,
                                       outcome.detail, refused=outcome.refused)
            if fk is not None:
                fk.result()

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """adopt's and repair's own steps, inside the change's transaction."""
        if self.action == "adopt":
            with self.reporter.step("adopt", "Record head: the schema is already the "
                                    "backend's") as step:
                step.detail = prepare.adopt(conn)
        elif self.action == "repair":
            assert self.status is not None
            with self.reporter.step("repair", "Record the revision the schema is really at"
                                    ) as step:
                step.detail = prepare.repair(conn, self.status)

    def _change(self) -> None:
        conn = self._conn()
        before = self._before()
        losses = allowed_losses(conn, self.action, self.pf.revisions, self.dropped)
        run_as = "downgrade" if self.action == "downgrade" else "upgrade"

        def verify_then_hold() -> None:
            # Still inside the change's transaction: join the backup's verification (the
            # result's check needs its foreign-key baseline anyway), verify the result,
            # then COMMIT.
            self._wait_for_backup()
            self._post_verify(conn, before, losses)
            self.latch = self.held.enter_context(held_interrupts())

        if not self.pf.revisions:           # adopt: no revision runs
            with translated_errors(self.path, self.action):
                conn.execute("BEGIN IMMEDIATE")
                try:
                    self._prepare(conn)
                    verify_then_hold()
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            return
        last = f"{run_as}:{self.pf.revisions[-1]}"
        outer = self.progress

        def gate(step: Step) -> None:
            if outer is not None and step.id != f"{run_as}:?":
                outer(step)
            if step.id == last and step.state is StepState.DONE:
                verify_then_hold()

        run_alembic(self.path, run_as, self.pf.goal, list(self.pf.revisions), gate,
                    connection=conn, prepare=self._prepare)

    def _post_verify(self, conn: sqlite3.Connection, before: Snapshot,
                     losses: dict[str, int | None]) -> None:
        with self.reporter.step("post-verify", "Verify the result before committing") as step:
            fk_before = self.fk_before.result() if self.fk_before is not None else {}
            try:
                problems = post_checks(conn, self.pf.goal, before, fk_before, losses,
                                       built=self.action != "adopt")
            except sqlite3.Error as exc:
                known = classify_sqlite_error(exc, self.path, "verify")
                raise known or exc from exc
            if problems:
                raise MigrationFailed(f"post-verification of the {self.action} failed: "
                                      + "; ".join(problems[:5]))
            step.detail = "revision, schema, quick_check, foreign keys and row counts ok"

    # Outcomes ---------------------------------------------------------
    def _succeeded(self) -> PipelineResult:
        after = inspect(self.path)
        st = self.status
        start = (start_words(st.state.value, st.current_revision, st.highest_present)
                 if st is not None else "missing")
        message = f"{DONE[self.action]} {self.path}: {start} -> {self.pf.goal or 'legacy'}"
        if self.latch is not None and self.latch.interrupted:
            # Held from the end of the verification on (verify_then_hold): too late to stop.
            message += (" (Ctrl-C came once the change was verified and committing: "
                        "it is complete)")
        counts_before = dict(self.status.counts) if self.status else {}
        result = PipelineResult(str(self.path), self.action, DONE[self.action],
                                self.from_revision, self.pf.goal, list(self.pf.revisions),
                                self.backup, counts_before, dict(after.counts),
                                self.pf.findings, message)
        assert self.intent is not None
        self.intent.done("ok", from_revision=self.from_revision, to_revision=self.pf.goal,
                         backup=self.backup.path if self.backup else None,
                         counts_before=result.counts_before, counts_after=result.counts_after)
        return result

    def _failed(self, exc: BaseException) -> PipelineResult:
        # Whatever comes now (a rollback check, a restore) must not be cut short.
        latch = self.latch or self.held.enter_context(held_interrupts())
        assert self.intent is not None
        conn = self._conn()
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        # A change that failed before its COMMIT still leaves a good backup of the
        # database as it is (a backup that failed verification removes itself).
        with contextlib.suppress(BaseException):
            self._wait_for_backup()
        reason = failure_reason(exc, self.path)
        counts = dict(self.status.counts) if self.status else {}
        base = PipelineResult(str(self.path), self.action, "failed-unchanged",
                              self.from_revision, self.pf.goal, [], self.backup, counts, counts,
                              self.pf.findings)
        interrupted = isinstance(exc, KeyboardInterrupt) or latch.interrupted
        created = self.created
        if created:
            self._close()
            self._remove_created()
        if created or not (self.committed or _differs(conn, self._before())):
            what = "was interrupted" if interrupted else "failed: " + reason
            base.message = (f"the {self.action} {what}. It was rolled back: "
                            + ("the new file was removed" if created
                               else "your database is unchanged"))
            self.intent.done("failed-unchanged", backup=self.backup.path if self.backup
                             else None, message=reason)
            if isinstance(exc, KeyboardInterrupt):
                raise KeyboardInterrupt(base.message) from exc
            kept = f"the backup {self.backup.path} is kept; " if self.backup else ""
            raise PipelineFailed(base.message, base, kept + "run with --debug for details"
                                 ) from exc
        assert self.backup is not None
        try:
            with self.reporter.step("restore", "Restore the backup") as step:
                restore_into(conn, self.path, Path(self.backup.path), self._before())
                step.detail = f"restored from {self.backup.path}"
        except BaseException as rexc:
            self._close()
            state = settle_after_failed_copy(self.path, self._before())
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
        self.intent.done("failed-restored", from_revision=self.from_revision,
                         to_revision=self.pf.goal, backup=self.backup.path, message=reason)
        raise PipelineFailed(base.message, base, "run with --debug for details") from exc

    def _remove_created(self) -> None:
        if self.created:
            for suffix in ("", "-journal", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    self.path.with_name(self.path.name + suffix).unlink()
            self.created = False

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


def _differs(conn: sqlite3.Connection | None, expected: Snapshot) -> bool:
    """Whether the database (through the locked connection) is not the backed-up state."""
    if conn is None:
        return True
    try:
        return bool(quick_check(conn) + compare(expected, take_snapshot(conn)))
    except (WsadminError, sqlite3.Error):
        return True
