"""RUNBOOK.md verbatim, on every state the chain can start from (SCHEMA.md "States").

From the database's folder, `alembic -c alembic.ini upgrade head` (after
wsadmin's repair where the state needs it) must end at `20251109220344 (head)`
with the head shape, every row kept, and the runbook's verification queries
("Verifying Workspace Setup", "Duplicate workspace slugs") giving its answers.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.migrations.support import STATES, alembic, connect, query, rows_by_id
from wsadmin.db.schema.compare import Severity, compare
from wsadmin.db.schema.record import record_highest_present
from wsadmin.db.schema.shape import HEAD, read_shape
from wsadmin.db.schema.states import State, classify

SQLITE3 = shutil.which("sqlite3")


def runbook_sql(folder: Path, sql: str) -> list[str]:
    """`sqlite3 app_metadata.db "<sql>"` as the runbook types it (Python's module when the
    command line is not installed); one string per output line."""
    if SQLITE3 is not None:
        done = subprocess.run([SQLITE3, "app_metadata.db", sql], cwd=folder, check=True,
                              capture_output=True, text=True, timeout=60)
        return done.stdout.splitlines()
    return ["|".join("" if v is None else str(v) for v in row)
            for row in query(folder / "app_metadata.db", sql)]


def _state(db: Path) -> State:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return classify(conn).state
    finally:
        conn.close()


@pytest.mark.parametrize("name", sorted(STATES))
def test_upgrade_head_on_every_state_answers_the_runbook(name: str, tmp_path: Path) -> None:
    build, state, needs_repair = STATES[name]
    db = tmp_path / "app_metadata.db"
    build(db)
    before = rows_by_id(db) if db.exists() and db.stat().st_size else {}
    if state is not None:
        assert _state(db) is state
    if needs_repair:
        conn = connect(db)
        conn.execute("BEGIN")
        record_highest_present(conn)
        conn.execute("COMMIT")
        conn.close()

    alembic(tmp_path, "upgrade", "head")

    assert alembic(tmp_path, "current").stdout.strip() == "20251109220344 (head)"
    conn = sqlite3.connect(db)
    try:
        diffs = compare(read_shape(conn), HEAD)
        assert [d.message for d in diffs if d.severity is not Severity.COSMETIC] == []
        assert classify(conn).state is State.AT_REVISION
    finally:
        conn.close()

    # Verify default workspace exists (if users existed before migration)
    homeless = [u for u in before.get("users", {}).values()
                if u.get("current_workspace_id") is None]
    had_default = any(w["slug"] == "default" for w in before.get("workspaces", {}).values())
    default = runbook_sql(tmp_path, "SELECT * FROM workspaces WHERE slug='default';")
    assert len(default) == (1 if homeless or had_default else 0)
    if default:
        assert default[0].split("|")[1:3] == ["Default Workspace", "default"]
    # Check user workspace assignments
    joined = runbook_sql(tmp_path, "SELECT u.username, w.name FROM users u "
                                   "LEFT JOIN workspaces w ON u.current_workspace_id = w.id;")
    assert sorted(line.rsplit("|", 1)[0] for line in joined) == sorted(
        u["username"] for u in before.get("users", {}).values())
    assert all(line.rsplit("|", 1)[1] for line in joined)
    # Verify no orphaned users: "Should return 0"
    assert runbook_sql(tmp_path, "SELECT COUNT(*) FROM users "
                                 "WHERE current_workspace_id IS NULL;") == ["0"]
    assert runbook_sql(tmp_path, "SELECT slug, COUNT(*) FROM workspaces GROUP BY slug "
                                 "HAVING COUNT(*) > 1;") == []

    after = rows_by_id(db)
    for table, rows in before.items():
        if table in ("workspaces", "workspace_members", "workspace_settings"):
            assert set(rows) <= set(after[table]), table  # 002 may add `default`'s
        else:
            assert set(after[table]) == set(rows), table
        for row_id, row in rows.items():
            kept = {k: v for k, v in row.items() if v is not None}
            assert {k: after[table][row_id][k] for k in kept} == kept, (table, row_id)
    for table in ("dashboards", "charts", "connections", "csv_data"):
        assert query(db, f'SELECT COUNT(*) FROM "{table}" WHERE workspace_id IS NULL OR '
                         "workspace_id NOT IN (SELECT id FROM workspaces)") == [(0,)]


def test_a_missing_file_is_created_and_upgraded_like_the_runbooks_fresh_install(
        tmp_path: Path) -> None:
    # Bare alembic creates the file (wsadmin's own `upgrade` refuses a missing path).
    alembic(tmp_path, "upgrade", "head")
    assert (tmp_path / "app_metadata.db").exists()
    assert runbook_sql(tmp_path, "SELECT COUNT(*) FROM workspaces;") == ["0"]


def test_the_runbooks_rollback_goes_back_one_revision_at_a_time(tmp_path: Path) -> None:
    build, _, _ = STATES["legacy"]
    db = tmp_path / "app_metadata.db"
    build(db)
    alembic(tmp_path, "upgrade", "head")
    alembic(tmp_path, "downgrade", "-1")
    assert alembic(tmp_path, "current").stdout.strip() == "e73bf9fb92f4"
    alembic(tmp_path, "downgrade", "base")
    assert alembic(tmp_path, "current").stdout.strip() == ""
    conn = sqlite3.connect(db)
    try:
        assert classify(conn).state is State.LEGACY
    finally:
        conn.close()
