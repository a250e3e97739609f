"""Icons: the style's standard ones by name (deferrable past the first frame), and the
window icon shipped as package data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QListWidgetItem, QWidget

ICON_SIZE = QSize(20, 20)       # toolbar and sidebar


class StdIcons:
    """`set(target, "SP_DriveHDIcon")` gives an action or list item one of the style's
    standard icons. While `deferred` (a quick start) the icon is set by `start()`,
    after the first frame: the first use of QStyle from Python creates its ~12 enums
    (~4 ms), and the first screen can be shown with blank icons of the same size."""

    def __init__(self, widget: QWidget, deferred: bool) -> None:
        self._widget = widget
        self.deferred = deferred
        self._waiting: list[Callable[[], None]] = []
        self._blank: QIcon | None = None

    def set(self, target: QAction | QListWidgetItem, name: str) -> None:
        def apply() -> None:
            from PySide6.QtWidgets import QStyle

            which = getattr(QStyle.StandardPixmap, name)
            target.setIcon(self._widget.style().standardIcon(which))

        if self.deferred:
            target.setIcon(self._blank_icon())      # keeps the toolbar's height meanwhile
            self._waiting.append(apply)
        else:
            apply()

    def start(self) -> None:
        self.deferred = False
        waiting, self._waiting = self._waiting, []
        for apply in waiting:
            apply()

    def _blank_icon(self) -> QIcon:
        if self._blank is None:
            from PySide6.QtGui import QColor, QPixmap

            pixmap = QPixmap(ICON_SIZE)
            pixmap.fill(QColor(0, 0, 0, 0))
            self._blank = QIcon(pixmap)
        return self._blank


def app_icon() -> QIcon:
    """The theme's "wsadmin" icon, else the one shipped in wsadmin.ui.resources (found
    through importlib.resources, so that an installed wheel has it too)."""
    icon = QIcon.fromTheme("wsadmin")
    if not icon.isNull():
        return icon
    from importlib.resources import files

    svg = files("wsadmin.ui.resources") / "wsadmin.svg"
    if isinstance(svg, Path):
        return QIcon(str(svg)) if svg.is_file() else QIcon()
    from PySide6.QtGui import QPixmap

    pixmap = QPixmap()          # not a plain file (a zipped install): render it once
    pixmap.loadFromData(svg.read_bytes(), "SVG")
    return QIcon(pixmap)
