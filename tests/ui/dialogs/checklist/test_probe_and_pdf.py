"""The checklist wizard's optional probes (the backend, its log) and its PDF report."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.fakes.backend_http import TOKEN, FakeBackend, running
from tests.ui.dialogs.checklist.support import (
    LEFT,
    forward,
    open_wizard,
    panels,
    save_reports,
    walk_to_report,
)
from tests.ui.helpers import open_and_wait
from tests.unit.checklist.support import counts, demo, pdf_row_counts
from wsadmin.db.checklist import state
from wsadmin.ui.main_window import MainWindow


def test_the_backend_probe_and_the_log_scan(window: MainWindow, qtbot: QtBot,
                                            tmp_path: Path) -> None:
    db = demo(tmp_path / "app_metadata.db", "head")
    log = tmp_path / "backend.log"
    log.write_text('INFO: "GET /api/dashboards HTTP/1.1" 400 Bad Request\n'
                   "ERROR: No workspace context available (Bearer abcdef0123456789)\n")
    open_and_wait(window, qtbot, db)
    wizard = open_wizard(window)
    wizard.decision_page.rehearse_box.setChecked(False)
    forward(wizard, window, qtbot)
    forward(wizard, window, qtbot)
    deploy = wizard.phase_pages[panels(wizard)["login"].step.phase]
    box = deploy.probe
    assert box is not None
    with running(FakeBackend("healthy", dashboards=5)) as fake:
        box.url.setText(fake.url)
        qtbot.mouseClick(box.health_button, LEFT)
        window.session.settle()
        assert box.health_result.text().startswith("healthy: 0 user(s) without a workspace")
        box.username.setText("tester")
        box.password.setText("right-password")
        qtbot.mouseClick(box.login_button, LEFT)
        window.session.settle()
        assert box.password.text() == ""
        assert "worked" in box.login_result.text() and "5 dashboard(s)" in box.login_result.text()
    panel = panels(wizard)["login"]
    assert panel.confirm_box is not None
    panel.note.setText("dashboard 3 opened")
    panel.confirm_box.setChecked(True)
    window.session.settle()
    forward(wizard, window, qtbot)
    logs = wizard.phase_pages[panels(wizard)["logs"].step.phase].logs
    assert logs is not None
    logs.path.setText(str(log))
    qtbot.mouseClick(logs.scan_button, LEFT)
    window.session.settle()
    assert "2 line(s) of the last 2" in logs.result.text()
    assert "abcdef0123456789" not in logs.result.text()
    walk_to_report(wizard, window, qtbot)
    saved = state.state_path(db).read_text()
    assert "right-password" not in saved and "tester" not in saved and TOKEN not in saved
    assert "abcdef0123456789" not in saved
    record = json.loads(saved)
    login = next(s for s in record["steps"] if s["id"] == "login")
    assert (login["status"], login["note"]) == ("confirmed", "dashboard 3 opened")
    assert login["extra"]["login"]["dashboards_count"] == 5
    report = save_reports(wizard, tmp_path)["md"].read_text()
    assert "Test login and dashboard access: confirmed" in report
    assert "GET /api/dashboards | HTTP 200" in report


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")
def test_the_pdf_report_has_pages_to_look_at(window: MainWindow, qtbot: QtBot,
                                             tmp_path: Path) -> None:
    db = demo(tmp_path / "app_metadata.db", "stuck_at_001")
    before = counts(db)
    open_and_wait(window, qtbot, db)
    wizard = open_wizard(window)
    wizard.decision_page.rehearse_box.setChecked(False)
    forward(wizard, window, qtbot)
    walk_to_report(wizard, window, qtbot)
    pdf = wizard.final_page.save_report(str(tmp_path / "report.pdf"))
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    from PySide6.QtGui import QImage

    for page in pages:
        image = QImage(str(page))
        dark = sum(1 for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)
                   if image.pixelColor(x, y).lightness() < 128)
        assert dark > 50, f"{page.name} looks blank"
    # Its counts are the database's, before (the backup's) and after.
    rows = pdf_row_counts(pdf)
    assert set(rows) == set(counts(db))
    for table, n in counts(db).items():
        assert rows[table][:2] == [f"{before[table]:,}" if table in before else "-",
                                   f"{n:,}"], (table, rows[table])
