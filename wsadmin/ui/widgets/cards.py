"""Panels and cards: rounded boxes painted with the palette (see wsadmin.ui.widgets.paint)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from wsadmin.ui.widgets.paint import CARD_RADIUS, mute, rounded
from wsadmin.ui.widgets.qtprops import make_selectable

if TYPE_CHECKING:
    from PySide6.QtGui import QPaintEvent


class Panel(QFrame):
    """A rounded box in the palette's base colour with a thin border; `layout_` holds
    its contents."""

    def __init__(self, parent: QWidget | None = None, margins: tuple[int, int, int, int]
                 = (19, 15, 19, 17)) -> None:
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(*margins)       # inside a 1 px border
        self.layout_.setSpacing(6)

    def paintEvent(self, _event: QPaintEvent) -> None:
        palette = self.palette()
        rounded(self, palette.brush(QPalette.ColorRole.Base),
                palette.brush(QPalette.ColorRole.Mid), CARD_RADIUS)


class Card(Panel):
    """A titled panel with a big value line and smaller detail lines."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setAccessibleName(title)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.title = QLabel(title.upper(), self)
        self.title.setObjectName("cardTitle")
        tfont = QFont(self.title.font())
        tfont.setPointSizeF(tfont.pointSizeF() * 0.85)
        tfont.setWeight(QFont.Weight.DemiBold)
        tfont.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
        self.title.setFont(tfont)
        mute(self.title)
        self.layout_.addWidget(self.title)

    def big_label(self, text: str = "") -> QLabel:
        label = QLabel(text, self)
        font = QFont(label.font())
        font.setPointSizeF(font.pointSizeF() * 1.9)
        font.setWeight(QFont.Weight.DemiBold)
        label.setFont(font)
        make_selectable(label)
        return label

    def detail_label(self, text: str = "") -> QLabel:
        label = QLabel(text, self)
        label.setWordWrap(True)
        make_selectable(label)
        return label
