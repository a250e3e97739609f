"""Every fix: its preview is exactly what it changes, its check is clean afterwards, no
other check gets worse, and it is backed up and audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.health import scenarios as sc
from tests.unit.health.helpers import HEAD, build, snapshot
from wsadmin.db.common import audit
from wsadmin.db.health.apply import Preview, apply_fix, preview_fix
from wsadmin.db.health.model import CheckStatus
from wsadmin.db.health.registry import CHECKS
from wsadmin.db.health.runner import run_checks

Snap = dict[str, dict[tuple[Any, ...], dict[str, Any]]]

NULLABLE_ROWS = """
PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = replace(sql, 'workspace_id INTEGER NOT NULL', 'workspace_id INTEGER')
  WHERE name IN ('dashboards', 'charts', 'connections', 'csv_data');
PRAGMA writable_schema = OFF;
"""
ROWS_WITHOUT = """
UPDATE dashboards SET workspace_id = NULL WHERE id = 2;
UPDATE charts SET workspace_id = NULL WHERE id = 2;
UPDATE connections SET workspace_id = NULL WHERE id = 1;
UPDATE csv_data SET workspace_id = NULL WHERE id = 1;
"""
BOB_MOVED_ON = """
UPDATE users SET current_workspace_id = 3 WHERE id = 2;
INSERT INTO workspace_members (id, workspace_id, user_id, role, invited_by, joined_at)
  VALUES (8, 3, 2, 'editor', 3, '2024-06-01 00:00:00');
