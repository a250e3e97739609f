"""What individual fixes decide: registration semantics, slugs, skips, refusals."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from tests.unit.health import scenarios as sc
from tests.unit.health.helpers import HEAD, build, execute, query
from wsadmin.db.common.errors import ForeignDatabase, Refused
from wsadmin.db.health.apply import apply_fix, preview_fix
from wsadmin.db.health.runner import run_checks
from wsadmin.db.schema import chain
from wsadmin.db.schema.registration import register_user, slugify, unique_slug

NO_CURRENT = "UPDATE users SET current_workspace_id = NULL WHERE id IN (2, 3)"


def test_personal_writes_what_registration_writes(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, NO_CURRENT)
    apply_fix(db, "users_without_workspace", "personal", backup_dir=tmp_path / "bk")
    # Register one more user the backend's way and compare the rows, ids and times aside.
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        register_user(conn, "erin", "erin@example.org", "$2b$12$" + "e" * 53)
    finally:
        conn.close()

    def rows(user: str) -> list[tuple[object, ...]]:
        return query(db, f"""
            SELECT w.name, w.slug, w.created_by = u.id, m.role, m.invited_by = u.id,
                   s.redis_enabled, s.redis_host, s.redis_port, s.redis_password,
                   s.max_dashboards, s.max_members, s.updated_by, s.updated_at IS NOT NULL,
                   u.current_workspace_id = w.id, w.created_at = w.updated_at
            FROM users AS u JOIN workspaces AS w ON w.id = u.current_workspace_id
            JOIN workspace_members AS m ON m.workspace_id = w.id AND m.user_id = u.id
            JOIN workspace_settings AS s ON s.workspace_id = w.id
            WHERE u.username = '{user}'""")

    erin = rows("erin")
    assert erin == [("erin's Workspace", "erins-workspace", 1, "admin", 1, 0, "localhost", 6379,
                     None, 1000, 100, None, 1, 1, 1)]
    assert rows("bob") == [("bob's Workspace", "bobs-workspace-1", *erin[0][2:])]
    assert rows("carol") == [("carol's Workspace", "carols-workspace-1", *erin[0][2:])]


@pytest.mark.parametrize("username", ["Zoë Ünal", "İrem", "!!!", "--- ---", "a\x07b\tc",
                                      "ＡＢＣ", "x" * 80])
def test_personal_slugs_follow_the_backends_rule(tmp_path: Path, username: str) -> None:
    db = build(tmp_path, HEAD, NO_CURRENT)
    execute(db, f"UPDATE users SET username = '{username}' WHERE id = 2")
    preview = preview_fix(db, "users_without_workspace", "personal")
    created = preview.steps[0].sample
    assert created[0]["name"] == f"{username}'s Workspace"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        expected = unique_slug(conn, slugify(f"{username}'s Workspace")[:100].strip("-"))
    finally:
        conn.close()
    assert created[0]["slug"] == expected


def test_personal_for_a_blob_username_and_a_short_slug_column(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, NO_CURRENT, "PRAGMA writable_schema = ON;"
               "UPDATE sqlite_master SET sql = replace(sql, 'slug VARCHAR(100)', "
               "'slug VARCHAR(16)') WHERE name = 'workspaces'")
    execute(db, "UPDATE users SET username = x'416e6e61ff' WHERE id = 2;"
                "UPDATE users SET username = 'carolina-maria-longname' WHERE id = 3;"
                "INSERT INTO workspaces (id, name, slug, created_by) VALUES "
                "(9, 'taken', 'carolina-maria-l', 1)")
    result = apply_fix(db, "users_without_workspace", "personal", backup_dir=tmp_path / "bk")
    assert result.clean
    assert query(db, "SELECT name, slug FROM workspaces WHERE created_by IN (2, 3) "
                     "AND id > 9 ORDER BY id") == [
        ("Anna\ufffd's Workspace", "annas-workspace"), ("carolina-maria-longname's Workspace",
                                                        "carolina-maria-1")]
    assert max(len(s) for (s,) in query(db, "SELECT slug FROM workspaces")) <= 16


def test_new_workspaces_never_adopt_dangling_references(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.DELETED_WORKSPACE,
               "UPDATE connections SET workspace_id = 77 WHERE id = 2")
    preview = preview_fix(db, "users_dangling_workspace", "personal")
    assert preview.steps[0].sample[0]["id"] == 78


def test_rename_keeps_the_oldest_slug(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.SLUG_VARIANTS)
    apply_fix(db, "duplicate_slugs", "rename", backup_dir=tmp_path / "bk")
    assert query(db, "SELECT id, slug FROM workspaces WHERE id >= 5 ORDER BY id") == [
        (5, "team-3"), (6, "team"), (7, "team-2"), (8, "team-1"), (9, "team-4")]
    assert run_checks(db).get("invalid_slugs").count == 0


def test_default_follows_revision_002(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, NO_CURRENT, "UPDATE users SET role = 'viewer' WHERE id = 1")
    preview = preview_fix(db, "users_without_workspace", "default", sample_limit=None)
    workspace = preview.steps[0].sample[0]
    # created_by: the lowest-id active admin (bob: alice is a viewer now); created_at the
    # earliest users.created_at.
    assert (workspace["name"], workspace["slug"], workspace["created_by"],
            workspace["created_at"]) == ("Default Workspace", "default", 2,
                                         "2024-01-01 09:00:00.000000")
    members = preview.steps[1].sample
    assert [(m["user_id"], m["role"], m["invited_by"], m["joined_at"]) for m in members] == [
        (2, "admin", 2, "2024-01-02 09:00:00.000000"),
        (3, "editor", 3, "2024-01-03 09:00:00.000000")]
    assert preview.steps[2].table == "workspace_settings"


def test_default_without_any_user_refuses(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.DELETED_WORKSPACE, "DELETE FROM users")
    with pytest.raises(Refused, match="no user at all"):
        preview_fix(db, "rows_dangling_workspace", "default")


def test_switch_skips_users_without_any_membership(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.REMOVED_MEMBER, "DELETE FROM workspace_members WHERE user_id = 3")
    preview = preview_fix(db, "users_not_member_of_current", "switch")
    assert (preview.empty, preview.skipped) == (True, 1)
    assert "belong to no workspace" in preview.notes[0]
    with pytest.raises(Refused, match="nothing to change"):
        apply_fix(db, "users_not_member_of_current", "switch", backup_dir=tmp_path / "bk")


def test_rows_creator_skips_rows_whose_creator_has_no_workspace(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.DELETED_WORKSPACE)   # bob's own current workspace is gone
    preview = preview_fix(db, "rows_dangling_workspace", "creator")
    assert (preview.empty, preview.skipped) == (True, 4)
    assert [n.split(" row(s)")[0] for n in preview.notes] == ["1", "1", "1", "1"]


def test_follow_parent_leaves_links_and_says_what_it_breaks(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, "UPDATE data_sources SET workspace_id = 3 WHERE id = 1;"
               "UPDATE connections SET workspace_id = 3 WHERE id = 1;"
               "UPDATE dashboards SET workspace_id = 2 WHERE id = 2")
    # chart 1 (ws 1) uses data source 1, now in 3: it follows, and takes its CSV data
    # along; its link to dashboard 1 (ws 1) then crosses workspaces.
    preview = preview_fix(db, "isolation_violations", "follow_parent", sample_limit=None)
    moved = {(s.table, r["id"], r["workspace_id"]) for s in preview.steps for r in s.sample}
    assert moved == {("charts", 1, 3), ("csv_data", 1, 3)}
    assert preview.notes == ["1 dashboard-chart link(s) will then join a dashboard and a chart "
                             "of different workspaces (unlink them afterwards)"]
    result = apply_fix(db, "isolation_violations", "follow_parent", backup_dir=tmp_path / "bk")
    assert result.check_after.sample[0]["table"] == "dashboard_charts"
    unlink = preview_fix(db, "isolation_violations", "unlink")
    assert unlink.total == 1 and unlink.skipped == 0


def test_drop_leftovers_keeps_an_only_copy(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, "CREATE TABLE _alembic_tmp_users (id INTEGER);"
               "CREATE TABLE _alembic_tmp_gone (id INTEGER); INSERT INTO _alembic_tmp_gone "
               "VALUES (1)")
    preview = preview_fix(db, "half_upgrade", "drop_leftovers")
    assert [(s.action, s.table) for s in preview.steps] == [("drop_table", "_alembic_tmp_users")]
    assert preview.skipped == 1 and "only copy" in preview.notes[0]


def test_drop_leftovers_of_a_failed_fresh_install(tmp_path: Path) -> None:
    half = tmp_path / "half.db"
    execute(half, "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);"
            "CREATE TABLE workspaces (id INTEGER PRIMARY KEY, name TEXT, slug TEXT,"
            " created_by INTEGER, created_at TIMESTAMP, updated_at TIMESTAMP);"
            "CREATE TABLE workspace_members (id INTEGER PRIMARY KEY);"
            "CREATE TABLE workspace_settings (id INTEGER PRIMARY KEY)")
    result = apply_fix(half, "half_upgrade", "drop_leftovers", backup_dir=tmp_path / "bk")
    assert result.clean
    assert run_checks(half).state == "empty"
    full = tmp_path / "full.db"
    execute(full, "CREATE TABLE workspaces (id INTEGER PRIMARY KEY); INSERT INTO workspaces "
            "VALUES (1)")
    preview = preview_fix(full, "half_upgrade", "drop_leftovers")
    assert preview.empty and "hold(s) rows" in preview.notes[0]


def test_adopt_and_repair_name_their_command(tmp_path: Path) -> None:
    db = build(tmp_path, "create_all")
    adopt = preview_fix(db, "revision_mismatch", "adopt")
    assert (adopt.command, adopt.steps) == ("wsadmin adopt DB", [])
    repair = preview_fix(db, "revision_mismatch", "repair")
    assert "run `wsadmin adopt DB` instead" in repair.notes[-1]
    with pytest.raises(Refused, match="is the command `wsadmin adopt") as caught:
        apply_fix(db, "revision_mismatch", "adopt", backup_dir=tmp_path / "bk")
    assert caught.value.hint == f"run `wsadmin adopt {db}`"
    assert not (tmp_path / "bk").exists()


def test_promote_user_needs_an_active_existing_user(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.TEAM, "UPDATE users SET is_active = 0 WHERE id = 3")
    with pytest.raises(Refused, match="no user 'nobody'"):
        preview_fix(db, "workspaces_without_admin", "promote_user", {"user": "nobody"})
    with pytest.raises(Refused, match="not active"):
        preview_fix(db, "workspaces_without_admin", "promote_user", {"user": "carol"})
    with pytest.raises(Refused, match="needs a user"):
        preview_fix(db, "workspaces_without_admin", "promote_user")
    only = preview_fix(db, "workspaces_without_admin", "promote_user",
                       {"user": "4", "workspace": "team"})
    assert [(s.action, s.table) for s in only.steps] == [("update", "workspace_members")]


def test_fixes_refuse_where_they_cannot_apply(tmp_path: Path) -> None:
    legacy = build(tmp_path, chain.BASE)
    with pytest.raises(Refused, match="does not apply"):
        preview_fix(legacy, "users_without_workspace", "personal")
    with pytest.raises(Refused, match="no automatic fix"):
        preview_fix(legacy, "schema_drift")
    with pytest.raises(Refused, match="no fix 'nope'"):
        preview_fix(legacy, "half_upgrade", "nope")
    unknown = build(tmp_path, HEAD, NO_CURRENT, "UPDATE alembic_version SET version_num = 'zz'")
    with pytest.raises(Refused, match="does not know"):
        preview_fix(unknown, "users_without_workspace", "personal")
    foreign = tmp_path / "foreign.db"
    execute(foreign, "CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    with pytest.raises(ForeignDatabase):
        preview_fix(foreign, "half_upgrade", "drop_leftovers")


def test_many_users_are_given_workspaces_set_based(tmp_path: Path) -> None:
    """Not a benchmark: 20,000 users take well under what a row-by-row loop would."""
    db = build(tmp_path, HEAD)
    execute(db, "WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 20009)"
                " INSERT INTO users (id, username, email, password_hash, role, is_active,"
                " email_verified, created_at) SELECT i, 'u' || i, 'u' || i || '@x', 'h',"
                " 'viewer', 1, 0, '2024-01-01' FROM n")
    started = time.perf_counter()
    result = apply_fix(db, "users_without_workspace", "personal", backup_dir=tmp_path / "bk",
                       verify=False)
    assert result.preview.total == 4 * 20000
    assert time.perf_counter() - started < 30
    assert query(db, "SELECT COUNT(*) FROM users WHERE current_workspace_id IS NULL") == [(0,)]
    assert query(db, "SELECT COUNT(DISTINCT slug) FROM workspaces") == [(20004,)]


def test_a_preview_shows_its_first_rows_and_counts_them_all(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, "UPDATE users SET current_workspace_id = NULL")
    preview = preview_fix(db, "users_without_workspace", "personal", sample_limit=2)
    assert [(s.count, len(s.sample)) for s in preview.steps] == [(4, 2)] * 4
    assert [len(s.sample) for s in preview_fix(db, "users_without_workspace", "personal",
                                               sample_limit=0).steps] == [0] * 4
