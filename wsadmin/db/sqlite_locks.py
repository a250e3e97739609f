"""Who else has a database open, and SQLite primitives for checking and copying.

DESIGN.md rule 7. A rollback-journal database that nobody is writing holds no
lock at all, so a lock probe cannot see an idle backend: there we scan the open
file handles of every process we may look at (/proc/*/fd on Linux) and name
what we find. A WAL connection that has read once keeps a SHARED lock on the
file for as long as it is open, so there an exclusive-lock probe is reliable
and works wherever /proc does not.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from wsadmin.db.errors import DatabaseLocked
from wsadmin.db.sqlite_engine import (
    connect_ro,
    connect_rw,
    prepare_for_migration,
    translated_errors,
)
from wsadmin.db.text import printable

SIDE_FILES = ("", "-wal", "-journal", "-shm")


@dataclass(frozen=True)
class Holder:
    """A process that has the database (or one of its side files) open."""

    pid: int
    command: str
    files: tuple[str, ...]

    def describe(self) -> str:
        # Another program's command line is anyone's text: escape it for a line of ours.
        return f"pid {self.pid} ({printable(self.command)})"


@dataclass
class OpenCheck:
    holders: list[Holder] = field(default_factory=list)
    locked: bool = False           # a lock probe found the database in use
    scanned: bool = False          # the process table could be scanned
    unreadable: int = 0            # processes whose handles we may not read

    @property
    def in_use(self) -> bool:
        return bool(self.holders) or self.locked

    def describe(self) -> str:
        if self.holders:
            return "in use by " + ", ".join(h.describe() for h in self.holders)
        if self.locked:
            return "locked by another connection (no other process was found holding it; " \
                   "it may be this program or a process of another user)"
        return "not in use"


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        raw = b""
    cmd = " ".join(p.decode(errors="replace") for p in raw.split(b"\0") if p)
    if not cmd:
        with contextlib.suppress(OSError):
            cmd = Path(f"/proc/{pid}/comm").read_text().strip()
    return (cmd[:117] + "...") if len(cmd) > 120 else (cmd or "?")


def scan_processes(db: Path) -> tuple[list[Holder], bool, int]:
    """Processes other than this one with `db` or its -wal/-journal/-shm open.

    Returns (holders, scanned, unreadable). `scanned` is False where the OS has
    no /proc; `unreadable` counts processes whose handles we may not read.
    """
    proc = Path("/proc")
    if not (proc / "self" / "fd").is_dir():
        return [], False, 0
    real = os.path.realpath(db)
    wanted = {real + s: s or "database" for s in SIDE_FILES}
    me = os.getpid()
    holders: list[Holder] = []
    unreadable = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            fds = os.listdir(entry / "fd")
        except PermissionError:
            unreadable += 1
            continue
        except OSError:
            continue  # the process ended while we looked
        found: set[str] = set()
        for fd in fds:
            try:
                target = os.readlink(entry / "fd" / fd)
            except OSError:
                continue
            if target in wanted:
                found.add(wanted[target].lstrip("-"))
        if found:
            pid = int(entry.name)
            holders.append(Holder(pid, _command(pid), tuple(sorted(found))))
    return holders, True, unreadable


def lock_probe(db: Path) -> bool:
    """True when another connection holds a lock: try an exclusive lock, at once.

    Works in both journal modes for active readers and writers, and in WAL
    mode also for idle connections. Never waits; releases at once.
    """
    conn = connect_rw(db, timeout=0)
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return True
        raise
    finally:
        conn.close()


def check_open(db: Path) -> OpenCheck:
    """Rule 7: is the database in use by someone else? Names them where possible."""
    holders, scanned, unreadable = scan_processes(db)
    return OpenCheck(holders, lock_probe(db), scanned, unreadable)


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
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        try:
            with translated_errors(db, "lock"):
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
        except DatabaseLocked as exc:
            holders, _scanned, _unreadable = scan_processes(db)
            who = (" by " + ", ".join(h.describe() for h in holders)) if holders else ""
            raise DatabaseLocked(f"{db} stayed locked{who} for {timeout:g} s; nothing was "
                                 "changed") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def quick_check(conn: sqlite3.Connection, limit: int = 20) -> list[str]:
    """Problems reported by PRAGMA quick_check (empty: ok)."""
    rows = [str(r[0]) for r in conn.execute(f"PRAGMA quick_check({int(limit)})")]
    return [] if rows == ["ok"] else rows


def integrity_check(conn: sqlite3.Connection, limit: int = 20) -> list[str]:
    rows = [str(r[0]) for r in conn.execute(f"PRAGMA integrity_check({int(limit)})")]
    return [] if rows == ["ok"] else rows


def foreign_key_problems(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows PRAGMA foreign_key_check reports, per table."""
    found: dict[str, int] = {}
    for row in conn.execute("PRAGMA foreign_key_check"):
        found[str(row[0])] = found.get(str(row[0]), 0) + 1
    return found


def foreign_key_problems_of_file(path: Path) -> dict[str, int]:
    """foreign_key_check of a file nobody writes (a verified backup)."""
    conn = connect_ro(path, immutable=True)
    try:
        return foreign_key_problems(conn)
    finally:
        conn.close()


def copy_database(src: sqlite3.Connection, dst: sqlite3.Connection) -> None:
    """Copy every page of `src` into `dst` in one backup step (one transaction on dst).

    A WAL destination stays in WAL mode and the copy commits through its WAL,
    so a stale or live -wal is never bypassed (rule 4).
    """
    src.backup(dst, pages=-1)


def free_bytes(folder: Path) -> int:
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


def same_filesystem(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_dev == b.stat().st_dev
    except OSError:
        return False
