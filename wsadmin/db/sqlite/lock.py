"""The write lock a change holds from before its backup until its outcome is known.

DESIGN.md rule 7, and the lesson of a backend that lost acknowledged commits:
the lock lives on ONE connection, which also makes the backup and, after a
failure, restores it; nothing else may open the database file meanwhile.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from wsadmin.db.common.errors import DatabaseLocked
from wsadmin.db.common.text import printable
from wsadmin.db.sqlite.connect import (
    connect_rw,
    prepare_for_migration,
    translated_errors,
)
from wsadmin.db.sqlite.holders import scan_processes


def _take(conn: sqlite3.Connection) -> None:
    """Take the write lock and keep it (see hold_write_lock) on a fresh connection."""
    wal = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal"
    if wal:
        # WAL: exclusive mode takes effect at the next access, which then waits until no
        # other connection has the file open; taken first, so nothing slips in after.
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN IMMEDIATE")
    else:
        # Rollback journal: wait for RESERVED in normal mode, where a failed attempt
        # drops the SHARED lock before SQLite retries. In exclusive mode it would keep
        # it, and a backend's writer holding RESERVED could never commit: each of its
        # requests would stall for its whole busy timeout while we kept losing the race.
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    conn.execute("ROLLBACK")        # the lock stays: exclusive mode keeps it


def hold_write_lock(db: Path, *, timeout: float = 30.0) -> sqlite3.Connection:
    """A connection that holds the database's write lock until it is closed.

    Every change (upgrade, downgrade, restore, fix) runs on this one connection,
    from before its backup until after its commit and its checks: nobody else
    can commit in between, so nothing a backend commits meanwhile can be lost
    to a restore, and the backup is exactly the state the change started from.
    `locking_mode=EXCLUSIVE` keeps SQLite's locks after each transaction; the
    empty BEGIN IMMEDIATE takes the write lock at once (rollback journal: the
    RESERVED lock, so the backend can still read until the change commits;
    WAL: the whole file). Waits up to `timeout` seconds for a writer to finish,
    then raises DatabaseLocked naming the processes it can see.

    The backup is copied through this same connection, and nothing may open
    the database file any other way while it is open: on POSIX, closing any
    other descriptor of the file drops every lock this process holds on it.
    """
    conn = connect_rw(db, timeout=timeout)
    try:
        prepare_for_migration(conn)
        try:
            with translated_errors(db, "lock"):
                _take(conn)
        except DatabaseLocked as exc:
            holders, _scanned, _unreadable = scan_processes(db)
            who = (" by " + ", ".join(h.describe() for h in holders)) if holders else ""
            raise DatabaseLocked(printable(f"{db} stayed locked{who} for {timeout:g} s; "
                                           "nothing was changed")) from exc
    except BaseException:
        conn.close()
        raise
    return conn
