"""The ensure engine: what it changes, how, and what it leaves alone."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from wsadmin.db.schema import backend_ddl as ddl
from wsadmin.db.schema import backend_tooling as bt
from wsadmin.db.schema import chain
from wsadmin.db.schema.compare import Severity, compare
from wsadmin.db.schema.ensure import ensure_shape, ensure_table, retreat
from wsadmin.db.schema.facts import WORKSPACE_TABLES
from wsadmin.db.schema.rebuild import Fill, rebuild_table
from wsadmin.db.schema.shape import HEAD, LEGACY, read_shape, read_table


@pytest.fixture
def opened() -> Iterator[list[sqlite3.Connection]]:
    conns: list[sqlite3.Connection] = []
    yield conns
    for conn in conns:
        conn.close()


def make(opened: list[sqlite3.Connection], shape=LEGACY, *scripts) -> sqlite3.Connection:  # type: ignore[no-untyped-def]
    conn = bt.build(shape, *scripts)
    opened.append(conn)
    return conn


def master(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()


def table(conn: sqlite3.Connection, name: str):  # type: ignore[no-untyped-def]
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
    return read_table(conn, name, sql)


@pytest.mark.parametrize("rev", chain.REVISION_IDS)
def test_a_database_already_at_head_is_left_exactly_as_it_is(
        opened: list[sqlite3.Connection], rev: str) -> None:
    conn = make(opened, HEAD)
    before, changes = master(conn), conn.total_changes
    assert ensure_shape(conn, chain.shape_at(rev)) == []
    assert master(conn) == before and conn.total_changes == changes


def test_the_backends_own_workspace_tables_are_not_rebuilt(
        opened: list[sqlite3.Connection]) -> None:
    # NOT NULL timestamps, a unique constraint instead of an index, extra indexes:
    # cosmetic differences, left alone.
    conn = make(opened, LEGACY, ddl.REV_001_TABLES)
    before = [row for row in master(conn) if row[0].startswith(("workspace", "idx_"))]
    done = ensure_shape(conn, chain.shape_at("001"))
    assert not [d for d in done if d.split()[-1] in WORKSPACE_TABLES]
    assert "altered users" in done
    assert [row for row in master(conn) if row[0].startswith(("workspace", "idx_"))] == before


def test_a_nullable_column_is_added_in_place(opened: list[sqlite3.Connection]) -> None:
    conn = make(opened)
    conn.execute("INSERT INTO users (id, username, email, password_hash, role) "
                 "VALUES (1, 'a', 'a@x', 'h', 'admin')")
    text = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'users'").fetchone()[0]
    assert ensure_table(conn, chain.shape_at("001").table("users")) == "altered users"
    after = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'users'").fetchone()[0]
    # ALTER TABLE splices the new columns into the original text: no rebuild happened
    assert after.startswith(text[:text.rindex("PRIMARY KEY")].rstrip()[:-1])
    assert '"current_workspace_id" INTEGER' in after


def test_a_column_with_its_own_foreign_key_is_added_in_place(
        opened: list[sqlite3.Connection]) -> None:
    conn = make(opened, chain.shape_at("002"))
    ensure_shape(conn, chain.shape_at("a87f1e87be87"))
    charts = table(conn, "charts")
    assert ("data_source_id",) in [fk.columns for fk in charts.foreign_keys]
    assert "_alembic_tmp" not in str(master(conn))
    assert compare(read_shape(conn), chain.shape_at("a87f1e87be87"))[0].kind == "column_order"


def test_a_rebuild_keeps_rows_triggers_extra_columns_and_their_indexes(
        opened: list[sqlite3.Connection]) -> None:
    conn = make(opened, chain.shape_at("001"))
    conn.execute("ALTER TABLE dashboards ADD COLUMN note TEXT")
    conn.execute("CREATE INDEX my_note ON dashboards (note)")
    conn.execute("CREATE TABLE audit (what TEXT)")
    conn.execute("CREATE TRIGGER keep AFTER DELETE ON dashboards BEGIN "
                 "INSERT INTO audit VALUES ('deleted ' || old.id); END")
    conn.execute("INSERT INTO dashboards (id, name, layout, created_by, workspace_id, note) "
                 "VALUES (1, 'd', '{}', 1, NULL, 'kept')")
    want = chain.shape_at("002").table("dashboards")
    assert want is not None
    ensure_table(conn, want, [Fill("workspace_id", "?", (7,))])
    assert conn.execute("SELECT workspace_id, note FROM dashboards").fetchall() == [(7, "kept")]
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert {"my_note", "keep", "ix_dashboards_workspace_id"} <= names
    assert not [n for n in names if n.startswith("_alembic_tmp")]
    conn.execute("DELETE FROM dashboards")
    assert conn.execute("SELECT what FROM audit").fetchall() == [("deleted 1",)]
    diffs = compare(read_shape(conn), chain.shape_at("002"))
    assert sorted(d.kind for d in diffs if d.table == "dashboards") == [
        "extra_index", "unknown_column"]  # ours, kept


def test_later_columns_survive_an_earlier_revisions_rebuild(
        opened: list[sqlite3.Connection]) -> None:
    # The backend's no-op path: users already has theme_preference when 002 rebuilds it.
    conn = make(opened, LEGACY, ddl.REV_001_TABLES, ddl.REV_001_COLUMNS, ddl.REV_AFTER_002)
    conn.execute("INSERT INTO users (id, username, email, password_hash, role, "
                 "theme_preference) VALUES (1, 'a', 'a@x', 'h', 'admin', 'dark')")
    want = chain.shape_at("002").table("users")
    assert want is not None
    assert ensure_table(conn, want) == "rebuilt users"
    assert conn.execute("SELECT theme_preference FROM users").fetchall() == [("dark",)]
    users = table(conn, "users")
    assert users.column("theme_preference") is not None
    assert ("current_workspace_id",) in [fk.columns for fk in users.foreign_keys]


def test_fills_give_the_same_rows_with_and_without_a_rebuild(
        opened: list[sqlite3.Connection]) -> None:
    results = []
    for shape in (chain.shape_at("001"), chain.shape_at("002")):  # rebuild, then update
        conn = make(opened, shape)
        conn.execute("CREATE TABLE t_logs AS SELECT 1")
        if shape is chain.shape_at("002"):
            conn.execute("INSERT INTO workspaces VALUES (9, 'w', 'w', 1, NULL, NULL)")
        conn.executemany("INSERT INTO logs (id, user_id, workspace_id, action) "
                         "VALUES (?, ?, NULL, 'x')", [(1, 5), (2, None)])
        want = chain.shape_at("002").table("logs")
        assert want is not None
        ensure_table(conn, want, [Fill("workspace_id", "?", (9,),
                                       when='"workspace_id" IS NULL AND "user_id" IS NOT NULL')])
        results.append(conn.execute("SELECT id, workspace_id FROM logs ORDER BY id").fetchall())
    assert results[0] == results[1] == [(1, 9), (2, None)]


def test_an_index_present_under_another_name_is_not_duplicated(
        opened: list[sqlite3.Connection]) -> None:
    conn = make(opened, chain.shape_at("001"),
                "CREATE INDEX idx_logs_workspace ON logs (workspace_id)")
    want = chain.shape_at("002").table("logs")
    assert want is not None
    ensure_table(conn, want)
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                        "AND tbl_name = 'logs'")]
    assert "idx_logs_workspace" in names and "ix_logs_workspace_id" not in names


def test_a_rebuild_refuses_to_run_with_foreign_keys_on(
        opened: list[sqlite3.Connection]) -> None:
    conn = make(opened, chain.shape_at("001"))
    conn.execute("PRAGMA foreign_keys=ON")
    have, want = table(conn, "dashboards"), chain.shape_at("002").table("dashboards")
    assert want is not None
    with pytest.raises(RuntimeError, match="cascade-delete"):
        rebuild_table(conn, have, want, later=HEAD.table("dashboards"))


def test_a_not_null_column_nothing_fills_is_refused(opened: list[sqlite3.Connection]) -> None:
    conn = make(opened, chain.shape_at("001"))
    want = chain.shape_at("002").table("csv_data")
    assert want is not None
    with pytest.raises(ValueError, match=r"csv_data\.workspace_id is NOT NULL"):
        ensure_table(conn, want)


def test_retreat_removes_only_what_the_revision_adds(opened: list[sqlite3.Connection]) -> None:
    conn = make(opened, HEAD, "CREATE INDEX mine ON users (username, email)")
    for rev in reversed(chain.REVISIONS):
        retreat(conn, rev)
        diffs = compare(read_shape(conn), chain.shape_at(rev.down or chain.BASE))
        assert [d.kind for d in diffs] == ["extra_index"]  # ours, kept throughout
        assert all(d.severity is Severity.COSMETIC for d in diffs)
