"""Badges (a database's state) and pills (a revision's state, "Recommended"): one
widget, a rounded coloured label painted without style sheets; and the words of
each state's badge."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from wsadmin.ui.ops.core import State, Status
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


# The state badge of the Overview and the Migrations view (SCHEMA.md "States"): what
# the database is, in operator words, and how worried to be. Danger: the backend cannot
# serve it as it is, or wsadmin will not change it.
STATE_BADGES = {
    State.EMPTY: ("Empty: initialise it", Tone.ATTENTION),
    State.LEGACY: ("Legacy: upgrade available", Tone.ATTENTION),
    State.UNVERSIONED_HEAD: ("No revision recorded: adopt it", Tone.ATTENTION),
    State.STUCK_AT_001: ("Stuck at 001: upgrade it", Tone.DANGER),
    State.RECORDED_AHEAD_OF_SHAPE: ("Needs repair: revision ahead of schema", Tone.DANGER),
    State.HALF_INITIALISED: ("Needs repair: half-initialised", Tone.DANGER),
    State.MIXED: ("Needs repair: mixed schema", Tone.DANGER),
    State.HALF_UPGRADED: ("Needs repair: interrupted migration", Tone.DANGER),
    State.UNKNOWN_REVISION: ("Unknown revision", Tone.DANGER),
    State.FOREIGN: ("Not the backend's database", Tone.DANGER),
}


def state_badge(status: Status) -> tuple[str, str]:
    """The words and tone of a database's state badge."""
    if status.state in STATE_BADGES:
        return STATE_BADGES[status.state]
    if status.pending:
        return "Upgrade available", Tone.ATTENTION
    return "Up to date", Tone.OK
