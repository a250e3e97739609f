"""Pieces of the editors' views and forms: a banner with an action, a form whose fields
show their own validation messages, and a debounce for checks as the operator types."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.widgets.paint import mute

W = TypeVar("W", bound=QWidget)
ERROR_COLOR = "#b3261e"
TONES = {"warning": ("#fff1d6", "#8a5300"), "danger": ("#fde7e5", "#b3261e"),
         "info": ("#e3f2fd", "#0d47a1")}


class Banner(QFrame):
    """A coloured line of text across a view, with an optional button (its action)."""

    triggered = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 8)
        self.label = QLabel("", self)
        self.label.setObjectName(f"{name}Text")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton("", self)
        self.button.setObjectName(f"{name}Button")
        self.button.clicked.connect(self.triggered)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def show_message(self, text: str, tone: str = "warning", button: str = "") -> None:
        fill, ink = TONES[tone]
        self.setStyleSheet(f"QFrame#{self.objectName()} {{ background: {fill}; "
                           f"border-radius: 6px; }} QLabel {{ color: {ink}; }}")
        self.label.setText(text)
        self.button.setText(button)
        self.button.setVisible(bool(button))
        self.show()


class FieldForm(QWidget):
    """A form of named fields, each with a message line under it (inline validation)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.fields: dict[str, QWidget] = {}
        self.messages: dict[str, QLabel] = {}
        self.rows: dict[str, tuple[QLabel, QWidget]] = {}

    def add(self, name: str, label: str, widget: W, hint: str = "") -> W:
        box = QWidget(self)
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(widget)
        message = QLabel("", box)
        message.setObjectName(f"error:{name}")
        message.setWordWrap(True)
        message.setStyleSheet(f"color: {ERROR_COLOR};")
        message.hide()
        lay.addWidget(message)
        if hint:       # one line: a wrapped label in a form row gets clipped
            note = QLabel(hint, box)
            note.setObjectName(f"hint:{name}")
            mute(note)
            lay.addWidget(note)
        caption = QLabel(label, self)
        self.form.addRow(caption, box)
        widget.setObjectName(widget.objectName() or f"field:{name}")
        widget.setAccessibleName(label.rstrip(":"))
        self.fields[name] = widget
        self.messages[name] = message
        self.rows[name] = (caption, box)
        return widget

    def set_visible(self, name: str, on: bool) -> None:
        for w in self.rows[name]:
            w.setVisible(on)

    def show_error(self, name: str, text: str) -> bool:
        """Show `text` under field `name`; False when the form has no such field."""
        label = self.messages.get(name)
        if label is None:
            return False
        label.setText(text)
        label.setVisible(bool(text))
        return True

    def clear_error(self, name: str) -> None:
        self.show_error(name, "")

    def clear_errors(self) -> None:
        for name in self.messages:
            self.clear_error(name)

    def error(self, name: str) -> str:
        label = self.messages[name]
        return label.text() if not label.isHidden() else ""

    @property
    def has_errors(self) -> bool:
        return any(not m.isHidden() for m in self.messages.values())


class Debounce(QObject):
    """Call `fn` once the operator has stopped typing for `ms` (a live check, a filter)."""

    def __init__(self, ms: int, fn: Callable[[], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(ms)
        self.timer.timeout.connect(fn)

    def poke(self, *_args: object) -> None:
        self.timer.start()

    def flush(self) -> None:
        """Now, if a call is waiting (Enter pressed; tests)."""
        if self.timer.isActive():
            self.timer.stop()
            self.timer.timeout.emit()
