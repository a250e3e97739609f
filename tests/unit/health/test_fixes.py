"""Every fix: its preview is exactly what it changes, its check is clean afterwards,
no other check gets worse, and it is backed up and audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.health.helpers import build, query, snapshot
from wsadmin.db.common import audit
from wsadmin.db.common.errors import Refused
from wsadmin.db.health.apply import Preview, apply_fix, preview_fix
from wsadmin.db.health.model import CheckStatus
from wsadmin.db.health.registry import CHECKS
from wsadmin.db.health.runner import run_checks

Snap = dict[str, dict[tuple[Any, ...], dict[str, Any]]]

TEAM = ("INSERT INTO workspaces (id, name, slug) VALUES (5, 'Team', 'team');"
        "INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (5, 4, 'admin');")
# At 001: alice in `default`, bob in his own workspace, carol and dave in none.
HOMES_001 = ("INSERT INTO workspaces (id, name, slug) VALUES (1, 'Default Workspace', 'default'),"
             "(2, 'Bob''s Workspace', 'bob');"
             "INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (1, 1, 'admin'),"
             "(2, 2, 'admin');"
             "UPDATE users SET current_workspace_id = id WHERE id IN (1, 2);")

SCENARIOS: list[tuple[str, str, str, str, dict[str, str]]] = [
    ("users_without_workspace", "personal", "002",
     "UPDATE users SET current_workspace_id = NULL WHERE id IN (1, 3);"
     "INSERT INTO workspaces (id, name, slug) VALUES (9, 'Taken', 'Alice')", {}),
    ("users_without_workspace", "default", "002",
     "UPDATE users SET current_workspace_id = NULL WHERE id IN (1, 3);"
     "DELETE FROM workspace_members WHERE user_id = 3", {}),
    ("users_dangling_workspace", "personal", "002",
     "UPDATE users SET current_workspace_id = 42 WHERE id = 2", {}),
    ("users_dangling_workspace", "default", "002",
     "UPDATE users SET current_workspace_id = 42 WHERE id = 2", {}),
    ("users_not_member_of_current", "add_membership", "002",
     TEAM + "UPDATE users SET current_workspace_id = 5 WHERE id IN (2, 3)", {}),
    ("users_not_member_of_current", "switch", "002",
     TEAM + "UPDATE users SET current_workspace_id = 5 WHERE id IN (2, 3)", {}),
    ("duplicate_slugs", "rename", "002",
     "DROP INDEX ux_workspaces_slug;"
     "INSERT INTO workspaces (id, name, slug, created_at) VALUES"
     "(5, 'A', 'Team', '2024-03-01'), (6, 'B', 'team', '2024-01-01'),"
     "(7, 'C', ' team ', '2024-02-01'), (8, 'D', 'team-2', '2024-01-01');"
     "INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (5, 1, 'admin'),"
     "(6, 1, 'admin'), (7, 1, 'admin'), (8, 1, 'admin')", {}),
    ("workspaces_without_admin", "promote_oldest", "002",
     "INSERT INTO workspaces (id, name, slug) VALUES (6, 'Six', 'six');"
     "INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES"
     "(6, 2, 'member', '2024-01-02'), (6, 3, 'viewer', '2024-01-01'),"
     "(6, 99, 'member', '2023-01-01')", {}),
    ("workspaces_without_admin", "promote_user", "002",
     "INSERT INTO workspaces (id, name, slug) VALUES (6, 'Six', 'six'), (7, 'Seven', 'seven');"
     "INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (7, 4, 'viewer')",
     {"user": "dave"}),
    ("rows_without_workspace", "owner", "001", HOMES_001, {}),
    ("rows_without_workspace", "default", "001", HOMES_001, {}),
    ("rows_dangling_workspace", "owner", "002",
     "UPDATE dashboards SET workspace_id = 77 WHERE id IN (1, 3);"
     "UPDATE saved_queries SET workspace_id = 78 WHERE id = 2", {}),
    ("rows_dangling_workspace", "default", "002",
     TEAM + "UPDATE users SET current_workspace_id = 5 WHERE id = 4;"
     "DELETE FROM workspace_members WHERE workspace_id = 1 AND user_id = 1;"
     "UPDATE dashboards SET workspace_id = 77 WHERE id = 1", {}),
    ("memberships_dangling", "delete", "002",
     "DELETE FROM users WHERE id = 4;"
     "UPDATE dashboards SET owner_id = NULL WHERE owner_id = 4;"
     "INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (50, 1, 'admin'),"
     "(51, 98, 'member')", {}),
    ("isolation_violations", "add_member", "002",
     TEAM + "UPDATE dashboards SET workspace_id = 5 WHERE id IN (1, 2, 3)", {}),
    ("isolation_violations", "move", "002",
     TEAM + "UPDATE dashboards SET workspace_id = 5 WHERE id IN (1, 3);"
     "UPDATE saved_queries SET workspace_id = 5, connection_id = 1 WHERE id = 2;"
     "UPDATE saved_queries SET workspace_id = 5 WHERE id = 1", {}),
    ("half_upgrade", "drop_leftovers", "002",
     "CREATE TABLE _alembic_tmp_users (id INTEGER); INSERT INTO _alembic_tmp_users VALUES (1);"
     "CREATE TABLE _alembic_tmp_dashboards (id INTEGER)", {}),
]


def changes(before: Snap, after: Snap) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for table in sorted(set(before) | set(after)):
        if table not in after:
            out[table] = "dropped"
            continue
        old, new = before.get(table, {}), after[table]
        inserted = {k: new[k] for k in new.keys() - old.keys()}
        deleted = set(old.keys() - new.keys())
        updated = {k: {c: v for c, v in new[k].items() if old[k].get(c) != v}
                   for k in new.keys() & old.keys() if new[k] != old[k]}
        if inserted or deleted or updated:
            out[table] = {"insert": inserted, "delete": deleted, "update": updated}
    return out


def planned(preview: Preview) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for step in preview.steps:
        if step.action == "drop_table":
            out[step.table] = "dropped"
            continue
        entry = out.setdefault(step.table, {"insert": {}, "delete": set(), "update": {}})
        for row in step.sample:
            key = tuple(row[k] for k in step.key)
            if step.action == "delete":
                entry["delete"].add(key)
            else:
                entry[step.action][key] = {c: row[c] for c in step.sets}
    return out


@pytest.mark.parametrize(("check_id", "fix_id", "state", "sql", "params"), SCENARIOS,
                         ids=[f"{s[0]}-{s[1]}" for s in SCENARIOS])
def test_fix_does_exactly_what_it_previewed(tmp_path: Path, check_id: str, fix_id: str,
                                            state: str, sql: str, params: dict[str, str]) -> None:
    db = build(tmp_path, state, sql)
    before = run_checks(db)
    assert before.get(check_id).status is CheckStatus.FINDINGS
    snap0 = snapshot(db)
    preview = preview_fix(db, check_id, fix_id, params, sample_limit=None)
    assert snapshot(db) == snap0                        # a preview changes nothing
    assert preview.total == sum(len(s.sample) for s in preview.steps) > 0
    result = apply_fix(db, check_id, fix_id, params, backup_dir=tmp_path / "bk")
    snap1 = snapshot(db)

    done = changes(snap0, snap1)
    plan = planned(preview)
    assert done.keys() == plan.keys()
    for table, want in plan.items():
        got = done[table]
        if want == "dropped":
            assert got == "dropped"
            continue
        assert got["delete"] == want["delete"], table
        assert got["update"] == want["update"], table
        assert got["insert"].keys() == want["insert"].keys(), table
        for key, values in want["insert"].items():
            assert {c: got["insert"][key][c] for c in values} == values, table
    assert result.preview.total == preview.total

    assert result.check_after.status is CheckStatus.OK
    assert result.diff is not None and result.diff.worse == [], result.diff.summary()
    assert check_id in [c.id for c in result.diff.better]

    assert result.backup is not None and snapshot(Path(result.backup.path)) == snap0
    entry = list(audit.entries(db))[-1]
    assert (entry["action"], entry["outcome"], entry["check"], entry["fix"]) == (
        "fix", "ok", check_id, fix_id)
    assert entry["counts_before"] != entry["counts_after"] or any(
        s.action == "update" for s in preview.steps)


def test_every_fix_is_covered_by_a_scenario() -> None:
    covered = {(c, f) for c, f, *_ in SCENARIOS}
    assert covered == {(c.id, f.id) for c in CHECKS for f in c.fixes}


def test_personal_workspaces_follow_registration(tmp_path: Path) -> None:
    db = build(tmp_path, "002", SCENARIOS[0][3],
               "UPDATE users SET username = 'Chloé O''Brien' WHERE id = 3")
    preview = preview_fix(db, "users_without_workspace", "personal")
    created = preview.steps[0].sample
    assert [(w["name"], w["slug"], w["for_user_id"]) for w in created] == [
        ("alice's Workspace", "alice-2", 1), ("Chloé O'Brien's Workspace", "chloe-o-brien", 3)]
    roles = preview.steps[1].sample
    assert {(m["user_id"], m["role"]) for m in roles} == {(1, "admin"), (3, "admin")}


def test_new_workspaces_never_adopt_dangling_references(tmp_path: Path) -> None:
    db = build(tmp_path, "002", "UPDATE users SET current_workspace_id = 42 WHERE id = 2;"
               "UPDATE dashboards SET workspace_id = 60 WHERE id = 3")
    preview = preview_fix(db, "users_dangling_workspace", "personal")
    assert preview.steps[0].sample[0]["id"] == 61


def test_rename_keeps_the_oldest_slug(tmp_path: Path) -> None:
    db = build(tmp_path, "002", SCENARIOS[6][3])
    apply_fix(db, "duplicate_slugs", "rename", backup_dir=tmp_path / "bk")
    assert query(db, "SELECT id, slug FROM workspaces WHERE id >= 5 ORDER BY id") == [
        (5, "team-4"), (6, "team"), (7, "team-3"), (8, "team-2")]


def test_switch_skips_users_without_any_membership(tmp_path: Path) -> None:
    db = build(tmp_path, "002", TEAM, "UPDATE users SET current_workspace_id = 5 WHERE id = 3;"
               "DELETE FROM workspace_members WHERE user_id = 3")
    preview = preview_fix(db, "users_not_member_of_current", "switch")
    assert (preview.empty, preview.skipped) == (True, 1)
    with pytest.raises(Refused, match="nothing to change"):
        apply_fix(db, "users_not_member_of_current", "switch", backup_dir=tmp_path / "bk")


def test_add_member_cannot_fix_a_foreign_connection(tmp_path: Path) -> None:
    db = build(tmp_path, "002", SCENARIOS[15][3])
    preview = preview_fix(db, "isolation_violations", "add_member")
    assert preview.skipped == 2
    assert [(m["workspace_id"], m["user_id"]) for m in preview.steps[0].sample] == [(5, 1)]


def test_fixes_refuse_where_their_check_does_not_apply(tmp_path: Path) -> None:
    db = build(tmp_path, "legacy")
    with pytest.raises(Refused, match="does not apply"):
        preview_fix(db, "users_without_workspace", "personal")
    with pytest.raises(Refused, match="no automatic fix"):
        preview_fix(db, "schema_drift")
    with pytest.raises(Refused, match="no fix 'nope'"):
        preview_fix(db, "half_upgrade", "nope")


def test_many_users_are_assigned_set_based(tmp_path: Path) -> None:
    """Not a benchmark: 20,000 users take well under the time a per-row loop would."""
    import time

    from tests.builders import execute

    db = build(tmp_path, "002")
    execute(db, "WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 20009)"
            " INSERT INTO users (id, username, hashed_password) SELECT i, 'u' || i, 'x' FROM n")
    started = time.perf_counter()
    result = apply_fix(db, "users_without_workspace", "personal", backup_dir=tmp_path / "bk",
                       verify=False)
    assert result.preview.total == 3 * 20000
    assert time.perf_counter() - started < 20
    assert query(db, "SELECT COUNT(*) FROM users WHERE current_workspace_id IS NULL") == [(0,)]
