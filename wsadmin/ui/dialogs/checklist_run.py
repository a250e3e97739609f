"""The deployment checklist wizard's run, apart from its pages (they type against it).

Every call runs on the session's worker, one at a time; the wizard never blocks
the window. `ask` and `tell` are the wizard's only modal questions (tests replace
them here).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMessageBox, QWidget, QWizard

from wsadmin.ui.ops import checklist as ops
from wsadmin.ui.ops.op import Change, DbOp
from wsadmin.ui.widgets.errors import show_error

if TYPE_CHECKING:
    from wsadmin.ui.session import Session

WRITES = Change.STATUS | Change.BACKUPS | Change.AUDIT


def ask(parent: QWidget, title: str, text: str) -> bool:
    """A yes/no question (tests replace this function)."""
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


def tell(parent: QWidget, title: str, text: str) -> None:
    """A message to read (tests replace this function)."""
    QMessageBox.information(parent, title, text)


class ChecklistRun(QWizard):
    """The wizard's run: its ops on the worker (one at a time), the run's life cycle
    (open, start, resume, finish, abort, roll back) and closing. The pages talk to this
    class; ChecklistWizard adds them."""

    DECISION, REHEARSAL, PRE, DEPLOY, POST, FINAL = range(6)
    stepFinished = Signal(str)          # a step's run ended (its record is shown)
    busyChanged = Signal(bool)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert session.path is not None
        self.session = session
        self.path = str(session.path)
        self.opening: ops.Opening | None = None
        self.checklist: ops.Checklist | None = None
        self.ended: str | None = None           # aborted / rolled back: straight to the report
        self.op: DbOp[Any] | None = None
        self.op_cancellable = False
        self._when_idle: list[Callable[[], object]] = []
        self.setObjectName("checklistWizard")
        self.setWindowTitle(f"Deployment checklist — {Path(self.path).name}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Next >")
        self.resize(860, 720)

    # ---- running ops -------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.op is not None

    def submit(self, op: DbOp[Any], *, cancellable: bool = False) -> DbOp[Any]:
        """Run `op` on the session's worker; the wizard waits for it (one at a time).
        `cancellable`: the op was made cancellable() and stops where that is safe."""
        self.op, self.op_cancellable = op, cancellable
        op.ended(self._ended)
        self.busyChanged.emit(True)
        self._buttons()
        return self.session.run(op)

    def _ended(self, op: DbOp[Any]) -> None:
        if op is self.op:
            self.op = None
            self.busyChanged.emit(False)
            self._buttons()
            waiting, self._when_idle = self._when_idle, []
            for fn in waiting:
                fn()

    def after(self, fn: Callable[[], object]) -> None:
        """Call `fn` once the op in flight has ended (its callbacks run inside it)."""
        if self.busy:
            self._when_idle.append(fn)
        else:
            fn()

    def _buttons(self) -> None:
        page = self.currentPage()
        if page is not None:
            page.completeChanged.emit()
        cancel = self.button(QWizard.WizardButton.CancelButton)
        cancel.setText("Cancel" if self.busy else "Close")
        cancel.setEnabled(not self.busy or self.op_cancellable)

    def show_error(self, exc: BaseException) -> None:
        show_error(self, exc)

    # ---- the run ---------------------------------------------------------------------

    def open_run(self) -> None:
        if self.opening is None and not self.busy:
            op = DbOp(ops.open_checklist, self.path, label="Evaluate the decision tree")
            self.submit(op.success(self._opened).failure(self.show_error))

    def _opened(self, opening: ops.Opening) -> None:
        self.opening = opening
        self.checklist = opening.resumed
        self.show_opening(opening)

    def start_over(self) -> None:
        """Abandon the unfinished run (kept on disk, no longer offered) and decide again."""
        if not self.busy:
            self.opening, self.checklist = None, None
            op = DbOp(ops.abandon_and_decide, self.path, label="Start the checklist over")
            self.submit(op.success(self._opened).failure(self.show_error))

    def started(self, then: Callable[[], object]) -> None:
        """Call `then` once the run exists (its state is written when it starts)."""
        if self.checklist is not None:
            self.after(then)
            return
        assert self.opening is not None
        op = DbOp(ops.start, self.path, self.opening.decision, label="Start the checklist")

        def made(checklist: ops.Checklist) -> None:
            self.checklist = checklist
            self.after(then)

        self.submit(op.success(made).failure(self.show_error))

    def resume_page(self) -> int:
        """The phase page of the first step that is not settled (the report when none)."""
        if self.checklist is None:
            return self.PRE
        point = self.checklist.state.resume_point()
        if point is None:
            return self.FINAL
        phase = next(s.phase for s in ops.STEPS if s.id == point)
        return {ops.Phase.PRE: self.PRE, ops.Phase.DEPLOY: self.DEPLOY,
                ops.Phase.POST: self.POST}[phase]

    def next_after(self, phase: ops.Phase) -> int:
        if self.ended is not None:
            return self.FINAL
        return {ops.Phase.PRE: self.DEPLOY, ops.Phase.DEPLOY: self.POST,
                ops.Phase.POST: self.FINAL}[phase]

    def finish_run(self, then: Callable[[ops.RunState], object]) -> None:
        checklist = self.checklist
        if checklist is None:
            return
        op = DbOp(ops.finish, checklist, ops.COMPLETED, label="Finish the checklist")
        self.submit(op.success(then).failure(self.show_error))

    def abort(self) -> None:
        if self.busy or self.checklist is None:
            return
        if not ask(self, "Abort the checklist?", "The checklist ends here "
                                   "and its report says it was aborted. The database stays "
                                   "as it is now."):
            return
        op = DbOp(ops.finish, self.checklist, ops.ABORTED, label="Abort the checklist")
        self.submit(op.success(lambda run: self._to_report(ops.ABORTED, run))
                    .failure(self.show_error))

    def roll_back(self) -> None:
        checklist = self.checklist
        if self.busy or checklist is None:
            return

        def planned(text: str) -> None:
            if not ask(self, "Roll back the deployment?",
                                       text + "\n\nRoll back now?"):
                return
            op = DbOp(ops.rollback, checklist, label="Roll back the deployment",
                      changes=WRITES)
            self.submit(op.success(lambda run: self._to_report(ops.ROLLED_BACK, run))
                        .failure(self.show_error))

        op = DbOp(ops.rollback_text, checklist, label="Plan the rollback")
        self.submit(op.success(lambda text: self.after(lambda: planned(text)))
                    .failure(self.show_error))

    def show_opening(self, opening: ops.Opening) -> None:
        """The decision evaluated: the first page shows it (ChecklistWizard)."""

    def show_report(self, run: ops.RunState) -> None:
        """The run ended: the last page shows its report (ChecklistWizard)."""

    def _to_report(self, outcome: str, run: ops.RunState) -> None:
        self.ended = outcome
        self.show_report(run)
        self.after(self.next)

    # ---- closing -------------------------------------------------------------------------

    def reject(self) -> None:
        """Close: the run stays on disk (reopening offers to resume). While a step runs,
        only cancel it where that is safe."""
        if self.busy:
            if self.op_cancellable and self.op is not None:
                self.op.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)
