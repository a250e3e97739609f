"""Put a verified backup back into the live database (DESIGN.md rule 4).

The backup is verified first, the current state is backed up (a safety
backup), and then the backup's pages are copied INTO the live database with
the SQLite backup API: one transaction on the live file, through its journal
or its -wal, so a crash half-way leaves the old state, and a stale -wal can
never be replayed over the restored pages (no file is ever renamed over the
database). The result is verified against the backup and audited.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wsadmin.db.backup.create import create_backup
from wsadmin.db.backup.manifest import BackupInfo
from wsadmin.db.backup.verify import Snapshot, take_snapshot, verify_backup
from wsadmin.db.common import audit
from wsadmin.db.common.errors import (
    CorruptDatabase,
    NotADatabase,
    NotAFile,
    Refused,
    RestoreFailed,
    RestoreIncomplete,
    WsadminError,
)
from wsadmin.db.common.interrupts import held_interrupts
from wsadmin.db.common.progress import CancelToken, ProgressCallback, Reporter, Step
from wsadmin.db.sqlite.connect import connect_ro, connect_rw, translated_errors
from wsadmin.db.sqlite.files import check_file
from wsadmin.db.sqlite.holders import check_open
from wsadmin.db.sqlite.integrity import copy_database, quick_check
from wsadmin.db.sqlite.journal import has_hot_journal, recover_hot_journal, refuse_hot_journal
from wsadmin.db.sqlite.lock import hold_write_lock


@dataclass(frozen=True)
class RestoreResult:
    database: str
    backup: str
    revision: str | None
    counts_before: dict[str, int]
    counts_after: dict[str, int]
    revision_before: str | None
    safety_backup: BackupInfo | None
    problems_before: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["safety_backup"] = self.safety_backup.path if self.safety_backup else None
        return data


def _prefixed(progress: ProgressCallback | None, prefix: str) -> ProgressCallback | None:
    if progress is None:
        return None
    cb = progress

    def forward(step: Step) -> None:
        cb(Step(prefix + step.id, step.label.replace("Back up", "Safety backup of")
                .replace("Verify the backup", "Verify the safety backup"),
                step.state, step.detail, step.fraction))

    return forward


def restore_backup(db: str | Path, backup: str | Path, *,
                   progress: ProgressCallback | None = None,
                   safety_dir: str | Path | None = None,
                   safety: bool = True,
                   force: bool = False,
                   cancel: CancelToken | None = None) -> RestoreResult:
    """Restore `backup` into `db`. Step ids: check-backup, safety-backup, safety-verify,
    restore, verify-restore.

    One connection holds the database's write lock from the safety backup until
    the restored pages are verified, so nothing another program commits can
    fall between the safety backup and the restore. `safety=False` skips the
    safety backup.
    """
    db_path, bak_path = Path(db), Path(backup)
    try:
        check_file(db_path)     # missing, a FIFO or device, a name too long: refuse first
    except NotAFile:
        raise
    except (CorruptDatabase, NotADatabase):
        pass                    # replacing a damaged file is what a restore is for
    refuse_hot_journal(db_path)   # recover keeps the interrupted write's files first
    reporter = Reporter(progress)
    cancel = cancel or CancelToken()
    with reporter.step("check-backup", "Verify the backup to restore") as step:
        check_file(bak_path)
        verification = verify_backup(bak_path)
        if not verification.ok or verification.snapshot is None:
            raise Refused(f"{bak_path} failed verification: " + "; ".join(verification.problems),
                          "choose another backup (`wsadmin backups DB` lists them)")
        target = verification.snapshot
        step.detail = f"revision {target.revision or 'legacy'}, " + _counts_text(target.counts)
    before = _read_before(db_path)
    if not force:
        in_use = check_open(db_path)
        if in_use.in_use:
            raise Refused(f"{db_path} is {in_use.describe()}",
                          "stop the backend (or close that program) first, or pass --force")
    if safety and before.snapshot is None and not force:
        raise Refused(f"{db_path} cannot be read ({'; '.join(before.problems)}), so no safety "
                      "backup of it can be taken", "pass --force to overwrite it anyway")
    cancel.raise_if_cancelled()
    intent = audit.begin("restore", db_path, backup=str(bak_path),
                         from_revision=before.revision, to_revision=target.revision)
    conn = _lock_for_restore(db_path, before)
    try:
        safety_info: BackupInfo | None = None
        if safety and before.snapshot is not None:
            try:
                safety_info = create_backup(db_path, safety_dir, cancel=cancel, connection=conn,
                                            progress=_prefixed(progress, "safety-"))
            except BaseException as exc:
                intent.done("failed-unchanged", message=_reason(exc))
                raise
        cancel.raise_if_cancelled()
        with held_interrupts(), reporter.step("restore", f"Copy {bak_path.name} into the "
                                              "database") as step:
            try:
                after = restore_into(conn, db_path, bak_path, target)
            except BaseException as exc:
                conn.close()
                _settle_failed_restore(db_path, bak_path, before, intent, exc)
                raise   # unreachable: _settle_failed_restore always raises
            step.detail = f"restored from {bak_path}"
        with reporter.step("verify-restore", "Verify the restored database") as step:
            step.detail = _counts_text(after.counts)
        result = RestoreResult(str(db_path), str(bak_path), after.revision, before.counts,
                               after.counts, before.revision, safety_info, before.problems)
        intent.done("ok", backup=str(bak_path),
                    safety_backup=safety_info.path if safety_info else None,
                    from_revision=before.revision, to_revision=after.revision,
                    counts_before=before.counts, counts_after=after.counts)
        return result
    finally:
        conn.close()


@dataclass
class _Before:
    """The live database as it was before a restore (snapshot None: unreadable)."""

    snapshot: Snapshot | None
    problems: list[str]

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.snapshot.counts) if self.snapshot else {}

    @property
    def revision(self) -> str | None:
        return self.snapshot.revision if self.snapshot else None


def _read_before(db_path: Path) -> _Before:
    # Checked before any connection to it is opened (see hold_write_lock).
    try:
        check_file(db_path)
        conn = connect_ro(db_path)
        try:
            with translated_errors(db_path, "read"):
                return _Before(take_snapshot(conn), [])
        finally:
            conn.close()
    except (CorruptDatabase, NotADatabase) as exc:
        return _Before(None, [exc.message])


def _lock_for_restore(db_path: Path, before: _Before) -> sqlite3.Connection:
    try:
        return hold_write_lock(db_path)
    except (CorruptDatabase, NotADatabase):
        if before.snapshot is not None:
            raise
        # Too damaged for SQLite to lock (and the operator passed --force): the copy
        # still goes through SQLite, in one transaction.
        return connect_rw(db_path, timeout=30.0)


def restore_into(conn: sqlite3.Connection, db_path: Path, bak_path: Path, target: Snapshot
                 ) -> Snapshot:
    """Copy a verified backup into the database through `conn` (the connection holding
    its write lock; not in a transaction), then verify through the same connection.

    Raises RestoreFailed when the copy failed (SQLite rolled it back), RestoreIncomplete
    when the copy went in but does not match the backup.
    """
    try:
        src = connect_ro(bak_path, immutable=True)
        try:
            with translated_errors(db_path, "restore"):
                copy_database(src, conn)
        finally:
            src.close()
    except WsadminError as exc:
        raise RestoreFailed(f"restoring {db_path} from {bak_path} failed: {exc.message}") from exc
    try:
        with translated_errors(db_path, "verify"):
            problems = quick_check(conn)
            snap = take_snapshot(conn)
    except (WsadminError, sqlite3.Error) as exc:
        raise RestoreIncomplete(f"the restored {db_path} cannot be read: {exc}") from exc
    problems += compare(target, snap)
    if problems:
        raise RestoreIncomplete(f"the restored {db_path} does not match the backup: "
                                + "; ".join(problems[:5]))
    return snap


def _settle_failed_restore(db_path: Path, bak_path: Path, before: _Before, intent: audit.Intent,
                           exc: BaseException) -> None:
    """After a failed copy, find out (and say) what state the database is in; raise."""
    state = settle_after_failed_copy(db_path, before.snapshot)
    if state is None and isinstance(exc, RestoreFailed):
        intent.done("failed-unchanged", message=exc.message)
        raise RestoreFailed(exc.message + "; SQLite rolled the copy back and the database is "
                            "as it was before the restore") from exc
    message = (f"restoring {db_path} from {bak_path} failed ({_reason(exc)}) and the database "
               f"is not as it was: {state or 'it no longer matches'}")
    intent.done("failed-not-restored", message=message)
    raise RestoreIncomplete(message, f"run `wsadmin recover {db_path}` if it names a hot "
                            f"journal, then `wsadmin restore {db_path} {bak_path}` again; the "
                            "backup file is intact") from exc


def settle_after_failed_copy(db_path: Path, expected: Snapshot | None) -> str | None:
    """None when the database (no connection of ours open to it) passes quick_check and
    matches `expected`, after rolling back a journal a failed copy left; else why not."""
    if expected is None:
        return "it could not be read before the restore either"
    if has_hot_journal(db_path):
        try:
            recover_hot_journal(db_path)
        except WsadminError as exc:
            return f"a hot journal is left that SQLite could not roll back ({exc.message})"
    try:
        conn = connect_ro(db_path)
        try:
            with translated_errors(db_path, "verify"):
                problems = quick_check(conn) + compare(expected, take_snapshot(conn))
        finally:
            conn.close()
    except (WsadminError, sqlite3.Error) as exc:
        return f"it cannot be read ({exc})"
    return "; ".join(problems[:3]) or None


def _reason(exc: BaseException) -> str:
    return exc.message if isinstance(exc, WsadminError) else (str(exc) or type(exc).__name__)


def compare(expected: Snapshot, got: Snapshot) -> list[str]:
    """Differences in tables, row counts and revision (empty: the same)."""
    problems: list[str] = []
    if expected.tables != got.tables:
        missing = sorted(set(expected.tables) - set(got.tables))
        extra = sorted(set(got.tables) - set(expected.tables))
        problems.append("tables differ" + (f"; missing {missing}" if missing else "")
                        + (f"; unexpected {extra}" if extra else ""))
    for table, n in expected.counts.items():
        if got.counts.get(table) != n:
            problems.append(f"{table} has {got.counts.get(table)} rows instead of {n}")
    if expected.revision != got.revision:
        problems.append(f"revision {got.revision} instead of {expected.revision}")
    return problems


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{t} {n:,}" for t, n in counts.items())


def backup_snapshot(info: BackupInfo) -> Snapshot:
    return Snapshot(info.revision, list(info.tables), dict(info.counts))


