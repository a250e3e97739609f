"""Revision 002 as SCHEMA.md "`002` in detail" specifies it, one rule at a time."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.migrations.support import RICH_ROWS, at_revision, connect, dump, query
from wsadmin.db.schema import backend_tooling as bt
from wsadmin.db.schema import chain, render, steps
from wsadmin.db.schema.backend_tooling import LAB_HASH, Rows
from wsadmin.db.schema.default_workspace import NoOwnerForDefaultWorkspace, why_002_cannot_run
from wsadmin.db.schema.shape import LEGACY, Shape

TS = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")


def user(uid: int, role: str = "viewer", active: int | None = 1,
         created: str | None = "2024-01-10 00:00:00.000000") -> dict[str, Any]:
    return {"id": uid, "username": f"user{uid}", "email": f"u{uid}@example.com",
            "password_hash": LAB_HASH, "role": role, "is_active": active,
            "created_at": created}


def dash(did: int, creator: int) -> dict[str, Any]:
    return {"id": did, "name": f"d{did}", "layout": "{}", "created_by": creator}


def upgrade(db: Path, start: str = "001", target: str = "002") -> None:
    conn = connect(db)
    try:
        conn.execute("BEGIN")
        steps.upgrade_through(conn, target, start)
        conn.execute("COMMIT")
    finally:
        conn.close()


@pytest.fixture
def at_001(tmp_path: Path) -> Iterator[Any]:
    """A factory: legacy rows brought to 001 by wsadmin's own 001."""
    def make(rows: Rows) -> Path:
        return at_revision(tmp_path / "app_metadata.db", "001", rows)
    yield make


def default_row(db: Path) -> tuple[Any, ...]:
    rows = query(db, "SELECT id, name, created_by, created_at, updated_at FROM workspaces "
                     "WHERE slug = 'default'")
    assert len(rows) == 1
    return rows[0]


def members(db: Path, workspace: int) -> dict[int, str]:
    return dict(query(db, "SELECT user_id, role FROM workspace_members WHERE workspace_id = ?",
                      (workspace,)))


def test_every_user_active_or_not_joins_default_with_their_role(at_001: Any) -> None:
    db = at_001(RICH_ROWS)
    upgrade(db)
    d = default_row(db)[0]
    # root admin, zoë viewer, ed editor (inactive), nul viewer (NULL is_active),
    # sup 'superuser' -> viewer, old admin (inactive)
    assert members(db, d) == {1: "admin", 2: "viewer", 3: "editor", 4: "viewer",
                              5: "viewer", 6: "admin"}
    assert query(db, "SELECT DISTINCT current_workspace_id FROM users") == [(d,)]
    assert query(db, "SELECT invited_by = user_id, joined_at FROM workspace_members "
                     "WHERE user_id = 3") == [(1, "2024-01-04 10:00:00.000000")]
    # users.role is the backend's global admin flag: kept, values untouched
    assert query(db, "SELECT id, role FROM users ORDER BY id") == [
        (1, "admin"), (2, "viewer"), (3, "editor"), (4, "viewer"), (5, "superuser"),
        (6, "admin")]


def test_default_is_created_by_the_lowest_active_admin_at_the_earliest_moment(
        at_001: Any) -> None:
    db = at_001(RICH_ROWS)
    before = datetime.now(UTC).replace(tzinfo=None)
    upgrade(db)
    _, name, creator, created_at, updated_at = default_row(db)
    assert (name, creator, created_at) == ("Default Workspace", 1,
                                           "2023-12-01 09:00:00.000000")
    assert TS.fullmatch(updated_at)
    written = datetime.strptime(updated_at, "%Y-%m-%d %H:%M:%S.%f")
    assert before - timedelta(seconds=1) <= written <= before + timedelta(minutes=5)  # UTC


@pytest.mark.parametrize("users, creator", [
    ([user(1, "viewer"), user(2, "admin", 0), user(3, "admin"), user(4)], 3),
    ([user(1, "admin", 0), user(2, "viewer", None), user(3, "editor"), user(4)], 3),
    ([user(2, "admin", 0), user(3, "viewer", None)], 2),
])
def test_the_creator_is_picked_as_specified(at_001: Any, users: list[dict[str, Any]],
                                            creator: int) -> None:
    db = at_001({"users": users})
    upgrade(db)
    assert default_row(db)[2] == creator


