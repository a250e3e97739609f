"""Every check on databases broken on purpose: exact counts and samples (SCHEMA.md)."""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
from pathlib import Path

import pytest

from tests.unit.health.helpers import build, query
from wsadmin.db.health import checks as checks_mod
from wsadmin.db.health import runner
from wsadmin.db.health.model import CheckStatus, HealthReport
from wsadmin.db.health.registry import CHECKS, IDS
from wsadmin.db.health.runner import run_checks

WORKSPACE_CHECKS = (
    "users_without_workspace", "users_dangling_workspace", "users_not_member_of_current",
    "duplicate_slugs", "workspaces_without_admin", "rows_without_workspace",
    "rows_dangling_workspace", "memberships_dangling", "isolation_violations",
)


def statuses(report: HealthReport) -> dict[str, tuple[str, int]]:
    return {r.id: (r.status.value, r.count) for r in report.checks}


def findings(report: HealthReport) -> dict[str, int]:
    return {r.id: r.count for r in report.checks if r.status is CheckStatus.FINDINGS}


def test_registry_has_every_check_of_the_contract() -> None:
    assert (*WORKSPACE_CHECKS, "sqlite_integrity", "foreign_keys", "schema_drift",
                   "half_upgrade") == IDS
    for check in CHECKS:
        assert check.title and check.sql and check.explanation and check.columns
        with pytest.raises(dataclasses.FrozenInstanceError):
            check.title = "x"  # type: ignore[misc]


def test_clean_databases_at_every_revision(tmp_path: Path) -> None:
    for state in ("legacy", "001", "002"):
        report = run_checks(build(tmp_path, state))
        found = findings(report)
        if state == "001":
            # 001 adds the columns but assigns nothing: every user and row lacks a workspace.
            assert found == {"users_without_workspace": 4, "rows_without_workspace": 7}
        else:
            assert found == {}, state
        assert not report.errors


def test_legacy_workspace_checks_do_not_apply(tmp_path: Path) -> None:
    report = run_checks(build(tmp_path, "legacy"))
    for cid in WORKSPACE_CHECKS:
        result = report.get(cid)
        assert result.status is CheckStatus.NOT_APPLICABLE, cid
        assert "legacy" in result.reason
    assert report.revision is None
    assert report.exit_code == 0


def test_users_without_workspace(tmp_path: Path) -> None:
    db = build(tmp_path, "002", "UPDATE users SET current_workspace_id = NULL WHERE id IN (1, 3)")
    result = run_checks(db, only=["users_without_workspace"]).get("users_without_workspace")
    assert result.count == 2
    assert result.sample == [{"user_id": 1, "username": "alice"},
                             {"user_id": 3, "username": "carol"}]


def test_dangling_workspace_is_counted_only_by_the_dangling_check(tmp_path: Path) -> None:
    db = build(tmp_path, "002", "UPDATE users SET current_workspace_id = 42 WHERE id = 2")
    report = run_checks(db)
    assert report.get("users_dangling_workspace").sample == [
        {"user_id": 2, "username": "bob", "workspace_id": 42}]
    assert findings(report) == {"users_dangling_workspace": 1, "foreign_keys": 1}


def test_users_not_member_of_current(tmp_path: Path) -> None:
    db = build(tmp_path, "002",
               "INSERT INTO workspaces (id, name, slug) VALUES (5, 'Team', 'team');"
               "INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (5, 4, 'admin');"
               "UPDATE users SET current_workspace_id = 5 WHERE id IN (3, 4)")
    result = run_checks(db).get("users_not_member_of_current")
    assert (result.count, result.sample) == (1, [
        {"user_id": 3, "username": "carol", "workspace_id": 5, "workspace": "Team"}])


def test_duplicate_slugs_without_the_unique_index(tmp_path: Path) -> None:
    db = build(tmp_path, "002", "DROP INDEX ux_workspaces_slug;"
               "INSERT INTO workspaces (id, name, slug) VALUES (5, 'A', 'team'), (6, 'B', 'team'),"
               "(7, 'C', 'Team'), (8, 'D', ' team '), (9, 'E', 'other'), (10, 'F', 'Default')")
    report = run_checks(db)
    result = report.get("duplicate_slugs")
    assert result.count == 6
    assert [(r["workspace_id"], r["normalized"]) for r in result.sample] == [
        (1, "default"), (10, "default"), (5, "team"), (6, "team"), (7, "team"), (8, "team")]
    # The runbook's query groups exact slugs only: we find at least what it finds.
    runbook = query(db, "SELECT slug, COUNT(*) FROM workspaces GROUP BY slug HAVING COUNT(*) > 1")
    assert runbook == [("team", 2)]
    assert result.count >= sum(n for _s, n in runbook)
    assert report.get("schema_drift").count == 1   # the missing unique index


