"""The runner: read-only, concurrent, a failing check is an error result, `checks=` records."""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
from pathlib import Path

import pytest

from tests.unit.health import scenarios as sc
from tests.unit.health.helpers import HEAD, build
from wsadmin.db.common.errors import Refused
from wsadmin.db.health.model import CheckStatus, NotApplicable, Severity
from wsadmin.db.health.registry import CHECKS
from wsadmin.db.health.runner import run_checks
from wsadmin.db.health.secret_columns import SecretExposed
from wsadmin.db.schema import chain, render
from wsadmin.db.schema.shape import HEAD as HEAD_SHAPE
from wsadmin.db.schema.shape import Shape


def _boom(*_a: object) -> None:
    raise RuntimeError("kaput")


def test_a_failing_check_does_not_stop_the_others(tmp_path: Path) -> None:
    checks = [dataclasses.replace(c, run=_boom) if c.id == "duplicate_slugs" else c
              for c in CHECKS]
    db = build(tmp_path, HEAD, "UPDATE users SET current_workspace_id = NULL WHERE id = 1")
    report = run_checks(db, checks=checks)
    assert report.get("duplicate_slugs").status is CheckStatus.ERROR
    assert report.get("duplicate_slugs").reason == "RuntimeError: kaput"
    assert report.get("users_without_workspace").count == 1
    assert len(report.checks) == len(CHECKS)
    assert report.exit_code == 2


def test_checks_given_replace_the_registry(tmp_path: Path) -> None:
    def nope(*_a: object) -> None:
        raise NotApplicable("not today")

    mine = [dataclasses.replace(CHECKS[0], id="mine", run=nope),
            dataclasses.replace(CHECKS[1], severity=Severity.INFO)]
    report = run_checks(build(tmp_path), checks=mine)
    assert [(r.id, r.status.value, r.reason) for r in report.checks] == [
        ("mine", "not_applicable", "not today"), ("users_dangling_workspace", "ok", "")]
    assert report.get("users_dangling_workspace").severity is Severity.INFO
    assert [r.id for r in run_checks(build(tmp_path), checks=mine, only=["mine"]).checks] == [
        "mine"]
    with pytest.raises(Refused, match="not among the checks given"):
        run_checks(build(tmp_path), checks=mine, only=["half_upgrade"])
    with pytest.raises(Refused, match="unknown check 'nope'"):
        run_checks(build(tmp_path), only=["nope"])


def test_a_check_that_would_show_a_secret_is_an_error(tmp_path: Path) -> None:
    leaky = dataclasses.replace(CHECKS[0], id="leaky", run=lambda conn, f, o: __import__(
        "wsadmin.db.health.querying", fromlist=["fetch"]).fetch(
        conn, "SELECT id, password_hash FROM users", 20))
    report = run_checks(build(tmp_path), checks=[leaky])
    assert report.get("leaky").status is CheckStatus.ERROR
    assert "secret column 'password_hash'" in report.get("leaky").reason
    assert report.get("leaky").sample == []
    assert issubclass(SecretExposed, AssertionError)


def test_findings_sort_by_severity(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.REMOVED_MEMBER, sc.ARGON2,
               "UPDATE workspaces SET slug = 'Bad Slug' WHERE id = 4")
    order = [(r.id, r.severity.value) for r in run_checks(db).by_severity()
             if r.status is CheckStatus.FINDINGS]
    assert order == [("users_not_member_of_current", "security"),
                     ("unusable_password_hashes", "critical"),
                     ("invalid_slugs", "warning"), ("stale_connection_permissions", "warning")]


def test_checks_never_write(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.DELETED_WORKSPACE)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    mtime = db.stat().st_mtime_ns
    run_checks(db, full_integrity=True)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert db.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name)) == [db.name]


def test_one_worker_and_two_workers_agree(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.DELETED_WORKSPACE, sc.REMOVED_MEMBER, sc.CROSS_LINKS)
    one = run_checks(db, workers=1, sample_limit=None)
    two = run_checks(db, workers=2, sample_limit=None)
    assert [r.to_json() for r in one.checks] == [r.to_json() for r in two.checks]


def test_empty_file_is_not_applicable(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    db.touch()
    report = run_checks(db)
    assert {r.status for r in report.checks} == {CheckStatus.NOT_APPLICABLE}
    assert report.state == "empty"


def test_checks_on_a_wal_database_leave_no_side_files(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, "UPDATE users SET current_workspace_id = NULL WHERE id = 1")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()  # the last connection checkpoints and removes -wal/-shm
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    report = run_checks(db)
    assert report.get("users_without_workspace").count == 1
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name)) == [db.name]


@pytest.mark.parametrize("sql", ["DROP TABLE workspaces", "DROP TABLE workspace_members",
                                 "ALTER TABLE users DROP COLUMN theme_preference",
                                 "DROP TABLE data_sources", "DELETE FROM alembic_version",
                                 "ALTER TABLE users DROP COLUMN email_verified"])
def test_missing_tables_and_columns_never_error(tmp_path: Path, sql: str) -> None:
    report = run_checks(build(tmp_path, HEAD, sql))
    assert report.errors == []
    assert report.get("schema_drift").status is not CheckStatus.OK or sql.startswith("DELETE")


def _shaped(path: Path, shape: Shape, recorded: str | None) -> Path:
    conn = sqlite3.connect(path)
    try:
        render.build(conn, shape)
        if recorded is not None:
            conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
            conn.execute("INSERT INTO alembic_version VALUES (?)", (recorded,))
        conn.commit()
    finally:
        conn.close()
    return path


def _mixed() -> Shape:
    base = chain.shape_at(chain.BASE)
    return Shape(base.tables + tuple(t for t in HEAD_SHAPE.tables if t.name not in base))


@pytest.mark.parametrize("rev", [chain.BASE, *chain.REVISION_IDS, "mixed"])
@pytest.mark.parametrize("recorded", [False, True])
def test_no_check_errors_on_any_shape_the_chain_knows(tmp_path: Path, rev: str,
                                                      recorded: bool) -> None:
    shape = _mixed() if rev == "mixed" else chain.shape_at(rev)
    stamp = rev if recorded and rev in chain.REVISION_IDS else None
    report = run_checks(_shaped(tmp_path / "shaped.db", shape, stamp))
    assert report.errors == []
    assert report.state in ("legacy", "at_revision", "stuck_at_001", "mixed",
                            "unversioned_head", "recorded_ahead_of_shape")
    assert not report.findings or report.state in ("mixed", "unversioned_head")