def test_one_admin_is_guaranteed_and_nobody_else_is_promoted(at_001: Any) -> None:
    db = at_001({"users": [user(1, "viewer", 0), user(2, "editor"), user(3, "viewer")]})
    upgrade(db)
    d, _, creator, *_ = default_row(db)
    assert creator == 2  # lowest-id active user
    assert members(db, d) == {1: "viewer", 2: "admin", 3: "viewer"}


def test_a_reused_default_keeps_its_name_and_members_and_gets_an_admin(at_001: Any) -> None:
    db = at_001({"users": [user(1), user(2), user(3, "admin", 0)]})
    conn = connect(db)
    conn.execute("INSERT INTO workspaces VALUES (7, 'Team', 'default', 2, "
                 "'2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000000')")
    conn.execute("INSERT INTO workspace_members (workspace_id, user_id, role, joined_at) "
                 "VALUES (7, 2, 'viewer', '2024-01-01 00:00:00.000000')")
    conn.execute("UPDATE users SET current_workspace_id = 7 WHERE id = 2")
    conn.close()
    upgrade(db)
    assert query(db, "SELECT id, name FROM workspaces") == [(7, "Team")]
    # user 2 already had the workspace; the others join; its creator (2) becomes admin
    assert members(db, 7) == {1: "viewer", 2: "admin", 3: "admin"}
    assert query(db, "SELECT COUNT(*) FROM workspace_settings WHERE workspace_id = 7") == [(1,)]


def test_no_hard_coded_ids(at_001: Any) -> None:
    db = at_001({"users": [user(1), user(2)], "dashboards": [dash(1, 1), dash(2, 2)]})
    conn = connect(db)
    for wid in (1, 2, 3):
        conn.execute("INSERT INTO workspaces VALUES (?, ?, ?, 1, ?, ?)",
                     (wid, f"w{wid}", f"w{wid}", "2024-01-01 00:00:00.000000",
                      "2024-01-01 00:00:00.000000"))
    conn.execute("UPDATE users SET current_workspace_id = 1 WHERE id = 1")
    conn.execute("UPDATE dashboards SET workspace_id = 3 WHERE id = 1")
    conn.close()
    upgrade(db)
    d = default_row(db)[0]
    assert d == 4
    assert query(db, "SELECT id, current_workspace_id FROM users ORDER BY id") == [(1, 1), (2, 4)]
    assert query(db, "SELECT id, workspace_id FROM dashboards ORDER BY id") == [(1, 3), (2, 4)]
    # user 1 keeps workspace 1 but, as default's creator, becomes its admin (step 2)
    assert default_row(db)[2] == 1 and members(db, d) == {1: "admin", 2: "viewer"}


def test_rows_of_deleted_creators_move_to_default_and_system_logs_stay(at_001: Any) -> None:
    db = at_001(RICH_ROWS)
    upgrade(db)
    d = default_row(db)[0]
    for table in ("dashboards", "charts", "connections"):
        assert query(db, f"SELECT DISTINCT workspace_id FROM {table}") == [(d,)]
    assert query(db, "SELECT created_by FROM dashboards WHERE id = 3") == [(99,)]
    assert query(db, "SELECT id, workspace_id FROM logs ORDER BY id") == [
        (1, d), (2, None), (3, d)]


def test_csv_data_takes_its_charts_workspace_and_default_when_the_chart_is_gone(
        at_001: Any) -> None:
    db = at_001(RICH_ROWS)
    conn = connect(db)
    conn.execute("INSERT INTO workspaces VALUES (5, 'Team', 'team', 1, "
                 "'2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000000')")
    conn.execute("UPDATE charts SET workspace_id = 5 WHERE id = 1")
    conn.close()
    upgrade(db)
    d = default_row(db)[0]
    assert query(db, "SELECT id, workspace_id FROM csv_data ORDER BY id") == [(1, 5), (2, d)]


def test_default_gets_the_backends_settings_once(at_001: Any) -> None:
    db = at_001(RICH_ROWS)
    upgrade(db)
    d = default_row(db)[0]
    rows = query(db, "SELECT redis_enabled, redis_host, redis_port, redis_password, "
                     "max_dashboards, max_members, updated_at FROM workspace_settings "
                     "WHERE workspace_id = ?", (d,))
    assert len(rows) == 1
    assert rows[0][:6] == (0, "localhost", 6379, None, 1000, 100) and TS.fullmatch(rows[0][6])


