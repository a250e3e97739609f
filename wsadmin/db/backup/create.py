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

import contextlib
import datetime as dt
import errno
import getpass
import json
import os
import resource
import secrets
import shutil
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final

import wsadmin
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
    take_snapshot,
    verify_against,
)
from wsadmin.db.common.errors import (
    BackupBusy,
    BackupFailed,
    CorruptDatabase,
    DatabaseLocked,
    DiskFull,
    DiskIOError,
    WsadminError,
    classify_sqlite_error,
)
from wsadmin.db.common.progress import Cancelled, CancelToken, ProgressCallback, Reporter
from wsadmin.db.sqlite.connect import connect_ro
from wsadmin.db.sqlite.files import check_file, fsync_file, mode_no_wider_than

STEP_BYTES: Final = 64 << 20        # pages copied per backup step: progress and cancel points
BUSY_POLL_S: Final = 0.05
MMAP_BYTES: Final = 1 << 40


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
    transaction) instead of a new read-only one, e.g. one that holds
    `locking_mode=EXCLUSIVE` from backup to upgrade (rule 7). It is left open.
    """
    src_path = Path(db)
    if connection is None:
        facts = check_file(src_path)
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
        _prepare_folder(dest_dir)
        clean_stale_partials(dest_dir)
        cancel.raise_if_cancelled()
        tmp = dest_dir / f".{src_path.name}.{os.getpid()}.{secrets.token_hex(4)}{PARTIAL_SUFFIX}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            os.close(fd)
        except OSError as exc:
            raise _folder_error(exc, dest_dir) from exc
        try:
            if empty:
                snapshot, jmode, taken = Snapshot(None, [], {}), None, dt.datetime.now(dt.UTC)
            else:
                snapshot, jmode, taken = _copy(src_path, tmp, busy_timeout, cancel, step,
                                               size, wal=wal, connection=connection)
            step.detail = f"copied into {dest_dir}"
        except BaseException:
            _discard(tmp)
            raise
    with reporter.step("verify", "Verify the backup") as step:
        try:
            digest = _verify_new(tmp, snapshot, empty, cancel)
            size = tmp.stat().st_size
            infos: list[BackupInfo] = []

            def manifest_for(final: Path) -> bytes:
                infos.append(BackupInfo(
                    path=str(final),
                    manifest_path=str(manifest_path_for(final)),
                    source=str(src_path.resolve()),
                    size=size,
                    sha256=digest,
                    revision=snapshot.revision,
                    counts=snapshot.counts,
                    tables=snapshot.tables,
                    journal_mode=jmode,
                    created_at=taken.isoformat(timespec="seconds"),
                    tool_version=wsadmin.__version__,
                    user=_user(),
                ))
                return json.dumps({"format": MANIFEST_FORMAT, **infos[-1].to_json()},
                                  indent=2).encode()

            cancel.raise_if_cancelled()
            # The manifest is written first, then the backup gets its name (never
            # replacing another): a backup never has its final name without the facts
            # it is verified against, and two backups in one second keep both.
            try:
                final = publish(tmp, src_path, snapshot.revision, dest_dir, taken,
                                manifest_for, mode)
            except OSError as exc:
                raise _write_error(exc, dest_dir, 4096, "write the backup manifest in") from exc
            info = infos[-1]        # the manifest written for the name it got
            assert info.path == str(final)
        except BaseException:
            _discard(tmp)
            raise
        step.detail = "verified: " + ", ".join(f"{t} {n:,}" for t, n in snapshot.counts.items())
    return info


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


def _prepare_folder(dest_dir: Path) -> None:
    try:
        dest_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise BackupFailed(
            f"cannot create the backup folder {dest_dir}: {exc.strerror}",
            "choose another folder with --to") from exc
    if not dest_dir.is_dir():
        raise BackupFailed(f"the backup folder {dest_dir} is not a folder",
                           "choose another folder with --to")


def _folder_error(exc: OSError, dest_dir: Path) -> WsadminError:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return BackupFailed(f"cannot write in the backup folder {dest_dir}: "
                            f"{exc.strerror or 'permission denied'}",
                            "choose a folder you can write to with --to; nothing was changed")
    return _write_error(exc, dest_dir, 0, "write a backup in")


def _write_error(exc: BaseException, dest_dir: Path, needed: int, doing: str) -> WsadminError:
    """A failed write into the backup folder, said in the operator's terms."""
    if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return _folder_error(exc, dest_dir)
    why = _space_problem(dest_dir, needed)
    if why or (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT,
                                                           errno.EFBIG)):
        return DiskFull(f"the backup did not fit: could not {doing} {dest_dir}"
                        + (f" ({why})" if why else ""),
                        "free some disk space or choose another folder with --to; "
                        "the database was not changed and no backup was left")
    known = classify_sqlite_error(exc, dest_dir, doing)
    if isinstance(known, DiskFull):
        return DiskFull(known.message, "free some disk space or choose another folder with "
                        "--to; the database was not changed and no backup was left")
    return DiskIOError(f"could not {doing} {dest_dir}: {exc}",
                       "check the disk; the database was not changed and no backup was left")


