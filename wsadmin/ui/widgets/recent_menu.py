"""File ▸ Open Recent: the recent databases of the settings, filled when shown."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QWidget

from wsadmin.ui.settings import Settings


class RecentMenu(QMenu):
    openRequested = Signal(str)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__("Open &Recent", parent)
        self.settings = settings
        self.aboutToShow.connect(self.fill)

    def fill(self) -> None:
        self.clear()
        items = self.settings.recent()
        for item in items:
            act = self.addAction(f"{Path(item.path).name}  —  {item.path}")
            act.setEnabled(item.exists)
            act.triggered.connect(lambda _=False, p=item.path: self.openRequested.emit(p))
        if not items:
            self.addAction("No recent databases").setEnabled(False)
