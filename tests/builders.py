"""Fixture databases, in one place.

Databases at a revision are built by the real migrations; legacy ones by the
contract's legacy DDL (wsadmin.db.contract), never by copies of it. Tests then
break them with plain SQL to set up a finding.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from wsadmin.db.contract import LEGACY_DDL
from wsadmin.db.migrate.runner import run_alembic
from wsadmin.db.sqlite.connect import connect_rw, prepare_for_migration

Row = Mapping[str, Any]


def make_legacy(path: Path, *, users: Iterable[Row] = (), dashboards: Iterable[Row] = (),
                connections: Iterable[Row] = (), saved_queries: Iterable[Row] = (),
                journal_mode: str = "delete") -> Path:
    """A legacy database (no alembic_version) holding exactly the given rows."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA journal_mode={journal_mode}")
        conn.execute("BEGIN")
        for ddl in LEGACY_DDL.values():
            conn.execute(ddl)
        for table, rows in (("users", users), ("connections", connections),
                            ("dashboards", dashboards), ("saved_queries", saved_queries)):
            insert_rows(conn, table, rows)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return path


def insert_rows(conn: sqlite3.Connection, table: str, rows: Iterable[Row]) -> None:
    for row in rows:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(row.values()))


def user(uid: int, name: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": uid, "username": name or f"user{uid}", "hashed_password": "$argon2id$x",
            **extra}


def migrate_to(path: Path, revision: str) -> Path:
    """Upgrade a database with the project's own migrations (no backup)."""
    from wsadmin.db import revisions
    from wsadmin.db.inspect import inspect

    current = inspect(path).current_revision
    ids = revisions.ids()
    start = 0 if current is None else ids.index(current) + 1
    steps = list(ids[start : ids.index(revision) + 1])
    if steps:
        run_alembic(path, "upgrade", revision, steps)
    return path


def make_at(path: Path, revision: str, **rows: Iterable[Row]) -> Path:
    """A database at `revision` ('001', '002'), migrated from legacy rows."""
    make_legacy(path, **rows)
    return migrate_to(path, revision)


def execute(path: Path, *statements: str, params: Sequence[Any] = ()) -> None:
    """Run raw SQL against a fixture (to break it on purpose); foreign keys stay off."""
    conn = connect_rw(path)
    try:
        prepare_for_migration(conn)
        for sql in statements:
            conn.execute(sql, params) if params else conn.executescript(sql)
    finally:
        conn.close()


def die_while_writing(path: Path, *statements: str) -> None:
    """Run `statements` (Python lines using `c`, an autocommit connection to `path`) in a
    child process that then kills itself with SIGKILL: a writer that died mid-work, as
    it leaves the journal or -wal behind."""
    lines = ["import os, sqlite3", f"c = sqlite3.connect({str(path)!r}, isolation_level=None)",
             *statements, "os.kill(os.getpid(), 9)"]
    subprocess.run([sys.executable, "-c", "\n".join(lines)], check=False)


def dump(path: Path) -> dict[str, Any]:
    """Schema and every row of every table: equal dumps mean logically identical DBs."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]
        schema = {t: structure(conn, t) for t in tables}
        rows = {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
                for t in tables}
    finally:
        conn.close()
    return {"schema": schema, "rows": rows}


def structure(conn: sqlite3.Connection, table: str) -> dict[str, Any]:
    """Columns (name, type, NOT NULL, default, pk), foreign keys and indexes of a table.

    Compared instead of the CREATE text, which a rebuild may quote differently.
    """
    columns = [tuple(r[1:6]) for r in conn.execute(f'PRAGMA table_info("{table}")')]
    fks = sorted(tuple(r[2:5]) for r in conn.execute(f'PRAGMA foreign_key_list("{table}")'))
    indexes = sorted(
        (r[1] if not r[1].startswith("sqlite_autoindex") else "auto", r[2],
         tuple(c[2] for c in conn.execute(f'PRAGMA index_info("{r[1]}")')))
        for r in conn.execute(f'PRAGMA index_list("{table}")')
    )
    return {"columns": columns, "foreign_keys": fks, "indexes": indexes}
