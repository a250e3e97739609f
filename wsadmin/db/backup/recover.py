"""`wsadmin recover`: roll back a hot journal left by a writer that died, keeping a
raw copy of both files first (the journal is the only record of the
interrupted write), then check and audit the result.
"""
from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from wsadmin.db.common import audit
from wsadmin.db.common.errors import DatabaseLocked, Refused
from wsadmin.db.sqlite.connect import connect_rw, translated_errors
from wsadmin.db.sqlite.files import check_file, fsync_dir, mode_no_wider_than
from wsadmin.db.sqlite.holders import scan_processes
from wsadmin.db.sqlite.journal import has_hot_journal, journal_path, recover_hot_journal


@dataclass(frozen=True)
class RecoveryResult:
    path: str
    recovered: bool            # False: there was no hot journal
    raw_copy: str | None       # folder holding the database and journal as they were
    quick_check: str


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
