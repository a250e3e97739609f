"""The frame shared by the upgrade and rollback dialogs.

Three pages in one dialog:

1. *plan*: what will happen (filled by the subclass once its plan answered on
   the session's worker), with Cancel and the confirming button. The dialog is
   window-modal here, and plans again when the session reports a change of
   what it shows (`replan_on`);
2. *progress*: a StepList driven by the operation's Step events. The dialog
   stops being modal: the views and the log stay reachable while the session
   keeps every change of the database disabled until the operation ends.
   Cancel stays available only until a step that must not be interrupted
   starts (`unsafe_step`);
3. *result*: a tick or a cross, a heading, what happened, and the steps. A
   failure always ends by saying what was changed, or that nothing was.

Every call to the database goes through the session; the dialog never blocks
the GUI thread. While an operation runs, Escape and the title bar's close
button only cancel it, and only while that is safe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.ops.core import Step, StepState
from wsadmin.ui.ops.op import Change, DbOp
from wsadmin.ui.widgets.errors import error_text
from wsadmin.ui.widgets.labels import heading_label, muted_label
from wsadmin.ui.widgets.step_list import GREEN, RED, Mark, StepList

if TYPE_CHECKING:
    from wsadmin.ui.session import Session

NOTHING_CHANGED = "Nothing was changed."


class ResultMark(QWidget):
    """A 40 px green tick or red cross for the result page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ok = True
        self.setFixedSize(QSize(40, 40))

    def set_ok(self, ok: bool) -> None:
        self.ok = ok
        self.setAccessibleName("Succeeded" if ok else "Failed")
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(GREEN if self.ok else RED)
        p.drawEllipse(QRectF(2, 2, 36, 36))
        pen = QPen(QColor("white"), 3.5)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        if self.ok:
            p.drawLine(12, 21, 18, 27)
            p.drawLine(18, 27, 29, 14)
        else:
            p.drawLine(14, 14, 26, 26)
            p.drawLine(26, 14, 14, 26)
        p.end()


