"""The runbook's own diagnosis queries agree with `wsadmin check` on every test database;
the before/after diff reports what an operation made better or worse."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builders import execute
from tests.unit.health.helpers import build, query
from tests.unit.health.test_fixes import SCENARIOS
from wsadmin.db.health.diff import around, compare
from wsadmin.db.health.model import CheckStatus
from wsadmin.db.health.runner import run_checks

DATABASES = [(state, sql) for _c, _f, state, sql, _p in SCENARIOS] + [
    ("legacy", ""), ("001", ""), ("002", ""),
    ("002", "DROP INDEX ux_workspaces_slug; INSERT INTO workspaces (name, slug) VALUES "
            "('a', 'x'), ('b', 'x'), ('c', 'X'), ('d', 'y'), ('e', 'y')"),
    ("002", "DELETE FROM workspaces; DELETE FROM workspace_members"),
    ("001", "UPDATE users SET current_workspace_id = 3 WHERE id = 1"),
]


@pytest.mark.parametrize(("state", "sql"), DATABASES)
def test_runbook_queries_agree(tmp_path: Path, state: str, sql: str) -> None:
    db = build(tmp_path, state, *(s for s in [sql] if s))
    report = run_checks(db)
    if state == "legacy":
        assert report.get("users_without_workspace").status is CheckStatus.NOT_APPLICABLE
        return
    # "Verify no orphaned users": SELECT COUNT(*) FROM users WHERE current_workspace_id IS NULL
    orphans = query(db, "SELECT COUNT(*) FROM users WHERE current_workspace_id IS NULL")[0][0]
    assert report.get("users_without_workspace").count == orphans
    listed = query(db, "SELECT id, username, current_workspace_id FROM users "
                       "WHERE current_workspace_id IS NULL")
    assert [(r["user_id"], r["username"]) for r in report.get("users_without_workspace").sample
            ] == [(i, n) for i, n, _w in listed][:20]
    # "Duplicate workspace slugs": exact groups; ours also catches case/space variants.
    groups = query(db, "SELECT slug, COUNT(*) FROM workspaces GROUP BY slug HAVING COUNT(*) > 1")
    dup = report.get("duplicate_slugs")
    assert dup.count >= sum(n for _s, n in groups)
    assert {s for s, _n in groups} <= {r["slug"] for r in dup.sample}
    # "Migration 002 not running": at 002 with users but no workspace at all is a finding.
    workspaces = query(db, "SELECT COUNT(*) FROM workspaces")[0][0]
    users = query(db, "SELECT COUNT(*) FROM users")[0][0]
    if report.revision == "002" and users and not workspaces:
        assert report.findings
    # "Verify default workspace exists": the users the runbook's join shows without a
    # workspace name are exactly ours without or with a dangling workspace.
    nameless = query(db, "SELECT COUNT(*) FROM users u LEFT JOIN workspaces w "
                         "ON u.current_workspace_id = w.id WHERE w.name IS NULL")[0][0]
    assert nameless == (report.get("users_without_workspace").count
                        + report.get("users_dangling_workspace").count)


def test_diff_reports_better_and_worse(tmp_path: Path) -> None:
    db = build(tmp_path, "002", "UPDATE users SET current_workspace_id = NULL WHERE id = 1")

    def operation() -> str:
        execute(db, "UPDATE users SET current_workspace_id = 1 WHERE id = 1;"
                    "UPDATE dashboards SET workspace_id = 99 WHERE id = 2")
        return "done"

    result, diff = around(db, operation)
    assert result == "done"
    assert [c.id for c in diff.better] == ["users_without_workspace"]
    assert sorted(c.id for c in diff.worse) == ["foreign_keys", "rows_dangling_workspace"]
    assert not diff.ok
    assert "WORSE" in diff.summary()
    assert diff.to_json()["worse"][0]["after_count"] == 1


def test_diff_of_identical_reports_is_empty(tmp_path: Path) -> None:
    db = build(tmp_path, "002")
    report = run_checks(db)
    diff = compare(report, run_checks(db))
    assert diff.changes == [] and diff.ok and diff.summary() == "no check changed"


def test_diff_after_a_downgrade_is_not_worse(tmp_path: Path) -> None:
    from wsadmin.db.migrate.runner import run_alembic

    db = build(tmp_path, "002")
    _none, diff = around(db, lambda: run_alembic(db, "downgrade", None, ["002", "001"]))
    assert diff.ok
    assert diff.after.get("users_without_workspace").status is CheckStatus.NOT_APPLICABLE
