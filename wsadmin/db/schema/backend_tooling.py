"""Databases in the states the backend's OWN tooling leaves behind: the one builder.

The backend (SCHEMA.md) ships `init_db` (SQLAlchemy `create_all`) and an
Alembic chain that cannot run on SQLite. Each builder reproduces, with stdlib
sqlite3 only, the `sqlite_master` that running the backend's real code left in
the lab (tests/data/backend_states/*.sql; tests/unit/test_backend_states.py
compares them): same tables, same CREATE text modulo whitespace, same indexes,
same `alembic_version`. Tests and the demo both build these states here.

Three levels:
- `run_*(conn)`: one step of the backend's tooling on an open connection
  (autocommit; the caller's rows may already be in it);
- file builders (`legacy(path, rows)`, `stuck_at_001(path)`, ...): a new file
  in one lab state, optionally with rows, never overwriting a database;
- `build(shape, *scripts, recorded=...)`: an in-memory database in any shape,
  for the classifier's tests.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from wsadmin.db.schema import render
from wsadmin.db.schema.backend_ddl import (
    ALEMBIC_VERSION,
    REV_001_COLUMNS,
    REV_001_TABLES,
    REV_AFTER_002,
)
from wsadmin.db.schema.shape import Shape, packaged_sql
from wsadmin.db.sqlite.introspect import quote_ident

HEAD_REVISION: Final = "20251109220344"

Rows = Mapping[str, Sequence[Mapping[str, Any]]]

# bcrypt ($2b$12$) of the lab password "legacy-pass-1": a fixture, not a secret.
LAB_HASH: Final = "$2b$12$WIwDWIuLpyya1/Ua13IJd.AlS.IoG3Nus9Zhwtc3l/FxDis8Mt/L."
_T = "2024-02-01 00:00:00.000000"

LAB_ROWS: Final[Rows] = {
    # What the lab's legacy databases held: two active users, so the backend's 002
    # runs its data moves and then fails (the stuck_at_001 case).
    "users": [
        {"id": 1, "username": "root", "email": "root@example.com", "password_hash": LAB_HASH,
         "role": "admin", "created_at": "2024-01-02 10:00:00.000000",
         "updated_at": "2024-01-02 10:00:00.000000", "is_active": 1},
        {"id": 2, "username": "vic", "email": "vic@example.com", "password_hash": LAB_HASH,
         "role": "viewer", "created_at": "2024-01-03 10:00:00.000000",
         "updated_at": "2024-01-03 10:00:00.000000", "is_active": 1},
        {"id": 3, "username": "ed", "email": "ed@example.com", "password_hash": LAB_HASH,
         "role": "editor", "created_at": "2024-01-01 10:00:00.000000",
         "updated_at": "2024-01-01 10:00:00.000000", "is_active": 0},
    ],
    "dashboards": [
        {"id": 1, "name": "Sales", "layout": "{}", "is_public": 0, "public_access_count": 0,
         "created_by": 1, "created_at": _T, "updated_at": _T},
        {"id": 2, "name": "Ops", "layout": "{}", "is_public": 0, "public_access_count": 0,
         "created_by": 2, "created_at": _T, "updated_at": _T},
    ],
    "charts": [{"id": 1, "name": "Revenue", "chart_type": "bar", "config": "{}",
                "created_by": 1, "created_at": _T, "updated_at": _T}],
    "connections": [{"id": 1, "name": "pg", "type": "postgresql",
                     "config": '"Z0FBQUFBX2xhYl9wbGFjZWhvbGRlcg=="', "is_active": 1,
                     "created_by": 1, "created_at": _T, "updated_at": _T}],
    "logs": [{"id": 1, "user_id": 1, "action": "login", "created_at": _T},
             {"id": 2, "user_id": None, "action": "startup", "created_at": _T}],
    "settings": [{"id": 1, "key": "app.name", "value": '{"name": "x"}'}],
    "dashboard_charts": [{"id": 1, "dashboard_id": 1, "chart_id": 1, "position": "{}"}],
    "csv_data": [{"id": 1, "chart_id": 1, "data": "[]", "column_types": "{}", "row_count": 0}],
}


def statements(script: str) -> list[str]:
    """Split a dump-like script on `;` at line ends (the reference DDL holds no such text)."""
    body = "\n".join(line for line in script.splitlines() if not line.startswith("--"))
    return [s.strip() for s in re.split(r";\s*\n", body + "\n") if s.strip()]


def _run(conn: sqlite3.Connection, stmts: Iterable[str]) -> None:
    for stmt in stmts:
        conn.execute(stmt)


def insert_rows(conn: sqlite3.Connection, rows: Rows) -> None:
    for table, table_rows in rows.items():
        for row in table_rows:
            cols = ", ".join(quote_ident(c) for c in row)
            marks = ", ".join("?" for _ in row)
            conn.execute(f"INSERT INTO {quote_ident(table)} ({cols}) VALUES ({marks})",
                         tuple(row.values()))


def active_users(conn: sqlite3.Connection) -> int:
    """What the backend's 002 counts before deciding to do nothing."""
    return int(conn.execute("SELECT COUNT(*) FROM users WHERE is_active = 1").fetchone()[0])