"""
NO_CURRENT = "UPDATE users SET current_workspace_id = NULL WHERE id IN (2, 3)"

SCENARIOS: list[tuple[str, str, tuple[str, ...], dict[str, str]]] = [
    ("users_without_workspace", "personal",
     (NO_CURRENT, "UPDATE workspaces SET slug = 'Bobs-Workspace' WHERE id = 2"), {}),
    ("users_without_workspace", "default", (NO_CURRENT,), {}),
    ("users_dangling_workspace", "personal", (sc.DELETED_WORKSPACE,), {}),
    ("users_dangling_workspace", "default", (sc.DELETED_WORKSPACE,), {}),
    ("users_not_member_of_current", "add_membership", (sc.REMOVED_MEMBER,), {}),
    ("users_not_member_of_current", "switch", (sc.REMOVED_MEMBER,), {}),
    ("duplicate_slugs", "rename", (sc.SLUG_VARIANTS,), {}),
    ("invalid_slugs", "rename", ("UPDATE workspaces SET slug = 'Bad Slug!' WHERE id = 4",), {}),
    ("workspaces_without_admin", "promote_oldest", (sc.TEAM,), {}),
    ("workspaces_without_admin", "promote_user", (sc.TEAM,), {"user": "carol"}),
    ("workspaces_without_settings", "create_defaults",
     ("DELETE FROM workspace_settings WHERE workspace_id IN (2, 3)",), {}),
    ("workspace_creator_missing", "reassign",
     ("UPDATE workspaces SET created_by = 99 WHERE id = 1",), {}),
    ("rows_without_workspace", "creator", (NULLABLE_ROWS, ROWS_WITHOUT), {}),
    ("rows_without_workspace", "default", (NULLABLE_ROWS, ROWS_WITHOUT), {}),
    ("rows_dangling_workspace", "creator", (sc.DELETED_WORKSPACE, BOB_MOVED_ON), {}),
    ("rows_dangling_workspace", "default", (sc.DELETED_WORKSPACE,), {}),
    ("rows_orphaned_creator", "reassign",
     ("UPDATE charts SET created_by = 42 WHERE id = 2;"
      "UPDATE dashboards SET created_by = 43 WHERE id = 1",), {}),
    ("memberships_dangling", "delete",
     ("INSERT INTO workspace_members (id, workspace_id, user_id, role, joined_at) VALUES "
      "(8, 77, 1, 'viewer', '2024-01-01'), (9, 1, 98, 'viewer', '2024-01-01')",), {}),
    ("invalid_roles", "viewer",
     ("UPDATE workspace_members SET role = 'owner' WHERE id = 2;"
      "UPDATE users SET role = 'superuser' WHERE id = 4;"
      "UPDATE connection_permissions SET permission_level = 'admin' WHERE id = 1",), {}),
    ("isolation_violations", "follow_parent", (sc.CROSS_LINKS,), {}),
    ("isolation_violations", "unlink", ("UPDATE dashboards SET workspace_id = 3 WHERE id = 1",),
     {}),
    ("stale_connection_permissions", "delete", (sc.REMOVED_MEMBER,), {}),
    ("users_unreadable", "fill_defaults",
     (sc.EMAIL_VERIFIED_NULL, "UPDATE users SET is_active = NULL WHERE id = 3;"
      "UPDATE users SET created_at = 'yesterday' WHERE id = 2"), {}),
    ("half_upgrade", "drop_leftovers",
     ("CREATE TABLE _alembic_tmp_users (id INTEGER); INSERT INTO _alembic_tmp_users VALUES (1);"
      "CREATE TABLE _alembic_tmp_charts (id INTEGER)",), {}),
]
COMMAND_FIXES = {("revision_mismatch", "adopt"), ("revision_mismatch", "repair")}


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
                entry[step.action].setdefault(key, {}).update({c: row[c] for c in step.sets})
    return out


def same(want: Any, got: Any, now: str, after: str) -> bool:
    """Planned and applied values agree; a value stamped `now` at preview time is stamped
    with the (later) time of the apply."""
    if want == now and isinstance(got, str):
        return now <= got <= after
    return bool(want == got)


def assert_did_what_it_previewed(preview: Preview, done: dict[str, Any], after: str) -> None:
    plan = planned(preview)
    assert done.keys() == plan.keys()
    for table, want in plan.items():
        got = done[table]
        if want == "dropped":
            assert got == "dropped"
            continue
        assert got["delete"] == want["delete"], table
        for kind in ("insert", "update"):
            assert got[kind].keys() == want[kind].keys(), (table, kind)
            for key, values in want[kind].items():
                row = got[kind][key]
                if kind == "update":
                    assert row.keys() == values.keys(), (table, key)
                for column, value in values.items():
                    assert same(value, row[column], preview.now, after), (table, key, column)


@pytest.mark.parametrize(("check_id", "fix_id", "sql", "params"), SCENARIOS,
                         ids=[f"{s[0]}-{s[1]}" for s in SCENARIOS])
def test_fix_does_exactly_what_it_previewed(tmp_path: Path, check_id: str, fix_id: str,
                                            sql: tuple[str, ...], params: dict[str, str]
                                            ) -> None:
    from wsadmin.db.schema.registration import timestamp

    db = build(tmp_path, HEAD, *sql)
    before = run_checks(db)
    assert before.get(check_id).status is CheckStatus.FINDINGS
    snap0 = snapshot(db)
    preview = preview_fix(db, check_id, fix_id, params, sample_limit=None)
    assert snapshot(db) == snap0                        # a preview changes nothing
    assert preview.total == sum(len(s.sample) for s in preview.steps) > 0
    assert preview.skipped == 0, preview.notes
    result = apply_fix(db, check_id, fix_id, params, backup_dir=tmp_path / "bk")
    assert_did_what_it_previewed(preview, changes(snap0, snapshot(db)), timestamp())
    assert result.preview.total == preview.total

    assert result.check_after.status is CheckStatus.OK
    assert result.diff is not None and result.diff.worse == [], result.diff.summary()
    assert check_id in [c.id for c in result.diff.better]

    assert result.backup is not None and snapshot(Path(result.backup.path)) == snap0
    entry = list(audit.entries(db))[-1]
    assert (entry["action"], entry["outcome"], entry["check"], entry["fix"]) == (
        "fix", "ok", check_id, fix_id)
    assert [c["count"] for c in entry["changes"]] == [s.count for s in preview.steps]


def test_every_fix_is_covered_by_a_scenario() -> None:
    covered = {(c, f) for c, f, *_ in SCENARIOS} | COMMAND_FIXES
    assert covered == {(c.id, f.id) for c in CHECKS for f in c.fixes}
    no_fix = {c.id for c in CHECKS if not c.fixes}
    assert no_fix == {"unusable_password_hashes", "unencrypted_connection_configs",
                      "sqlite_integrity", "foreign_keys", "schema_drift"}
