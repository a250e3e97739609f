"""The health report as a file: JSON as `check --json`, Markdown readable and safe."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from tests.unit.health import scenarios as sc
from tests.unit.health.helpers import HEAD, SECRET_PARTS, build
from wsadmin.db.health.export import to_markdown, write_report
from wsadmin.db.health.model import CheckResult, CheckStatus, HealthReport, Severity
from wsadmin.db.health.runner import run_checks

WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def test_json_is_the_reports_own_form_with_the_time(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.REMOVED_MEMBER, sc.ARGON2, sc.PLAINTEXT_CONFIG)
    report = run_checks(db)
    out = write_report(report, tmp_path / "r.json", "json", WHEN)
    data = json.loads(out.read_text())
    assert data.pop("checked_at") == "2026-01-02T03:04:05+00:00"
    assert data == json.loads(json.dumps(report.to_json()))
    text = out.read_text() + to_markdown(report, WHEN)
    assert [s for s in SECRET_PARTS if s in text] == []


def test_files_are_no_wider_than_the_database(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD)
    db.chmod(0o600)
    for fmt in ("json", "markdown"):
        out = write_report(run_checks(db), tmp_path / f"r.{fmt}", fmt)
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with pytest.raises(ValueError, match="unknown export format"):
        write_report(run_checks(db), tmp_path / "r.txt", "txt")


def _report(sample: list[dict[str, object]], sql: str) -> HealthReport:
    result = CheckResult("users_without_workspace", "Users without a workspace",
                         CheckStatus.FINDINGS, 3, sample, sql, Severity.CRITICAL, "why",
                         columns=("user_id", "username"))
    ok = CheckResult("half_upgrade", "Interrupted migration", CheckStatus.OK, 0, [], "SELECT 1",
                     Severity.CRITICAL, "why")
    na = CheckResult("schema_drift", "Drift", CheckStatus.NOT_APPLICABLE, 0, [], "",
                     Severity.WARNING, "why", reason="needs alembic_version")
    return HealthReport("/srv/app_metadata.db", HEAD, [ok, na, result], 0.1, "at_revision")


def test_markdown_cells_cannot_break_the_table_or_the_terminal() -> None:
    text = to_markdown(_report([{"user_id": 1, "username": "a|b\n| x"},
                                {"user_id": 2, "username": "\x1b[31mred"}], "SELECT 1"), WHEN)
    rows = [line for line in text.splitlines() if line.startswith("| 1 ") or
            line.startswith("| 2 ")]
    assert rows == ["| 1 | a\\|b\\\\n\\| x |", "| 2 | \\\\x1b[31mred |"]
    assert "\x1b" not in text
    assert "Sample (first 2 of 3):" in text
    assert "Backend symptom: 400" in text
    assert "- `schema_drift` (n/a): needs alembic_version" in text
    summary = text.index("| FOUND | 3 | critical | `users_without_workspace` |")
    assert summary < text.index("| ok |  | critical | `half_upgrade` |")


def test_sql_with_backticks_gets_a_longer_fence() -> None:
    text = to_markdown(_report([], 'SELECT "a```b"'), WHEN)
    assert '````sql\nSELECT "a```b"\n````' in text
