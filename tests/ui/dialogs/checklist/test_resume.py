"""Resume after a crash: a real process killed with SIGKILL between two steps, then the
wizard of a new window picks the run up and never runs the upgrade again."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from tests.ui.dialogs.checklist.support import (
    AUTOMATIC,
    LEFT,
    forward,
    panels,
    statuses,
    walk_to_report,
)
from tests.ui.helpers import open_and_wait
from tests.unit.checklist.support import demo
from wsadmin.db.checklist import state
from wsadmin.db.common import audit
from wsadmin.db.schema import chain
from wsadmin.db.schema.status import inspect
from wsadmin.ui.dialogs.checklist import ChecklistWizard
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.ops.checklist import Status
from wsadmin.ui.widgets.step_list import Mark

ROOT = Path(__file__).resolve().parents[4]


def test_resume_after_the_process_is_killed_between_steps(window: MainWindow, qtbot: QtBot,
                                                          tmp_path: Path) -> None:
    """A real process runs the pre-deployment steps and the upgrade, and is killed with
    SIGKILL after the upgrade's result is saved. Reopening the database offers to resume;
    the new wizard goes on at the next step and never runs the upgrade again."""
    db = demo(tmp_path / "app_metadata.db", "legacy")
    done = ("backup", "revision", "orphans", "migrate")
    driver = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.dialogs.checklist.driver", str(db), *done],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        lines = read_until(driver, "saved ", timeout=90)
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.communicate(timeout=30)
    assert driver.returncode == -signal.SIGKILL
    assert lines[:4] == [f"{step} ok" for step in done], lines
    saved = json.loads(state.state_path(db).read_text())
    assert saved["outcome"] == "in_progress"
    assert [s["status"] for s in saved["steps"]][:5] == ["ok"] * 4 + ["pending"]
    assert inspect(db).up_to_date
    assert upgrades(db) == ["started", "ok"]

    open_and_wait(window, qtbot, db)
    qtbot.waitUntil(lambda: window.resume_offer.box is not None, timeout=5000)
    offer = window.resume_offer.box
    assert offer is not None
    assert "4 of 10 steps done" in offer.text()
    assert "next: “Verify workspace count matches expectations”" in offer.text()
    resume = offer.findChild(QPushButton, "resumeButton")
    assert resume is not None
    qtbot.mouseClick(resume, LEFT)
    wizard = window.last_dialog
    assert isinstance(wizard, ChecklistWizard)
    window.session.settle()
    page = wizard.decision_page
    assert page.banner.isVisible() and "4 of 10 steps done" in page.banner.text()
    assert not page.rehearse_box.isChecked()        # the database was changed already
    assert forward(wizard, window, qtbot) == wizard.DEPLOY
    migrate = panels(wizard)["migrate"]
    assert migrate.icon.mark is Mark.DONE and migrate.record.attempts == 1
    assert statuses(wizard)["workspace_count"] is Status.OK
    assert panels(wizard)["workspace_count"].summary.text() == "Ok: expected 1, actual 1"
    walk_to_report(wizard, window, qtbot)
    assert {k: statuses(wizard)[k] for k in AUTOMATIC} == dict.fromkeys(AUTOMATIC, Status.OK)
    assert upgrades(db) == ["started", "ok"]        # the upgrade ran once, in the killed run
    run = wizard.final_page.run
    assert run is not None and run.outcome == "completed" and run.id == saved["id"]
    assert run.before["revision"] is None and run.after is not None
    assert run.after["revision"] == chain.HEAD_REVISION
    assert state.unfinished(db) is None


def read_until(process: subprocess.Popen[str], prefix: str, timeout: float) -> list[str]:
    """The lines `process` prints until one starts with `prefix` (fails on a timeout or
    an early exit, with what it wrote to stderr)."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while not lines or not lines[-1].startswith(prefix):
        left = deadline - time.monotonic()
        ready, _w, _x = select.select([process.stdout], [], [], max(left, 0))
        line = process.stdout.readline() if ready else ""
        if not line:
            process.kill()
            _out, err = process.communicate(timeout=30)
            pytest.fail(f"the driver stopped or hung after {lines}: {err[-2000:]}")
        lines.append(line.strip())
    return lines


def upgrades(db: Path) -> list[str]:
    return [str(e["outcome"]) for e in audit.entries(db) if e["action"] == "upgrade"]
