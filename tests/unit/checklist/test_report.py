"""The report: what it says, that its numbers are the database's, and that nothing
secret or injected gets through."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from tests.fakes.backend_http import TOKEN, FakeBackend, running
from tests.unit.checklist.support import SECRETS_IN_DEMOS, counts, demo
from wsadmin.db.checklist import probe, report, steps
from wsadmin.db.checklist.document import Document
from wsadmin.db.checklist.run import Checklist, rehearse


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[Checklist, Path]:
    """A legacy demo walked end to end (rehearsal, every automatic step, a probe of a
    backend that answers like the real one, a test login, notes), then finished."""
    db = demo(tmp_path_factory.mktemp("report") / "app_metadata.db", "legacy")
    checklist = Checklist.start(db)
    checklist.record_rehearsal(rehearse(db))
    for step in steps.automatic():
        checklist.run_step(step.id)
    with running(FakeBackend("degraded")) as fake:
        checklist.attach("login", "health", probe.probe_health(fake.url).to_json())
        login = probe.probe_login(fake.url, "tester", "right-password").to_json()
        login.pop("username")
        checklist.attach("login", "login", login)
    checklist.confirm("login", True, "logged in as <script>alert(1)</script> | fine")
    checklist.note("isolation", "line one\nline two")
    checklist.finish()
    return checklist, db


def md_rows(text: str, section: str) -> dict[str, list[str]]:
    """A Markdown table under `### section` as {first cell: other cells}."""
    block = text.split(f"### {section}\n", 1)[1].strip("\n").split("\n\n", 1)[0]
    rows = {}
    for line in block.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].replace("\\_", "_")] = cells[1:]
    return rows


def test_a_backend_that_did_not_answer_shows_no_empty_fields(tmp_path: Path) -> None:
    """With no answer there are no fields: the probe table says "no answer" and lists no
    status or counts the backend never sent (no "null" rows)."""
    import socket

    db = demo(tmp_path / "app_metadata.db", "legacy")
    checklist = Checklist.start(db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    checklist.attach("login", "health",
                     probe.probe_health(f"127.0.0.1:{port}", timeout=1.0).to_json())
    section = report.markdown(checklist.state).split("## Backend probe\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = {cells[0]: cells[1:] for cells in (
        [c.strip() for c in line.strip("|").split("|")]
        for line in section.splitlines() if line.startswith("| "))}
    assert rows["GET /api/health"][0].startswith("no answer"), section
    assert not {"status", "users\\_without\\_workspace", "users_without_workspace",
                "workspace\\_count", "workspace_count"} & set(rows), section


def test_row_counts_before_and_after_are_the_databases(finished: tuple[Checklist, Path]
                                                       ) -> None:
    checklist, db = finished
    rows = md_rows(report.markdown(checklist.state), "Rows per table")
    after = counts(db)
    backup = counts(Path(checklist.state.backup or ""))
    assert set(rows) == set(after)
    for table, (before_cell, after_cell, _change) in rows.items():
        assert after_cell == f"{after[table]:,}"
        assert before_cell == (f"{backup[table]:,}" if table in backup else "-")


def test_the_report_names_everything_the_issue_asks_for(finished: tuple[Checklist, Path]
                                                        ) -> None:
    checklist, db = finished
    text = report.markdown(checklist.state)
    run = checklist.state
    for needed in (str(db), run.operator, "Started", "Finished", "Health checks before and "
                   "after", "Backend probe", "users_without_workspace", "degraded",
                   "default_workspace_exists", "GET /api/dashboards", "3 dashboard(s)",
                   "Rehearsal on a temporary copy", "Where the runbook is wrong"):
        assert needed.replace("_", "\\_") in text or needed in text, needed
    for step in steps.STEPS:
        assert step.title in text.replace("\\", "")
    assert "Test login and dashboard access: confirmed" in text
    assert "Monitor logs for workspace-related errors: not confirmed" in text
    assert str(run.backup) in text.replace("\\_", "_")
    assert "| state | legacy | at_revision |" in text.replace("\\_", "_")
    # The backend's answer as it spelt it (JSON), not Python's True/None.
    assert "| default_workspace_exists | true |" in text.replace("\\_", "_")
    assert "| users_without_workspace | 2 |" in text.replace("\\_", "_")


def test_nothing_secret_reaches_the_report(finished: tuple[Checklist, Path]) -> None:
    checklist, _db = finished
    for text in (report.markdown(checklist.state), report.html(checklist.state)):
        assert not any(s in text for s in SECRETS_IN_DEMOS)
        assert "right-password" not in text and TOKEN not in text and "tester" not in text


def test_outside_text_cannot_inject_markup(finished: tuple[Checklist, Path]) -> None:
    checklist, _db = finished
    html = report.html(checklist.state)
    assert "<script>" not in html and "&lt;script&gt;" in html
    md = report.markdown(checklist.state)
    assert "\\<script\\>" in md and "\\| fine" in md
    # A newline in a note cannot start a line of its own.
    assert [line for line in md.splitlines() if "line one" in line] == [
        "- Note: line one\\\\nline two"]


def test_the_html_is_one_document_with_the_same_tables(finished: tuple[Checklist, Path]
                                                       ) -> None:
    checklist, _db = finished
    html = report.html(checklist.state)
    md = report.markdown(checklist.state)
    assert html.count("<html>") == 1 and html.rstrip().endswith("</html>")
    separators = [line for line in md.splitlines() if re.fullmatch(r"\|( -+:? \|)+", line)]
    assert html.count("<table") == len(separators) >= 6


def test_write_picks_the_format_and_the_databases_permissions(
        finished: tuple[Checklist, Path], tmp_path: Path) -> None:
    checklist, db = finished
    db.chmod(0o640)
    md = report.write(checklist.state, tmp_path / "r.md")
    page = report.write(checklist.state, tmp_path / "r.html")
    assert md.read_text().startswith("# Deployment checklist")
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert stat.S_IMODE(md.stat().st_mode) == 0o640


def test_inline_code_and_escaping() -> None:
    doc = Document()
    doc.p("run `alembic upgrade head` on app_metadata.db, *not* [x] `lone")
    doc.table(["a|b"], [["1"]], numeric=(0,))
    md = doc.markdown()
    assert "`alembic upgrade head`" in md and "app_metadata.db" in md
    assert "\\*not\\*" in md and "\\[x\\]" in md and "\\`lone" in md
    assert "| a\\|b |" in md and "| ---: |" in md
    html = doc.html("t")
    assert "<code>alembic upgrade head</code>" in html
    assert re.search(r'<td class="n" align="right">1</td>', html)