def test_nulls_the_backend_rejects_are_filled(tmp_path: Path) -> None:
    # users.role NULL: what the backend's own 002 downgrade leaves (role re-added nullable).
    nullable = Shape(tuple(
        t if t.name != "users" else replace(t, columns=tuple(
            replace(c, not_null=False) if c.name == "role" else c for c in t.columns))
        for t in LEGACY.tables))
    db = tmp_path / "app_metadata.db"
    conn = connect(db)
    render.build(conn, nullable)
    bt.insert_rows(conn, {"users": [user(1, "admin"), user(2, None, None)]})
    conn.close()
    upgrade(db, start=chain.BASE)
    assert query(db, "SELECT id, role, is_active, email_verified FROM users ORDER BY id") == [
        (1, "admin", 1, 0), (2, "viewer", 0, 0)]
    conn = sqlite3.connect(db)
    assert [r[3] for r in conn.execute("PRAGMA table_info(users)") if r[1] == "role"] == [1]
    conn.close()


def test_a_user_without_created_at_joins_now(at_001: Any) -> None:
    db = at_001({"users": [user(1, created=None)]})
    upgrade(db)
    (joined,) = query(db, "SELECT joined_at FROM workspace_members")[0]
    assert TS.fullmatch(joined) and joined.startswith(str(datetime.now(UTC).year))
    assert default_row(db)[3] == default_row(db)[4]  # no created_at anywhere: now


def test_rows_without_any_user_fail_with_one_clear_sentence_and_change_nothing(
        at_001: Any) -> None:
    db = at_001({"dashboards": [dash(1, 5), dash(2, 6)], "charts": [
        {"id": 1, "name": "c", "chart_type": "bar", "config": "{}", "created_by": 5}]})
    conn = connect(db)
    why = why_002_cannot_run(conn)
    assert why is not None and why.startswith("3 rows have no workspace (2 dashboards, "
                                              "1 charts)") and "\n" not in why
    before = dump(db)
    conn.execute("BEGIN")
    with pytest.raises(NoOwnerForDefaultWorkspace) as raised:
        steps.upgrade("002", conn)
    conn.execute("ROLLBACK")
    conn.close()
    assert raised.value.message == why and "nothing was changed" in raised.value.hint
    assert dump(db) == before


def test_the_preflight_answers_on_a_legacy_database_too(tmp_path: Path) -> None:
    db = bt.legacy(tmp_path / "a.db", {"dashboards": [dash(1, 5)]})
    conn = sqlite3.connect(db)
    assert why_002_cannot_run(conn) == (
        "1 rows have no workspace (1 dashboards) and the database has no user at all, so "
        "revision 002 cannot give them a Default Workspace with an owner")
    conn.close()
    db2 = bt.legacy(tmp_path / "b.db", RICH_ROWS)
    conn = sqlite3.connect(db2)
    assert why_002_cannot_run(conn) is None
    conn.close()


def test_an_empty_database_gets_no_default_workspace(tmp_path: Path) -> None:
    db = tmp_path / "app_metadata.db"
    conn = connect(db)
    conn.execute("BEGIN")
    steps.upgrade_through(conn, chain.HEAD_REVISION)
    conn.execute("COMMIT")
    conn.close()
    assert query(db, "SELECT COUNT(*) FROM workspaces") == [(0,)]
    assert query(db, "SELECT COUNT(*) FROM workspace_settings") == [(0,)]


def test_users_who_all_have_a_workspace_need_no_default(at_001: Any) -> None:
    db = at_001({"users": [user(1)], "dashboards": [dash(1, 1)]})
    conn = connect(db)
    conn.execute("INSERT INTO workspaces VALUES (1, 'w', 'w', 1, '2024-01-01 00:00:00.000000',"
                 " '2024-01-01 00:00:00.000000')")
    conn.execute("UPDATE users SET current_workspace_id = 1")
    conn.execute("UPDATE dashboards SET workspace_id = 1")
    conn.close()
    upgrade(db)
    assert query(db, "SELECT slug FROM workspaces") == [("w",)]


def test_running_002_again_changes_nothing(at_001: Any) -> None:
    db = at_001(RICH_ROWS)
    upgrade(db)
    before = dump(db)
    conn = connect(db)
    conn.execute("BEGIN")
    steps.upgrade("002", conn)
    conn.execute("COMMIT")
    conn.close()
    assert dump(db) == before
