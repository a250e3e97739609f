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
import shutil
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
    """A non-empty -journal beside a database: a write was interrupted (or is running)."""
    try:
        return journal_path(Path(db)).stat().st_size > 0
    except OSError:
        return False


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
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    keep = path.with_name(f"{path.name}.{stamp}.pre-recovery")
    keep.mkdir(mode=0o700)
    for src in (path, journal_path(path)):
        dst = keep / src.name
        shutil.copyfile(src, dst)
        dst.chmod(mode_no_wider_than(path))
    fsync_dir(keep)
    recover_hot_journal(path)
    conn = connect_rw(path)
    try:
        with translated_errors(path, "check"):
            rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check")]
    finally:
        conn.close()
    verdict = "ok" if rows == ["ok"] else "; ".join(rows[:3])
    audit.record("recover", path, "ok" if verdict == "ok" else "damaged",
                 raw_copy=str(keep), quick_check=verdict)
    if verdict != "ok":
        raise Refused(f"{path} was rolled back but quick_check reports: {verdict}",
                      f"restore a backup; the files as they were are in {keep}")
    return RecoveryResult(str(path), True, str(keep), verdict)