def _space_problem(dest_dir: Path, needed: int) -> str:
    """Why `needed` bytes may not fit in dest_dir ("" when they should)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft != resource.RLIM_INFINITY and soft < max(needed, 1):
        return f"this process may not write files over {soft:,} bytes (ulimit -f)"
    try:
        free = shutil.disk_usage(dest_dir).free
    except OSError:
        return ""
    if free < needed:
        return f"{needed:,} bytes needed, {free:,} free"
    return ""


def _open_source(src_path: Path, immutable: bool, busy_timeout: float, cancel: CancelToken
                 ) -> tuple[sqlite3.Connection, Snapshot]:
    """A read transaction on the source, waiting (cancellably) while it is locked."""
    deadline = time.monotonic() + busy_timeout
    src = connect_ro(src_path, immutable=immutable, timeout=min(0.2, busy_timeout))
    try:
        # mmap spares a copy of every page through read(); the read lock held during
        # the copy keeps the file from shrinking under the mapping.
        src.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        while True:
            try:
                src.execute("BEGIN")
                return src, take_snapshot(src)
            except sqlite3.Error as exc:
                if src.in_transaction:
                    src.execute("ROLLBACK")
                known = classify_sqlite_error(exc, src_path, "back up")
                if not isinstance(known, DatabaseLocked):
                    if known is None:
                        raise
                    raise known from exc
                if time.monotonic() >= deadline:
                    raise BackupBusy(
                        f"{src_path} stayed locked by another program for {busy_timeout:g} s, "
                        "so no backup was made") from exc
                cancel.raise_if_cancelled()
                time.sleep(BUSY_POLL_S)
    except BaseException:
        src.close()
        raise


def _file_state(p: Path) -> tuple[int, int, int, bool, bool]:
    st = p.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns,
            p.with_name(p.name + "-wal").exists(), p.with_name(p.name + "-shm").exists())


def _copy(src_path: Path, tmp: Path, busy_timeout: float, cancel: CancelToken, step: Any,
          size: int, *, wal: bool, connection: sqlite3.Connection | None = None
          ) -> tuple[Snapshot, str | None, dt.datetime]:
    """Copy the source into `tmp` in one read transaction; return what was copied."""
    if connection is not None:
        snapshot, jmode, taken = _copy_once(src_path, tmp, busy_timeout, cancel, step, size,
                                            False, connection)
        return snapshot, jmode, taken
    # A WAL database nobody has open has no -wal/-shm: read it as immutable so that
    # no side files are left behind (rule 8), and accept the copy only if the file
    # did not change meanwhile; otherwise copy again through an ordinary connection.
    quiet = wal and not src_path.with_name(src_path.name + "-wal").exists() \
        and not src_path.with_name(src_path.name + "-shm").exists()
    attempts = (True, False) if quiet else (False,)
    for immutable in attempts:
        before = _file_state(src_path) if immutable else None
        result = _copy_once(src_path, tmp, busy_timeout, cancel, step, size, immutable)
        if before is None or _file_state(src_path) == before:
            snapshot, jmode, taken = result
            return snapshot, ("wal" if wal else jmode), taken
    raise AssertionError("unreachable")  # pragma: no cover


def _copy_once(src_path: Path, tmp: Path, busy_timeout: float, cancel: CancelToken, step: Any,
               size: int, immutable: bool, given: sqlite3.Connection | None = None
               ) -> tuple[Snapshot, str | None, dt.datetime]:
    try:
        if given is not None:
            src = given
            src.execute("BEGIN")
            try:
                snapshot = take_snapshot(src)
            except BaseException:
                src.execute("ROLLBACK")
                raise
        else:
            src, snapshot = _open_source(src_path, immutable, busy_timeout, cancel)
    except sqlite3.Error as exc:
        known = classify_sqlite_error(exc, src_path, "back up")
        raise (known or BackupFailed(f"cannot read {src_path}: {exc}")) from exc
    taken = dt.datetime.now(dt.UTC)
    try:
        jmode = str(src.execute("PRAGMA journal_mode").fetchone()[0])
        page_size = int(src.execute("PRAGMA page_size").fetchone()[0])
        dst = sqlite3.connect(tmp, isolation_level=None)
        try:
            # The backup file is fsynced as a whole before it is trusted, and it
            # is nobody's live database: no journal, no syncs per write.
            dst.execute("PRAGMA journal_mode=OFF")
            dst.execute("PRAGMA synchronous=OFF")
            dst.execute("PRAGMA cache_size=100")     # write pages out as they come

            def on_step(_status: int, remaining: int, total: int) -> None:
                if total:
                    step.fraction((total - remaining) / total)
                cancel.raise_if_cancelled()

            try:
                src.backup(dst, pages=max(STEP_BYTES // page_size, 64), progress=on_step)
            except sqlite3.Error as exc:
                known = classify_sqlite_error(exc, src_path, "back up")
                if isinstance(known, CorruptDatabase | DatabaseLocked):
                    raise known from exc
                raise _write_error(exc, tmp.parent, size, "write the backup in") from exc
            # A WAL source gives a copy marked WAL; a backup is one self-contained file.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        if src.in_transaction:
            src.execute("ROLLBACK")
        if given is None:
            src.close()
    return snapshot, jmode, taken


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
            raise _write_error(exc, tmp.parent, 0, "write the backup in") from exc
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


def _discard(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-journal")):
        with contextlib.suppress(OSError):
            p.unlink()


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"