class OperationDialog(QDialog):
    """Plan -> progress -> result, with the session doing the work."""

    PLAN, PROGRESS, RESULT = 0, 1, 2
    replan_on = Change.STATUS          # what, changing under the plan page, re-plans it

    operationFinished = Signal(bool)

    def __init__(self, session: Session, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumSize(620, 460)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.op: DbOp[Any] | None = None
        self.running = False
        self.safe_to_cancel = True
        self.result_ok: bool | None = None
        self.closed = False
        self.finished.connect(self._mark_closed)

        root = QVBoxLayout(self)
        root.setContentsMargins(20, 18, 20, 14)
        root.setSpacing(12)
        self.pages = QStackedWidget(self)
        self.pages.setObjectName("pages")
        root.addWidget(self.pages, 1)

        # page 0: plan (subclasses fill it)
        self.plan_page = QWidget(self)
        self.plan_page.setObjectName("planPage")
        self.plan_layout = QVBoxLayout(self.plan_page)
        self.plan_layout.setContentsMargins(0, 0, 0, 0)
        self.plan_layout.setSpacing(10)
        self.pages.addWidget(self.plan_page)

        # page 1: progress
        self.progress_page = QWidget(self)
        self.progress_page.setObjectName("progressPage")
        pl = QVBoxLayout(self.progress_page)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.setSpacing(12)
        self.progress_heading = heading_label("Working…", self.progress_page)
        self.progress_heading.setObjectName("progressHeading")
        pl.addWidget(self.progress_heading)
        self.steps = StepList(self.progress_page)
        pl.addWidget(self.steps, 1)
        self.progress_note = muted_label("", self.progress_page)
        self.progress_note.setObjectName("progressNote")
        pl.addWidget(self.progress_note)
        self.pages.addWidget(self.progress_page)

        # page 2: result
        self.result_page = QWidget(self)
        self.result_page.setObjectName("resultPage")
        rl = QVBoxLayout(self.result_page)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.setSpacing(12)
        top = QHBoxLayout()
        top.setSpacing(14)
        self.result_mark = ResultMark(self.result_page)
        top.addWidget(self.result_mark, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setSpacing(6)
        self.result_heading = heading_label("", self.result_page)
        self.result_heading.setObjectName("resultHeading")
        self.result_body = QLabel("", self.result_page)
        self.result_body.setObjectName("resultBody")
        self.result_body.setWordWrap(True)
        self.result_body.setTextFormat(Qt.TextFormat.RichText)
        self.result_body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        texts.addWidget(self.result_heading)
        texts.addWidget(self.result_body)
        top.addLayout(texts, 1)
        rl.addLayout(top)
        self.result_steps_slot = QVBoxLayout()
        rl.addLayout(self.result_steps_slot, 1)
        self.pages.addWidget(self.result_page)

        # buttons
        self.buttons = QDialogButtonBox(self)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setToolTip("Close without changing anything (Esc)")
        self.confirm_button = QPushButton("OK", self)
        self.confirm_button.setObjectName("confirmButton")
        self.confirm_button.setDefault(True)
        self.close_button = QPushButton("Close", self)
        self.close_button.setObjectName("closeButton")
        self.close_button.setToolTip("Close this window (Esc)")
        self.buttons.addButton(self.confirm_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button.hide()
        # Route every button by hand: AcceptRole must not close the dialog.
        self.confirm_button.clicked.connect(self.confirm)
        self.cancel_button.clicked.connect(self.reject)
        self.close_button.clicked.connect(self.reject)
        root.addWidget(self.buttons)
        session.changed.connect(self._session_changed)

    def _mark_closed(self, _result: int) -> None:
        if not self.closed:
            self.closed = True
            self.session.changed.disconnect(self._session_changed)

    def _session_changed(self, what: Change) -> None:
        if (what & (self.replan_on | Change.DATABASE) and not self.closed and not self.running
                and self.pages.currentIndex() == self.PLAN and self.session.is_open):
            self.replan(what)

    # -- subclass hooks -----------------------------------------------------------
    def replan(self, what: Change) -> None:
        """What the plan shows changed in the session (a refresh, a file on disk)."""

    def confirm(self) -> None:
        """The confirming button was pressed on the plan page."""
        raise NotImplementedError

    def unsafe_step(self, step: Step) -> bool:
        """True when `step` starting means the operation may no longer be cancelled."""
        return False

    def on_success(self, result: Any) -> None:
        raise NotImplementedError

    def on_failure(self, exc: BaseException) -> None:
        raise NotImplementedError

    # -- running ------------------------------------------------------------------
    def run(self, fn: Callable[..., Any], *args: Any, label: str, heading: str,
            steps: list[tuple[str, str]], changes: Change, note: str = "",
            **kwargs: Any) -> DbOp[Any]:
        """Switch to the progress page and run `fn` on the session with progress and
        cancel; the rest of the window stays usable meanwhile."""
        self.steps.set_steps(steps)
        self.progress_heading.setText(heading)
        self.progress_note.setText(note)
        self.pages.setCurrentIndex(self.PROGRESS)
        self.confirm_button.hide()
        self.cancel_button.setEnabled(True)
        self.cancel_button.setToolTip("Stop before anything is changed")
        self.running = True
        self.safe_to_cancel = True
        self._stop_being_modal()
        op: DbOp[Any] = DbOp(fn, *args, label=label, changes=changes, **kwargs)
        op.progress(self._step).cancellable().success(self._succeeded).failure(self._failed)
        self.op = self.submit(op)
        return op

    def submit(self, op: DbOp[Any]) -> DbOp[Any]:
        """Where this dialog's operations run: the open database's worker."""
        return self.session.run(op)

    def _stop_being_modal(self) -> None:
        # Qt applies a new modality when a window is shown: hide and show again.
        if self.windowModality() != Qt.WindowModality.NonModal:
            geometry = self.geometry()
            visible = self.isVisible()
            self.hide()
            self.setWindowModality(Qt.WindowModality.NonModal)
            if visible:
                self.setGeometry(geometry)
                self.show()

    def _step(self, step: Step) -> None:
        self.steps.update_step(step)
        if step.state is StepState.RUNNING and self.safe_to_cancel and self.unsafe_step(step):
            self.safe_to_cancel = False
            self.cancel_button.setEnabled(False)
            self.cancel_button.setToolTip(
                "The change is running in one transaction and cannot be stopped safely; "
                "it finishes or is undone on its own")
            self.progress_note.setText(
                "The change is running now. It cannot be stopped safely; please wait — "
                "if it fails, the database is put back as it was.")

    def _succeeded(self, result: Any) -> None:
        self._finish(True)
        self.on_success(result)
        self.operationFinished.emit(True)

    def _failed(self, exc: BaseException) -> None:
        message, _hint = error_text(exc)
        self.steps.fail_running(message)
        self._finish(False)
        self.on_failure(exc)
        self.operationFinished.emit(False)

    def _finish(self, ok: bool) -> None:
        self.running = False
        self.result_ok = ok
        self.steps.stop()
        self.steps.skip_pending()

    def done_steps(self) -> set[str]:
        """The steps that ended well (for saying what a failed operation changed)."""
        return {i for i, mark in self.steps.marks().items() if mark is Mark.DONE}

    def show_result(self, ok: bool, heading: str, body_html: str) -> None:
        self.result_mark.set_ok(ok)
        self.result_heading.setText(heading)
        self.result_body.setText(body_html)
        self.result_steps_slot.addWidget(self.steps)
        self.pages.setCurrentIndex(self.RESULT)
        self.confirm_button.hide()
        self.cancel_button.hide()
        self.close_button.show()
        self.close_button.setDefault(True)
        self.close_button.setFocus()

    # -- ways out -----------------------------------------------------------------
    def reject(self) -> None:
        if self.running:
            if self.safe_to_cancel and self.op is not None:
                self.op.cancel()
                self.cancel_button.setEnabled(False)
                self.progress_note.setText("Cancelling… the operation stops at the next safe "
                                           "point; nothing will be changed.")
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)
