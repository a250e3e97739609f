"""The runbook's own diagnosis queries agree with `wsadmin check` on every test database
(SCHEMA.md's rule); the before/after diff reports what an operation made better or worse."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.health import scenarios as sc
from tests.unit.health.helpers import HEAD, build, execute, query
from tests.unit.health.test_fixes import SCENARIOS
from wsadmin.db.health.diff import around, compare
from wsadmin.db.health.model import CheckStatus
from wsadmin.db.health.runner import run_checks
from wsadmin.db.schema import chain

DATABASES = [(HEAD, sql) for _c, _f, sql, _p in SCENARIOS] + [
    (HEAD, ()), ("create_all", ()), ("001", ()), ("002", ()), ("a87f1e87be87", ()),
    (HEAD, (sc.DELETED_WORKSPACE, sc.REMOVED_MEMBER, sc.SLUG_VARIANTS)),
    (HEAD, ("DROP INDEX ix_workspaces_slug; INSERT INTO workspaces (name, slug, created_by) "
            "VALUES ('a', 'x', 1), ('b', 'x', 1), ('c', 'X', 1), ('d', 'y', 1), ('e', 'y', 1)",)),
    ("001", ("UPDATE users SET current_workspace_id = 3 WHERE id = 1",)),
]


@pytest.mark.parametrize(("state", "sql"), DATABASES)
def test_runbook_queries_agree(tmp_path: Path, state: str, sql: tuple[str, ...]) -> None:
    db = build(tmp_path, state, *sql)
    report = run_checks(db, sample_limit=None)
    # "Verify no orphaned users": SELECT COUNT(*) FROM users WHERE current_workspace_id IS NULL
    orphans = query(db, "SELECT COUNT(*) FROM users WHERE current_workspace_id IS NULL")[0][0]
    assert report.get("users_without_workspace").count == orphans
    # Troubleshooting "Users without workspace assignments": the same users.
    listed = query(db, "SELECT id, username, current_workspace_id FROM users "
                       "WHERE current_workspace_id IS NULL;")
    assert [(r["user_id"], r["username"]) for r in report.get("users_without_workspace").sample
            ] == [(i, n) for i, n, _w in listed]
    # "Duplicate workspace slugs": its rows are a subset of ours.
    groups = query(db, "SELECT slug, COUNT(*) FROM workspaces GROUP BY slug HAVING COUNT(*) > 1;")
    ours = [r["slug"] for r in report.get("duplicate_slugs").sample]
    for slug, n in groups:
        assert ours.count(slug) == n
    # "Check user workspace assignments": the users its LEFT JOIN shows without a
    # workspace name are exactly ours without or with a dangling workspace.
    nameless = query(db, "SELECT u.username, w.name FROM users u LEFT JOIN workspaces w "
                         "ON u.current_workspace_id = w.id;")
    assert sum(1 for _u, w in nameless if w is None) == (
        report.get("users_without_workspace").count
        + report.get("users_dangling_workspace").count)


def test_the_runbook_queries_on_a_legacy_database(tmp_path: Path) -> None:
    db = build(tmp_path, chain.BASE)
    report = run_checks(db)
    assert report.get("users_without_workspace").status is CheckStatus.NOT_APPLICABLE
    with pytest.raises(Exception, match="no such column"):
        query(db, "SELECT COUNT(*) FROM users WHERE current_workspace_id IS NULL")


def test_diff_reports_better_and_worse(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, "UPDATE users SET current_workspace_id = NULL WHERE id = 1")

    def operation() -> str:
        execute(db, "UPDATE users SET current_workspace_id = 1 WHERE id = 1;"
                    "UPDATE dashboards SET workspace_id = 99 WHERE id = 2")
        return "done"

    result, diff = around(db, operation)
    assert result == "done"
    assert [c.id for c in diff.better] == ["users_without_workspace"]
    assert sorted(c.id for c in diff.worse) == ["foreign_keys", "isolation_violations",
                                                "rows_dangling_workspace"]
    assert not diff.ok
    assert "WORSE" in diff.summary()
    assert diff.to_json()["worse"][0]["after_count"] == 1


def test_diff_of_identical_reports_is_empty(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.REMOVED_MEMBER)
    report = run_checks(db)
    diff = compare(report, run_checks(db))
    assert diff.changes == [] and diff.ok and diff.summary() == "no check changed"
