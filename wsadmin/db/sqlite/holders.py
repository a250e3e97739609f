"""Who else has a database open (DESIGN.md rule 7).

A rollback-journal database that nobody is writing holds no lock at all, so a
lock probe cannot see an idle backend: there we scan the open file handles of
every process we may look at (/proc/*/fd on Linux) and name what we find. A
WAL connection that has read once keeps a SHARED lock on the file for as long
as it is open, so there an exclusive-lock probe is reliable and works wherever
/proc does not. Neither sees a backend that opens a connection per request
between two requests: that is why a change also holds the write lock
(wsadmin.db.sqlite.lock).
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from wsadmin.db.common.text import printable
from wsadmin.db.sqlite.connect import (
    connect_rw,
)

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
