"""Colours and painting shared by the widgets, without style sheets or Qt's enums.

The first screen (the Overview) is drawn with the palette and small
paintEvents: the first style sheet of the app costs ~3.5 ms of start-up (a
style object for every widget under it), palette colours follow light and dark
themes, and QColor(str), QBrush(QColor), setBrush and setPen(QColor) would
create the Python enums of PySide6's `Qt` namespace (~12 ms; see qtprops).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QPalette

if TYPE_CHECKING:
    from PySide6.QtGui import QBrush
    from PySide6.QtWidgets import QLabel, QWidget

PROBLEM_COLOR = "#b3261e"
OK_COLOR = "#1e7d32"
CARD_RADIUS = 6.0


def rgb(hex_color: str) -> QColor:
    """QColor of "#rrggbb" (see the module docstring for why not QColor(str))."""
    return QColor(int(hex_color[1:3], 16), int(hex_color[3:5], 16), int(hex_color[5:7], 16))


def mute(label: QLabel) -> None:
    """Secondary text (captions, paths): drawn in the palette's placeholder colour."""
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)


def set_text_color(widget: QWidget, color: QColor) -> None:
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.WindowText, color)
    widget.setPalette(palette)


def rounded(widget: QWidget, fill: QBrush, border: QBrush | None, radius: float) -> None:
    """Paint `widget`'s background as a rounded rectangle (from its paintEvent); brushes
    come from palettes and painting goes through paths (see the module docstring)."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter, QPainterPath, QPen

    path = QPainterPath()
    path.addRoundedRect(QRectF(widget.rect()).adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
    painter = QPainter(widget)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.fillPath(path, fill)
    if border is not None:
        painter.strokePath(path, QPen(border, 1.0))
    painter.end()