def stamp(conn: sqlite3.Connection, *revisions: str) -> None:
    """alembic_version holding `revisions` (none: the empty table a failed run leaves)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone():
        conn.execute("DELETE FROM alembic_version")
    else:
        conn.execute(ALEMBIC_VERSION)
    conn.executemany("INSERT INTO alembic_version (version_num) VALUES (?)",
                     [(r,) for r in revisions])


def run_legacy_sql(conn: sqlite3.Connection, *, tables: bool = True, indexes: bool = True
                   ) -> None:
    """legacy.sql as written: the database before any revision. legacy.sql creates its
    indexes last, so a bulk load may run the tables, fill them, then the indexes."""
    for stmt in statements(packaged_sql("legacy.sql")):
        if (tables and stmt.startswith("CREATE TABLE")) or (
                indexes and not stmt.startswith("CREATE TABLE")):
            conn.execute(stmt)


def run_create_all(conn: sqlite3.Connection) -> None:
    """The backend's `init_db` (`Base.metadata.create_all`): every head table that is
    absent, with its indexes, in head.sql's text; existing tables are left alone."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    stmts = statements(packaged_sql("head.sql"))
    for stmt in stmts:
        made = re.match(r"CREATE TABLE (\w+)", stmt)
        if made is None or made.group(1) in present:
            continue
        conn.execute(stmt)
        for other in stmts:
            if re.match(rf"CREATE (UNIQUE )?INDEX \w+ ON {made.group(1)} ", other):
                conn.execute(other)


def run_backend_001(conn: sqlite3.Connection) -> None:
    """The backend's `alembic upgrade head` on a legacy database with an active user:
    001 commits, 002 fails and rolls its data moves back. `001` is recorded."""
    if active_users(conn) == 0:
        raise ValueError("the backend's 002 no-ops without an active user; "
                         "use noop_002_at_head for that state")
    stamp(conn, "001")
    _run(conn, REV_001_TABLES + REV_001_COLUMNS)


def run_backend_noop_chain(conn: sqlite3.Connection) -> None:
    """The backend's `alembic upgrade head` on a legacy database without an active user:
    002 returns early, the rest runs, head is recorded."""
    if active_users(conn) > 0:
        raise ValueError("with an active user the backend's 002 fails instead; "
                         "use stuck_at_001 for that state")
    stamp(conn, HEAD_REVISION)
    _run(conn, REV_001_TABLES + REV_001_COLUMNS + REV_AFTER_002)


def run_half_install(conn: sqlite3.Connection) -> None:
    """The runbook's fresh install with the backend's chain: 001's three tables and an
    empty alembic_version stay; every retry fails."""
    stamp(conn)
    _run(conn, REV_001_TABLES)


# -- files in the lab's states ------------------------------------------------------------

