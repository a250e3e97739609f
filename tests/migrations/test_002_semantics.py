"""Revision 002 as SCHEMA.md specifies it, case by case."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import dump, execute, make_at, make_legacy, migrate_to, user
from wsadmin.db.common.errors import DatabaseMissing
from wsadmin.db.contract import DEFAULT_NAME, DEFAULT_SLUG, INDEXES_002, WORKSPACE_SCOPED_TABLES
from wsadmin.db.inspect import State, inspect
from wsadmin.db.migrate import pipeline
from wsadmin.db.migrate.runner import run_alembic

REPO = Path(__file__).resolve().parents[2]


def q(db: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def default_id(db: Path) -> int | None:
    rows = q(db, "SELECT id FROM workspaces WHERE slug = ?", (DEFAULT_SLUG,))
    return None if not rows else int(str(rows[0][0]))


def dashboard(i: int, owner: int | None = None, **extra: object) -> dict[str, object]:
    return {"id": i, "owner_id": owner, "title": f"d{i}", **extra}


# --- fresh databases: no workspace -------------------------------------------------------

def test_zero_byte_database_upgrades_to_head_with_no_workspace(tmp_path: Path) -> None:
    db = tmp_path / "app_metadata.db"
    db.touch()
    result = pipeline.run(db, "upgrade", "head", backup_dir=tmp_path / "bak")
    assert result.applied == ["001", "002"]
    after = inspect(db)
    assert after.state is State.CURRENT and after.current_revision == "002"
    assert q(db, "SELECT COUNT(*) FROM workspaces") == [(0,)]
    assert q(db, "SELECT COUNT(*) FROM workspace_members") == [(0,)]
    for table in ("users", *WORKSPACE_SCOPED_TABLES):
        assert q(db, f"SELECT COUNT(*) FROM {table}") == [(0,)]


def test_missing_file_is_an_error_for_the_api_and_is_not_created(tmp_path: Path) -> None:
    db = tmp_path / "app_metadata.db"
    with pytest.raises(DatabaseMissing):
        pipeline.run(db, "upgrade", "head", backup_dir=tmp_path / "bak")
    assert not db.exists()
    assert not (tmp_path / "bak").exists()


def test_missing_file_created_by_bare_alembic_gets_no_workspace(tmp_path: Path) -> None:
    """The runbook's `alembic upgrade head` creates a missing file: a fresh database."""
    subprocess.run([sys.executable, "-m", "alembic", "-c", str(REPO / "alembic.ini"),
                    "upgrade", "head"], cwd=tmp_path, check=True, capture_output=True)
    db = tmp_path / "app_metadata.db"
    status = inspect(db)
    assert (status.state, status.current_revision) == (State.CURRENT, "002")
    assert q(db, "SELECT COUNT(*) FROM workspaces") == [(0,)]


def test_empty_legacy_database_gets_no_workspace(tmp_path: Path) -> None:
    db = make_at(tmp_path / "db.db", "002")
    assert q(db, "SELECT COUNT(*) FROM workspaces") == [(0,)]


# --- default workspace ---------------------------------------------------------------

def test_rows_but_no_users_still_get_default(tmp_path: Path) -> None:
    db = make_legacy(tmp_path / "db.db", dashboards=[dashboard(1), dashboard(2)],
                     saved_queries=[{"id": 7, "name": "q", "sql": "select 1"}])
    migrate_to(db, "002")
    assert q(db, "SELECT name, slug FROM workspaces") == [(DEFAULT_NAME, DEFAULT_SLUG)]
    d = default_id(db)
    assert q(db, "SELECT id, workspace_id FROM dashboards ORDER BY id") == [(1, d), (2, d)]
    assert q(db, "SELECT workspace_id FROM saved_queries") == [(d,)]
    assert q(db, "SELECT COUNT(*) FROM workspace_members") == [(0,)]


@pytest.mark.parametrize("table", WORKSPACE_SCOPED_TABLES)
def test_a_single_scoped_row_is_enough_for_default(tmp_path: Path, table: str) -> None:
    rows = {
        "dashboards": [dashboard(1)],
        "connections": [{"id": 1, "name": "c", "dialect": "sqlite", "url": "sqlite://"}],
        "saved_queries": [{"id": 1, "name": "q", "sql": "select 1"}],
    }
    db = make_legacy(tmp_path / "db.db", **{table: rows[table]})
    migrate_to(db, "002")
    assert default_id(db) is not None
    assert q(db, f"SELECT COUNT(*) FROM {table} WHERE workspace_id IS NULL") == [(0,)]