def test_workspaces_without_admin_ignores_memberships_of_deleted_users(tmp_path: Path) -> None:
    db = build(tmp_path, "002",
               "INSERT INTO workspaces (id, name, slug) VALUES (5, 'Ghost-led', 'g'),"
               "(6, 'Members only', 'm'), (7, 'Empty', 'e');"
               "INSERT INTO workspace_members (workspace_id, user_id, role) VALUES "
               "(5, 99, 'admin'),"
               "(6, 2, 'member'), (6, 3, 'viewer')")
    report = run_checks(db)
    assert report.get("workspaces_without_admin").sample == [
        {"workspace_id": 5, "workspace": "Ghost-led", "slug": "g", "members": 0},
        {"workspace_id": 6, "workspace": "Members only", "slug": "m", "members": 2},
        {"workspace_id": 7, "workspace": "Empty", "slug": "e", "members": 0}]
    assert findings(report) == {"workspaces_without_admin": 3, "memberships_dangling": 1,
                                "foreign_keys": 1}


def test_rows_without_workspace_at_001(tmp_path: Path) -> None:
    db = build(tmp_path, "001", "UPDATE dashboards SET workspace_id = NULL")
    result = run_checks(db).get("rows_without_workspace")
    assert result.count == 7
    assert result.sample[0] == {"table": "connections", "row_id": 1, "label": "wh",
                                "owner_id": 1, "owner": "alice", "workspace_id": None}
    assert [(r["table"], r["row_id"]) for r in result.sample][-2:] == [
        ("saved_queries", 1), ("saved_queries", 2)]


def test_rows_dangling_workspace(tmp_path: Path) -> None:
    db = build(tmp_path, "002", "UPDATE dashboards SET workspace_id = 77 WHERE id IN (1, 3);"
               "UPDATE saved_queries SET workspace_id = 78 WHERE id = 2")
    report = run_checks(db)
    result = report.get("rows_dangling_workspace")
    assert [(r["table"], r["row_id"], r["workspace_id"], r["owner"]) for r in result.sample] == [
        ("dashboards", 1, 77, "alice"), ("dashboards", 3, 77, None), ("saved_queries", 2, 78, None)]
    # dangling rows are not isolation violations (SCHEMA.md)
    assert findings(report) == {"rows_dangling_workspace": 3, "foreign_keys": 3}


def test_memberships_dangling(tmp_path: Path) -> None:
    db = build(tmp_path, "002", "DELETE FROM users WHERE id = 4;"
               "INSERT INTO workspace_members (workspace_id, user_id, role) VALUES "
               "(50, 1, 'admin'),"
               "(51, 98, 'member')")
    result = run_checks(db).get("memberships_dangling")
    assert [(r["workspace_id"], r["user_id"], r["problem"]) for r in result.sample] == [
        (1, 4, "user missing"), (50, 1, "workspace missing"),
        (51, 98, "user and workspace missing")]


def test_isolation_violations_count_each_row_once(tmp_path: Path) -> None:
    db = build(
        tmp_path, "002",
        "INSERT INTO workspaces (id, name, slug) VALUES (5, 'Team', 'team');"
        "INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (5, 4, 'admin');"
        # alice's dashboard in Team (alice is no member): owner rule
        "UPDATE dashboards SET workspace_id = 5 WHERE id IN (1, 3);"
        # ownerless query whose connection (1) is in default: connection rule only
        "UPDATE saved_queries SET workspace_id = 5, connection_id = 1 WHERE id = 2;"
        # alice's query in Team with its connection in default: both rules, counted once
        "UPDATE saved_queries SET workspace_id = 5 WHERE id = 1;"
        # carol's connection with a deleted owner: no owner, nothing to violate
        "UPDATE connections SET owner_id = 99, workspace_id = 5 WHERE id = 2")
    report = run_checks(db)
    result = report.get("isolation_violations")
    assert [(r["table"], r["row_id"], r["problem"]) for r in result.sample] == [
        ("dashboards", 1, "owner is not a member of the workspace"),
        ("saved_queries", 1,
         "owner is not a member of the workspace; connection is in workspace Default Workspace"),
        ("saved_queries", 2, "connection is in workspace Default Workspace")]
    assert result.count == 3


