"""`wsadmin check` and `wsadmin fix`, driven through main(): exit codes, the stable JSON form."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest

from tests.unit.health.helpers import build, query
from wsadmin.cli import main
from wsadmin.db.health import runner
from wsadmin.db.health.registry import CHECKS, IDS

KEYS = {"id", "title", "status", "count", "sample", "sql", "severity", "explanation", "reason"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_database_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = build(tmp_path, "002")
    code, out, _ = run(capsys, "check", str(db))
    assert code == 0
    assert "no problems found" in out
    assert out.count("[   ok]") == len(IDS)


def test_json_form_is_stable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = build(tmp_path, "002", "UPDATE users SET current_workspace_id = NULL WHERE id = 2")
    code, out, _ = run(capsys, "check", str(db), "--json")
    assert code == 1
    data = json.loads(out)
    assert set(data) == {"database", "revision", "checks"}
    assert (data["database"], data["revision"]) == (str(db), "002")
    assert [c["id"] for c in data["checks"]] == list(IDS)
    for c in data["checks"]:
        assert set(c) == KEYS
        assert c["status"] in ("ok", "findings", "not_applicable", "error")
    found = {c["id"]: c for c in data["checks"] if c["status"] == "findings"}
    assert list(found) == ["users_without_workspace"]
    assert found["users_without_workspace"]["count"] == 1
    assert found["users_without_workspace"]["sample"] == [{"user_id": 2, "username": "bob"}]
    # The SQL shown is what the operator can paste into sqlite3 and get the same rows.
    assert query(db, found["users_without_workspace"]["sql"]) == [(2, "bob")]


def test_only_and_not_applicable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = build(tmp_path, "legacy")
    code, out, _ = run(capsys, "check", str(db), "--json",
                       "--only", "users_without_workspace,half_upgrade")
    assert code == 0
    data = json.loads(out)
    assert [(c["id"], c["status"]) for c in data["checks"]] == [
        ("users_without_workspace", "not_applicable"), ("half_upgrade", "ok")]
    assert data["revision"] is None
    assert data["checks"][0]["reason"]


def test_unknown_check_and_missing_file_exit_2(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    db = build(tmp_path, "002")
    code, _out, err = run(capsys, "check", str(db), "--only", "nope")
    assert code == 2 and "unknown check 'nope'" in err
    missing = tmp_path / "missing.db"
    code, _out, err = run(capsys, "check", str(missing))
    assert code == 2 and "does not exist" in err
    assert not missing.exists()


def test_a_check_error_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(runner, "CHECKS", tuple(
        dataclasses.replace(c, run=boom) if c.id == "foreign_keys" else c for c in CHECKS))
    code, out, _ = run(capsys, "check", str(build(tmp_path, "002")))
    assert code == 2
    assert "[ERROR]" in out and "kaput" in out


def test_fix_dry_run_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = build(tmp_path, "002", "UPDATE users SET current_workspace_id = NULL WHERE id = 2")
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    code, out, _ = run(capsys, "fix", str(db), "users_without_workspace", "--dry-run")
    assert code == 0
    assert "bob's Workspace" in out and "slug=bob" in out
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest


def test_fix_refuses_without_yes_and_applies_with_it(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    db = build(tmp_path, "002", "UPDATE users SET current_workspace_id = NULL WHERE id = 2")
    code, _out, err = run(capsys, "fix", str(db), "users_without_workspace",
                          "--option", "default")
    assert code == 2 and "--yes" in err
    code, out, _ = run(capsys, "fix", str(db), "users_without_workspace", "--option", "default",
                       "--yes", "--json", "--backup-dir", str(tmp_path / "bk"))
    assert code == 0
    data = json.loads(out)
    assert data["applied"] and data["check_after"]["status"] == "ok"
    assert data["diff"]["worse"] == []
    assert Path(data["backup"]).exists()
    assert query(db, "SELECT current_workspace_id FROM users WHERE id = 2") == [(1,)]
    code, _out, _err = run(capsys, "check", str(db))
    assert code == 0


def test_fix_with_a_chosen_user(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = build(tmp_path, "002", "INSERT INTO workspaces (id, name, slug) VALUES (6, 'Six', 's')")
    code, out, _ = run(capsys, "fix", str(db), "workspaces_without_admin", "--option",
                       "promote_user", "--user", "carol", "--yes",
                       "--backup-dir", str(tmp_path / "bk"))
    assert code == 0, out
    assert query(db, "SELECT user_id, role FROM workspace_members WHERE workspace_id = 6") == [
        (3, "admin")]
    code, _out, err = run(capsys, "fix", str(db), "workspaces_without_admin", "--option",
                          "promote_user", "--user", "nobody", "--dry-run")
    assert code == 2 and "no user 'nobody'" in err
