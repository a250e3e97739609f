"""A vertical list of an operation's steps, each with a tick, a spinner or a cross.

Driven by wsadmin.db.common.progress.Step events: `set_steps` lays out the planned
steps (pending), `update_step` moves one to running / done / failed / skipped.
Steps the plan did not list (an automatic "restore" after a failure) are
appended when they first report. A step running for more than LONG_STEP_S
shows how long it has been running, and keeps how long it took.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.format import elapsed
from wsadmin.ui.ops.core import Step, StepState


class Mark(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


_FROM_STATE = {
    StepState.RUNNING: Mark.RUNNING,
    StepState.DONE: Mark.DONE,
    StepState.FAILED: Mark.FAILED,
    StepState.SKIPPED: Mark.SKIPPED,
}

_WORDS = {
    Mark.PENDING: "waiting",
    Mark.RUNNING: "in progress",
    Mark.DONE: "done",
    Mark.FAILED: "failed",
    Mark.SKIPPED: "skipped",
}

GREEN = QColor("#2e7d32")
RED = QColor("#c62828")
BLUE = QColor("#1565c0")
GREY = QColor("#9e9e9e")

LONG_STEP_S = 1.0       # a step running longer shows its elapsed time


class StateIcon(QWidget):
    """A 20 px painted mark; the running state is an arc that turns."""

    SIZE = 20

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mark = Mark.PENDING
        self.angle = 0
        self.setFixedSize(self.sizeHint())

    def sizeHint(self) -> QSize:
        return QSize(self.SIZE, self.SIZE)

    def set_mark(self, mark: Mark) -> None:
        self.mark = mark
        self.update()

    def advance(self) -> None:
        self.angle = (self.angle + 30) % 360
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(2, 2, self.SIZE - 4, self.SIZE - 4)
        if self.mark is Mark.PENDING:
            p.setPen(QPen(GREY, 1.6))
            p.drawEllipse(r)
        elif self.mark is Mark.RUNNING:
            p.setPen(QPen(QColor(BLUE.red(), BLUE.green(), BLUE.blue(), 60), 2.4))
            p.drawEllipse(r)
            pen = QPen(BLUE, 2.4)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            p.drawArc(r, -self.angle * 16, 100 * 16)
        elif self.mark is Mark.SKIPPED:
            p.setPen(QPen(GREY, 1.6))
            p.drawEllipse(r)
            p.drawLine(7, 10, 13, 10)
        else:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(GREEN if self.mark is Mark.DONE else RED)
            p.drawEllipse(r)
            pen = QPen(QColor("white"), 2.0)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            if self.mark is Mark.DONE:
                p.drawLine(6, 10, 9, 13)
                p.drawLine(9, 13, 14, 7)
            else:
                p.drawLine(7, 7, 13, 13)
                p.drawLine(13, 7, 7, 13)
        p.end()


@dataclass
class _Row:
    frame: QFrame
    icon: StateIcon
    label: QLabel
    detail: QLabel
    bar: QProgressBar
    elapsed: QLabel
    title: str
    started: float | None = None


class StepList(QWidget):
    """The steps of one operation, top to bottom."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepList")
        self.setAccessibleName("Steps")
        self._rows: dict[str, _Row] = {}
        self._order: list[str] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self._layout.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setInterval(80)
        self._timer.timeout.connect(self._spin)

    # -- building -----------------------------------------------------------------
    def set_steps(self, steps: list[tuple[str, str]]) -> None:
        """Lay out the planned steps, all pending (replaces any previous list)."""
        for step_id in list(self._order):
            row = self._rows.pop(step_id)
            self._layout.removeWidget(row.frame)
            row.frame.deleteLater()
        self._order.clear()
        self._timer.stop()
        for step_id, label in steps:
            self._add(step_id, label)

    def _add(self, step_id: str, label: str) -> _Row:
        frame = QFrame(self)
        frame.setObjectName(f"step:{step_id}")
        outer = QHBoxLayout(frame)
        outer.setContentsMargins(0, 2, 0, 2)
        outer.setSpacing(10)
        icon = StateIcon(frame)
        outer.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        top = QHBoxLayout()
        top.setSpacing(8)
        title = QLabel(label, frame)
        title.setObjectName("stepLabel")
        took = QLabel("", frame)
        took.setObjectName("stepElapsed")
        took.setStyleSheet("color: palette(placeholder-text);")
        took.hide()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(took)
        detail = QLabel("", frame)
        detail.setObjectName("stepDetail")
        detail.setWordWrap(True)
        detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        detail.setStyleSheet("color: palette(placeholder-text);")
        detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        detail.hide()
        bar = QProgressBar(frame)
        bar.setRange(0, 1000)
        bar.setTextVisible(False)
        bar.setFixedHeight(6)
        bar.hide()
        texts.addLayout(top)
        texts.addWidget(detail)
        texts.addWidget(bar)
        outer.addLayout(texts, 1)
        self._layout.insertWidget(self._layout.count() - 1, frame)
        row = _Row(frame, icon, title, detail, bar, took, label)
        self._rows[step_id] = row
        self._order.append(step_id)
        self._describe(step_id)
        return row

    # -- updating -----------------------------------------------------------------
    def update_step(self, step: Step) -> None:
        row = self._rows.get(step.id) or self._add(step.id, step.label)
        if step.label and step.label != row.title:
            row.title = step.label
            row.label.setText(step.label)
        mark = _FROM_STATE[step.state]
        row.icon.set_mark(mark)
        self._time(row, mark)
        font = row.label.font()
        font.setBold(mark is Mark.RUNNING)
        row.label.setFont(font)
        if step.detail:
            row.detail.setText(step.detail)
            row.detail.show()
        if mark is Mark.RUNNING and step.fraction is not None:
            row.bar.setValue(int(max(0.0, min(1.0, step.fraction)) * 1000))
            row.bar.show()
        elif mark is not Mark.RUNNING:
            row.bar.hide()
        self._describe(step.id)
        if any(r.icon.mark is Mark.RUNNING for r in self._rows.values()):
            if not self._timer.isActive():
                self._timer.start()
        else:
            self._timer.stop()

    def fail_running(self, detail: str) -> None:
        """Mark any step still running as failed (the operation ended with an error)."""
        for step_id in self._order:
            row = self._rows[step_id]
            if row.icon.mark is Mark.RUNNING:
                self.update_step(Step(step_id, row.title, StepState.FAILED, detail))

    def skip_pending(self) -> None:
        """Steps that never started once the operation is over are shown as skipped."""
        for step_id in self._order:
            row = self._rows[step_id]
            if row.icon.mark is Mark.PENDING:
                self.update_step(Step(step_id, row.title, StepState.SKIPPED))

    def _spin(self) -> None:
        for row in self._rows.values():
            if row.icon.mark is Mark.RUNNING:
                row.icon.advance()
                self._time(row, Mark.RUNNING)

    @staticmethod
    def _time(row: _Row, mark: Mark) -> None:
        """Running: start the clock, and show it once the step is long; over: how long a
        long step took."""
        now = time.monotonic()
        if mark is Mark.RUNNING and row.started is None:
            row.started = now
        if row.started is None:
            return
        took = now - row.started
        if mark is not Mark.RUNNING:
            row.started = None
        if took < LONG_STEP_S:
            return
        row.elapsed.setText(elapsed(took) if mark is Mark.RUNNING else f"took {elapsed(took)}")
        row.elapsed.setToolTip("How long this step has been running" if mark is Mark.RUNNING
                               else "How long this step took")
        row.elapsed.show()

    def _describe(self, step_id: str) -> None:
        row = self._rows[step_id]
        words = _WORDS[row.icon.mark]
        row.frame.setAccessibleName(f"{row.title}: {words}")
        row.icon.setToolTip(words.capitalize())

    # -- reading (tests, result pages) --------------------------------------------
    def ids(self) -> list[str]:
        return list(self._order)

    def mark(self, step_id: str) -> Mark:
        return self._rows[step_id].icon.mark

    def marks(self) -> dict[str, Mark]:
        return {i: self._rows[i].icon.mark for i in self._order}

    def detail(self, step_id: str) -> str:
        return self._rows[step_id].detail.text()

    def elapsed_text(self, step_id: str) -> str:
        """How long the step has been running or took ("" for a quick one)."""
        row = self._rows[step_id]
        return row.elapsed.text() if row.elapsed.isVisibleTo(self) else ""

    def stop(self) -> None:
        self._timer.stop()