def test_half_upgrade_and_drift_on_a_missing_table(tmp_path: Path) -> None:
    db = build(tmp_path, "002", "DROP TABLE workspace_members;"
               "CREATE TABLE _alembic_tmp_users (id INTEGER);"
               "CREATE TABLE _alembic_tmp_dashboards (id INTEGER)")
    report = run_checks(db)
    half = report.get("half_upgrade")
    assert half.count == 3
    assert [r["table"] for r in half.sample] == ["_alembic_tmp_dashboards", "_alembic_tmp_users",
                                                 "workspace_members"]
    drift = report.get("schema_drift")
    assert (drift.count, drift.sample[0]["kind"]) == (1, "missing table")
    for cid in ("users_not_member_of_current", "workspaces_without_admin",
                "memberships_dangling", "isolation_violations"):
        assert report.get(cid).status is CheckStatus.NOT_APPLICABLE, cid
        assert "workspace_members" in report.get(cid).reason
    assert report.get("users_without_workspace").status is CheckStatus.OK


def test_missing_column_makes_a_check_not_applicable(tmp_path: Path) -> None:
    db = build(tmp_path, "002", "DROP INDEX ux_workspaces_slug;"
               "ALTER TABLE workspaces DROP COLUMN slug")
    report = run_checks(db)
    assert report.get("duplicate_slugs").status is CheckStatus.NOT_APPLICABLE
    assert "workspaces.slug" in report.get("duplicate_slugs").reason
    drift = report.get("schema_drift")
    assert sorted(r["kind"] for r in drift.sample) == ["missing column", "missing index"]
    assert report.get("half_upgrade").count == 0


def test_schema_drift_counts_each_difference(tmp_path: Path) -> None:
    db = build(tmp_path, "002", "DROP INDEX ix_dashboards_workspace_id;"
               "ALTER TABLE users ADD COLUMN nickname TEXT;"
               "CREATE TABLE notes (id INTEGER PRIMARY KEY);"
               "CREATE INDEX ix_users_email ON users(email);"
               "PRAGMA writable_schema = ON;"
               "UPDATE sqlite_master SET sql = replace(sql, 'TEXT NOT NULL,', 'TEXT,')"
               " WHERE name = 'connections';")
    drift = run_checks(db, only=["schema_drift"]).get("schema_drift")
    kinds = sorted((r["kind"], r["table"], r["name"]) for r in drift.sample)
    assert kinds == [("NOT NULL differs", "connections", "url"),
                     ("extra column", "users", "nickname"),
                     ("extra index", "users", "ix_users_email"),
                     ("extra table", "notes", "notes"),
                     ("missing index", "dashboards", "ix_dashboards_workspace_id")]
    assert drift.count == 5


def test_schema_drift_at_legacy_and_001(tmp_path: Path) -> None:
    legacy = build(tmp_path, "legacy", "ALTER TABLE dashboards ADD COLUMN color TEXT")
    drift = run_checks(legacy, only=["schema_drift"]).get("schema_drift")
    assert (drift.count, drift.sample[0]["name"]) == (1, "color")
    at001 = build(tmp_path, "001", "CREATE INDEX ix_x ON dashboards(title)")
    assert run_checks(at001, only=["schema_drift"]).get("schema_drift").count == 1
    unknown = build(tmp_path, "002", "UPDATE alembic_version SET version_num = '009'")
    result = run_checks(unknown, only=["schema_drift"]).get("schema_drift")
    assert result.status is CheckStatus.NOT_APPLICABLE and "009" in result.reason


def _break_index(db: Path) -> None:
    from tests.builders import execute

    execute(db, "CREATE TABLE t (a INTEGER, b INTEGER); CREATE INDEX t_a ON t(a);"
            "INSERT INTO t VALUES (1, 10), (2, 20), (3, 30);"
            "PRAGMA writable_schema = ON;"
            "UPDATE sqlite_master SET sql = 'CREATE INDEX t_a ON t(b)' WHERE name = 't_a';")


