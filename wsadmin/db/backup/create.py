"""Consistent, verified backups with the SQLite online backup API.

DESIGN.md rules 1, 2 and 10. The copy is made with the backup API from inside
one read transaction on the source, so the row counts recorded for the backup
describe exactly the snapshot copied, whatever other processes commit
meanwhile (in WAL mode the snapshot includes the rows committed to `-wal`).
A change copies through the connection that holds its write lock, so the
backup is exactly the state the change starts from. The copy goes to a hidden
`.partial` file created with permissions no wider than the source's; it is
then fsynced, verified (quick_check, same tables, same row counts, same
revision) and hashed, its manifest is written, and only then does it get its
final name (wsadmin.db.backup.names). A cancelled, failed or killed backup
never has a final name.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import wsadmin
from wsadmin.db.backup.copy import copy_pages, discard, folder_error, prepare_folder, write_error
from wsadmin.db.backup.folders import default_backup_folder
from wsadmin.db.backup.manifest import MANIFEST_FORMAT, BackupInfo
from wsadmin.db.backup.names import BACKUP_SUFFIX as BACKUP_SUFFIX
from wsadmin.db.backup.names import MANIFEST_SUFFIX as MANIFEST_SUFFIX
from wsadmin.db.backup.names import PARTIAL_SUFFIX, check_names, manifest_path_for, publish
from wsadmin.db.backup.names import backup_path_for as backup_path_for
from wsadmin.db.backup.names import utc_stamp as utc_stamp
from wsadmin.db.backup.partials import clean_stale_partials
from wsadmin.db.backup.verify import (
    Snapshot,
    Verification,
    sha256_file,
    verify_against,
)
from wsadmin.db.common.audit import os_user
from wsadmin.db.common.errors import (
    BackupFailed,
    classify_sqlite_error,
)
from wsadmin.db.common.progress import Cancelled, CancelToken, ProgressCallback, Reporter
from wsadmin.db.sqlite.files import check_file, fsync_file, mode_no_wider_than
from wsadmin.db.sqlite.journal import refuse_hot_journal

# --- creating a backup ---------------------------------------------------------------------


def create_backup(db: str | Path, folder: str | Path | None = None, *,
                  progress: ProgressCallback | None = None,
                  cancel: CancelToken | None = None,
                  busy_timeout: float = 30.0,
                  connection: sqlite3.Connection | None = None) -> BackupInfo:
    """Write a verified backup of `db` into `folder` and return what it holds.

    `folder` defaults to the configured backup folder, else the database's own
    folder. Waits up to `busy_timeout` seconds for a database another program
    holds locked, then raises BackupBusy. Cancelling (at any point before the
    final rename) raises Cancelled and leaves no file behind.

    `connection`: copy through this open connection to `db` (not in a
    transaction) instead of a new read-only one, e.g. the one that holds the
    write lock from backup to commit (wsadmin.db.sqlite.lock). It is left open.
    """
    return copy_backup(db, folder, progress=progress, cancel=cancel,
                       busy_timeout=busy_timeout, connection=connection).finish()


@dataclass
class CopiedBackup:
    """A backup copied into its hidden `.partial` file, not yet verified or named.

    `finish()` verifies it (fsync, checksum, quick_check, tables, counts, revision),
    writes its manifest and gives it its final name; `discard()` removes it. A
    change may run while `finish()` works on another thread (the copy is a file of
    its own): the two cores overlap the backup's verification with the change,
    which must not commit before `finish()` returned.
    """

    path: Path                  # the `.partial` file
    source: Path
    dest_dir: Path
    snapshot: Snapshot
    journal_mode: str | None
    taken: dt.datetime
    empty: bool
    mode: int
    reporter: Reporter
    cancel: CancelToken

    def finish(self) -> BackupInfo:
        with self.reporter.step("verify", "Verify the backup") as step:
            try:
                info = self._verify_and_publish()
            except BaseException:
                self.discard()
                raise
            step.detail = "verified: " + ", ".join(f"{t} {n:,}"
                                                   for t, n in self.snapshot.counts.items())
        return info

    def _verify_and_publish(self) -> BackupInfo:
        tmp, snapshot = self.path, self.snapshot
        digest = _verify_new(tmp, snapshot, self.empty, self.cancel)
        size = tmp.stat().st_size
        infos: list[BackupInfo] = []

        def manifest_for(final: Path) -> bytes:
            infos.append(BackupInfo(
                path=str(final),
                manifest_path=str(manifest_path_for(final)),
                source=str(self.source.resolve()),
                size=size,
                sha256=digest,
                revision=snapshot.revision,
                counts=snapshot.counts,
                tables=snapshot.tables,
                journal_mode=self.journal_mode,
                created_at=self.taken.isoformat(timespec="seconds"),
                tool_version=wsadmin.__version__,
                user=os_user(),
            ))
            return json.dumps({"format": MANIFEST_FORMAT, **infos[-1].to_json()},
                              indent=2).encode()

        self.cancel.raise_if_cancelled()
        # The manifest is written first, then the backup gets its name (never
        # replacing another): a backup never has its final name without the facts
        # it is verified against, and two backups in one second keep both.
        try:
            final = publish(tmp, self.source, snapshot.revision, self.dest_dir, self.taken,
                            manifest_for, self.mode)
        except OSError as exc:
            raise write_error(exc, self.dest_dir, 4096,
                               "write the backup manifest in") from exc
        info = infos[-1]        # the manifest written for the name it got
        assert info.path == str(final)
        return info

    def discard(self) -> None:
        discard(self.path)


def copy_backup(db: str | Path, folder: str | Path | None = None, *,
                progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None,
                busy_timeout: float = 30.0,
                connection: sqlite3.Connection | None = None) -> CopiedBackup:
    """The first half of create_backup: the consistent copy (see CopiedBackup)."""
    src_path = Path(db)
    if connection is None:
        facts = check_file(src_path)
        refuse_hot_journal(src_path)    # before any folder or file is made
        empty, size, wal = facts.empty, facts.size, facts.wal_mode
    else:
        # Never check the file itself while SQLite has it open here: closing a second
        # descriptor would drop the locks `connection` holds. Ask SQLite instead.
        empty, size, wal = _facts_through(connection, src_path)
    dest_dir = (Path(folder) if folder is not None else default_backup_folder(src_path)).absolute()
    check_names(src_path, dest_dir)
    reporter = Reporter(progress)
    cancel = cancel or CancelToken()
    mode = mode_no_wider_than(src_path)
    with reporter.step("backup", "Back up the database") as step:
        prepare_folder(dest_dir)
        clean_stale_partials(dest_dir)
        cancel.raise_if_cancelled()
        tmp = dest_dir / f".{src_path.name}.{os.getpid()}.{secrets.token_hex(4)}{PARTIAL_SUFFIX}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            os.close(fd)
        except OSError as exc:
            raise folder_error(exc, dest_dir) from exc
        try:
            if empty:
                snapshot, jmode, taken = Snapshot(None, [], {}), None, dt.datetime.now(dt.UTC)
            else:
                snapshot, jmode, taken = copy_pages(src_path, tmp, busy_timeout, cancel, step,
                                               size, wal=wal, connection=connection)
            step.detail = f"copied into {dest_dir}"
        except BaseException:
            discard(tmp)
            raise
    return CopiedBackup(tmp, src_path, dest_dir, snapshot, jmode, taken, empty, mode,
                        reporter, cancel)


def _facts_through(conn: sqlite3.Connection, path: Path) -> tuple[bool, int, bool]:
    """(empty, size, WAL mode) of the database `conn` has open, read through it."""
    try:
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
    except sqlite3.Error as exc:
        known = classify_sqlite_error(exc, path, "back up")
        raise (known or BackupFailed(f"cannot read {path}: {exc}")) from exc
    return pages == 0, pages * page_size, mode == "wal"


def _verify_new(tmp: Path, snapshot: Snapshot, empty: bool, cancel: CancelToken) -> str:
    """fsync, hash and verify the new copy at once (each releases the GIL)."""
    stop = _Linked(cancel)
    with ThreadPoolExecutor(max_workers=2) as pool:
        synced = pool.submit(fsync_file, tmp)
        digest = pool.submit(sha256_file, tmp, cancel=stop)
        try:
            check = Verification(True) if empty else verify_against(tmp, snapshot, cancel=cancel)
        except BaseException:
            stop.cancel()  # stop the hash too; the caller removes the file
            raise
        try:
            synced.result()
        except OSError as exc:
            raise write_error(exc, tmp.parent, 0, "write the backup in") from exc
        result = digest.result()
    if not check.ok:
        raise BackupFailed("the new backup failed verification: " + "; ".join(check.problems))
    return result


class _Linked(CancelToken):
    """Cancelled when its own cancel() is called or when `outer` is."""

    def __init__(self, outer: CancelToken) -> None:
        super().__init__()
        self._outer = outer

    @property
    def cancelled(self) -> bool:
        return self._outer.cancelled or super().cancelled

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise Cancelled("cancelled by the operator; nothing was changed")

