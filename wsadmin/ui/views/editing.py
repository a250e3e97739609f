"""What every form of the users and workspaces editors shares: inline validation as the
operator types, one edit at a time on the session's worker, and what came of it.

`EditDialog.submit(fn, *args)` runs an ops.editors edit as a write (the session
re-reads and says `changed(DATA)`); while the backend holds the database the
status line says who and that it tries again; a FieldError shows under its
field (or in the status line when the form has no such field); any other
refusal shows its message and hint. Nothing is written before every check has
passed: the core validates again inside the transaction.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.ops.core import Step, WsadminError
from wsadmin.ui.ops.editors import ROLES, check_input
from wsadmin.ui.ops.op import Change, DbOp
from wsadmin.ui.widgets.errors import error_text
from wsadmin.ui.widgets.forms import ERROR_COLOR, Debounce, FieldForm
from wsadmin.ui.widgets.labels import heading_label

if TYPE_CHECKING:
    from wsadmin.ui.session import Session

EDITED = Change.DATA | Change.AUDIT | Change.STATUS
LIVE_CHECK_MS = 250


def field_of(exc: BaseException) -> str | None:
    return getattr(exc, "field", None) if isinstance(exc, WsadminError) else None


def role_box(parent: QWidget, current: str = "viewer") -> QComboBox:
    box = QComboBox(parent)
    box.addItems(list(ROLES))
    box.setCurrentText(current)
    return box


def ref_edit(parent: QWidget, kind: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setPlaceholderText("username or id:N" if kind == "user" else "slug or id:N")
    return edit


class EditDialog(QDialog):
    """A form, a status line, and Save / Close; `submit` runs the edit."""

    edited = Signal(object)          # the EditResult

    def __init__(self, session: Session, title: str, parent: QWidget | None = None,
                 *, submit_text: str = "Save") -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(520)
        self.op: DbOp[Any] | None = None
        self.result_: Any = None
        self.close_on_success = True
        self.closed = False                 # answers arriving later are dropped
        self.finished.connect(self._mark_closed)
        self._checks: dict[str, Debounce] = {}
        self._checking: dict[str, DbOp[str]] = {}
        self.layout_ = QVBoxLayout(self)
        self.heading = heading_label(title, self, 1.2)
        self.layout_.addWidget(self.heading)
        self.form = FieldForm(self)
        self.forms = [self.form]           # a form per tab: errors go to the one with the field
        self.layout_.addWidget(self.form)
        self.status = QLabel("", self)
        self.status.setObjectName("editStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.layout_.addWidget(self.status)
        self.buttons = QDialogButtonBox(self)
        self.submit_button = QPushButton(submit_text, self)
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setDefault(True)
        self.submit_button.clicked.connect(self.on_submit)
        self.close_button = QPushButton("Close", self)
        self.close_button.setObjectName("closeButton")
        self.close_button.clicked.connect(self.reject)
        self.buttons.addButton(self.submit_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.layout_.addWidget(self.buttons)

    def _mark_closed(self, _result: int) -> None:
        self.closed = True

    def guard(self, fn: Callable[..., object]) -> Callable[..., None]:
        """`fn` for a worker's answer: not called once the dialog is closed (and deleted)."""
        def call(*args: Any) -> None:
            if not self.closed:
                fn(*args)
        return call

    # -- live checks ------------------------------------------------------------------
    def live_check(self, name: str, edit: QLineEdit, *, field: str | None = None,
                   user_id: int | None = None,
                   answer: Callable[[str], object] | None = None) -> None:
        """Check `edit` on the worker once typing stops (FieldError shown under it);
        `answer(result)` hears what a passing check returns (a suggested slug)."""
        check = field or name

        def run() -> None:
            value = edit.text()
            if not value.strip() or self.session.path is None:
                self.show_field_error(name, "")
                return
            op: DbOp[str] = DbOp(check_input, str(self.session.path), check, value, user_id,
                                 label=f"Check the {check}")

            def passed(result: str) -> None:
                if edit.text() == value:
                    self.show_field_error(name, "")
                    if answer is not None:
                        answer(result)

            def refused(exc: BaseException) -> None:
                if edit.text() == value:
                    self.show_field_error(name, error_text(exc)[0])

            self._checking[name] = op
            self.session.run(op.quiet().success(self.guard(passed)).failure(
                self.guard(refused)))

        debounce = self._checks[name] = Debounce(LIVE_CHECK_MS, run, self)

        def typed(_text: str) -> None:
            self.show_field_error(name, "")
            debounce.poke()

        edit.textEdited.connect(typed)

    def flush_checks(self) -> None:
        for debounce in self._checks.values():
            debounce.flush()

    # -- the edit ---------------------------------------------------------------------
    def on_submit(self) -> None:
        """The form's own edit (subclasses)."""
        raise NotImplementedError

    def submit(self, fn: Callable[..., Any], *args: Any, label: str,
               done: Callable[[Any], object] | None = None, **kwargs: Any) -> DbOp[Any] | None:
        if self.op is not None or self.session.path is None:
            return None
        for form in self.forms:
            form.clear_errors()
        self.set_status("Saving…")
        self.submit_button.setEnabled(False)
        op: DbOp[Any] = DbOp(fn, str(self.session.path), *args, label=label, changes=EDITED,
                             **kwargs)
        op.progress(self.guard(self._progress)).success(
            self.guard(lambda r: self._succeeded(r, done)))
        op.failure(self.guard(self._failed))
        op.ended(lambda _op: setattr(self, "op", None))
        self.op = op
        self.session.run(op)
        return op

    def _progress(self, step: Step) -> None:
        if step.id == "busy":
            self.set_status(f"<b>The database is busy:</b> {html.escape(step.detail)}")
        elif step.state.value == "running":
            self.set_status(html.escape(step.label) + "…")

    def _succeeded(self, result: Any, done: Callable[[Any], object] | None) -> None:
        self.op = None
        self.result_ = result
        self.submit_button.setEnabled(True)
        change = getattr(result, "change", None)
        notes = list(getattr(change, "notes", ()))
        summary = getattr(change, "summary", "done")
        self.set_status(f"<b>Done:</b> {html.escape(summary)}"
                        + "".join(f"<br>Note: {html.escape(n)}" for n in notes))
        self.edited.emit(result)
        close = self.close_on_success and not notes
        if done is not None:
            done(result)
        if close:
            self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.op = None
        self.submit_button.setEnabled(True)
        message, hint = error_text(exc)
        name = field_of(exc)
        if name is not None and self.show_field_error(name, message + (f" — {hint}" if hint
                                                                         else "")):
            self.set_status("Nothing was changed: see the message at the field.", error=True)
            return
        self.set_status(f"<b>Nothing was changed:</b> {html.escape(message)}"
                        + (f" — {html.escape(hint)}" if hint else ""), error=True)

    def show_field_error(self, name: str, text: str) -> bool:
        """Show `text` under the field `name` (of whichever form has it); False if none."""
        for form in self.forms:
            if name in form.fields and not form.rows[name][1].isHidden():
                form.show_error(name, text)
                if text:
                    form.fields[name].setFocus()
                return True
        return False

    def set_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(f"<span style='color:{ERROR_COLOR}'>{text}</span>" if error
                            else text)

    def reject(self) -> None:
        if self.op is not None:      # an edit is under way: it ends on its own
            return
        super().reject()
