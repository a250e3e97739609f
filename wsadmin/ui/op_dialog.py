"""The frame shared by the upgrade, rollback and restore dialogs.

Three pages in one modal dialog:

1. *plan*: what will happen (filled by the subclass once the plan service
   answered on the runner), with Cancel and the confirming button;
2. *progress*: a StepList driven by the service's Step events; Cancel stays
   available only until a step that must not be interrupted starts (the
   subclass says which, through `unsafe_step`);
3. *result*: a tick or a cross, a heading, what happened, and the steps.

Every call to the database goes through the main window's runner; the dialog
never blocks the GUI thread. While an operation is running the window cannot
be closed with Escape or the title bar's close button unless cancelling is
still safe (then closing means cancelling).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from wsadmin.db.errors import WsadminError
from wsadmin.db.progress import Cancelled, Step, StepState
from wsadmin.ui.step_list import GREEN, RED, StepList

NOUNS = {
    "users": ("user", "users"),
    "workspaces": ("workspace", "workspaces"),
    "workspace_members": ("membership", "memberships"),
    "dashboards": ("dashboard", "dashboards"),
    "connections": ("connection", "connections"),
    "saved_queries": ("saved query", "saved queries"),
}


def count_phrase(counts: dict[str, int], *, zero: str = "no rows") -> str:
    """{'users': 1, 'saved_queries': 2} -> '1 user, 2 saved queries' (the tables above only,
    in their order; other tables by name)."""
    parts = []
    known = [t for t in NOUNS if t in counts]
    others = [t for t in counts if t not in NOUNS and not t.startswith("alembic")]
    for table in known + others:
        n = counts[table]
        one, many = NOUNS.get(table, (table.replace("_", " "),) * 2)
        parts.append(f"{n:,} {one if n == 1 else many}")
    return ", ".join(parts) or zero


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"


def heading_label(text: str, parent: QWidget | None = None, scale: float = 1.3) -> QLabel:
    label = QLabel(text, parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    return label


def muted_label(text: str, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(placeholder-text);")
    return label


def error_text(exc: BaseException) -> tuple[str, str]:
    """(message, hint) in operator words for a failure shown inside a dialog page."""
    if isinstance(exc, WsadminError):
        return exc.message, exc.hint
    if isinstance(exc, Cancelled):
        return str(exc) or "Cancelled; nothing was changed.", ""
    return (f"wsadmin hit a bug: {type(exc).__name__}: {exc}",
            "This is a bug in wsadmin, not a problem with your database; the log has details.")


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


class TypedConfirm(QWidget):
    """'Type app_metadata.db to confirm': enables a destructive button only on a match."""

    matchedChanged = Signal(bool)

    def __init__(self, word: str, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.word = word
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.prompt = QLabel(f"To {what}, type <b>{word}</b> below:", self)
        self.prompt.setObjectName("confirmPrompt")
        self.prompt.setWordWrap(True)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("confirmText")
        self.edit.setPlaceholderText(word)
        self.edit.setAccessibleName(f"Type {word} to confirm")
        self.edit.setToolTip(f"Type {word} exactly to enable the button")
        self.prompt.setBuddy(self.edit)
        lay.addWidget(self.prompt)
        lay.addWidget(self.edit)
        self._matched = False
        self.edit.textChanged.connect(self._changed)

    @property
    def matched(self) -> bool:
        return self._matched

    def _changed(self, text: str) -> None:
        matched = text.strip() == self.word
        if matched != self._matched:
            self._matched = matched
            self.matchedChanged.emit(matched)

    def clear(self) -> None:
        self.edit.clear()


class OperationDialog(QDialog):
    """Plan -> progress -> result, with the runner doing the work."""

    PLAN, PROGRESS, RESULT = 0, 1, 2

    operationFinished = Signal(bool)

    def __init__(self, window: Any, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_ = window
        self.runner = window.runner
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumSize(620, 460)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.op: Any = None
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

        # page 0: plan (subclasses fill self.plan_body)
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

    def _mark_closed(self, _result: int) -> None:
        self.closed = True

    # -- subclass hooks -----------------------------------------------------------
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
            steps: list[tuple[str, str]], note: str = "", **kwargs: Any) -> None:
        """Switch to the progress page and run `fn` on the runner with progress and cancel."""
        self.steps.set_steps(steps)
        self.progress_heading.setText(heading)
        self.progress_note.setText(note)
        self.pages.setCurrentIndex(self.PROGRESS)
        self.confirm_button.hide()
        self.cancel_button.setEnabled(True)
        self.cancel_button.setToolTip("Stop before anything is changed")
        self.running = True
        self.safe_to_cancel = True
        self.op = self.runner.submit(fn, *args, label=label, on_progress=self._step,
                                     on_success=self._succeeded, on_failure=self._failed,
                                     with_progress=True, with_cancel=True, **kwargs)

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
        refresh = getattr(self.window_, "refresh", None)
        if callable(refresh):
            refresh()

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
