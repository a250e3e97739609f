"""Lazy reads: ids for a filter and sort, rows by page, never a secret."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.unit.editors.helpers import SECRET_PARTS, build
from tests.unit.health import helpers as health
from wsadmin.db.editors import (
    FieldError,
    NotEditable,
    UserFilter,
    WorkspaceFilter,
    count_users,
    member_ids,
    member_rows,
    permissions,
    require_readable,
    settings_of,
    user_detail,
    user_id_chunks,
    user_ids,
    user_rows,
    workspace_ids,
    workspace_rows,
)
from wsadmin.db.editors.users_read import _ids_sql
from wsadmin.db.schema import chain

MORE_USERS = """
INSERT INTO users (id, username, email, password_hash, role, current_workspace_id,
                   email_verified, is_active, created_at)
VALUES (5, 'per%cent', 'pc@example.net', 'x', 'viewer', NULL, 0, 0, '2024-02-01'),
       (6, 'under_score', 'us@example.net', 'x', 'viewer', 99, 0, NULL, '2024-02-02'),
       (7, 'plain', 'Zed@Example.NET', 'x', 'admin', 1, 0, 1, '2024-02-03');
"""


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    db = build(tmp_path, MORE_USERS)
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    yield c
    c.close()


@pytest.mark.parametrize(("flt", "expected"), [
    (UserFilter(), [1, 2, 3, 4, 5, 6, 7]),
    (UserFilter(text="AL"), [1]),                       # case-insensitive, username
    (UserFilter(text="example.net"), [5, 6, 7]),        # email
    (UserFilter(text="zed@example.net"), [7]),          # ASCII case folded on both sides
    (UserFilter(text="%"), [5]),                        # LIKE wildcards taken literally
    (UserFilter(text="_"), [6]),
    (UserFilter(text="  carol "), [3]),                 # surrounding spaces ignored
    (UserFilter(without_workspace=True), [5, 6]),       # NULL, and a missing workspace
    (UserFilter(global_admins=True), [1, 2, 7]),
    (UserFilter(inactive=True), [5, 6]),                # 0 and NULL
    (UserFilter(member_of=1), [1, 3]),
    (UserFilter(member_of=1, global_admins=True), [1]),
    (UserFilter(text="example", inactive=True), [5, 6]),
    (UserFilter(member_of=42), []),
])
def test_filters(conn: sqlite3.Connection, flt: UserFilter, expected: list[int]) -> None:
    assert list(user_ids(conn, flt)) == expected
    assert count_users(conn, flt) == len(expected)


def test_sorts_break_ties_by_id(conn: sqlite3.Connection) -> None:
    assert list(user_ids(conn, sort="username")) == [1, 2, 3, 4, 5, 7, 6]
    assert list(user_ids(conn, sort="username", descending=True)) == [6, 7, 5, 4, 3, 2, 1]
    assert list(user_ids(conn, sort="global_role")) == [1, 2, 7, 3, 4, 5, 6]
    assert list(user_ids(conn, sort="id", descending=True, limit=2)) == [7, 6]
    with pytest.raises(FieldError) as caught:
        user_ids(conn, sort="password_hash")
    assert caught.value.field == "sort"


def test_chunks_give_the_same_ids_in_order(conn: sqlite3.Connection) -> None:
    chunks = list(user_id_chunks(conn, UserFilter(text="e"), "email", chunk=2))
    assert [len(c) for c in chunks] == [2, 2, 2, 1]
    assert [i for c in chunks for i in c] == list(user_ids(conn, UserFilter(text="e"), "email"))


def test_the_text_filter_reads_the_two_indexes_not_the_table(conn: sqlite3.Connection) -> None:
    sql, params = _ids_sql(UserFilter(text="bob"), "id", False)
    plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
    scans = [step for step in plan if step.startswith("SCAN")]
    assert scans == ["SCAN users USING COVERING INDEX ix_users_username",
                     "SCAN users USING COVERING INDEX sqlite_autoindex_users_1"]
    assert "SEARCH u USING INTEGER PRIMARY KEY (rowid=?)" in plan


def test_rows_follow_the_order_of_the_ids_and_hold_no_secret(conn: sqlite3.Connection) -> None:
    rows = user_rows(conn, [3, 99, 1, 6])
    assert [r.id for r in rows] == [3, 1, 6]            # 99 does not exist
    carol, alice, under = rows
    assert (carol.username, carol.global_role, carol.workspaces, carol.current_workspace_slug,
            carol.member_of_current) == ("carol", "editor", 2, "carols-workspace", True)
    assert (alice.active, alice.email_verified) == (True, False)
    assert (under.current_workspace_id, under.current_workspace, under.active) == (99, None, None)
    text = repr(user_rows(conn, user_ids(conn)))
    assert not [s for s in SECRET_PARTS if s in text]
    assert "$2b$" not in text


def test_a_current_workspace_without_membership_is_flagged(tmp_path: Path) -> None:
    db = build(tmp_path, "UPDATE users SET current_workspace_id = 1 WHERE id = 4")
    with closing(sqlite3.connect(db, isolation_level=None)) as c:
        [dave] = user_rows(c, [4])
    assert dave.current_workspace_slug == "alices-workspace" and not dave.member_of_current


def test_user_detail_lists_memberships_and_sole_admins(conn: sqlite3.Connection) -> None:
    detail = user_detail(conn, 1)
    assert [(m.slug, m.role, m.current, m.sole_admin) for m in detail.memberships] == [
        ("alices-workspace", "admin", True, True)]
    carol = user_detail(conn, 3)
    # Oldest first: carol joined alice's workspace in May 2024, registered (now) later.
    assert [(m.workspace_id, m.role, m.current, m.sole_admin) for m in carol.memberships] == [
        (1, "editor", False, False), (3, "admin", True, True)]
    with pytest.raises(FieldError):
        user_detail(conn, 42)


def test_workspace_rows_count_per_page(conn: sqlite3.Connection) -> None:
    ids = workspace_ids(conn)
    assert list(ids) == [1, 2, 3, 4]
    one, two = workspace_rows(conn, [1, 2])
    assert (one.slug, one.creator, one.members, one.admins, one.has_settings) == (
        "alices-workspace", "alice", 2, 1, True)
    assert one.rows == {"dashboards": 1, "charts": 1, "connections": 1, "data_sources": 1,
                        "csv_data": 1, "logs": 1}
    assert two.rows["csv_data"] == 0 and two.members == 1


def test_workspace_filters_and_sorts(conn: sqlite3.Connection) -> None:
    assert list(workspace_ids(conn, WorkspaceFilter(text="CAROL"))) == [3]
    assert list(workspace_ids(conn, WorkspaceFilter(member=3))) == [1, 3]
    assert list(workspace_ids(conn, sort="slug", descending=True)) == [4, 3, 2, 1]


def test_without_active_admin(tmp_path: Path) -> None:
    db = build(tmp_path, "UPDATE users SET is_active = 0 WHERE id = 2")
    with closing(sqlite3.connect(db, isolation_level=None)) as c:
        assert list(workspace_ids(c, WorkspaceFilter(without_active_admin=True))) == [2]


def test_members_are_lazy_too(conn: sqlite3.Connection) -> None:
    assert list(member_ids(conn, 1)) == [1, 3]
    assert list(member_ids(conn, 1, text_filter="car")) == [3]
    assert list(member_ids(conn, 1, sort="username", descending=True)) == [3, 1]
    rows = member_rows(conn, 1, [3, 1])
    assert [(r.user_id, r.role, r.current, r.invited_by) for r in rows] == [
        (3, "editor", False, 1), (1, "admin", True, 1)]


def test_permissions_say_which_are_stale(tmp_path: Path) -> None:
    db = build(tmp_path)
    with closing(sqlite3.connect(db, isolation_level=None)) as c:
        [perm] = permissions(c, 1)
        assert (perm.username, perm.level, perm.stale) == ("carol", "viewer", None)
        c.execute("DELETE FROM workspace_members WHERE id = 5")
        [perm] = permissions(c, 1)
        assert perm.stale == "the user is not a member of the connection's workspace"
        assert permissions(c, 2) == []


def test_settings_say_only_whether_a_redis_password_is_set(conn: sqlite3.Connection) -> None:
    one, two = settings_of(conn, 1), settings_of(conn, 2)
    assert (one.redis_password_set, two.redis_password_set) == (True, False)
    assert (one.max_members, one.redis_port, one.exists) == (100, 6379, True)
    assert not [s for s in SECRET_PARTS if s in repr(one)]
    assert not settings_of(conn, 42).exists


def test_reads_work_read_only_below_head(tmp_path: Path) -> None:
    db = health.build(tmp_path, "001")
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as c:
        require_readable(c)
        rows = user_rows(c, user_ids(c))
        assert [(r.username, r.current_workspace_id, r.workspaces) for r in rows] == [
            ("alice", None, 0), ("bob", None, 0), ("carol", None, 0), ("dave", None, 0)]
        assert list(user_ids(c, UserFilter(without_workspace=True))) == [1, 2, 3, 4]
        assert workspace_rows(c, workspace_ids(c)) == [] and permissions(c, 1) == []


def test_a_legacy_database_cannot_even_be_shown(tmp_path: Path) -> None:
    db = health.build(tmp_path, chain.BASE)
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as c, \
            pytest.raises(NotEditable) as caught:
        require_readable(c, db)
    assert "users.current_workspace_id" in caught.value.message
    assert f"wsadmin upgrade {db}" in caught.value.hint