def _open(path: Path) -> sqlite3.Connection:
    if path.exists() and path.stat().st_size > 0:
        raise FileExistsError(f"{path} already holds a database")
    return sqlite3.connect(path, isolation_level=None)


def _file(path: Path, *steps: Any, rows: Rows | None = None) -> Path:
    """A new file: legacy.sql + rows when the first step is `run_legacy_sql`, then steps."""
    conn = _open(path)
    try:
        conn.execute("BEGIN")  # one commit, not one per row: the end state is the same
        for i, step in enumerate(steps):
            step(conn)
            if i == 0 and step is run_legacy_sql:
                insert_rows(conn, rows or {})
        conn.execute("COMMIT")
    finally:
        conn.close()
    return path


def legacy(path: Path, rows: Rows | None = None) -> Path:
    """legacy.sql plus rows: the database before the backend's chain ever ran."""
    return _file(path, run_legacy_sql, rows=rows)


def create_all(path: Path) -> Path:
    """The backend's `init_db` on an empty or missing file: head shape, no alembic_version."""
    return _file(path, run_create_all)


def create_all_after_failed_upgrade(path: Path) -> Path:
    """`init_db`, then the backend's `alembic upgrade head`, which fails on 001's first
    CREATE TABLE but has already created an empty alembic_version."""
    return _file(path, run_create_all, stamp)


def half_install(path: Path) -> Path:
    return _file(path, run_half_install)


def stuck_at_001(path: Path, rows: Rows = LAB_ROWS) -> Path:
    """Legacy rows after the backend's chain: only 001's changes remain (new columns NULL)."""
    return _file(path, run_legacy_sql, run_backend_001, rows=rows)


def noop_002_at_head(path: Path, rows: Rows | None = None) -> Path:
    """Legacy rows without an active user after the backend's chain: head recorded, the
    workspace columns nullable and unindexed, charts.data_source_id and
    csv_data.workspace_id absent (state recorded_ahead_of_shape)."""
    return _file(path, run_legacy_sql, run_backend_noop_chain, rows=rows)


def init_db_over_legacy(path: Path, rows: Rows | None = None) -> Path:
    """`init_db` over a legacy database (state `mixed`)."""
    return _file(path, run_legacy_sql, run_create_all, rows=rows)


def init_db_over_half_install(path: Path) -> Path:
    """`init_db` over the half install: 001's tables kept as 001 made them, the other head
    tables created, alembic_version still empty."""
    return _file(path, run_half_install, run_create_all)


def stamped_head(path: Path) -> Path:
    """`init_db` then `alembic stamp head`, what the backend's authors did by hand."""
    return _file(path, run_create_all, lambda c: stamp(c, HEAD_REVISION))


# -- in-memory databases in any shape -----------------------------------------------------

def build(shape: Shape, *scripts: str | Sequence[str],
          recorded: Iterable[str] | None = None) -> sqlite3.Connection:
    """An in-memory database in `shape`, then `scripts` (a script, or statements), then
    alembic_version holding `recorded` (None: no such table; (): the table, empty)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    render.build(conn, shape)
    for script in scripts:
        if isinstance(script, str):
            conn.executescript(script)
        else:
            _run(conn, script)
    if recorded is not None:
        stamp(conn, *recorded)
    return conn


def master(path: Path) -> tuple[dict[tuple[str, str], tuple[str, str | None]], str]:
    """(type, name) -> (table, CREATE text with whitespace collapsed), and the
    alembic_version as `absent`, `empty` or the comma-joined versions."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        objects = {(t, n): (tbl, normalise(sql)) for t, n, tbl, sql in conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master")}
        if ("table", "alembic_version") not in objects:
            return objects, "absent"
        versions = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
        return objects, ",".join(versions) or "empty"
    finally:
        conn.close()


def normalise(sql: str | None) -> str | None:
    """CREATE text compared modulo whitespace: runs collapsed, none inside parentheses' edges."""
    if sql is None:
        return None
    text = re.sub(r"\s+", " ", sql).strip()
    return re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", text))
