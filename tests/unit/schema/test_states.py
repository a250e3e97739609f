"""One test per state of SCHEMA.md, with databases built from the shapes or as the
backend's tooling leaves them (backend_tooling.py), plus the traps around each."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Protocol

import pytest

from tests.unit.schema import backend_tooling as bt
from wsadmin.db.schema import chain, render
from wsadmin.db.schema.shape import HEAD, LEGACY, Shape
from wsadmin.db.schema.states import Classification, Offer, State, classify

HEAD_REV = chain.HEAD_REVISION
EMPTY_SHAPE = Shape(())


@pytest.fixture
def conns() -> Iterator[list[sqlite3.Connection]]:
    """Connections a test opens, closed after it."""
    opened: list[sqlite3.Connection] = []
    yield opened
    for conn in opened:
        conn.close()


class Make(Protocol):
    def __call__(self, shape: Shape, *scripts: str, recorded: tuple[str, ...] | None = None
                 ) -> sqlite3.Connection: ...


@pytest.fixture
def make(conns: list[sqlite3.Connection]) -> Make:
    def build(shape: Shape, *scripts: str, recorded: tuple[str, ...] | None = None
              ) -> sqlite3.Connection:
        conn = bt.build(shape, *scripts, recorded=recorded)
        conns.append(conn)
        return conn
    return build


def backend_stuck_at_001(make: Make) -> sqlite3.Connection:
    """A legacy database after the backend's `alembic upgrade head` with an active user."""
    return make(LEGACY, bt.BACKEND_001_TABLES, bt.BACKEND_001_COLUMNS, recorded=("001",))


def test_empty(make: Make) -> None:
    result = classify(make(EMPTY_SHAPE))
    assert (result.state, result.offer, result.recorded) == (State.EMPTY, Offer.INIT, None)
    assert result.differences == ()
    # An empty alembic_version records nothing: still empty.
    assert classify(make(EMPTY_SHAPE, recorded=())).state is State.EMPTY


def test_legacy(make: Make) -> None:
    result = classify(make(LEGACY))
    assert (result.state, result.offer) == (State.LEGACY, Offer.UPGRADE)
    assert (result.highest_present, result.reference) == (chain.BASE, chain.BASE)
    assert result.differences == ()
    assert "users.current_workspace_id" in result.symptom
    assert classify(make(LEGACY, recorded=())).state is State.LEGACY


@pytest.mark.parametrize("missing", [("settings",), ("dashboard_charts", "csv_data"),
                                     ("settings", "dashboard_charts", "csv_data")])
def test_legacy_without_derived_tables_is_still_legacy(make: Make,
                                                       missing: tuple[str, ...]) -> None:
    shape = Shape(tuple(t for t in LEGACY.tables if t.name not in missing))
    result = classify(make(shape))
    assert result.state is State.LEGACY
    assert {d.table for d in result.breaking} == set(missing)  # listed, not hidden


@pytest.mark.parametrize("rev_id", [r for r in chain.REVISION_IDS if r != "001"])
def test_at_revision(make: Make, rev_id: str) -> None:
    result = classify(make(chain.shape_at(rev_id), recorded=(rev_id,)))
    assert (result.state, result.recorded, result.highest_present) == (
        State.AT_REVISION, rev_id, rev_id)
    assert result.differences == ()
    assert result.offer is (Offer.NOTHING if rev_id == HEAD_REV else Offer.UPGRADE)


def test_at_revision_with_later_parts_already_there_is_not_broken(make: Make) -> None:
    # The backend's chain downgraded from head to 002 by hand, say, or head stamped 002.
    result = classify(make(HEAD, recorded=("002",)))
    assert result.state is State.AT_REVISION and result.breaking == ()
    assert {d.kind for d in result.differences} == {
        "later_table", "later_column", "later_foreign_key"}  # charts.data_source_id's key


def test_unversioned_head(make: Make) -> None:
    for recorded in (None, ()):
        result = classify(make(HEAD, recorded=recorded))
        assert (result.state, result.offer) == (State.UNVERSIONED_HEAD, Offer.ADOPT)
        assert result.highest_present == HEAD_REV and result.recorded is None


