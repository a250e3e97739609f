"""Roll back a hot journal left by a writer that died, keeping a raw copy first.

A rollback-journal database whose writer was killed mid-transaction has a
`-journal` file that SQLite rolls back on the next write-capable open. A
read-only connection may not do that, so status and checks stop with
HotJournal until it is recovered. Recovery is SQLite's own: this module only
makes sure nobody is writing, keeps a raw copy of both files (the journal is
the only record of the interrupted write), lets SQLite roll back, checks the
result and audits it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

from wsadmin.db import audit
from wsadmin.db.errors import DatabaseLocked, Refused
from wsadmin.db.fsutil import fsync_dir, mode_no_wider_than
from wsadmin.db.sqlite_engine import check_file, connect_rw, translated_errors
from wsadmin.db.sqlite_locks import scan_processes


@dataclass(frozen=True)
class RecoveryResult:
    path: str
    recovered: bool            # False: there was no hot journal
    raw_copy: str | None       # folder holding the database and journal as they were
    quick_check: str


def journal_path(db: Path) -> Path:
    return db.with_name(db.name + "-journal")


def has_hot_journal(db: str | Path) -> bool:
    """A journal a dead writer left: non-empty, and no process holds the RESERVED lock.

    A live writer has a -journal too while it writes; SQLite itself only calls a
    journal hot when nobody holds the RESERVED lock (its hasHotJournal), and so
    do we, where the OS lets us ask without taking a lock (fcntl F_GETLK).
    """
    path = Path(db)
    try:
        if journal_path(path).stat().st_size == 0:
            return False
    except OSError:
        return False
    return not _reserved_lock_held(path)


# SQLite's lock bytes sit at 1 GiB (PENDING_BYTE); RESERVED is the byte after it.
_RESERVED_BYTE = 0x40000001


def _reserved_lock_held(db: Path) -> bool:
    """Whether another process holds SQLite's RESERVED lock on `db` (False if unknown).

    Opens its own descriptor: only to be called while this process has no SQLite
    connection to `db` open (closing it would drop that connection's locks).
    """
    if sys.platform != "linux":
        return False
    import fcntl

    try:
        fd = os.open(db, os.O_RDONLY)
    except OSError:
        return False
    try:
        query = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, _RESERVED_BYTE, 1, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
    except OSError:
        return False
    finally:
        os.close(fd)
    lock_type: int = struct.unpack("hhqqi4x", answer)[0]
    return lock_type != fcntl.F_UNLCK


def recover_hot_journal(db: str | Path) -> None:
    """Let SQLite roll back a journal left by a killed writer (the first read does it)."""
    path = Path(db)
    conn = connect_rw(path, timeout=30.0)
    try:
        with translated_errors(path, "recover"):
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    finally:
        conn.close()


def recover(db: str | Path) -> RecoveryResult:
    """Recover `db` if it has a hot journal; refuse while another process has it open."""
    path = Path(db)
    check_file(path)
    if not has_hot_journal(path):
        return RecoveryResult(str(path), False, None, "not run")
    holders, _scanned, _unreadable = scan_processes(path)
    if holders:
        raise DatabaseLocked(f"{path} is open in " + ", ".join(h.describe() for h in holders)
                             + ": its journal may belong to a write still running")
    intent = audit.begin("recover", path)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    keep = path.with_name(f"{path.name}.{stamp}.pre-recovery")
    try:
        keep.mkdir(mode=0o700)
        for src in (path, journal_path(path)):
            dst = keep / src.name
            shutil.copyfile(src, dst)
            dst.chmod(mode_no_wider_than(path))
        fsync_dir(keep)
    except OSError as exc:
        intent.done("failed-unchanged", message=str(exc))
        raise
    recover_hot_journal(path)
    conn = connect_rw(path)
    try:
        with translated_errors(path, "check"):
            rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check")]
    finally:
        conn.close()
    verdict = "ok" if rows == ["ok"] else "; ".join(rows[:3])
    intent.done("ok" if verdict == "ok" else "damaged", raw_copy=str(keep), quick_check=verdict)
    if verdict != "ok":
        raise Refused(f"{path} was rolled back but quick_check reports: {verdict}",
                      f"restore a backup; the files as they were are in {keep}")
    return RecoveryResult(str(path), True, str(keep), verdict)
