"""SCHEMA.md "Secrets": no output of wsadmin ever contains a password hash, a connection
config (or its ciphertext), a public token or a redis password.

One database holds known, greppable secret values (tests/unit/health/helpers.py);
every command runs on it (text and JSON), the GUI shows it in every view, and
everything written is searched: stdout, stderr, every file under WSADMIN_HOME
(audit log, settings, crash log), the backup manifests, and the text of every
widget of the window.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.unit.health.helpers import SECRET_PARTS, build
from wsadmin.cli import main
from wsadmin.db.schema import chain


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code in (0, 1), (argv, code, err)
    return [out, err]


def _every_command(tmp: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    printed: list[str] = []
    bak = str(tmp / "bak")
    head = build(tmp, chain.HEAD_REVISION)
    legacy = build(tmp, chain.BASE)
    unversioned = build(tmp, "create_all")
    for mode in ((), ("--json",)):
        for db in (head, legacy, unversioned):
            printed += _run(capsys, "status", str(db), *mode)
            printed += _run(capsys, "check", str(db), "--sql", *mode)
            printed += _run(capsys, "rollback", str(db), *mode)
        printed += _run(capsys, "backup", str(head), "--to", bak, *(["--json"] if mode else []))
        printed += _run(capsys, "backups", str(head), *mode)
        printed += _run(capsys, "upgrade", str(legacy), "--dry-run", *mode)
    made = sorted((tmp / "bak").glob("*.bak"))
    printed += _run(capsys, "verify-backup", str(made[0]))
    printed += _run(capsys, "verify-backup", str(made[0]), "--json")
    printed += _run(capsys, "upgrade", str(legacy), "--yes", "--backup-dir", bak)
    printed += _run(capsys, "adopt", str(unversioned), "--yes", "--backup-dir", bak, "--json")
    printed += _run(capsys, "downgrade", str(head), "--to", "e73bf9fb92f4", "--yes",
                    "--backup-dir", bak)
    printed += _run(capsys, "rollback", str(head), "--backup", str(made[0]), "--yes")
    printed += _run(capsys, "restore", str(head), str(made[0]), "--yes", "--json",
                    "--safety-dir", bak)
    printed += _run(capsys, "recover", str(head), "--yes")
    for mode in ((), ("--json",)):
        printed += _run(capsys, "user", "list", str(head), *mode)
        printed += _run(capsys, "workspace", "list", str(head), *mode)
        printed += _run(capsys, "workspace", "members", str(head), "alices-workspace", *mode)
        for name in ("alice", "bob", "carol", "dave"):
            printed += _run(capsys, "user", "show", str(head), name, *mode)
        for ws in range(1, 5):
            printed += _run(capsys, "workspace", "show", str(head), f"id:{ws}", *mode)
    (tmp / "reports").mkdir()
    for suffix in ("md", "html"):
        fresh = build(tmp, chain.BASE)
        report = tmp / "reports" / f"checklist.{suffix}"
        printed += _run(capsys, "checklist", str(fresh), "--report", str(report), "--yes",
                        "--backup-dir", bak)
        printed.append(report.read_text(encoding="utf-8"))
    return printed


def test_no_command_prints_or_writes_a_secret(tmp_path: Path, isolated_home: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    printed = _every_command(tmp_path, capsys)
    written = [p for p in isolated_home.rglob("*") if p.is_file()]
    written += list((tmp_path / "bak").glob("*.json"))     # manifests (backups are copies)
    assert any(p.name == "audit.jsonl" for p in written)
    assert len([p for p in written if p.suffix == ".json"]) >= 4
    texts = printed + [p.read_text(encoding="utf-8", errors="replace") for p in written]
    shown = "".join(printed)
    assert "users" in shown and "connections" in shown     # the data was there to leak
    for secret in SECRET_PARTS:
        leaks = [t[:80] for t in texts if secret in t]
        assert not leaks, f"{secret[:12]}... found in {leaks}"
    assert os.environ["WSADMIN_HOME"] == str(isolated_home)