def test_stuck_at_001_as_the_backends_002_leaves_it(make: Make) -> None:
    result = classify(backend_stuck_at_001(make))
    assert (result.state, result.offer, result.recorded) == (
        State.STUCK_AT_001, Offer.UPGRADE, "001")
    assert result.breaking == () and result.degraded == ()
    assert "theme_preference" in result.symptom and "500" in result.symptom
    # Built from wsadmin's own 001 shape, the state is the same ("whoever made it").
    assert classify(make(chain.shape_at("001"), recorded=("001",))).state is State.STUCK_AT_001


def test_recorded_ahead_of_shape_by_the_backends_no_op_002(make: Make) -> None:
    # No active user: 002 returns early and the chain runs on to head.
    conn = make(LEGACY, bt.BACKEND_001_TABLES, bt.BACKEND_001_COLUMNS, *bt.BACKEND_AFTER_002,
                recorded=(HEAD_REV,))
    result = classify(conn)
    assert (result.state, result.offer) == (State.RECORDED_AHEAD_OF_SHAPE, Offer.REPAIR)
    assert (result.recorded, result.highest_present, result.reference) == (
        HEAD_REV, "001", HEAD_REV)
    missing = {(d.kind, d.table, d.column) for d in result.breaking}
    assert ("missing_column", "charts", "data_source_id") in missing
    assert ("missing_column", "csv_data", "workspace_id") in missing
    assert ("nullable", "dashboards", "workspace_id") in missing


def test_recorded_ahead_of_shape_by_a_hand_stamp(make: Make) -> None:
    result = classify(make(LEGACY, recorded=(HEAD_REV,)))
    assert result.state is State.RECORDED_AHEAD_OF_SHAPE
    assert result.highest_present == chain.BASE
    stamped_001 = classify(make(LEGACY, recorded=("001",)))
    assert (stamped_001.state, stamped_001.highest_present) == (
        State.RECORDED_AHEAD_OF_SHAPE, chain.BASE)


def test_a_revision_recorded_on_an_empty_file_is_ahead_of_its_shape(make: Make) -> None:
    result = classify(make(EMPTY_SHAPE, recorded=(HEAD_REV,)))
    assert (result.state, result.highest_present) == (State.RECORDED_AHEAD_OF_SHAPE, None)


def test_half_initialised_as_the_runbooks_fresh_install_leaves_it(make: Make) -> None:
    result = classify(make(EMPTY_SHAPE, bt.BACKEND_001_TABLES, recorded=()))
    assert (result.state, result.offer) == (State.HALF_INITIALISED, Offer.REPAIR)
    assert "workspaces already exists" in result.symptom


def test_init_db_over_a_half_initialised_database_gives_unversioned_head(make: Make) -> None:
    conn = make(EMPTY_SHAPE, bt.BACKEND_001_TABLES, recorded=())
    bt.create_all(conn)
    result = classify(conn)
    assert result.state is State.UNVERSIONED_HEAD
    assert result.breaking == () and result.degraded == ()
    assert {d.kind for d in result.cosmetic} == {"not_null", "index_name", "extra_index"}


def test_mixed_is_init_db_over_a_legacy_database(make: Make) -> None:
    conn = make(LEGACY)
    bt.create_all(conn)
    result = classify(conn)
    assert (result.state, result.offer, result.highest_present) == (
        State.MIXED, Offer.REPAIR, chain.BASE)
    assert any(d.kind == "missing_column" and d.table == "users" for d in result.breaking)


def test_an_unstamped_intermediate_revision_is_mixed(make: Make) -> None:
    result = classify(make(chain.shape_at("a87f1e87be87")))
    assert (result.state, result.highest_present) == (State.MIXED, "a87f1e87be87")


@pytest.mark.parametrize("recorded", [None, ("002",)])
def test_half_upgraded(make: Make, recorded: tuple[str, ...] | None) -> None:
    conn = make(chain.shape_at("002"), "CREATE TABLE _alembic_tmp_dashboards (id INTEGER)",
                recorded=recorded)
    result = classify(conn)
    assert (result.state, result.offer) == (State.HALF_UPGRADED, Offer.REPAIR)
    assert result.leftovers == ("_alembic_tmp_dashboards",)
    assert any(d.kind == "leftover_table" for d in result.breaking)


def test_a_rebuild_that_died_between_drop_and_rename_is_half_upgraded(make: Make) -> None:
    users = LEGACY.table("users")
    assert users is not None
    shape = Shape(tuple(t for t in LEGACY.tables if t.name != "users"))
    conn = make(shape, render.create_table_sql(users, "_alembic_tmp_users") + ";")
    assert classify(conn).state is State.HALF_UPGRADED


