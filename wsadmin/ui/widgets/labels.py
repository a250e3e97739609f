"""Headings and muted text for views and dialogs (code that runs after the first frame)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from wsadmin.ui.widgets.paint import mute


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
    mute(label)
    return label
