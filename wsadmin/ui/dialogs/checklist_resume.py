"""Reopening a database whose deployment checklist did not finish offers to resume it.

Runs after every open, so it stays light: it looks for the run's state file on
the worker, and imports the checklist's modules only when there is one. At the
app's start it waits for `start()` (after the first screen): the window comes
first, the offer is a dialog over it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from wsadmin.ui.ops.op import DbOp
from wsadmin.ui.ops.resume import unfinished_run

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from wsadmin.ui.session import Session


class ResumeOffer(QObject):
    """When a database opens with an unfinished checklist run, offer to resume it."""

    def __init__(self, session: Session, parent: QWidget,
                 open_wizard: Callable[[], object], started: bool = True) -> None:
        super().__init__(parent)
        self.session, self.window, self.open_wizard = session, parent, open_wizard
        self.box: QMessageBox | None = None
        self._started = started
        self._waiting: str | None = None        # opened before start()
        session.opened.connect(self._opened)

    def start(self) -> None:
        """Look for the database opened so far, and for every later one as it opens."""
        self._started = True
        waiting, self._waiting = self._waiting, None
        if waiting is not None and str(self.session.path) == waiting:
            self._opened(waiting)

    def _opened(self, path: str) -> None:
        if not self._started:
            self._waiting = path
            return
        op = DbOp(unfinished_run, path, label="Look for an unfinished checklist").quiet()
        self.session.run(op.success(lambda run: self._found(path, run)))

    def _found(self, path: str, run: Any) -> None:
        if run is None or str(self.session.path) != path:
            return
        from PySide6.QtWidgets import QMessageBox  # a Qt class made on first use

        from wsadmin.ui.ops import checklist as ops

        point = run.resume_point()
        done = sum(1 for r in run.steps.values() if r.status.settled)
        box = QMessageBox(QMessageBox.Icon.Question, "Resume the deployment checklist?",
                          f"A deployment checklist of {Path(path).name} did not finish: "
                          f"started {run.started} by {run.operator}, {done} of "
                          f"{len(run.steps)} steps done"
                          + (f", next: “{ops.steps_title(point)}”." if point else ".")
                          + "\n\nResume it? A change that completed is not run again.",
                          parent=self.window)
        box.setObjectName("resumeOffer")
        resume = box.addButton("Resume", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        discard = box.addButton("Discard it", QMessageBox.ButtonRole.DestructiveRole)
        resume.setObjectName("resumeButton")
        discard.setObjectName("discardButton")

        def clicked(button: object) -> None:
            self.box = None
            if button is resume:
                self.open_wizard()
            elif button is discard:
                self.session.run(DbOp(ops.abandon, path, label="Discard the checklist run"))

        box.buttonClicked.connect(clicked)
        self.box = box
        box.open()
