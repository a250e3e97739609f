"""Repair's re-recording (SCHEMA.md `recorded_ahead_of_shape`): record the highest
revision whose shape is present, then the ensuring revisions converge."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.migrations.support import STATES, alembic, connect, query
from wsadmin.db.common.errors import Refused
from wsadmin.db.schema import chain
from wsadmin.db.schema.record import highest_present, record_highest_present
from wsadmin.db.schema.states import State, classify

_OTHERS = ("SELECT name, sql FROM sqlite_master WHERE tbl_name <> 'alembic_version' "
           "ORDER BY name")


def _classify(db: Path) -> State:
    conn = sqlite3.connect(db)
    try:
        return classify(conn).state
    finally:
        conn.close()


@pytest.mark.parametrize("name, recorded", [
    ("recorded_ahead_noop_002", "001"),
    ("recorded_ahead_hand_stamp", None),
    ("recorded_ahead_001_on_legacy", None),
    ("recorded_ahead_empty_file", None),
    ("mixed_intermediate", "a87f1e87be87"),
    ("unversioned_head", chain.HEAD_REVISION),
])
def test_the_highest_present_revision_is_recorded(name: str, recorded: str | None,
                                                  tmp_path: Path) -> None:
    db = tmp_path / "app_metadata.db"
    STATES[name][0](db)
    tables_before = query(db, _OTHERS)
    conn = connect(db)
    assert record_highest_present(conn) == recorded
    conn.close()
    assert query(db, "SELECT version_num FROM alembic_version") == (
        [] if recorded is None else [(recorded,)])
    # Only alembic_version was written.
    assert query(db, _OTHERS) == tables_before


def test_without_repair_alembic_believes_the_missing_work_is_done(tmp_path: Path) -> None:
    db = tmp_path / "app_metadata.db"
    STATES["recorded_ahead_noop_002"][0](db)
    alembic(tmp_path, "upgrade", "head")  # nothing to do, says Alembic
    assert _classify(db) is State.RECORDED_AHEAD_OF_SHAPE
    conn = connect(db)
    record_highest_present(conn)
    conn.close()
    alembic(tmp_path, "upgrade", "head")
    assert _classify(db) is State.AT_REVISION
    # The backend's no-op 002 left every user homeless; now they are in `default`.
    assert query(db, "SELECT COUNT(*) FROM users WHERE current_workspace_id IS NULL") == [(0,)]
    assert query(db, "SELECT COUNT(*) FROM csv_data WHERE workspace_id IS NULL") == [(0,)]


@pytest.mark.parametrize("ddl, state", [
    ("CREATE TABLE notes (id INTEGER PRIMARY KEY)", "foreign"),
    ("CREATE TABLE _alembic_tmp_users (id INTEGER)", "half_upgraded"),
])
def test_repair_refuses_what_it_cannot_account_for(ddl: str, state: str,
                                                   tmp_path: Path) -> None:
    db = tmp_path / "app_metadata.db"
    STATES["legacy"][0](db)
    conn = connect(db)
    conn.execute(ddl)
    with pytest.raises(Refused, match=state):
        highest_present(conn)
    conn.close()
