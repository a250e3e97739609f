"""`wsadmin checklist DB --report FILE`: the automatic steps without the GUI, the same report."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.backend_http import FakeBackend, running
from tests.unit.checklist.support import (
    content,
    counts,
    demo,
    inject_failure,
    pdf_row_counts,
    sha256,
)
from wsadmin.cli import main
from wsadmin.db.checklist import state
from wsadmin.db.checklist.run import Checklist
from wsadmin.db.common import audit
from wsadmin.db.schema.status import inspect


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_legacy_demo_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                  ) -> None:
    db = demo(tmp_path / "app_metadata.db", "legacy")
    report = tmp_path / "report.md"
    code, out, err = run(capsys, "checklist", str(db), "--report", str(report), "--yes")
    assert code == 0, err
    assert "path:      upgrade to head" in out and f"report: {report}" in out
    assert "[ok] rehearsal: Run migrations" in err and "[ok] Run migrations" in err
    assert err.count("[ok] ") >= 16          # eight steps rehearsed, eight on the database
    assert inspect(db).up_to_date
    text = report.read_text()
    assert "Test login and dashboard access: not confirmed" in text
    assert "Verify workspace isolation (users can't see other workspaces' data): ok" in text
    for table, n in counts(db).items():
        assert f"| {table.replace('_', '_')} |" in text and f"| {n:,} |" in text
    assert state.unfinished(db) is None


def test_the_backend_probe_goes_into_the_report(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    db = demo(tmp_path / "app_metadata.db", "head")
    report = tmp_path / "report.html"
    with running(FakeBackend("degraded")) as fake:
        code, out, _err = run(capsys, "checklist", str(db), "--report", str(report),
                              "--backend-url", fake.url, "--no-rehearse")
    assert code == 0
    assert "backend:   degraded: 2 user(s) without a workspace" in out
    assert [s["path"] for s in fake.seen] == ["/api/health", "/api/health/workspace-check"]
    page = report.read_text()
    assert "GET /api/health/workspace-check" in page and "degraded" in page
    assert "2 user(s) without workspace assignment" in page


def test_a_foreign_database_stops_with_the_diagnostics(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    digest = sha256(db)
    report = tmp_path / "report.md"
    code, _out, err = run(capsys, "checklist", str(db), "--report", str(report), "--yes")
    assert code == 2
    assert err.startswith("wsadmin: error: the checklist stops here")
    assert "holds the diagnostics to send" in err
    assert "Diagnostics to send" in report.read_text()
    assert sha256(db) == digest


def test_a_failed_rehearsal_leaves_the_database_untouched(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = inject_failure(demo(tmp_path / "app_metadata.db", "legacy"))
    digest = sha256(db)
    report = tmp_path / "report.md"
    code, _out, err = run(capsys, "checklist", str(db), "--report", str(report), "--yes")
    assert code == 2
    assert "the rehearsal on a copy failed at 'Run migrations'" in err
    assert "[FAILED] rehearsal: Run migrations" in err
    assert sha256(db) == digest
    assert "it did NOT pass (stopped at migrate)" in report.read_text()


def test_a_failed_change_exits_1_with_the_database_as_it_was(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = inject_failure(demo(tmp_path / "app_metadata.db", "legacy"))
    before = content(db)
    report = tmp_path / "report.md"
    code, _out, err = run(capsys, "checklist", str(db), "--report", str(report), "--yes",
                          "--no-rehearse")
    assert code == 1
    assert "[FAILED] Run migrations: the upgrade failed" in err
    assert "Verify workspace count" not in err      # nothing runs after a failed change
    assert content(db) == before
    text = report.read_text()
    assert "### Run migrations: FAILED" in text and "| Outcome | aborted before the end |" in text


def test_without_a_terminal_a_change_needs_yes(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    db = demo(tmp_path / "app_metadata.db", "legacy")
    code, _out, err = run(capsys, "checklist", str(db), "--report", str(tmp_path / "r.md"))
    assert code == 2 and "needs confirmation" in err
    code, _out, err = run(capsys, "checklist", str(db), "--report", str(tmp_path / "r.txt"))
    assert code == 2 and "a report is .md, .html or .pdf" in err


def test_an_interrupted_run_is_resumed_and_its_change_not_repeated(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = demo(tmp_path / "app_metadata.db", "legacy")
    first = Checklist.start(db)
    for step_id in ("backup", "revision", "orphans", "migrate"):
        first.run_step(step_id)
    code, out, err = run(capsys, "checklist", str(db), "--report", str(tmp_path / "r.md"),
                         "--no-rehearse")
    assert code == 0, err
    assert "resuming the run started" in out and "(at workspace_count)" in out
    assert "[ok] Run migrations: upgraded" in err and "(done before)" in err
    upgrades = [e["outcome"] for e in audit.entries(db) if e["action"] == "upgrade"]
    assert upgrades == ["started", "ok"]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")
def test_the_pdf_report_renders_with_the_databases_counts(tmp_path: Path) -> None:
    """In a subprocess: the PDF is printed by Qt, which needs its own application."""
    db = demo(tmp_path / "app_metadata.db", "stuck_at_001")
    before = counts(db)
    report = tmp_path / "report.pdf"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "wsadmin", "checklist", str(db), "--report",
                           str(report), "--yes"], env=env, capture_output=True, text=True,
                          timeout=240, check=False)
    assert done.returncode == 0, done.stderr
    assert report.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(report), str(tmp_path / "page")],
                   check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3 and all(p.stat().st_size > 2_000 for p in pages)
    rows = pdf_row_counts(report)
    after = counts(db)
    assert set(rows) == set(after)
    for table, n in after.items():
        then = f"{before[table]:,}" if table in before else "-"
        assert rows[table][:2] == [then, f"{n:,}"], (table, rows[table])


def test_a_change_not_put_back_exits_4_as_upgrade_does(tmp_path: Path) -> None:
    """The exit code follows the change's outcome: a failed change that the pipeline
    could not restore is 4, never the 1 of a change that left the database as it was."""
    from wsadmin.cli.checklist import exit_code

    run = Checklist.start(demo(tmp_path / "app_metadata.db", "legacy"), persist=False).state
    assert exit_code(run, failed=False) == 0
    run.steps["migrate"].data["outcome"] = "failed-unchanged"
    assert exit_code(run, failed=True) == 1
    run.steps["migrate"].data["outcome"] = "failed-not-restored"
    assert exit_code(run, failed=True) == 4
