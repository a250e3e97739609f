"""Fixture databases, in one place, in the backend's real schema (SCHEMA.md).

Legacy databases are legacy.sql (the schema package's copy, run as written) plus
exactly the given rows; databases at a revision are migrated from them by the
real revisions. Tests then break them with plain SQL to set up a finding. The
states the backend's own tooling leaves behind come from
wsadmin.db.schema.backend_tooling; demo-sized ones from wsadmin.db.schema.demo.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from wsadmin.db.migrate.runner import run_alembic
from wsadmin.db.schema import chain
from wsadmin.db.schema.backend_tooling import run_legacy_sql
from wsadmin.db.schema.status import inspect
from wsadmin.db.sqlite.connect import connect_rw, prepare_for_migration

Row = Mapping[str, Any]
HEAD: Final = chain.HEAD_REVISION
# A well-formed bcrypt hash (60 characters); nobody logs in with it in tests.
HASH: Final = "$2b$12$" + "N" * 22 + "testhashtesthashtesthashtesthas"
STAMP: Final = "2024-01-02 03:04:05.000000"


def user(uid: int, name: str | None = None, **extra: Any) -> dict[str, Any]:
    """A legacy users row (the columns every revision has) for `uid`."""
    username = name or f"user{uid}"
    return {"id": uid, "username": username, "email": f"user{uid}@example.org",
            "password_hash": HASH, "role": "admin" if uid == 1 else "viewer",
            "is_active": 1, "created_at": STAMP, **extra}


def dashboard(did: int, creator: int, name: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": did, "name": name or f"dashboard {did}", "layout": "{}",
            "created_by": creator, "created_at": STAMP, **extra}


def connection(cid: int, creator: int, **extra: Any) -> dict[str, Any]:
    return {"id": cid, "name": f"connection {cid}", "type": "postgresql",
            "config": '"Z0FBQUFB' + "c" * 40 + '"', "created_by": creator,
            "created_at": STAMP, **extra}


def make_legacy(path: Path, *, users: Iterable[Row] = (), dashboards: Iterable[Row] = (),
                connections: Iterable[Row] = (), journal_mode: str = "delete",
                **tables: Iterable[Row]) -> Path:
    """A legacy database (no alembic_version) holding exactly the given rows."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA journal_mode={journal_mode}")
        conn.execute("BEGIN")
        run_legacy_sql(conn)
        for table, rows in (("users", users), ("connections", connections),
                            ("dashboards", dashboards), *tables.items()):
            insert_rows(conn, table, rows)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return path


def insert_rows(conn: sqlite3.Connection, table: str, rows: Iterable[Row]) -> None:
    for row in rows:
        cols = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        conn.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', tuple(row.values()))


def migrate_to(path: Path, revision: str) -> Path:
    """Upgrade a database with the project's own revisions (no backup)."""
    steps = chain.path(inspect(path).current_revision, revision)
    if steps:
        run_alembic(path, "upgrade", revision, steps)
    return path


def make_at(path: Path, revision: str = HEAD, **rows: Any) -> Path:
    """A database at `revision` (head by default), migrated from legacy rows."""
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
