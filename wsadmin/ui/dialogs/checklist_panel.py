"""One checklist step in the wizard: the runbook's words, what wsadmin does, the result.

A panel shows its step's record (pending, running with the operation's own
sub-steps, ok, failed...). A failed step offers Retry, Roll back… and Abort,
and a failed check also "Go on anyway" with a note; a step whose checks found
something with a one-click fix offers that fix. A step with a manual part has
a confirmation box and a note. The panel only emits what the operator asked
for; the phase page runs it.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.ops.checklist import Status, StepDef, StepRecord, offered_fixes
from wsadmin.ui.ops.core import Step
from wsadmin.ui.widgets.step_list import Mark, StateIcon, StepList

MARKS = {Status.PENDING: Mark.PENDING, Status.RUNNING: Mark.RUNNING, Status.OK: Mark.DONE,
         Status.SKIPPED: Mark.SKIPPED, Status.FAILED: Mark.FAILED, Status.ACCEPTED: Mark.FAILED,
         Status.CONFIRMED: Mark.DONE, Status.NOT_CONFIRMED: Mark.PENDING}
RED = "color: #c62828;"


def rich(text: str) -> str:
    """Escaped text whose `backtick` runs show as code."""
    parts = html.escape(text).split("`")
    if len(parts) % 2 == 0:             # a lone backtick stays a backtick
        last = parts.pop()
        parts[-1] += "`" + last
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


class StepPanel(QFrame):
    retryRequested = Signal(str)
    rollbackRequested = Signal(str)
    abortRequested = Signal(str)
    acceptRequested = Signal(str, str)          # step, note
    fixRequested = Signal(str, str, str)        # step, check, fix
    confirmChanged = Signal(str, bool, str)     # step, confirmed, note
    noteChanged = Signal(str, str)              # step, note

    def __init__(self, step: StepDef, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.step = step
        self.record = StepRecord(step.id)
        self.setObjectName(f"panel:{step.id}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 8)
        lay.setSpacing(4)
        top = QHBoxLayout()
        self.icon = StateIcon(self)
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        self.title = QLabel(f"<b>{html.escape(step.title)}</b> "
                            f"<small>({step.kind})</small>", self)
        self.title.setObjectName("stepTitle")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        top.addWidget(self.title, 1)
        lay.addLayout(top)
        words = html.escape(step.does)
        if step.runbook:
            words = (f"The runbook: <code>{html.escape(step.runbook)}</code><br>"
                     f"wsadmin: {words}")
        self.does = self._label(words, "stepDoes", muted=True)
        lay.addWidget(self.does)
        self.summary = self._label("", "stepSummary")
        lay.addWidget(self.summary)
        self.details = self._label("", "stepDetails", muted=True)
        lay.addWidget(self.details)
        self.substeps = StepList(self)
        self.substeps.hide()
        lay.addWidget(self.substeps)
        self.fix_row = QVBoxLayout()      # one button a line: the page never scrolls sideways
        self.fix_row.setSpacing(2)
        lay.addLayout(self.fix_row)
        self.fix_buttons: dict[tuple[str, str], QPushButton] = {}
        self._failure_row(lay)
        self.confirm_box: QCheckBox | None = None
        self.note = QLineEdit(self)
        self.note.setObjectName("stepNote")
        self.note.setPlaceholderText("Note (goes into the report)")
        self.note.editingFinished.connect(self._note_changed)
        if step.manual:
            self.confirm_box = QCheckBox(step.manual, self)
            self.confirm_box.setObjectName("confirmBox")
            self.confirm_box.toggled.connect(self._confirm_changed)
            lay.addWidget(self.confirm_box)
        lay.addWidget(self.note)
        self.extra = QVBoxLayout()
        lay.addLayout(self.extra)
        self.show_record(self.record)

    def _label(self, text: str, name: str, muted: bool = False) -> QLabel:
        label = QLabel(text, self)
        label.setObjectName(name)
        # Always rich text: escaped text without a tag would show its entities (&#x27;).
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if muted:
            label.setStyleSheet("color: palette(placeholder-text);")
        return label

    def _failure_row(self, lay: QVBoxLayout) -> None:
        row = QHBoxLayout()
        self.retry_button = QPushButton("Retry", self)
        self.retry_button.setObjectName("retryButton")
        self.retry_button.clicked.connect(lambda: self.retryRequested.emit(self.step.id))
        self.rollback_button = QPushButton("Roll back…", self)
        self.rollback_button.setObjectName("rollbackButton")
        self.rollback_button.setToolTip("Restore the backup taken before the deployment "
                                        "(the loss report comes first)")
        self.rollback_button.clicked.connect(lambda: self.rollbackRequested.emit(self.step.id))
        self.abort_button = QPushButton("Abort", self)
        self.abort_button.setObjectName("abortButton")
        self.abort_button.clicked.connect(lambda: self.abortRequested.emit(self.step.id))
        self.go_on_note = QLineEdit(self)
        self.go_on_note.setObjectName("goOnNote")
        self.go_on_note.setPlaceholderText("Why it is fine to go on (required)")
        self.go_on_button = QPushButton("Go on anyway", self)
        self.go_on_button.setObjectName("goOnButton")
        self.go_on_button.clicked.connect(
            lambda: self.acceptRequested.emit(self.step.id, self.go_on_note.text()))
        self.go_on_note.textChanged.connect(
            lambda text: self.go_on_button.setEnabled(bool(text.strip())))
        for w in (self.retry_button, self.rollback_button, self.abort_button):
            row.addWidget(w)
        row.addStretch(1)
        go_on = QHBoxLayout()           # its own line: a note needs room to be written
        go_on.addWidget(self.go_on_note, 1)
        go_on.addWidget(self.go_on_button)
        self.failure_widgets: list[QWidget] = [self.retry_button, self.rollback_button,
                                               self.abort_button, self.go_on_note,
                                               self.go_on_button]
        lay.addLayout(row)
        lay.addLayout(go_on)

    # ---- showing -----------------------------------------------------------------

    def set_running(self) -> None:
        self.record.status = Status.RUNNING
        self.icon.set_mark(Mark.RUNNING)
        self.summary.setText("Running…")
        self.summary.setStyleSheet("")
        self.substeps.set_steps([])
        self.substeps.show()
        for w in self.failure_widgets:
            w.hide()
        self._clear_fixes()

    def progress(self, step: Step) -> None:
        self.substeps.update_step(step)
        if step.state.value == "running":
            self.icon.advance()

    def show_record(self, record: StepRecord, *, can_roll_back: bool = False) -> None:
        self.record = record
        self.icon.set_mark(MARKS[record.status])
        self.substeps.stop()
        self.substeps.setVisible(record.status is Status.RUNNING)
        text = record.summary or ("Waiting to run" if self.step.automatic else
                                  "Confirm it by hand below")
        self.summary.setText(rich(f"{record.status.words.capitalize()}: {text}"
                                  if record.status is not Status.PENDING else text))
        self.summary.setStyleSheet(RED if record.status is Status.FAILED else "")
        self.details.setText("<br>".join(rich(d) for d in record.details))
        self.details.setVisible(bool(record.details))
        failed = record.status is Status.FAILED
        for w in (self.retry_button, self.abort_button):
            w.setVisible(failed)
        self.rollback_button.setVisible(failed and can_roll_back)
        go_on = failed and self.step.can_go_on
        self.go_on_note.setVisible(go_on)
        self.go_on_button.setVisible(go_on)
        self.go_on_button.setEnabled(bool(self.go_on_note.text().strip()))
        self._show_fixes(record)
        if self.confirm_box is not None:
            self.confirm_box.blockSignals(True)
            self.confirm_box.setChecked(bool(record.confirmed))
            self.confirm_box.blockSignals(False)
        if record.note and not self.note.text():
            self.note.setText(record.note)
        self.setAccessibleName(f"{self.step.title}: {record.status.words}")

    def _clear_fixes(self) -> None:
        for button in self.fix_buttons.values():
            self.fix_row.removeWidget(button)
            button.deleteLater()
        self.fix_buttons.clear()

    def _show_fixes(self, record: StepRecord) -> None:
        self._clear_fixes()
        found = record.data.get("found") or list(record.data.get("fixes", {}))
        for check_id in found:
            for fix_id, title in offered_fixes(check_id):
                button = QPushButton(f"Fix {check_id}: {title}", self)
                button.setObjectName(f"fix:{check_id}:{fix_id}")
                button.setToolTip("Preview, then apply (a verified backup is taken first)")
                button.clicked.connect(lambda _c=False, c=check_id, f=fix_id:
                                       self.fixRequested.emit(self.step.id, c, f))
                self.fix_row.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
                self.fix_buttons[(check_id, fix_id)] = button

    def _confirm_changed(self, *_args: object) -> None:
        if self.confirm_box is not None:
            self.confirmChanged.emit(self.step.id, self.confirm_box.isChecked(),
                                     self.note.text())

    def _note_changed(self) -> None:
        if self.note.text().strip() == self.record.note:
            return
        if self.confirm_box is not None:
            self._confirm_changed()
        else:
            self.noteChanged.emit(self.step.id, self.note.text())
