"""'Type app_metadata.db to confirm': the guard in front of a destructive button."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget


class TypedConfirm(QWidget):
    """`matchedChanged(bool)` as the text comes to match `word` or stops matching;
    `submitted()` when Enter is pressed on a match. Enter never reaches the dialog's
    default button (Cancel, in a destructive dialog): without a match it does nothing."""

    matchedChanged = Signal(bool)
    submitted = Signal()

    def __init__(self, word: str, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.word = word
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.prompt = QLabel(f"To {what}, type <b>{word}</b> below and press Enter:", self)
        self.prompt.setObjectName("confirmPrompt")
        self.prompt.setWordWrap(True)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("confirmText")
        self.edit.setPlaceholderText(word)
        self.edit.setAccessibleName(f"Type {word} to confirm")
        self.edit.setToolTip(f"Type {word} exactly to enable the button")
        self.edit.installEventFilter(self)
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

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.edit and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            if self._matched:
                self.submitted.emit()
            return True
        return super().eventFilter(watched, event)

    def clear(self) -> None:
        self.edit.clear()
