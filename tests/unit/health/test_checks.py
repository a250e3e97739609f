"""Every check on databases broken on purpose: exact counts and samples (SCHEMA.md)."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.unit.health import scenarios as sc
from tests.unit.health.helpers import ARGON2_HASH, HEAD, build, execute, query
from wsadmin.db.common.errors import ForeignDatabase
from wsadmin.db.health.model import CheckStatus, HealthReport, Severity
from wsadmin.db.health.registry import CHECKS, IDS, ORDER
from wsadmin.db.health.runner import run_checks
from wsadmin.db.schema import chain


def findings(report: HealthReport) -> dict[str, int]:
    return {r.id: r.count for r in report.checks if r.status is CheckStatus.FINDINGS}


def sample(db: Path, check_id: str) -> list[dict[str, object]]:
    return run_checks(db, only=[check_id], sample_limit=None).get(check_id).sample


def test_the_registry_is_schema_md_table() -> None:
    assert len(IDS) == 23 and IDS == ORDER
    for check in CHECKS:
        assert check.title and check.sql and check.explanation and check.columns and check.symptom
        with pytest.raises(dataclasses.FrozenInstanceError):
            check.title = "x"  # type: ignore[misc]
    security = {c.id for c in CHECKS if c.severity is Severity.SECURITY}
    assert security == {"users_not_member_of_current", "isolation_violations"}
    # Above everything but file damage.
    ranks = sorted(CHECKS, key=lambda c: c.severity.rank)
    assert [c.id for c in ranks[:3]] == ["sqlite_integrity", "users_not_member_of_current",
                                         "isolation_violations"]


def test_a_clean_head_database(tmp_path: Path) -> None:
    report = run_checks(build(tmp_path))
    assert findings(report) == {} and not report.errors
    assert {r.status for r in report.checks} == {CheckStatus.OK}
    assert (report.revision, report.state) == (HEAD, "at_revision")


def test_the_sql_shown_is_what_runs_on_head(tmp_path: Path) -> None:
    report = run_checks(build(tmp_path))
    for check in CHECKS:
        if check.id != "schema_drift":   # it names the revision it compared with
            assert report.get(check.id).sql == check.sql, check.id
    assert "revision 20251109220344" in report.get("schema_drift").sql


def test_a_workspace_deleted_through_the_api(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.DELETED_WORKSPACE)
    report = run_checks(db, sample_limit=None)
    assert findings(report) == {"users_dangling_workspace": 1, "rows_dangling_workspace": 4,
                                "foreign_keys": 5}
    assert report.get("users_dangling_workspace").sample == [
        {"user_id": 2, "username": "bob", "workspace_id": 2}]
    assert report.get("rows_dangling_workspace").sample == [
        {"table": t, "row_id": i, "name": n, "workspace_id": 2, "created_by": 2, "creator": "bob"}
        for t, i, n in (("charts", 2, "Uptime"), ("connections", 2, "reports"),
                        ("data_sources", 2, "ops db"), ("logs", 3, "create_chart"))]
    assert {(r["table"], r["column"], r["value"]) for r in report.get("foreign_keys").sample} == {
        ("users", "current_workspace_id", 2), ("charts", "workspace_id", 2),
        ("connections", "workspace_id", 2), ("data_sources", "workspace_id", 2),
        ("logs", "workspace_id", 2)}


def test_a_member_removed_from_the_workspace_they_had_selected(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.REMOVED_MEMBER)
    report = run_checks(db)
    assert findings(report) == {"users_not_member_of_current": 1,
                                "stale_connection_permissions": 1}
    result = report.get("users_not_member_of_current")
    assert result.severity is Severity.SECURITY
    assert result.sample == [{"user_id": 3, "username": "carol", "workspace_id": 1,
                              "workspace": "alice's Workspace"}]
    assert report.get("stale_connection_permissions").sample == [
        {"permission_id": 1, "connection_id": 1, "connection": "warehouse", "user_id": 3,
         "username": "carol", "level": "viewer",
         "problem": "the user is not a member of the connection's workspace"}]


def test_an_argon2_hash_null_email_verified_and_a_config_in_clear(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.ARGON2, sc.EMAIL_VERIFIED_NULL, sc.PLAINTEXT_CONFIG)
    report = run_checks(db)
    assert findings(report) == {"unusable_password_hashes": 1, "users_unreadable": 1,
                                "unencrypted_connection_configs": 1}
    assert report.get("unusable_password_hashes").sample == [
        {"user_id": 2, "username": "bob", "password_hash": f"argon2 ({len(ARGON2_HASH)} chars)"}]
    assert report.get("users_unreadable").sample == [
        {"user_id": 4, "username": "dave", "problem": "email_verified is NULL"}]
    assert report.get("unencrypted_connection_configs").sample == [
        {"connection_id": 2, "connection": "reports", "type": "mysql", "workspace_id": 2,
         "config": "NOT ENCRYPTED"}]


def test_unusable_hashes_by_kind(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, """
        UPDATE users SET password_hash = '$2a$12$' || substr(password_hash, 8) WHERE id = 1;
        UPDATE users SET password_hash = '$2y$10$' || substr(password_hash, 8) WHERE id = 2;
        UPDATE users SET password_hash = 'plaintext-pw' WHERE id = 3;
        UPDATE users SET password_hash = substr(password_hash, 1, 59) WHERE id = 4;
        INSERT INTO users (id, username, email, password_hash, role, is_active, created_at)
          VALUES (5, 'eve', 'e@x', 'pbkdf2_sha256$1$s$h', 'viewer', 1, '2024-01-01'),
                 (6, 'fay', 'f@x', '$pbkdf2-sha256$29000$abc$def', 'viewer', 1, '2024-01-01'),
                 (7, 'gus', 'g@x', x'2432622431', 'viewer', 1, '2024-01-01'),
                 (8, 'hal', 'h@x', '', 'viewer', 1, '2024-01-01')""")
    assert [(r["user_id"], r["password_hash"]) for r in sample(db, "unusable_password_hashes")] == [
        (3, "unknown scheme (maybe a clear-text password)"), (4, "malformed bcrypt (59 chars)"),
        (5, "unknown scheme (maybe a clear-text password)"), (6, "pbkdf2 (28 chars)"),
        (7, "not text (blob)"), (8, "empty")]


def test_users_unreadable_names_each_problem(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, """
        UPDATE users SET is_active = NULL, email_verified = NULL WHERE id = 1;
        UPDATE users SET created_at = 'yesterday' WHERE id = 2;
        UPDATE users SET created_at = NULL WHERE id = 3;
        UPDATE users SET created_at = '2024-01-02T03:04:05' WHERE id = 4;
        INSERT INTO users (id, username, email, password_hash, role, email_verified, is_active,
                           created_at)
          VALUES (5, 'eve', 'e@x', 'h', 'viewer', 0, 1, 1700000000),
                 (6, 'fay', 'f@x', 'h', 'viewer', 0, 1, '2024-13-45 00:00:00')""")
    assert sample(db, "users_unreadable") == [
        {"user_id": 1, "username": "alice", "problem": "email_verified is NULL; is_active is NULL"},
        {"user_id": 2, "username": "bob", "problem": "created_at 'yesterday' is not a timestamp"},
        {"user_id": 3, "username": "carol", "problem": "created_at NULL is not a timestamp"},
        {"user_id": 5, "username": "eve", "problem": "created_at 1700000000 is not a timestamp"},
        {"user_id": 6, "username": "fay",
         "problem": "created_at '2024-13-45 00:00:00' is not a timestamp"}]


def test_users_without_workspace_as_the_backends_seed_leaves_them(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, "UPDATE users SET current_workspace_id = NULL WHERE id IN (1, 3)")
    report = run_checks(db)
    assert findings(report) == {"users_without_workspace": 2}
    assert report.get("users_without_workspace").sample == [
        {"user_id": 1, "username": "alice", "email": "alice@example.org"},
        {"user_id": 3, "username": "carol", "email": "carol@example.org"}]


def test_slugs_duplicate_and_invalid(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.SLUG_VARIANTS)
    report = run_checks(db, sample_limit=None)
    assert [(r["workspace_id"], r["slug"], r["sharing"])
            for r in report.get("duplicate_slugs").sample] == [
        (5, "Team", 4), (6, "team", 4), (7, " team ", 4), (9, "team", 4)]
    assert [(r["workspace_id"], r["slug"]) for r in report.get("invalid_slugs").sample] == [
        (5, "Team"), (7, " team ")]
    # The runbook finds the exact duplicates only: a subset.
    assert query(db, "SELECT slug, COUNT(*) FROM workspaces GROUP BY slug HAVING COUNT(*) > 1"
                 ) == [("team", 2)]


@pytest.mark.parametrize("slug", ["", "-a", "a-", "a--b", "a_b", "ab.c", "ÿ", "A"])
def test_invalid_slug_shapes(tmp_path: Path, slug: str) -> None:
    db = build(tmp_path, HEAD, f"UPDATE workspaces SET slug = '{slug}' WHERE id = 4")
    assert [r["workspace_id"] for r in sample(db, "invalid_slugs")] == [4]


def test_workspace_checks(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.TEAM, """
        UPDATE users SET is_active = 0 WHERE id = 4;
        DELETE FROM workspace_settings WHERE workspace_id = 3;
        UPDATE workspaces SET created_by = 99 WHERE id = 3;
        INSERT INTO workspace_members (id, workspace_id, user_id, role, joined_at)
          VALUES (8, 77, 1, 'viewer', '2024-01-01'), (9, 1, 98, 'viewer', '2024-01-01')""")
    report = run_checks(db, sample_limit=None)
    # dave (admin of 4) is inactive; Team has an editor and a viewer, no admin.
    assert report.get("workspaces_without_admin").sample == [
        {"workspace_id": 4, "workspace": "dave's Workspace", "slug": "daves-workspace",
         "active_members": 0},
        {"workspace_id": 5, "workspace": "Team", "slug": "team", "active_members": 1}]
    assert [r["workspace_id"] for r in report.get("workspaces_without_settings").sample] == [3]
    assert report.get("workspace_creator_missing").sample == [
        {"workspace_id": 3, "workspace": "carol's Workspace", "slug": "carols-workspace",
         "created_by": 99}]
    assert [(r["membership_id"], r["problem"]) for r in report.get("memberships_dangling").sample
            ] == [(8, "workspace missing"), (9, "user missing")]


def test_invalid_roles_in_each_table(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, """
        UPDATE workspace_members SET role = 'owner' WHERE id = 2;
        UPDATE users SET role = 'superuser' WHERE id = 4;
        UPDATE connection_permissions SET permission_level = 'admin' WHERE id = 1""")
    report = run_checks(db)
    assert findings(report) == {"invalid_roles": 3, "workspaces_without_admin": 1}
    assert report.get("invalid_roles").sample == [
        {"table": "connection_permissions", "row_id": 1, "column": "permission_level",
         "value": "admin", "user_id": 3, "workspace_id": 1},
        {"table": "users", "row_id": 4, "column": "role", "value": "superuser", "user_id": 4,
         "workspace_id": None},
        {"table": "workspace_members", "row_id": 2, "column": "role", "value": "owner",
         "user_id": 2, "workspace_id": 2}]


def test_rows_without_workspace_and_orphaned_creators(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, """
        PRAGMA writable_schema = ON;
        UPDATE sqlite_master SET sql = replace(sql, 'workspace_id INTEGER NOT NULL',
                                               'workspace_id INTEGER')
          WHERE name IN ('dashboards', 'csv_data');
        PRAGMA writable_schema = OFF;""")
    execute(db, "UPDATE dashboards SET workspace_id = NULL WHERE id = 2;"
                "UPDATE csv_data SET workspace_id = NULL WHERE id = 1;"
                "UPDATE charts SET created_by = 42 WHERE id = 2;"
                "DELETE FROM users WHERE id = 4")
    report = run_checks(db, sample_limit=None)
    assert report.get("rows_without_workspace").sample == [
        {"table": "csv_data", "row_id": 1, "name": "data of chart 1", "workspace_id": None,
         "created_by": None, "creator": None},
        {"table": "dashboards", "row_id": 2, "name": "Ops", "workspace_id": None,
         "created_by": 2, "creator": "bob"}]
    assert report.get("rows_orphaned_creator").sample == [
        {"table": "charts", "row_id": 2, "name": "Uptime", "workspace_id": 2, "created_by": 42}]
    assert report.get("schema_drift").count == 2   # two NOT NULL lost: breaking


def test_isolation_violations_count_each_row_once(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.CROSS_LINKS, """
        UPDATE dashboards SET workspace_id = 3 WHERE id = 1;
        INSERT INTO dashboard_charts (id, dashboard_id, chart_id, position) VALUES (3, 9, 1, '{}');
        INSERT INTO charts (id, name, chart_type, config, data_source_id, workspace_id, created_by)
          VALUES (3, 'Lost', 'bar', '{}', 77, 1, 1)""")
    report = run_checks(db, sample_limit=None)
    result = report.get("isolation_violations")
    assert result.severity is Severity.SECURITY
    assert [(r["table"], r["row_id"], r["parent_id"], r["problem"]) for r in result.sample] == [
        ("charts", 1, 1, "its data source is in another workspace"),
        ("charts", 3, 77, "its data source is missing"),
        ("csv_data", 1, 1, "its chart is in another workspace"),
        ("dashboard_charts", 1, 1, "its dashboard and chart are in different workspaces"),
        ("dashboard_charts", 3, 1, "its dashboard is missing"),
        ("data_sources", 1, 1, "its connection is in another workspace")]
    assert result.count == 6


def test_every_data_checks_sql_gives_the_same_rows_in_sqlite3(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.DELETED_WORKSPACE, sc.REMOVED_MEMBER, sc.ARGON2,
               sc.EMAIL_VERIFIED_NULL, sc.PLAINTEXT_CONFIG, sc.CROSS_LINKS, sc.TEAM)
    report = run_checks(db, sample_limit=None)
    for r in report.checks:
        if r.sql.startswith(("SELECT", "WITH")) and "\n-- " not in r.sql:
            rows = query(db, r.sql)
            assert len(rows) == r.count, r.id
            assert [tuple(s.values()) for s in r.sample] == rows, r.id


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="no sqlite3 shell here")
def test_the_sql_pasted_into_the_sqlite3_shell_gives_the_same_rows(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.DELETED_WORKSPACE, sc.REMOVED_MEMBER, sc.ARGON2,
               sc.EMAIL_VERIFIED_NULL, sc.PLAINTEXT_CONFIG, sc.CROSS_LINKS, sc.TEAM)
    report = run_checks(db, sample_limit=None)
    for r in report.findings:
        if not r.sql.startswith(("SELECT", "WITH")) or "\n-- " in r.sql:
            continue
        shell = subprocess.run(["sqlite3", "-readonly", "-json", str(db)], input=r.sql + ";",
                               capture_output=True, text=True, check=True)
        assert json.loads(shell.stdout) == r.sample, r.id


def test_stuck_at_001(tmp_path: Path) -> None:
    report = run_checks(build(tmp_path, "001"), sample_limit=None)
    assert report.state == "stuck_at_001"
    assert findings(report) == {"users_without_workspace": 4, "rows_without_workspace": 6,
                                "users_unreadable": 4}
    assert report.get("rows_without_workspace").reason == (
        "not checked (missing here): data_sources.workspace_id, csv_data.workspace_id")
    assert {r["problem"] for r in report.get("users_unreadable").sample} == {
        "email_verified is NULL"}
    na = {r.id: r.reason for r in report.checks if r.status is CheckStatus.NOT_APPLICABLE}
    assert set(na) == {"stale_connection_permissions"}
    assert "connection_permissions" in na["stale_connection_permissions"]


def test_legacy_database_workspace_checks_do_not_apply(tmp_path: Path) -> None:
    report = run_checks(build(tmp_path, chain.BASE))
    assert (report.state, report.revision) == ("legacy", None)
    na = [r for r in report.checks if r.status is CheckStatus.NOT_APPLICABLE]
    assert {r.id for r in na} == {
        "users_without_workspace", "users_dangling_workspace", "users_not_member_of_current",
        "duplicate_slugs", "invalid_slugs", "workspaces_without_admin",
        "workspaces_without_settings", "workspace_creator_missing", "rows_without_workspace",
        "rows_dangling_workspace", "memberships_dangling", "isolation_violations",
        "stale_connection_permissions"}
    assert all(r.reason for r in na)
    assert "(a legacy database has no workspaces)" in report.get("duplicate_slugs").reason
    assert report.exit_code == 0


def test_schema_drift_counts_breaking_and_degraded_lists_cosmetic(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, "DROP INDEX ix_dashboards_workspace_id;"
               "ALTER TABLE users DROP COLUMN custom_theme_colors;"
               "CREATE INDEX idx_extra ON users (email)")
    result = run_checks(db, only=["schema_drift"], sample_limit=None).get("schema_drift")
    assert result.count == 2
    assert [(r["severity"], r["kind"]) for r in result.sample] == [
        ("breaking", "missing_column"), ("degraded", "missing_index"),
        ("cosmetic", "extra_index")]
    assert result.reason == "1 cosmetic difference(s) listed after the counted ones, not counted"
    assert "revision 20251109220344" in result.sql


def test_revision_mismatch_and_its_commands(tmp_path: Path) -> None:
    adopt = run_checks(build(tmp_path, "create_all"), only=["revision_mismatch"])
    assert adopt.get("revision_mismatch").sample[0]["run"] == "wsadmin adopt DB"
    ahead = build(tmp_path, "002", f"UPDATE alembic_version SET version_num = '{HEAD}'")
    result = run_checks(ahead).get("revision_mismatch")
    assert (result.count, result.sample[0]["state"], result.sample[0]["run"]) == (
        1, "recorded_ahead_of_shape", "wsadmin repair DB")
    assert result.fixes == ("adopt", "repair")
    stuck = run_checks(build(tmp_path, "001"), only=["revision_mismatch"])
    assert stuck.get("revision_mismatch").status is CheckStatus.OK   # consistent


def test_half_upgrade_leftovers_and_half_initialised(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, "CREATE TABLE _alembic_tmp_users (id INTEGER);"
               "INSERT INTO _alembic_tmp_users VALUES (1), (2);"
               "CREATE TABLE _alembic_tmp_gone (id INTEGER)")
    report = run_checks(db)
    assert report.state == "half_upgraded"
    assert report.get("half_upgrade").sample == [
        {"table": "_alembic_tmp_gone", "rows": 0, "problem": "left by an interrupted table "
         "rebuild; gone itself is missing: this may be the only copy of its rows"},
        {"table": "_alembic_tmp_users", "rows": 2,
         "problem": "left by an interrupted table rebuild"}]
    assert report.get("schema_drift").count == 0   # leftovers are counted once, here
    half = tmp_path / "half.db"
    execute(half, "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);"
            "CREATE TABLE workspaces (id INTEGER PRIMARY KEY, name TEXT, slug TEXT,"
            " created_by INTEGER, created_at TIMESTAMP, updated_at TIMESTAMP);"
            "CREATE TABLE workspace_members (id INTEGER PRIMARY KEY);"
            "CREATE TABLE workspace_settings (id INTEGER PRIMARY KEY)")
    report = run_checks(half)
    assert report.state == "half_initialised"
    assert [r["table"] for r in report.get("half_upgrade").sample] == [
        "workspace_members", "workspace_settings", "workspaces"]


def test_integrity_counts_the_problem_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    from wsadmin.db.health import checks_schema

    # An index whose entries no longer match its table (the schema says another column).
    db = build(tmp_path, HEAD, "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = "
               "'CREATE INDEX ix_logs_created_at ON logs (action)' "
               "WHERE name = 'ix_logs_created_at'")
    lines = [r[0] for r in query(db, "PRAGMA integrity_check")]
    assert lines != ["ok"]
    result = run_checks(db, sample_limit=None).get("sqlite_integrity")
    assert result.severity is Severity.DAMAGE
    assert (result.sql, result.count) == ("PRAGMA integrity_check", len(lines))
    assert [r["problem"] for r in result.sample] == lines
    # Over 256 MiB quick_check runs (it skips index contents), unless the full one is asked.
    only = [c for c in CHECKS if c.id == "sqlite_integrity"]
    monkeypatch.setattr(checks_schema, "QUICK_CHECK_ABOVE", 0)
    quick = run_checks(db, checks=only).get("sqlite_integrity")
    assert (quick.sql, quick.count) == ("PRAGMA quick_check", 0)
    assert "quick_check ran instead" in quick.reason
    full = run_checks(db, checks=only, full_integrity=True).get("sqlite_integrity")
    assert (full.sql, full.count) == ("PRAGMA integrity_check", len(lines))


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    execute(other, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    with pytest.raises(ForeignDatabase, match=r"Not the backend's app_metadata\.db"):
        run_checks(other)
    newer = build(tmp_path, HEAD, "CREATE TABLE notifications (id INTEGER PRIMARY KEY)")
    with pytest.raises(ForeignDatabase, match="notifications"):
        run_checks(newer)


def test_an_unknown_revision_still_reports(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, "UPDATE alembic_version SET version_num = 'ffff0000'")
    report = run_checks(db)
    assert report.state == "unknown_revision" and report.revision == "ffff0000"
    for cid in ("schema_drift", "revision_mismatch"):
        assert report.get(cid).status is CheckStatus.NOT_APPLICABLE
        assert "ffff0000" in report.get(cid).reason
    assert report.get("users_without_workspace").status is CheckStatus.OK
