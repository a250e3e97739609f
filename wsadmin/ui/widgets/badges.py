"""Badges (the Overview's state) and pills (a revision's state, "Recommended"): one
widget, a rounded coloured label painted without style sheets."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from wsadmin.ui.widgets.paint import rgb, rounded, set_text_color

if TYPE_CHECKING:
    from PySide6.QtGui import QPaintEvent


class Tone:
    OK = "ok"
    INFO = "info"
    ATTENTION = "attention"
    DANGER = "danger"
    NEUTRAL = "neutral"


class Badge(QLabel):
    """A coloured state pill: `set_state("Up to date", Tone.OK)`."""

    COLORS: ClassVar[dict[str, tuple[str, str]]] = {   # tone -> (text, fill)
        Tone.OK: ("#1e7d32", "#e3f3e5"), Tone.INFO: ("#0d47a1", "#e3f2fd"),
        Tone.ATTENTION: ("#8a5300", "#fff1d6"), Tone.DANGER: ("#b3261e", "#fde7e5"),
        Tone.NEUTRAL: ("#44474e", "#eceef2")}

    def __init__(self, parent: QWidget | None = None, *, small: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("badge")
        self.tone = Tone.NEUTRAL
        self._fill = rgb(self.COLORS[Tone.NEUTRAL][1])
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.setContentsMargins(*((9, 1, 9, 1) if small else (10, 3, 10, 3)))
        font = QFont(self.font())
        font.setWeight(QFont.Weight.DemiBold)
        self.setFont(font)

    def set_state(self, text: str, tone: str) -> None:
        fg, bg = self.COLORS[tone]
        self.tone = tone
        self._fill = rgb(bg)
        set_text_color(self, rgb(fg))
        self.setText(text)
        self.setAccessibleName(f"State: {text}")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, self._fill)
        rounded(self, palette.brush(QPalette.ColorRole.Window), None, self.height() / 2)
        super().paintEvent(event)
