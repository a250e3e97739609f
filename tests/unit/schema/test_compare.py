"""Each severity rule of SCHEMA.md, one database change at a time, against head."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from wsadmin.db.schema import chain, render
from wsadmin.db.schema.compare import Difference, Severity, affinity, compare, count
from wsadmin.db.schema.shape import HEAD, Shape, Table, read_shape, shape_from_sql

B, D, C = Severity.BREAKING, Severity.DEGRADED, Severity.COSMETIC


@pytest.fixture
def head_db() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    render.build(conn, HEAD)
    yield conn
    conn.close()


def head_table(name: str, rev_id: str = chain.HEAD_REVISION) -> Table:
    table = chain.shape_at(rev_id).table(name)
    assert table is not None
    return table


def rebuild(conn: sqlite3.Connection, table: str, create_sql: str, *indexes: str) -> None:
    """Replace `table` by `create_sql` (and `indexes`), as a hand-made change would."""
    conn.execute(f"DROP TABLE {table}")
    conn.execute(create_sql)
    for stmt in indexes:
        conn.execute(stmt)


def diffs_after(conn: sqlite3.Connection) -> list[tuple[Severity, str, str]]:
    return [(d.severity, d.kind, d.table) for d in compare(read_shape(conn), HEAD)]


def test_head_against_itself_has_no_difference(head_db: sqlite3.Connection) -> None:
    assert compare(read_shape(head_db), HEAD) == []


def test_a_missing_table_is_breaking(head_db: sqlite3.Connection) -> None:
    head_db.execute("DROP TABLE csv_data")
    assert diffs_after(head_db) == [(B, "missing_table", "csv_data")]


def test_a_missing_column_is_breaking_and_its_index_and_key_are_not_repeated(
        head_db: sqlite3.Connection) -> None:
    # Plain DROP COLUMN refuses a column with REFERENCES (DESIGN.md rule 6): rebuild.
    rebuild(head_db, "csv_data",
            "CREATE TABLE csv_data (id INTEGER NOT NULL, chart_id INTEGER NOT NULL,"
            " data JSON NOT NULL, column_types JSON NOT NULL,"
            " row_count INTEGER NOT NULL, created_at TIMESTAMP, PRIMARY KEY (id),"
            " FOREIGN KEY(chart_id) REFERENCES charts (id) ON DELETE CASCADE)")
    assert diffs_after(head_db) == [(B, "missing_column", "csv_data")]


def test_nullable_where_head_says_not_null_is_breaking(head_db: sqlite3.Connection) -> None:
    rebuild(head_db, "dashboard_charts",
            "CREATE TABLE dashboard_charts (id INTEGER NOT NULL, dashboard_id INTEGER NOT NULL,"
            " chart_id INTEGER, position JSON NOT NULL, PRIMARY KEY (id),"
            " CONSTRAINT uq_dashboard_chart UNIQUE (dashboard_id, chart_id),"
            " FOREIGN KEY(dashboard_id) REFERENCES dashboards (id) ON DELETE CASCADE,"
            " FOREIGN KEY(chart_id) REFERENCES charts (id) ON DELETE CASCADE)")
    assert diffs_after(head_db) == [(B, "nullable", "dashboard_charts")]


def test_missing_unique_index_or_constraint_is_breaking(head_db: sqlite3.Connection) -> None:
    head_db.execute("DROP INDEX ix_workspaces_slug")
    head_db.execute("CREATE INDEX ix_workspaces_slug ON workspaces (slug)")
    assert diffs_after(head_db) == [(B, "missing_unique", "workspaces"),
                                    (C, "extra_index", "workspaces")]


def test_unique_constraint_and_unique_index_on_the_same_columns_differ_only_in_name(
        head_db: sqlite3.Connection) -> None:
    head_db.execute("DROP INDEX ix_workspaces_slug")
    head_db.execute("CREATE UNIQUE INDEX slug_again ON workspaces (slug)")
    assert diffs_after(head_db) == [(C, "index_name", "workspaces")]


def test_unique_columns_compare_as_sets(head_db: sqlite3.Connection) -> None:
    rebuild(head_db, "dashboard_charts",
            "CREATE TABLE dashboard_charts (id INTEGER NOT NULL, dashboard_id INTEGER NOT NULL,"
            " chart_id INTEGER NOT NULL, position JSON NOT NULL, PRIMARY KEY (id),"
            " FOREIGN KEY(dashboard_id) REFERENCES dashboards (id) ON DELETE CASCADE,"
            " FOREIGN KEY(chart_id) REFERENCES charts (id) ON DELETE CASCADE)",
            "CREATE UNIQUE INDEX uq_dashboard_chart ON dashboard_charts (chart_id, dashboard_id)")
    assert diffs_after(head_db) == []


def test_leftover_and_unknown_tables_are_breaking(head_db: sqlite3.Connection) -> None:
    head_db.execute("CREATE TABLE _alembic_tmp_users (id INTEGER)")
    head_db.execute("CREATE TABLE saved_queries (id INTEGER)")
    assert diffs_after(head_db) == [(B, "leftover_table", "_alembic_tmp_users"),
                                    (B, "unknown_table", "saved_queries")]


def test_a_missing_non_unique_index_is_degraded_unless_another_covers_it(
        head_db: sqlite3.Connection) -> None:
    head_db.execute("DROP INDEX ix_logs_workspace_id")
    assert diffs_after(head_db) == [(D, "missing_index", "logs")]
    head_db.execute("CREATE INDEX logs_ws_time ON logs (workspace_id, created_at)")
    assert diffs_after(head_db) == [(C, "index_covered", "logs"), (C, "extra_index", "logs")]


def test_one_of_two_identical_indexes_is_enough(head_db: sqlite3.Connection) -> None:
    head_db.execute("DROP INDEX idx_datasource_workspace")
    assert diffs_after(head_db) == [(C, "index_name", "data_sources")]


def test_a_missing_foreign_key_is_degraded_and_on_delete_is_cosmetic(
        head_db: sqlite3.Connection) -> None:
    rebuild(head_db, "csv_data",
            "CREATE TABLE csv_data (id INTEGER NOT NULL, chart_id INTEGER NOT NULL,"
            " workspace_id INTEGER NOT NULL, data JSON NOT NULL, column_types JSON NOT NULL,"
            " row_count INTEGER NOT NULL, created_at TIMESTAMP, PRIMARY KEY (id),"
            " FOREIGN KEY(chart_id) REFERENCES charts (id))",
            "CREATE INDEX ix_csv_data_workspace_id ON csv_data (workspace_id)")
    assert sorted(diffs_after(head_db)) == [(C, "on_delete", "csv_data"),
                                            (D, "missing_foreign_key", "csv_data")]


def test_not_null_is_cosmetic_on_columns_the_orm_fills_and_breaking_elsewhere() -> None:
    shape = shape_from_sql(
        "CREATE TABLE workspaces (id INTEGER NOT NULL, name VARCHAR(100) NOT NULL,"
        " slug VARCHAR(100) NOT NULL, created_by INTEGER NOT NULL,"
        " created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL, PRIMARY KEY (id))")
    expected = Shape((head_table("workspaces"),))
    found = {(d.severity, d.kind, d.column) for d in compare(shape, expected)}
    assert (C, "not_null", "created_at") in found and (C, "not_null", "updated_at") in found
    users = shape_from_sql(";".join(render.create_statements(head_table("users")))
                           .replace('"last_login" TIMESTAMP', '"last_login" TIMESTAMP NOT NULL'))
    found_users = [(d.severity, d.kind, d.column)
                   for d in compare(users, Shape((head_table("users"),)))]
    assert found_users == [(B, "not_null", "last_login")]


def test_column_order_types_and_defaults_are_cosmetic_unless_affinity_changes() -> None:
    expected = shape_from_sql("CREATE TABLE t (a INTEGER, b VARCHAR(10), c BOOLEAN)")
    actual = shape_from_sql("CREATE TABLE t (b VARCHAR(20) DEFAULT 'x', a INT, c TEXT)")
    found = [(d.severity, d.kind, d.column) for d in compare(actual, expected)]
    assert found == [(C, "type", "a"), (C, "type", "b"), (C, "default", "b"),
                     (D, "type", "c"), (C, "column_order", None)]
    assert affinity("VARCHAR(20)") == "TEXT" and affinity("BOOLEAN") == "NUMERIC"
    assert affinity("") == "BLOB" and affinity("DOUBLE") == "REAL"


def test_extra_columns_break_only_when_inserts_cannot_fill_them() -> None:
    expected = shape_from_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    actual = shape_from_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT,"
                            " flag INT NOT NULL DEFAULT 0, must TEXT NOT NULL)")
    found = [(d.severity, d.column) for d in compare(actual, expected)]
    assert found == [(C, "note"), (C, "flag"), (B, "must")]


def test_extra_unique_index_and_check_can_reject_the_backends_writes() -> None:
    expected = shape_from_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)")
    actual = shape_from_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT CHECK (a <> ''));"
                            "CREATE UNIQUE INDEX ua ON t (a)")
    kinds = [(d.severity, d.kind) for d in compare(actual, expected)]
    assert kinds == [(B, "extra_unique"), (B, "extra_check")]
    assert [(d.severity, d.kind) for d in compare(expected, actual)] == [
        (B, "missing_unique"), (D, "missing_check")]


def test_a_different_primary_key_is_breaking() -> None:
    expected = shape_from_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)")
    actual = shape_from_sql("CREATE TABLE t (id INTEGER, a TEXT)")
    assert [(d.severity, d.kind) for d in compare(actual, expected)] == [(B, "primary_key")]


def test_what_a_later_revision_adds_is_cosmetic_against_an_earlier_shape() -> None:
    at_001 = chain.shape_at("001")
    strict = compare(HEAD, at_001)
    tolerant = compare(HEAD, at_001, later=HEAD)
    assert count(tolerant)[B] == 0 and count(tolerant)[D] == 0
    assert {d.kind for d in tolerant} == {
        "later_table", "later_column", "later_not_null", "later_foreign_key", "later_index"}
    # Without `later`, a database past 001 would look broken at 001.
    assert count(strict)[B] > 0
    assert {d.kind for d in strict if d.severity is B} >= {"unknown_table", "not_null"}


def test_later_tolerance_does_not_hide_what_is_missing() -> None:
    shape = shape_from_sql(";".join(render.create_statements(head_table("users")))
                           .replace('"password_hash" VARCHAR(255) NOT NULL,', ""))
    only_users = Shape((head_table("users", "001"),))
    found = compare(shape, only_users, later=HEAD)
    assert [(d.severity, d.kind, d.column) for d in found if d.severity is not C] == [
        (B, "missing_column", "password_hash")]


def test_counts_always_have_all_three_severities() -> None:
    diffs = [Difference(B, "missing_table", "t", "table t is missing")]
    assert count(diffs) == {B: 1, D: 0, C: 0}
