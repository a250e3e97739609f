"""Shapes read from SQLite and rendered back to DDL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from wsadmin.db.schema import ddl_text, render
from wsadmin.db.schema.shape import (
    EXPRESSION,
    HEAD,
    LEGACY,
    Check,
    ForeignKey,
    Index,
    Shape,
    packaged_sql,
    read_shape,
    shape_from_sql,
)

SHARED = Path("/work/shared/backend-schema")


def test_head_and_legacy_have_the_tables_schema_md_lists() -> None:
    assert HEAD.table_names == {
        "users", "workspaces", "dashboards", "connections", "settings", "logs",
        "workspace_members", "workspace_settings", "data_sources", "connection_permissions",
        "charts", "dashboard_charts", "csv_data"}
    assert LEGACY.table_names == {
        "users", "dashboards", "connections", "settings", "logs", "charts",
        "dashboard_charts", "csv_data"}
    assert "alembic_version" not in HEAD


@pytest.mark.parametrize("name", ["head.sql", "legacy.sql"])
def test_packaged_sql_is_a_verbatim_copy_of_the_shared_reference(name: str) -> None:
    if not (SHARED / name).exists():
        pytest.skip("the shared reference files are not on this machine")
    assert packaged_sql(name) == (SHARED / name).read_text("utf-8")


def test_columns_keep_declared_type_not_null_pk_and_default() -> None:
    users = HEAD.table("users")
    assert users is not None
    assert users.primary_key == ("id",)
    username = users.column("username")
    assert username is not None
    assert (username.type, username.not_null, username.pk) == ("VARCHAR(50)", True, 0)
    theme = users.column("theme_preference")
    assert theme is not None and not theme.not_null and theme.default is None
    shape = shape_from_sql("CREATE TABLE t (a INTEGER, b TEXT DEFAULT 'x' NOT NULL, "
                           "PRIMARY KEY (b, a))")
    t = shape.table("t")
    assert t is not None
    assert t.primary_key == ("b", "a")
    b = t.column("b")
    assert b is not None and b.default == "'x'" and b.not_null


def test_unique_constraints_keep_their_names_and_unnamed_ones_have_none() -> None:
    members = HEAD.table("workspace_members")
    users = HEAD.table("users")
    assert members is not None and users is not None
    assert Index(("workspace_id", "user_id"), True, "uq_workspace_user", True) in members.indexes
    assert Index(("email",), True, None, True) in users.indexes
    assert Index(("username",), True, "ix_users_username", False) in users.indexes


def test_foreign_keys_with_targets_and_on_delete() -> None:
    charts = HEAD.table("charts")
    assert charts is not None
    assert ForeignKey(("data_source_id",), "data_sources", ("id",), "SET NULL") \
        in charts.foreign_keys
    perms = HEAD.table("connection_permissions")
    assert perms is not None
    assert ForeignKey(("granted_by",), "users", ("id",), "NO ACTION") in perms.foreign_keys


def test_a_reference_without_columns_means_the_targets_primary_key() -> None:
    shape = shape_from_sql("CREATE TABLE p (k TEXT, n INT, PRIMARY KEY (n, k));"
                           "CREATE TABLE c (x, y, FOREIGN KEY (x, y) REFERENCES p)")
    c = shape.table("c")
    assert c is not None
    assert c.foreign_keys == (ForeignKey(("x", "y"), "p", ("n", "k")),)


def test_checks_are_read_from_the_create_text() -> None:
    members = HEAD.table("workspace_members")
    assert members is not None
    assert members.checks == (Check("role IN ('admin', 'editor', 'viewer')",
                                    "check_valid_role"),)
    shape = shape_from_sql(
        "CREATE TABLE t (a INT CHECK (a > 0), -- a comment, with (parens\n"
        " b TEXT CONSTRAINT \"b ok\" CHECK(b IN ('x,)', 'y')),"
        " /* , */ CHECK ( a  <  10 ))")
    t = shape.table("t")
    assert t is not None
    assert t.checks == (Check("a > 0"), Check("b IN ('x,)', 'y')", "b ok"), Check("a < 10"))


def test_tokenizer_keeps_quoted_text_whole() -> None:
    tokens = ddl_text.tokenize("[a b] \"c\"\"d\" 'e''f' `g`")
    assert [t.name for t in tokens] == ["a b", 'c"d', "e'f", "g"]


def test_expression_and_partial_indexes_are_recognised_and_not_rendered() -> None:
    shape = shape_from_sql("CREATE TABLE t (a, b);"
                           "CREATE INDEX e ON t (lower(a));"
                           "CREATE UNIQUE INDEX p ON t (b) WHERE b IS NOT NULL")
    t = shape.table("t")
    assert t is not None
    by_name = {i.name: i for i in t.indexes}
    assert by_name["e"].columns == (EXPRESSION,)
    assert by_name["p"].partial and by_name["p"].unique
    with pytest.raises(ValueError, match="partial or on an expression"):
        render.create_statements(t)


def test_alembic_version_and_sqlite_tables_are_not_part_of_a_shape() -> None:
    shape = shape_from_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);"
                           "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);"
                           "INSERT INTO t DEFAULT VALUES; ANALYZE")
    assert shape.table_names == {"t"}


@pytest.mark.parametrize("shape", [HEAD, LEGACY], ids=["head", "legacy"])
def test_rendering_a_shape_and_reading_it_back_gives_the_same_shape(shape: Shape) -> None:
    conn = sqlite3.connect(":memory:")
    try:
        render.build(conn, shape)
        assert read_shape(conn) == shape
    finally:
        conn.close()


def test_a_table_renders_under_another_name_for_a_rebuild() -> None:
    users = HEAD.table("users")
    assert users is not None
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(render.create_table_sql(users, "_new_users"))
        copy = read_shape(conn).table("_new_users")
        assert copy is not None
        assert copy.columns == users.columns and copy.foreign_keys == users.foreign_keys
    finally:
        conn.close()


def test_odd_identifiers_and_checks_survive_rendering() -> None:
    shape = shape_from_sql('CREATE TABLE "we""ird t" ("key" TEXT NOT NULL, "a b" INT, '
                           'CONSTRAINT "u 1" UNIQUE ("key", "a b"), '
                           'CONSTRAINT "c""k" CHECK ("a b">=0 AND "a b" <> 1e-5));'
                           'CREATE INDEX "i""x" ON "we""ird t" ("a b")')
    conn = sqlite3.connect(":memory:")
    try:
        render.build(conn, shape)
        assert read_shape(conn) == shape
        table = shape.table('we"ird t')
        assert table is not None and table.checks == (
            Check('"a b">=0 AND "a b" <> 1e-5', 'c"k'),)
    finally:
        conn.close()
