"""SQLite's own checks of a database (quick_check, integrity_check,
foreign_key_check) and the backup API's page copy.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from wsadmin.db.sqlite.connect import (
    connect_ro,
)


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


def copy_to_scratch(src_path: Path, dst_path: Path) -> None:
    """A scratch copy of a database (rehearsals, the checklist's trial runs) through the
    backup API, never a raw file copy of a live database, in rollback-journal mode so the
    copy is one self-contained file."""
    src = connect_ro(src_path, timeout=30.0)
    try:
        dst = sqlite3.connect(dst_path, isolation_level=None)
        try:
            copy_database(src, dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
