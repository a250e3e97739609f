"""The runbook's acceptance, through the real `alembic` command line."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.builders import dump, make_legacy, user

REPO = Path(__file__).resolve().parents[2]
ALEMBIC = [sys.executable, "-m", "alembic", "-c", str(REPO / "alembic.ini")]


def alembic(cwd: Path, *args: str) -> str:
    done = subprocess.run([*ALEMBIC, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def q(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def without_timestamps(rows: dict[str, list[tuple[object, ...]]]) -> dict[str, object]:
    """Workspaces and memberships that 002 re-creates get a new created_at (their last column)."""
    return {t: [r[:-1] if t in ("workspaces", "workspace_members") else r for r in rs]
            for t, rs in rows.items()}


def test_runbook_upgrade_verify_and_roll_back(tmp_path: Path) -> None:
    db = make_legacy(
        tmp_path / "app_metadata.db",
        users=[user(1, "ann"), user(2, "bob's"), user(3, "Zoë")],
        dashboards=[{"id": 1, "owner_id": 1, "title": "d"}, {"id": 2, "title": "orphan"}],
        connections=[{"id": 1, "owner_id": 2, "name": "c", "dialect": "postgresql",
                      "url": "postgresql://u:pw@h/db"}],
        saved_queries=[{"id": 1, "owner_id": 3, "connection_id": 1, "name": "q",
                        "sql": "select 1"}],
    )
    legacy = dump(db)
    assert alembic(tmp_path, "current") == ""
    alembic(tmp_path, "upgrade", "head")
    assert alembic(tmp_path, "current") == "002 (head)"
    assert q(db, "SELECT name, slug FROM workspaces WHERE slug='default'") == [
        ("Default Workspace", "default")]
    joined = q(db, "SELECT u.username, w.name FROM users u "
                   "LEFT JOIN workspaces w ON u.current_workspace_id = w.id")
    assert sorted(joined) == [("Zoë", "Default Workspace"), ("ann", "Default Workspace"),
                              ("bob's", "Default Workspace")]
    assert q(db, "SELECT COUNT(*) FROM users WHERE current_workspace_id IS NULL") == [(0,)]
    for table in ("dashboards", "connections", "saved_queries"):
        assert q(db, f"SELECT COUNT(*) FROM {table} WHERE workspace_id IS NOT "
                     "(SELECT id FROM workspaces WHERE slug='default')") == [(0,)]
    upgraded = dump(db)

    alembic(tmp_path, "downgrade", "-1")
    assert alembic(tmp_path, "current") == "001"
    alembic(tmp_path, "upgrade", "head")
    assert without_timestamps(dump(db)["rows"]) == without_timestamps(upgraded["rows"])
    alembic(tmp_path, "downgrade", "base")
    assert alembic(tmp_path, "current") == ""
    back = dump(db)
    assert {t: r for t, r in back["rows"].items() if t != "alembic_version"} == legacy["rows"]
    back["schema"].pop("alembic_version")
    assert back["schema"] == legacy["schema"]


def test_x_db_points_at_another_file(tmp_path: Path) -> None:
    db = make_legacy(tmp_path / "other.db", users=[user(1)])
    alembic(tmp_path, "-x", f"db={db}", "upgrade", "head")
    assert alembic(tmp_path, "-x", f"db={db}", "current") == "002 (head)"
    assert not (tmp_path / "app_metadata.db").exists()
