"""Fixture databases for the health tests: built by the real migrations, broken with SQL."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

from tests.builders import execute, make_at, make_legacy, user

USERS = [user(1, "alice"), user(2, "bob"), user(3, "carol"), user(4, "dave")]
DASHBOARDS = [{"id": 1, "owner_id": 1, "title": "Sales"}, {"id": 2, "owner_id": 2, "title": "Ops"},
              {"id": 3, "owner_id": None, "title": "Shared"}]
CONNECTIONS = [{"id": 1, "owner_id": 1, "name": "wh", "dialect": "sqlite", "url": "sqlite://"},
               {"id": 2, "owner_id": 3, "name": "pg", "dialect": "postgresql",
                "url": "postgresql://a:secret@h/db"}]
SAVED = [{"id": 1, "owner_id": 1, "connection_id": 1, "name": "q1", "sql": "select 1"},
         {"id": 2, "owner_id": None, "connection_id": 2, "name": "q2", "sql": "select 2"}]
ROWS: dict[str, Any] = {"users": USERS, "dashboards": DASHBOARDS, "connections": CONNECTIONS,
                        "saved_queries": SAVED}

_cache: dict[str, Path] = {}


def build(tmp: Path, state: str, *sql: str) -> Path:
    """A copy of the standard database at `state` ('legacy', '001', '002'), then `sql` run."""
    key = state
    if key not in _cache:
        folder = Path(tmp.parent / f"health-base-{state}")
        folder.mkdir(exist_ok=True)
        base = folder / "base.db"
        if not base.exists():
            if state == "legacy":
                make_legacy(base, **ROWS)
            else:
                make_at(base, state, **ROWS)
        _cache[key] = base
    path = tmp / f"{state}.db"
    n = 1
    while path.exists():
        n += 1
        path = tmp / f"{state}-{n}.db"
    shutil.copyfile(_cache[key], path)
    if sql:
        execute(path, *sql)
    return path


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def snapshot(path: Path) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every row of every table keyed by its primary key (rowid when it has none)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        out: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                     "AND name NOT LIKE 'sqlite_%'").fetchall():
            info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
            pk = [r["name"] for r in sorted(info, key=lambda r: r["pk"]) if r["pk"]]
            cols = ", ".join(f'"{c}"' for c in pk) if pk else "rowid"
            rows = conn.execute(f'SELECT {cols}, * FROM "{table}"').fetchall()
            width = max(1, len(pk))
            out[table] = {tuple(r)[:width]: dict(zip(r.keys()[width:], tuple(r)[width:],
                                                      strict=True)) for r in rows}
        return out
    finally:
        conn.close()
