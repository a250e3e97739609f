"""Deleting users and workspaces, moving rows: counts shown first equal what is done,
nothing dangles afterwards (the health checks are the judge), nothing is deleted unsaid."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.unit.editors.helpers import apply, build, findings, query
from wsadmin.db.editors import (
    FieldError,
    delete_user,
    delete_workspace,
    move_rows,
    plan_move,
    preview_user_delete,
    preview_workspace_delete,
)
from wsadmin.db.editors.common import ROW_TABLES


def preview(db: Path, fn):  # type: ignore[no-untyped-def]
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as c:
        return fn(c)


def test_deleting_a_user_hands_everything_to_the_heir(tmp_path: Path) -> None:
    db = build(tmp_path)
    p = preview(db, lambda c: preview_user_delete(c, 2))
    assert p.created == {"dashboards": 1, "charts": 1, "connections": 1, "data_sources": 1,
                         "workspaces": 1}
    assert [w.slug for w in p.workspaces_created] == ["bobs-workspace"]
    assert (p.sole_admin_of, p.memberships) == ([2], 1)
    change = apply(db, lambda c: delete_user(c, 2, 1))
    assert change.deleted == 2 and change.users == (1,)
    for table in ("dashboards", "charts", "connections", "data_sources", "workspaces"):
        assert change.counts[f"reassign {table}"] == p.created[table]
        assert query(db, f"SELECT count(*) FROM {table} WHERE created_by = 2") == [(0,)]
    assert query(db, "SELECT role FROM workspace_members WHERE workspace_id = 2 AND "
                     "user_id = 1") == [("admin",)]
    assert query(db, "SELECT count(*) FROM users WHERE id = 2") == [(0,)]
    assert findings(db) == {}


def test_deleting_a_granter_and_logger_leaves_nothing_dangling(tmp_path: Path) -> None:
    db = build(tmp_path)
    p = preview(db, lambda c: preview_user_delete(c, 1))
    assert (p.permissions_granted, p.logs, p.permissions_held) == (1, 1, 0)
    change = apply(db, lambda c: delete_user(c, 1, 3))
    assert change.counts["reassign connection_permissions"] == 1
    assert change.counts["unset logs.user_id"] == 1
    assert change.counts["unset workspace_members.invited_by"] == 1
    assert query(db, "SELECT granted_by FROM connection_permissions") == [(3,)]
    assert query(db, "SELECT user_id FROM logs WHERE id = 1") == [(None,)]
    assert findings(db) == {}


def test_a_deleted_users_own_permissions_go_and_are_counted(tmp_path: Path) -> None:
    db = build(tmp_path)
    assert preview(db, lambda c: preview_user_delete(c, 3)).permissions_held == 1
    change = apply(db, lambda c: delete_user(c, 3, 4))
    assert change.counts["delete connection_permissions"] == 1
    assert change.counts["delete workspace_members"] == 2
    assert findings(db) == {}


@pytest.mark.parametrize("heir", [None, 2, 42, 4])
def test_an_heir_is_required_active_and_someone_else(tmp_path: Path, heir: int | None) -> None:
    db = build(tmp_path, "UPDATE users SET is_active = 0 WHERE id = 4")
    with pytest.raises(FieldError) as caught:
        apply(db, lambda c: delete_user(c, 2, heir))
    assert caught.value.field == "heir"
    assert query(db, "SELECT count(*) FROM users") == [(4,)]


def test_deleting_a_workspace_moves_everything_first(tmp_path: Path) -> None:
    db = build(tmp_path)
    p = preview(db, lambda c: preview_workspace_delete(c, 2, 1))
    assert p.rows == {"dashboards": 1, "charts": 1, "connections": 1, "data_sources": 1}
    # bob has no other workspace: he joins workspace 1 as viewer.
    assert (p.members, p.settings, p.users_current, p.users_to_own, p.users_joining) == (
        1, 1, 1, 0, 1)
    change = apply(db, lambda c: delete_workspace(c, 2, 1))
    assert change.deleted == 2
    for table in ROW_TABLES:
        assert query(db, f"SELECT count(*) FROM {table} WHERE workspace_id = 2") == [(0,)]
        assert change.counts.get(f"move {table}", 0) == p.rows.get(table, 0)
    assert query(db, "SELECT current_workspace_id FROM users WHERE id = 2") == [(1,)]
    assert query(db, "SELECT role FROM workspace_members WHERE user_id = 2") == [("viewer",)]
    assert query(db, "SELECT count(*) FROM workspace_settings WHERE workspace_id = 2") == [(0,)]
    assert findings(db) == {}


def test_users_go_to_their_own_other_workspace_by_default(tmp_path: Path) -> None:
    db = build(tmp_path, "UPDATE users SET current_workspace_id = 1 WHERE id = 3")
    p = preview(db, lambda c: preview_workspace_delete(c, 1, 2))
    assert (p.users_current, p.users_to_own, p.users_joining) == (2, 1, 1)
    # The connection moves to bob's workspace, where carol is no member: said first.
    assert p.stale_permissions == 1 and p.notes
    apply(db, lambda c: delete_workspace(c, 1, 2))
    assert query(db, "SELECT id, current_workspace_id FROM users WHERE id IN (1, 3) "
                     "ORDER BY id") == [(1, 2), (3, 3)]
    assert findings(db) == {"stale_connection_permissions": 1}


def test_users_to_sends_everyone_to_one_workspace(tmp_path: Path) -> None:
    db = build(tmp_path, "UPDATE users SET current_workspace_id = 1 WHERE id = 3")
    apply(db, lambda c: delete_workspace(c, 1, 2, users_to=4))
    assert query(db, "SELECT id, current_workspace_id FROM users WHERE id IN (1, 3) "
                     "ORDER BY id") == [(1, 4), (3, 4)]
    assert query(db, "SELECT user_id, role FROM workspace_members WHERE workspace_id = 4 "
                     "ORDER BY user_id") == [(1, "viewer"), (3, "viewer"), (4, "admin")]


@pytest.mark.parametrize(("rows_to", "users_to", "field"), [
    (None, None, "rows_to"), (2, None, "rows_to"), (42, None, "rows_to"), (1, 2, "users_to")])
def test_workspace_delete_needs_real_destinations(tmp_path: Path, rows_to: int | None,
                                                  users_to: int | None, field: str) -> None:
    db = build(tmp_path)
    with pytest.raises(FieldError) as caught:
        apply(db, lambda c: delete_workspace(c, 2, rows_to, users_to))
    assert caught.value.field == field
    assert query(db, "SELECT count(*) FROM workspaces") == [(4,)]


def test_a_chart_takes_everything_linked_with_it(tmp_path: Path) -> None:
    db = build(tmp_path)
    plan = preview(db, lambda c: plan_move(c, 1, "charts", [1], 2))
    assert plan.rows == {"dashboards": 1, "charts": 1, "connections": 1, "data_sources": 1,
                         "csv_data": 1}
    assert plan.stale_permissions == 1 and not plan.needs_backup
    change = apply(db, lambda c: move_rows(c, 1, "charts", [1], 2))
    assert {k.removeprefix("move "): n for k, n in change.counts.items()} == plan.rows
    assert query(db, "SELECT count(*) FROM charts WHERE workspace_id = 1") == [(0,)]
    # No isolation violation; carol's permission is stale as the plan said.
    assert findings(db) == {"stale_connection_permissions": 1}


def test_unlink_cuts_dashboard_links_instead(tmp_path: Path) -> None:
    db = build(tmp_path)
    plan = preview(db, lambda c: plan_move(c, 1, "dashboards", [1], 2, links="unlink"))
    assert (plan.rows, plan.unlinked) == ({"dashboards": 1}, 1)
    change = apply(db, lambda c: move_rows(c, 1, "dashboards", [1], 2, links="unlink"))
    assert change.counts == {"delete dashboard_charts": 1, "move dashboards": 1}
    assert query(db, "SELECT count(*) FROM dashboard_charts WHERE dashboard_id = 1") == [(0,)]
    assert findings(db) == {}


def test_a_data_source_brings_its_connection_and_charts(tmp_path: Path) -> None:
    db = build(tmp_path, "INSERT INTO dashboards (id, name, layout, workspace_id, created_by) "
                         "VALUES (3, 'loose', '{}', 1, 1)")
    plan = preview(db, lambda c: plan_move(c, 1, "data_sources", None, 3, links="unlink"))
    assert plan.rows == {"charts": 1, "connections": 1, "data_sources": 1, "csv_data": 1}
    # carol, who holds the permission on the connection, is the target's admin.
    assert (plan.unlinked, plan.stale_permissions) == (1, 0)
    apply(db, lambda c: move_rows(c, 1, "data_sources", None, 3, links="unlink"))
    assert query(db, "SELECT id, workspace_id FROM dashboards ORDER BY id") == [
        (1, 1), (2, 2), (3, 1)]
    assert findings(db) == {}


def test_a_plan_changes_nothing_and_leaves_no_temp_table(tmp_path: Path) -> None:
    db = build(tmp_path)
    before = query(db, "SELECT * FROM charts")
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as c:
        plan_move(c, 1, "charts", None, 2)
        assert c.execute("SELECT count(*) FROM temp.sqlite_master").fetchone() == (0,)
    assert query(db, "SELECT * FROM charts") == before


@pytest.mark.parametrize(("source", "table", "ids", "target", "field"), [
    (1, "logs", None, 2, "table"), (1, "charts", [2], 2, "ids"), (1, "charts", [1], 1, "target"),
    (1, "charts", [], 2, "ids"), (1, "charts", [1], 42, "target")])
def test_bad_moves_are_refused(tmp_path: Path, source: int, table: str, ids: list[int] | None,
                               target: int, field: str) -> None:
    db = build(tmp_path)
    with pytest.raises(FieldError) as caught:
        apply(db, lambda c: move_rows(c, source, table, ids, target))
    assert caught.value.field == field


def test_a_big_move_asks_for_a_backup(tmp_path: Path) -> None:
    db = build(tmp_path, "WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n "
                         "WHERE i < 110) INSERT INTO dashboards (id, name, layout, "
                         "workspace_id, created_by) SELECT i, 'd' || i, '{}', 1, 1 FROM n")
    plan = preview(db, lambda c: plan_move(c, 1, "dashboards", None, 2, links="unlink"))
    assert plan.rows["dashboards"] == 102 and plan.needs_backup
    assert not preview(db, lambda c: plan_move(c, 1, "dashboards", list(range(10, 60)), 2)
                       ).needs_backup
