"""Copying a database into a backup file, and saying why a write into the backup
folder failed in the operator's terms.

The copy is made with the backup API from inside one read transaction on the
source (the write-locked connection of a change, or a read-only one), so the
snapshot recorded for the backup describes exactly the pages copied.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import resource
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any, Final

from wsadmin.db.backup.names import BACKUP_SUFFIX as BACKUP_SUFFIX
from wsadmin.db.backup.names import MANIFEST_SUFFIX as MANIFEST_SUFFIX
from wsadmin.db.backup.names import backup_path_for as backup_path_for
from wsadmin.db.backup.names import utc_stamp as utc_stamp
from wsadmin.db.backup.verify import (
    Snapshot,
    take_snapshot,
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
from wsadmin.db.common.progress import CancelToken
from wsadmin.db.sqlite.connect import connect_ro

STEP_BYTES: Final = 64 << 20        # pages copied per backup step: progress and cancel points

BUSY_POLL_S: Final = 0.05

MMAP_BYTES: Final = 1 << 40

def prepare_folder(dest_dir: Path) -> None:
    try:
        dest_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise BackupFailed(
            f"cannot create the backup folder {dest_dir}: {exc.strerror}",
            "choose another folder with --to") from exc
    if not dest_dir.is_dir():
        raise BackupFailed(f"the backup folder {dest_dir} is not a folder",
                           "choose another folder with --to")

def folder_error(exc: OSError, dest_dir: Path) -> WsadminError:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return BackupFailed(f"cannot write in the backup folder {dest_dir}: "
                            f"{exc.strerror or 'permission denied'}",
                            "choose a folder you can write to with --to; nothing was changed")
    return write_error(exc, dest_dir, 0, "write a backup in")

def write_error(exc: BaseException, dest_dir: Path, needed: int, doing: str) -> WsadminError:
    """A failed write into the backup folder, said in the operator's terms."""
    if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return folder_error(exc, dest_dir)
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

def copy_pages(src_path: Path, tmp: Path, busy_timeout: float, cancel: CancelToken, step: Any,
          size: int, *, wal: bool, connection: sqlite3.Connection | None = None
          ) -> tuple[Snapshot, str | None, dt.datetime]:
    """Copy the source into `tmp` in one read transaction; return what was copied."""
    if connection is not None:
        snapshot, jmode, taken = copy_once(src_path, tmp, busy_timeout, cancel, step, size,
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
        result = copy_once(src_path, tmp, busy_timeout, cancel, step, size, immutable)
        if before is None or _file_state(src_path) == before:
            snapshot, jmode, taken = result
            return snapshot, ("wal" if wal else jmode), taken
    raise AssertionError("unreachable")  # pragma: no cover

def copy_once(src_path: Path, tmp: Path, busy_timeout: float, cancel: CancelToken, step: Any,
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
                raise write_error(exc, tmp.parent, size, "write the backup in") from exc
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

def discard(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-journal")):
        with contextlib.suppress(OSError):
            p.unlink()
