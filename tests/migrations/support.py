"""What the migration tests share: rows worth migrating, databases in every state,
the `alembic` command line, and snapshots to compare before and after.

States are built the way they arise (DESIGN.md: "by the real migrations or by
legacy builders in one place"): wsadmin's own revisions (schema.steps) for
databases at a revision, the backend-tooling builders for what the backend
leaves, render.build for bare shapes.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from wsadmin.db.schema import backend_tooling as bt
from wsadmin.db.schema import chain, render, steps
from wsadmin.db.schema.backend_tooling import LAB_HASH, Rows
from wsadmin.db.schema.registration import register_user
from wsadmin.db.schema.states import State

REPO = Path(__file__).resolve().parents[2]
HEAD_REV = chain.HEAD_REVISION


def _user(uid: int, name: str, role: str | None, active: int | None, created: str | None
          ) -> dict[str, Any]:
    return {"id": uid, "username": name, "email": f"u{uid}@example.com",
            "password_hash": LAB_HASH, "role": role, "created_at": created,
            "updated_at": created, "is_active": active}


_T = "2024-03-01 12:00:00.000000"

RICH_ROWS: Rows = {
    # Every case 002 must handle: roles in and outside the set, inactive and NULL
    # is_active, a name with an apostrophe and non-ASCII letters, rows whose creator
    # was deleted (id 99), a CSV upload whose chart is gone, system logs.
    "users": [
        _user(1, "root", "admin", 1, "2024-01-02 10:00:00.000000"),
        _user(2, "zoë.o'brien", "viewer", 1, "2024-01-03 10:00:00.000000"),
        _user(3, "ed", "editor", 0, "2024-01-04 10:00:00.000000"),
        _user(4, "nul", "viewer", None, "2024-01-05 10:00:00.000000"),
        _user(5, "sup", "superuser", 1, "2024-01-06 10:00:00.000000"),
        _user(6, "old", "admin", 0, "2023-12-01 09:00:00.000000"),
    ],
    "dashboards": [
        {"id": 1, "name": "Sales", "layout": "{}", "created_by": 1, "created_at": _T},
        {"id": 2, "name": "Zoë's board", "layout": "{}", "created_by": 2, "created_at": _T},
        {"id": 3, "name": "orphan", "layout": "{}", "created_by": 99, "created_at": _T},
        {"id": 4, "name": "public", "layout": "{}", "is_public": 1, "public_token": "tok-4",
         "created_by": 1, "created_at": _T},
    ],
    "charts": [
        {"id": 1, "name": "Revenue", "chart_type": "bar", "config": "{}", "created_by": 1},
        {"id": 2, "name": "Lost", "chart_type": "pie", "config": "{}", "created_by": 99},
    ],
    "connections": [
        {"id": 1, "name": "pg", "type": "postgresql", "created_by": 1,
         "config": '"Z0FBQUFBX3Rlc3RfcGxhY2Vob2xkZXI="'},
        {"id": 2, "name": "clear", "type": "mysql", "created_by": 2,
         "config": '{"host": "h", "password": "p"}'},
    ],
    "dashboard_charts": [{"id": 1, "dashboard_id": 1, "chart_id": 1, "position": "{}"},
                         {"id": 2, "dashboard_id": 2, "chart_id": 2, "position": "{}"}],
    "csv_data": [{"id": 1, "chart_id": 1, "data": "[]", "column_types": "{}", "row_count": 0},
                 {"id": 2, "chart_id": 77, "data": "[]", "column_types": "{}",
                  "row_count": 0}],
    "logs": [{"id": 1, "user_id": 1, "action": "login"},
             {"id": 2, "user_id": None, "action": "startup"},
             {"id": 3, "user_id": 99, "action": "login"}],
    "settings": [{"id": 1, "key": "app.name", "value": '"Zoë\'s"'}],
}

INACTIVE_ROWS: Rows = {**RICH_ROWS, "users": [
    {**u, "is_active": None if u["is_active"] is None else 0} for u in RICH_ROWS["users"]]}
"""No active user: the backend's 002 returns early on these."""


def connect(path: Path) -> sqlite3.Connection:
    """Autocommit, foreign keys off (as a migration runs); no fsync (test files only)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    return conn


def at_revision(path: Path, target: str, rows: Rows = RICH_ROWS, *, record: bool = True
                ) -> Path:
    """Legacy rows brought to `target` by wsadmin's own revisions (no Alembic)."""
    bt.legacy(path, rows)
    conn = connect(path)
    try:
        conn.execute("BEGIN")
        steps.upgrade_through(conn, target)
        if record:
            bt.stamp(conn, target)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return path


def bare_shape(path: Path, rev_id: str, recorded: Sequence[str] | None) -> Path:
    conn = connect(path)
    try:
        render.build(conn, chain.shape_at(rev_id))
        if recorded is not None:
            bt.stamp(conn, *recorded)
    finally:
        conn.close()
    return path


