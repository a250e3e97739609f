"""`wsadmin check` and `wsadmin fix`, driven through main(): exit codes, the stable JSON form,
refusals, and no secret in anything they print or write."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from tests.unit.health import scenarios as sc
from tests.unit.health.helpers import HEAD, SECRET_PARTS, build, execute, query
from tests.unit.health.test_fixes import COMMAND_FIXES, SCENARIOS
from wsadmin.cli import main
from wsadmin.db.health.registry import IDS
from wsadmin.db.schema import chain

KEYS = {"id", "title", "status", "count", "sample", "sql", "severity", "explanation", "reason"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_database_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(build(tmp_path)))
    assert code == 0
    assert "no problems found" in out and "state:    at_revision" in out
    assert out.count("[   ok]") == len(IDS) == 23


def test_json_keeps_the_documented_form(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    db = build(tmp_path, HEAD, "UPDATE users SET current_workspace_id = NULL WHERE id = 2")
    code, out, _ = run(capsys, "check", str(db), "--json")
    assert code == 1
    data = json.loads(out)
    assert {"database", "revision", "checks"} <= set(data)
    assert (data["database"], data["revision"], data["state"]) == (str(db), HEAD, "at_revision")
    assert [c["id"] for c in data["checks"]] == list(IDS)
    for c in data["checks"]:
        assert set(c) >= KEYS
        assert c["status"] in ("ok", "findings", "not_applicable", "error")
        assert c["severity"] in ("damage", "security", "critical", "warning", "info")
    found = {c["id"]: c for c in data["checks"] if c["status"] == "findings"}
    assert list(found) == ["users_without_workspace"]
    result = found["users_without_workspace"]
    assert (result["count"], result["severity"], result["reason"], result["fixes"]) == (
        1, "critical", None, ["personal", "default"])
    assert result["sample"] == [{"user_id": 2, "username": "bob", "email": "bob@example.org"}]
    # The SQL shown is what the operator can paste into sqlite3 to get the same rows.
    assert query(db, result["sql"]) == [(2, "bob", "bob@example.org")]


def test_text_lists_findings_most_severe_first(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    db = build(tmp_path, HEAD, sc.REMOVED_MEMBER, sc.ARGON2)
    code, out, _ = run(capsys, "check", str(db))
    assert code == 1
    assert ("3 check(s) with findings, most severe first: users_not_member_of_current "
            "(security), unusable_password_hashes (critical), stale_connection_permissions "
            "(warning)") in out
    assert "severity: security. Users whose current workspace exists" in out


def test_legacy_is_not_applicable_and_foreign_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(build(tmp_path, chain.BASE)), "--json",
                       "--only", "users_without_workspace,half_upgrade")
    assert code == 0
    data = json.loads(out)
    assert [(c["id"], c["status"]) for c in data["checks"]] == [
        ("users_without_workspace", "not_applicable"), ("half_upgrade", "ok")]
    assert (data["revision"], data["state"]) == (None, "legacy")
    assert "current_workspace_id" in data["checks"][0]["reason"]

    foreign = tmp_path / "notes.db"
    execute(foreign, "CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    for extra in ((), ("--json",)):
        code, out, err = run(capsys, "check", str(foreign), *extra)
        assert (code, out) == (2, "")
        assert err.count("\n") == 1 and err.startswith("wsadmin: error: ")
        assert "Not the backend's app_metadata.db" in err


def test_unknown_check_and_missing_file_exit_2(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "check", str(build(tmp_path)), "--only", "nope")
    assert code == 2 and "unknown check 'nope'" in err
    missing = tmp_path / "missing.db"
    code, _out, err = run(capsys, "check", str(missing))
    assert code == 2 and "does not exist" in err
    assert not missing.exists()


def test_fix_dry_run_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = build(tmp_path, HEAD, "UPDATE users SET current_workspace_id = NULL WHERE id = 2")
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    code, out, _ = run(capsys, "fix", str(db), "users_without_workspace", "--dry-run")
    assert code == 0
    assert "name=bob's Workspace" in out and "slug=bobs-workspace-1" in out
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest


def test_fix_refuses_without_yes_and_applies_with_it(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    db = build(tmp_path, HEAD, "UPDATE users SET current_workspace_id = NULL WHERE id = 2")
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
    assert query(db, "SELECT w.slug FROM users AS u JOIN workspaces AS w "
                     "ON w.id = u.current_workspace_id WHERE u.id = 2") == [("default",)]
    code, _out, _err = run(capsys, "check", str(db))
    assert code == 0


def test_a_command_fix_names_its_command(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    db = build(tmp_path, "create_all")
    code, out, _ = run(capsys, "fix", str(db), "revision_mismatch", "--dry-run")
    assert code == 0 and f"this fix is another command: wsadmin adopt {db}" in out
    code, _out, err = run(capsys, "fix", str(db), "revision_mismatch", "--yes")
    assert code == 2 and f"(run `wsadmin adopt {db}`)" in err


def _cli_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Every check and every fix through the CLI, text and JSON; everything printed."""
    printed: list[str] = []
    secret_rows = (sc.ARGON2, sc.PLAINTEXT_CONFIG)
    for n, (check_id, fix_id, sql, params) in enumerate(SCENARIOS):
        extra = [f"--{k}={v}" for k, v in params.items()]
        for mode in ((), ("--json",)):
            db = build(tmp_path, HEAD, *sql, *secret_rows)
            for argv in (["check", str(db), "--sql", *mode],
                         ["fix", str(db), check_id, "--option", fix_id, "--dry-run", *extra,
                          *mode],
                         ["fix", str(db), check_id, "--option", fix_id, "--yes", *extra,
                          "--backup-dir", str(tmp_path / f"bk{n}"), *mode]):
                code, out, err = run(capsys, *argv)
                assert code in (0, 1), (argv, err)
                printed += [out, err]
    for check_id, fix_id in sorted(COMMAND_FIXES):
        db = build(tmp_path, "create_all", *secret_rows)
        for argv in (["fix", str(db), check_id, "--option", fix_id, "--dry-run", "--json"],
                     ["fix", str(db), check_id, "--option", fix_id, "--yes"]):
            printed += list(run(capsys, *argv)[1:])
    return printed


def test_no_secret_reaches_any_output_or_file(tmp_path: Path, isolated_home: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    printed = _cli_runs(tmp_path, capsys)
    written = [p for p in isolated_home.rglob("*") if p.is_file()]
    written += list(tmp_path.glob("bk*/*.json"))   # the manifests (backups are copies)
    assert any(p.name == "audit.jsonl" for p in written)
    assert sum(1 for p in written if p.suffix == ".json") >= len(SCENARIOS)  # the manifests
    texts = printed + [p.read_text(encoding="utf-8", errors="replace") for p in written]
    assert "NOT ENCRYPTED" in "".join(printed) and "argon2 (" in "".join(printed)
    for secret in SECRET_PARTS:
        for text in texts:
            assert secret not in text, secret[:12]
    assert os.environ["WSADMIN_HOME"] == str(isolated_home)