@pytest.mark.parametrize("rows", [("3f2a1b9c0d11",), ("001", "002"), ("",)])
def test_unknown_revision(make: Make, rows: tuple[str, ...]) -> None:
    result = classify(make(HEAD, recorded=rows))
    assert (result.state, result.offer) == (State.UNKNOWN_REVISION, Offer.REFUSE)
    assert result.recorded is None and result.recorded_rows == rows


def test_an_alembic_version_without_version_num_is_unknown(make: Make) -> None:
    conn = make(HEAD, "CREATE TABLE alembic_version (v TEXT); INSERT INTO alembic_version "
                      "VALUES ('head')")
    assert classify(conn).state is State.UNKNOWN_REVISION


@pytest.mark.parametrize("ddl", [
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
    "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT)",
])
def test_foreign(make: Make, ddl: str) -> None:
    result = classify(make(EMPTY_SHAPE, ddl))
    assert (result.state, result.offer) == (State.FOREIGN, Offer.REFUSE)


def test_the_backends_table_names_in_a_shape_it_never_had_are_foreign(make: Make) -> None:
    # Core tables present, but users lacks password_hash: no revision's shape is there.
    users = LEGACY.table("users")
    assert users is not None
    broken = render.create_table_sql(users).replace('\t"password_hash" VARCHAR(255) NOT NULL,\n',
                                                   "")
    shape = Shape(tuple(t for t in LEGACY.tables if t.name != "users"))
    result = classify(make(shape, broken))
    assert (result.state, result.highest_present) == (State.FOREIGN, None)


@pytest.mark.parametrize("recorded", [None, (HEAD_REV,)])
def test_a_table_the_backend_never_had_makes_the_database_foreign(
        make: Make, recorded: tuple[str, ...] | None) -> None:
    # A newer backend's create_all (or another program) added a table: never adopt or
    # upgrade a schema whose tables wsadmin cannot account for.
    result = classify(make(HEAD, "CREATE TABLE alerts (id INTEGER PRIMARY KEY)",
                           recorded=recorded))
    assert (result.state, result.offer) == (State.FOREIGN, Offer.REFUSE)
    assert "alerts" in result.summary


def test_a_recorded_database_in_no_shape_of_the_backend_is_foreign(make: Make) -> None:
    users = HEAD.table("users")
    assert users is not None
    broken = render.create_table_sql(users).replace('\t"password_hash" VARCHAR(255) NOT NULL,\n',
                                                   "")
    shape = Shape(tuple(t for t in HEAD.tables if t.name != "users"))
    result = classify(make(shape, broken, recorded=(HEAD_REV,)))
    assert (result.state, result.highest_present) == (State.FOREIGN, None)
    assert "password_hash" in result.summary


def test_degraded_differences_do_not_block_at_revision(make: Make) -> None:
    result = classify(make(HEAD, "DROP INDEX ix_logs_workspace_id", recorded=(HEAD_REV,)))
    assert (result.state, result.offer) == (State.AT_REVISION, Offer.NOTHING)
    assert [d.kind for d in result.degraded] == ["missing_index"]


def test_past_legacy_the_derived_tables_are_required(make: Make) -> None:
    # An old backend's database without `settings`, then the backend's 001: its chain
    # never creates `settings`, so 001's shape is not there; repair starts from legacy.
    shape = Shape(tuple(t for t in LEGACY.tables if t.name != "settings"))
    result = classify(make(shape, bt.BACKEND_001_TABLES, bt.BACKEND_001_COLUMNS,
                           recorded=("001",)))
    assert (result.state, result.highest_present) == (
        State.RECORDED_AHEAD_OF_SHAPE, chain.BASE)
    assert [(d.kind, d.table) for d in result.breaking] == [("missing_table", "settings")]


def test_classification_reads_only(make: Make) -> None:
    conn = make(LEGACY)
    before = conn.total_changes
    classify(conn)
    assert conn.total_changes == before and not conn.in_transaction


def test_json_report_names_the_state_and_counts(make: Make) -> None:
    result: Classification = classify(make(LEGACY, recorded=(HEAD_REV,)))
    report = result.to_json()
    assert report["state"] == "recorded_ahead_of_shape"
    assert report["offer"] == "repair" and report["highest_present"] == "base"
    assert report["counts"]["breaking"] == len(result.breaking) > 0
    assert all(set(d) == {"severity", "kind", "table", "column", "message"}
               for d in report["differences"])