def test_users_become_admins_of_default(tmp_path: Path) -> None:
    db = make_at(tmp_path / "db.db", "002", users=[user(1, "ann"), user(2, "Zoë")],
                 dashboards=[dashboard(1, 1), dashboard(2)])
    d = default_id(db)
    assert q(db, "SELECT user_id, role FROM workspace_members WHERE workspace_id = ? "
                 "ORDER BY user_id", (d,)) == [(1, "admin"), (2, "admin")]
    assert q(db, "SELECT id, current_workspace_id FROM users ORDER BY id") == [(1, d), (2, d)]


def _at_001_with_personal_workspaces(tmp_path: Path, default_name: str) -> Path:
    """Users 1 and 2 registered after 001 (personal workspaces); 3 and 4 did not.

    User 2 registered as `default`, so the slug `default` already exists with
    the name `default's Workspace` (or `default_name`). User 4 is already a
    member of it (invited) but has no current workspace.
    """
    db = make_at(tmp_path / "db.db", "001",
                 users=[user(1, "ann"), user(2, "default"), user(3, "bob's"), user(4, "Ødegård")],
                 dashboards=[dashboard(1, 1), dashboard(2, 3), dashboard(3)])
    quoted = default_name.replace("'", "''")
    execute(db, f"""
        INSERT INTO workspaces (id, name, slug) VALUES (10, 'ann''s Workspace', 'ann'),
                                                       (20, '{quoted}', 'default');
        INSERT INTO workspace_members (workspace_id, user_id, role)
            VALUES (10, 1, 'admin'), (20, 2, 'admin'), (20, 4, 'viewer');
        UPDATE users SET current_workspace_id = 10 WHERE id = 1;
        UPDATE users SET current_workspace_id = 20 WHERE id = 2;
        UPDATE dashboards SET workspace_id = 10 WHERE id = 1;
    """)
    return db


@pytest.mark.parametrize("name", ["default's Workspace", DEFAULT_NAME])
def test_existing_workspaces_kept_and_default_slug_reused(tmp_path: Path, name: str) -> None:
    db = _at_001_with_personal_workspaces(tmp_path, name)
    migrate_to(db, "002")
    # The existing `default` is reused, its name kept; no second default appears.
    assert q(db, "SELECT id, name, slug FROM workspaces ORDER BY id") == [
        (10, "ann's Workspace", "ann"), (20, name, "default")]
    # Users that had a workspace keep it; the others switch to default.
    assert q(db, "SELECT id, current_workspace_id FROM users ORDER BY id") == [
        (1, 10), (2, 20), (3, 20), (4, 20)]
    # User 3 joins as admin; user 4 was already a member: not duplicated, role kept.
    assert q(db, "SELECT workspace_id, user_id, role FROM workspace_members "
                 "ORDER BY workspace_id, user_id") == [
        (10, 1, "admin"), (20, 2, "admin"), (20, 3, "admin"), (20, 4, "viewer")]
    assert q(db, "SELECT id, workspace_id FROM dashboards ORDER BY id") == [
        (1, 10), (2, 20), (3, 20)]


def test_default_slug_reuse_does_not_depend_on_the_lowest_id(tmp_path: Path) -> None:
    """Only the exact slug `default` counts: `Default` or `default-2` are other workspaces."""
    db = make_at(tmp_path / "db.db", "001", users=[user(1)])
    execute(db, "INSERT INTO workspaces (id, name, slug) VALUES "
                "(1, 'x', 'default-2'), (2, 'y', 'Default'), (3, 'z', 'default')")
    migrate_to(db, "002")
    assert q(db, "SELECT current_workspace_id FROM users") == [(3,)]
    assert q(db, "SELECT COUNT(*) FROM workspaces") == [(3,)]


# --- constraints -------------------------------------------------------------------