def registered(path: Path, *, empty_version: bool = False) -> Path:
    """init_db's head shape with two users registered the backend's way."""
    (bt.create_all_after_failed_upgrade if empty_version else bt.create_all)(path)
    conn = connect(path)
    try:
        for name in ("alice", "Zoë O'Neil"):
            register_user(conn, name, f"{name[:3].lower()}@example.com", LAB_HASH)
    finally:
        conn.close()
    return path


def _legacy_stamped(path: Path, revision: str) -> Path:
    bt.legacy(path, RICH_ROWS)
    conn = connect(path)
    bt.stamp(conn, revision)
    conn.close()
    return path


def _empty_stamped(path: Path) -> Path:
    """A hand `alembic stamp head` on a new file: a version and no table."""
    conn = connect(path)
    bt.stamp(conn, HEAD_REV)
    conn.close()
    return path


Builder = Callable[[Path], object]

# state id -> (builder, the state `status` names, whether repair must run first).
STATES: Mapping[str, tuple[Builder, State | None, bool]] = {
    "missing": (lambda p: None, None, False),
    "empty": (lambda p: p.write_bytes(b""), State.EMPTY, False),
    "legacy": (lambda p: bt.legacy(p, RICH_ROWS), State.LEGACY, False),
    "legacy_empty_version": (lambda p: (bt.legacy(p, RICH_ROWS), _stamp_empty(p)),
                             State.LEGACY, False),
    "stuck_at_001_backend": (lambda p: bt.stuck_at_001(p, RICH_ROWS), State.STUCK_AT_001,
                             False),
    "stuck_at_001_backend_lab": (bt.stuck_at_001, State.STUCK_AT_001, False),
    "at_001_wsadmin": (lambda p: at_revision(p, "001"), State.STUCK_AT_001, False),
    **{f"at_{r}": (partial(at_revision, target=r), State.AT_REVISION, False)
       for r in chain.REVISION_IDS[1:]},
    **{f"shape_{r}": (partial(bare_shape, rev_id=r, recorded=(r,)),
                      State.STUCK_AT_001 if r == "001" else State.AT_REVISION, False)
       for r in chain.REVISION_IDS},
    "unversioned_head": (registered, State.UNVERSIONED_HEAD, False),
    "unversioned_head_empty_version": (lambda p: registered(p, empty_version=True),
                                       State.UNVERSIONED_HEAD, False),
    "init_db_over_half_install": (bt.init_db_over_half_install, State.UNVERSIONED_HEAD,
                                  False),
    "stamped_head": (bt.stamped_head, State.AT_REVISION, False),
    "half_initialised": (bt.half_install, State.HALF_INITIALISED, False),
    "mixed": (lambda p: bt.init_db_over_legacy(p, RICH_ROWS), State.MIXED, False),
    "mixed_intermediate": (lambda p: at_revision(p, "a87f1e87be87", record=False),
                           State.MIXED, False),
    "recorded_ahead_noop_002": (lambda p: bt.noop_002_at_head(p, INACTIVE_ROWS),
                                State.RECORDED_AHEAD_OF_SHAPE, True),
    "recorded_ahead_hand_stamp": (lambda p: _legacy_stamped(p, HEAD_REV),
                                  State.RECORDED_AHEAD_OF_SHAPE, True),
    "recorded_ahead_001_on_legacy": (lambda p: _legacy_stamped(p, "001"),
                                     State.RECORDED_AHEAD_OF_SHAPE, True),
    "recorded_ahead_empty_file": (_empty_stamped, State.RECORDED_AHEAD_OF_SHAPE, True),
}


def _stamp_empty(path: Path) -> None:
    conn = connect(path)
    bt.stamp(conn)
    conn.close()


def alembic(cwd: Path, *args: str, ini: Path | None = None, check: bool = True
            ) -> subprocess.CompletedProcess[str]:
    """The runbook's `alembic` command, run from the database's folder."""
    config = ini if ini is not None else REPO / "alembic.ini"
    return subprocess.run([sys.executable, "-m", "alembic", "-c", str(config), *args],
                          cwd=cwd, capture_output=True, text=True, check=check, timeout=120)


def query(db: Path, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def tables(db: Path) -> list[str]:
    return [r[0] for r in query(db, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                    "AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def rows_by_id(db: Path) -> dict[str, dict[int, dict[str, Any]]]:
    """Every row of every table (alembic_version aside), by table and id."""
    found: dict[str, dict[int, dict[str, Any]]] = {}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        for table in tables(db):
            if table == "alembic_version":
                continue
            found[table] = {r["id"]: dict(r) for r in conn.execute(f'SELECT * FROM "{table}"')}
    finally:
        conn.close()
    return found


def dump(db: Path) -> tuple[list[tuple[Any, ...]], dict[str, list[tuple[Any, ...]]]]:
    """sqlite_master and every row of every table: equal dumps, identical databases."""
    master = query(db, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY 1, 2")
    data = {t: sorted(query(db, f'SELECT * FROM "{t}"'), key=repr) for t in tables(db)}
    return master, data
