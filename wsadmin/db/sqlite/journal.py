"""Hot journals: a rollback journal a writer that died left behind, and how SQLite
rolls it back.

A rollback-journal database whose writer was killed mid-transaction has a
`-journal` file that SQLite rolls back on the next write-capable open. A
read-only connection may not do that, and a change must not do it on the side
(the raw files would be gone before anyone kept them): every command stops with
HotJournal (`refuse_hot_journal` before a write-capable open) until
`wsadmin recover` has run (wsadmin.db.backup.recover keeps a raw copy first).
"""
from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

from wsadmin.db.common.errors import hot_journal
from wsadmin.db.sqlite.connect import connect_rw, translated_errors


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


def refuse_hot_journal(db: str | Path) -> None:
    """HotJournal (exit 2) when `db` has a hot journal: call it before the first
    write-capable connection to `db` (which would roll the journal back silently), while
    this process has no connection to `db` open (see _reserved_lock_held)."""
    if has_hot_journal(db):
        raise hot_journal(db)


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