def test_indexes_and_not_null_after_002(tmp_path: Path) -> None:
    db = make_at(tmp_path / "db.db", "002", users=[user(1)], dashboards=[dashboard(1, 1)])
    for name, (table, column) in INDEXES_002.items():
        cols = [r[2] for r in q(db, f"PRAGMA index_info('{name}')")]
        assert cols == [column], name
        assert (name,) in q(db, "SELECT name FROM sqlite_master WHERE type='index' "
                                "AND tbl_name = ?", (table,))
    for table in WORKSPACE_SCOPED_TABLES:
        info = {r[1]: r for r in q(db, f"PRAGMA table_info('{table}')")}
        assert info["workspace_id"][3] == 1, f"{table}.workspace_id should be NOT NULL"
        fks = q(db, f"PRAGMA foreign_key_list('{table}')")
        assert ("workspaces", "workspace_id", "id") in [(r[2], r[3], r[4]) for r in fks]
    # users.current_workspace_id stays nullable (registration sets it later).
    info = {r[1]: r for r in q(db, "PRAGMA table_info('users')")}
    assert info["current_workspace_id"][3] == 0
    conn = sqlite3.connect(db)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
            conn.execute("INSERT INTO dashboards (id, title) VALUES (99, 'x')")
    finally:
        conn.close()


def test_002_keeps_triggers_views_and_foreign_keys_intact(tmp_path: Path) -> None:
    """Batch rebuilds must not cascade-delete, nor drop a trigger or break a view."""
    db = make_at(tmp_path / "db.db", "001", users=[user(1)],
                 connections=[{"id": 1, "owner_id": 1, "name": "c", "dialect": "sqlite",
                               "url": "sqlite://"}],
                 saved_queries=[{"id": 1, "owner_id": 1, "connection_id": 1, "name": "q",
                                 "sql": "select 1"}])
    execute(db, "CREATE VIEW v_queries AS SELECT s.name, c.url FROM saved_queries s "
                "JOIN connections c ON c.id = s.connection_id;"
                "CREATE TABLE audit(x); CREATE TRIGGER t_conn AFTER INSERT ON connections "
                "BEGIN INSERT INTO audit VALUES (new.id); END;")
    migrate_to(db, "002")
    assert q(db, "SELECT * FROM v_queries") == [("q", "sqlite://")]
    assert q(db, "SELECT COUNT(*) FROM saved_queries") == [(1,)]
    assert q(db, "SELECT name FROM sqlite_master WHERE type='trigger'") == [("t_conn",)]
    assert q(db, "PRAGMA foreign_key_check") == []


# --- downgrade -----------------------------------------------------------------------

def test_downgrade_002_keeps_other_workspaces_assignments(tmp_path: Path) -> None:
    db = _at_001_with_personal_workspaces(tmp_path, "Default Workspace")
    execute(db, "DELETE FROM workspace_members WHERE workspace_id = 20;"
                "DELETE FROM workspaces WHERE id = 20;"
                "UPDATE users SET current_workspace_id = NULL WHERE id = 2")
    at_001 = dump(db)
    migrate_to(db, "002")
    d = default_id(db)
    assert d is not None and d != 10
    run_alembic(db, "downgrade", "001", ["002"])
    assert inspect(db).current_revision == "001"
    assert q(db, "SELECT id, current_workspace_id FROM users ORDER BY id") == [
        (1, 10), (2, None), (3, None), (4, None)]
    assert q(db, "SELECT id, workspace_id FROM dashboards ORDER BY id") == [
        (1, 10), (2, None), (3, None)]
    assert q(db, "SELECT id, slug FROM workspaces") == [(10, "ann")]
    assert q(db, "SELECT workspace_id, user_id FROM workspace_members") == [(10, 1)]
    assert q(db, "PRAGMA index_list('dashboards')") == []
    assert dump(db) == at_001


def test_downgrade_then_upgrade_restores_the_same_assignments(tmp_path: Path) -> None:
    db = make_at(tmp_path / "db.db", "002", users=[user(1), user(2)],
                 dashboards=[dashboard(1, 1), dashboard(2)])
    before = q(db, "SELECT u.username, w.slug FROM users u JOIN workspaces w "
                   "ON w.id = u.current_workspace_id ORDER BY u.id")
    run_alembic(db, "downgrade", "001", ["002"])
    assert q(db, "SELECT COUNT(*) FROM workspaces") == [(0,)]
    migrate_to(db, "002")
    after = q(db, "SELECT u.username, w.slug FROM users u JOIN workspaces w "
                  "ON w.id = u.current_workspace_id ORDER BY u.id")
    assert before == after == [("user1", "default"), ("user2", "default")]


