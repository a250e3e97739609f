"""Driving the checklist wizard in GUI tests (the fixtures are in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from wsadmin.ui.dialogs.checklist import ChecklistWizard
from wsadmin.ui.dialogs.checklist_panel import StepPanel
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.ops.checklist import Status
from wsadmin.ui.widgets.step_list import Mark

LEFT = Qt.MouseButton.LeftButton
AUTOMATIC = ("backup", "revision", "orphans", "migrate", "workspace_count", "assignments",
             "isolation", "workspace_flow")
FORWARD = (QWizard.WizardButton.NextButton, QWizard.WizardButton.CommitButton,
           QWizard.WizardButton.FinishButton)


def open_wizard(window: MainWindow) -> ChecklistWizard:
    window.named_actions["checklist"].trigger()
    wizard = window.last_dialog
    assert isinstance(wizard, ChecklistWizard)
    window.session.settle()
    assert wizard.opening is not None
    return wizard


def forward(wizard: ChecklistWizard, window: MainWindow, qtbot: QtBot) -> int:
    """Click the visible Next (or Commit) button, let every op it starts finish, and
    return the new page's id."""
    buttons = [wizard.button(b) for b in FORWARD[:2] if wizard.button(b).isVisible()]
    assert len(buttons) == 1, "no single forward button"
    assert buttons[0].isEnabled(), f"page {wizard.currentId()} is not complete"
    qtbot.mouseClick(buttons[0], LEFT)
    window.session.settle()
    qtbot.wait(20)          # posted layout events, for what the page shows
    return wizard.currentId()


def panels(wizard: ChecklistWizard) -> dict[str, StepPanel]:
    return {k: p for page in wizard.phase_pages.values() for k, p in page.panels.items()}


def statuses(wizard: ChecklistWizard) -> dict[str, Status]:
    assert wizard.checklist is not None
    return {k: r.status for k, r in wizard.checklist.state.steps.items()}


def marks(wizard: ChecklistWizard) -> dict[str, Mark]:
    return {k: p.icon.mark for k, p in panels(wizard).items()}


def walk_to_report(wizard: ChecklistWizard, window: MainWindow, qtbot: QtBot) -> None:
    while wizard.currentId() != wizard.FINAL:
        forward(wizard, window, qtbot)
    window.session.settle()
    assert wizard.final_page.run is not None


def save_reports(wizard: ChecklistWizard, folder: Path) -> dict[str, Path]:
    return {kind: wizard.final_page.save_report(str(folder / f"report.{kind}"))
            for kind in ("md", "html", "pdf")}