def test_integrity_counts_the_problem_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    db = build(tmp_path, "002")
    _break_index(db)
    raw = [r[0] for r in query(db, "PRAGMA integrity_check")]
    assert raw != ["ok"]
    result = run_checks(db, only=["sqlite_integrity"]).get("sqlite_integrity")
    assert (result.sql, result.count) == ("PRAGMA integrity_check", len(raw))
    assert [r["problem"] for r in result.sample] == raw[:20]
    # Big files get quick_check (it skips index contents), unless asked for the full check.
    monkeypatch.setattr(checks_mod, "QUICK_CHECK_ABOVE", 0)
    quick = run_checks(db, only=["sqlite_integrity"]).get("sqlite_integrity")
    assert quick.sql == "PRAGMA quick_check"
    assert quick.count == len([r for r in query(db, "PRAGMA quick_check") if r[0] != "ok"])
    assert "quick_check" in quick.reason
    full = run_checks(db, only=["sqlite_integrity"], full_integrity=True).get("sqlite_integrity")
    assert (full.sql, full.count) == ("PRAGMA integrity_check", len(raw))


def test_foreign_keys_counts_what_the_pragma_prints(tmp_path: Path) -> None:
    db = build(tmp_path, "002", "DELETE FROM users WHERE id = 1;"
               "UPDATE saved_queries SET connection_id = 9 WHERE id = 2")
    raw = query(db, "PRAGMA foreign_key_check")
    result = run_checks(db, only=["foreign_keys"]).get("foreign_keys")
    assert result.count == len(raw) == 5   # alice's dashboard, connection, query, membership
    assert {(r["table"], r["column"], r["value"]) for r in result.sample} == {
        ("dashboards", "owner_id", 1), ("connections", "owner_id", 1),
        ("saved_queries", "owner_id", 1), ("saved_queries", "connection_id", 9),
        ("workspace_members", "user_id", 1)}


def test_a_failing_check_does_not_stop_the_others(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a: object) -> None:
        raise RuntimeError("kaput")

    broken = tuple(dataclasses.replace(c, run=boom) if c.id == "duplicate_slugs" else c
                   for c in CHECKS)
    monkeypatch.setattr(runner, "CHECKS", broken)
    db = build(tmp_path, "002", "UPDATE users SET current_workspace_id = NULL WHERE id = 1")
    report = run_checks(db)
    assert report.get("duplicate_slugs").status is CheckStatus.ERROR
    assert "kaput" in report.get("duplicate_slugs").reason
    assert report.get("users_without_workspace").count == 1
    assert len(report.checks) == len(CHECKS)
    assert report.exit_code == 2


def test_checks_never_write(tmp_path: Path) -> None:
    db = build(tmp_path, "002", "UPDATE users SET current_workspace_id = NULL WHERE id = 1")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    mtime = db.stat().st_mtime_ns
    run_checks(db, full_integrity=True)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert db.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name)) == [db.name]


def test_one_worker_and_two_workers_agree(tmp_path: Path) -> None:
    db = build(tmp_path, "002", "UPDATE users SET current_workspace_id = 42 WHERE id = 2;"
               "DELETE FROM users WHERE id = 3")
    one = run_checks(db, workers=1, sample_limit=None)
    two = run_checks(db, workers=2, sample_limit=None)
    assert [r.to_json() for r in one.checks] == [r.to_json() for r in two.checks]


def test_empty_file_is_not_applicable(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    db.touch()
    report = run_checks(db)
    assert {r.status for r in report.checks} == {CheckStatus.NOT_APPLICABLE}


@pytest.mark.parametrize("sql", ["DROP TABLE users", "DROP TABLE workspaces",
                                 "ALTER TABLE workspace_members DROP COLUMN role",
                                 "DROP TABLE saved_queries", "DELETE FROM alembic_version"])
def test_missing_tables_and_columns_never_error(tmp_path: Path, sql: str) -> None:
    report = run_checks(build(tmp_path, "002", sql))
    assert report.errors == []
    assert report.get("schema_drift").status is not CheckStatus.OK


def test_checks_on_a_wal_database_leave_no_side_files(tmp_path: Path) -> None:
    db = build(tmp_path, "002", "UPDATE users SET current_workspace_id = NULL WHERE id = 1")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()  # the last connection checkpoints and removes -wal/-shm
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name)) == [db.name]
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    report = run_checks(db)
    assert report.get("users_without_workspace").count == 1
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name)) == [db.name]