def test_002_on_a_table_redefined_by_hand(tmp_path: Path) -> None:
    """A scoped table whose column no longer reads `workspace_id INTEGER` (an operator
    rebuilt it) still gets NOT NULL, keeps its rows, indexes and triggers."""
    db = make_at(tmp_path / "db.db", "001", users=[user(1)],
                 saved_queries=[{"id": 1, "owner_id": 1, "name": "q", "sql": "select ':x'"},
                                {"id": 2, "name": "orphan", "sql": "select 2"}])
    execute(db, """
        CREATE TABLE sq2 (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES users(id),
                          connection_id INTEGER REFERENCES connections(id),
                          name VARCHAR(255) NOT NULL, sql TEXT NOT NULL,
                          created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
                          workspace_id INT REFERENCES workspaces(id));
        INSERT INTO sq2 SELECT * FROM saved_queries;
        DROP TABLE saved_queries;
        ALTER TABLE sq2 RENAME TO saved_queries;
        CREATE INDEX ix_sq_name ON saved_queries(name);
        CREATE TABLE audit(x);
        CREATE TRIGGER t_sq AFTER UPDATE ON saved_queries
            BEGIN INSERT INTO audit VALUES (':y'); END;
    """)
    before = q(db, "SELECT id, owner_id, name, sql FROM saved_queries ORDER BY id")
    migrate_to(db, "002")
    assert q(db, "SELECT id, owner_id, name, sql FROM saved_queries ORDER BY id") == before
    info = {r[1]: r for r in q(db, "PRAGMA table_info('saved_queries')")}
    assert info["workspace_id"][3] == 1
    names = {r[0] for r in q(db, "SELECT name FROM sqlite_master WHERE tbl_name='saved_queries'")}
    assert {"ix_sq_name", "t_sq", "ix_saved_queries_workspace_id"} <= names
    run_alembic(db, "downgrade", "001", ["002"])
    info = {r[1]: r for r in q(db, "PRAGMA table_info('saved_queries')")}
    assert info["workspace_id"][3] == 0
    assert "t_sq" in {r[0] for r in q(db, "SELECT name FROM sqlite_master")}


def test_002_keeps_the_definition_text_of_rebuilt_tables(tmp_path: Path) -> None:
    """Defaults, UNIQUE-free columns and REFERENCES survive the NOT NULL rebuild."""
    db = make_at(tmp_path / "db.db", "001", users=[user(1)])
    conn = sqlite3.connect(db)
    try:
        before = {t: [r[1:] for r in conn.execute(f"PRAGMA table_info('{t}')")]
                  for t in WORKSPACE_SCOPED_TABLES}
    finally:
        conn.close()
    migrate_to(db, "002")
    for table in WORKSPACE_SCOPED_TABLES:
        after = [r[1:] for r in q(db, f"PRAGMA table_info('{table}')")]
        expected = [(*c[:2], 1 if c[0] == "workspace_id" else c[2], *c[3:])
                    for c in before[table]]
        assert after == expected


def test_downgrade_to_base_keeps_triggers_with_colons(tmp_path: Path) -> None:
    """Triggers are recreated verbatim: `:noon` in their body is not a bind parameter."""
    db = make_at(tmp_path / "db.db", "002", users=[user(1)], dashboards=[dashboard(1)])
    execute(db, "CREATE TABLE audit(x); CREATE TRIGGER t_d AFTER UPDATE ON dashboards "
                "BEGIN INSERT INTO audit VALUES ('at :noon'); END;")
    run_alembic(db, "downgrade", None, ["002", "001"])
    assert q(db, "SELECT name FROM sqlite_master WHERE type = 'trigger'") == [("t_d",)]
    migrate_to(db, "002")
    assert q(db, "SELECT name FROM sqlite_master WHERE type = 'trigger'") == [("t_d",)]
