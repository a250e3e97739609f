"""The revisions' target shapes, derived from head, against legacy.sql and the backend's DDL."""

from __future__ import annotations

import itertools
import sqlite3

import pytest

from tests.unit.schema import backend_tooling as bt
from wsadmin.db.schema import chain, render
from wsadmin.db.schema.compare import Severity, compare, count
from wsadmin.db.schema.shape import HEAD, LEGACY, read_shape

B, D = Severity.BREAKING, Severity.DEGRADED
POINTS = (chain.BASE, *chain.REVISION_IDS)


def test_the_six_revision_ids_in_order() -> None:
    assert chain.REVISION_IDS == (
        "001", "002", "a87f1e87be87", "f6554ddc8f18", "e73bf9fb92f4", "20251109220344")
    assert chain.HEAD_REVISION == "20251109220344"
    assert [r.down for r in chain.REVISIONS] == [None, *chain.REVISION_IDS[:-1]]
    assert [r.id for r in chain.pending("002")] == list(chain.REVISION_IDS[2:])
    assert chain.pending(chain.BASE) == chain.REVISIONS
    assert chain.pending(chain.HEAD_REVISION) == ()


def test_the_derived_pre_001_shape_is_legacy_sql() -> None:
    derived = chain.shape_at(chain.BASE)
    diffs = compare(derived, LEGACY)
    assert count(diffs)[B] == 0 and count(diffs)[D] == 0
    # Stronger than the contract asks: not even a name or the column order differs.
    assert diffs == [] and derived == LEGACY


def test_head_is_the_head_revision_shape() -> None:
    assert chain.shape_at(chain.HEAD_REVISION) is HEAD


@pytest.mark.parametrize("lower, upper", list(itertools.pairwise(POINTS)))
def test_every_revision_adds_something_breaking_and_removes_nothing(lower: str,
                                                                    upper: str) -> None:
    below, above = chain.shape_at(lower), chain.shape_at(upper)
    # Upgrading never loses anything the lower shape has ...
    assert count(compare(above, below, later=HEAD))[B] == 0
    # ... and each revision adds something whose absence breaks the backend.
    assert count(compare(below, above))[B] > 0


def test_each_revision_declares_what_schema_md_says_it_ensures() -> None:
    def new_objects(rev_id: str) -> set[str]:
        before = chain.shape_at(chain.revision(rev_id).down or chain.BASE)
        after = chain.shape_at(rev_id)
        return {f"{d.table}.{d.column}" if d.column else d.table
                for d in compare(before, after) if d.kind in ("missing_table", "missing_column")}

    assert new_objects("001") == {
        "workspaces", "workspace_members", "workspace_settings", "users.current_workspace_id",
        "users.email_verified", "dashboards.workspace_id", "charts.workspace_id",
        "connections.workspace_id", "logs.workspace_id"}
    assert new_objects("002") == {"csv_data.workspace_id"}
    assert new_objects("a87f1e87be87") == {"data_sources", "charts.data_source_id"}
    assert new_objects("f6554ddc8f18") == {"connection_permissions"}
    assert new_objects("e73bf9fb92f4") == {"users.theme_preference"}
    assert new_objects("20251109220344") == {"users.custom_theme_colors"}


def test_002_makes_the_workspace_columns_required_indexed_and_linked() -> None:
    kinds = {(d.kind, d.table) for d in compare(chain.shape_at("001"), chain.shape_at("002"))}
    for table in ("dashboards", "charts", "connections"):
        assert ("nullable", table) in kinds
    for table in ("dashboards", "charts", "connections", "logs"):
        assert ("missing_index", table) in kinds and ("missing_foreign_key", table) in kinds
    assert ("missing_foreign_key", "users") in kinds
    assert ("nullable", "logs") not in kinds  # system logs keep a NULL workspace


@pytest.mark.parametrize("rev_id", POINTS)
def test_every_revision_shape_can_be_built_and_read_back(rev_id: str) -> None:
    conn = sqlite3.connect(":memory:")
    try:
        render.build(conn, chain.shape_at(rev_id))
        assert read_shape(conn) == chain.shape_at(rev_id)
    finally:
        conn.close()


def test_unknown_revision_ids_are_not_revisions() -> None:
    with pytest.raises(KeyError):
        chain.revision("003")


def _neither_breaking_nor_degraded(conn: sqlite3.Connection, rev_id: str) -> list[str]:
    diffs = compare(read_shape(conn), chain.shape_at(rev_id), later=HEAD)
    return [d.message for d in diffs if d.severity in (B, D)]


def test_the_backends_001_leaves_wsadmins_001_shape() -> None:
    conn = bt.build(LEGACY, bt.BACKEND_001_TABLES, bt.BACKEND_001_COLUMNS)
    assert _neither_breaking_nor_degraded(conn, "001") == []
    conn.close()


def test_the_backends_later_revisions_leave_their_tables_and_columns_as_head_has_them() -> None:
    # On top of wsadmin's 002 shape, the backend's a87..head DDL gives everything of head
    # but charts.data_source_id, which the backend's chain never adds.
    conn = bt.build(chain.shape_at("002"), *bt.BACKEND_AFTER_002)
    diffs = compare(read_shape(conn), HEAD)
    assert [(d.severity, d.kind, d.table, d.column) for d in diffs if d.severity in (B, D)] == [
        (B, "missing_column", "charts", "data_source_id")]
    cosmetic = {(d.kind, d.column) for d in diffs if d.severity is Severity.COSMETIC}
    # ALTER TABLE appends the theme columns after users.is_active: column order.
    assert cosmetic == {("default", "theme_preference"), ("default", "granted_at"),
                        ("column_order", None)}
    conn.close()
