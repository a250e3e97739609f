"""The start page shown while no database is open.

Recent databases (with the last known revision, and a warning icon when the
file is gone), Open…, Initialise a new database…, Create demo database…, and a
hint that a file can be dropped onto the window. The page only emits requests;
the main window opens.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from PySide6.QtCore import QPoint, QSize, Qt, Signal, Slot
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.settings import RecentDatabase, Settings

MUTED = "color: palette(placeholder-text);"

PATH_ROLE = Qt.ItemDataRole.UserRole
ROW_HEIGHT = 52
VISIBLE_ROWS = 7


def when_text(opened_at: float, now: float | None = None) -> str:
    if not opened_at:
        return ""
    seconds = (now or time.time()) - opened_at
    if seconds < 90:
        return "opened just now"
    if seconds < 3600:
        return f"opened {int(seconds // 60)} minutes ago"
    if seconds < 86400:
        hours = int(seconds // 3600)
        return f"opened {hours} hour{'s' if hours > 1 else ''} ago"
    return "opened " + dt.datetime.fromtimestamp(opened_at).strftime("%Y-%m-%d")


class RecentList(QListWidget):
    """Recent databases; Enter or a double click opens one, Delete forgets it."""

    activatedPath = Signal(str)
    forgetPath = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recentList")
        self.setAccessibleName("Recent databases")
        self.setIconSize(QSize(32, 32))
        self.setUniformItemSizes(True)
        self.setSpacing(1)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.itemActivated.connect(self._activated)

    def fill(self, items: list[RecentDatabase]) -> None:
        self.clear()
        style = self.style()
        ok_icon = style.standardIcon(QStyle.StandardPixmap.SP_DriveHDIcon)
        gone_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for recent in items:
            exists = recent.exists
            name = Path(recent.path).name
            facts = recent.revision_text if exists else "file not found"
            when = when_text(recent.opened_at)
            item = QListWidgetItem(gone_icon if exists is False else ok_icon,
                                   f"{name}\n{recent.path}")
            item.setData(PATH_ROLE, recent.path)
            item.setData(Qt.ItemDataRole.UserRole + 1, exists)
            item.setSizeHint(QSize(0, ROW_HEIGHT))
            tip = f"{recent.path}\n{facts}" + (f" · {when}" if when else "")
            if not exists:
                tip += "\nThe file is gone: it was moved or deleted. Delete forgets it."
                item.setForeground(self.palette().placeholderText())
            item.setToolTip(tip)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{name}, {facts}")
            item.setText(f"{name}    —    {facts}" + (f" · {when}" if when else "")
                         + f"\n{recent.path}")
            self.addItem(item)
        if self.count():
            self.setCurrentRow(0)

    def path_at(self, row: int) -> str:
        return str(self.item(row).data(PATH_ROLE))

    @Slot(QListWidgetItem)
    def _activated(self, item: QListWidgetItem) -> None:
        self.activatedPath.emit(str(item.data(PATH_ROLE)))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.currentItem()
        if item is not None and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.forgetPath.emit(str(item.data(PATH_ROLE)))
            return
        super().keyPressEvent(event)

    def _menu(self, pos: QPoint) -> None:
        item = self.itemAt(pos)
        if item is None:
            return
        path = str(item.data(PATH_ROLE))
        menu = QMenu(self)
        open_action = menu.addAction("Open")
        open_action.setEnabled(bool(item.data(Qt.ItemDataRole.UserRole + 1)))
        open_action.triggered.connect(lambda: self.activatedPath.emit(path))
        menu.addAction("Remove from this list").triggered.connect(
            lambda: self.forgetPath.emit(path))
        menu.popup(self.viewport().mapToGlobal(pos))


class StartPage(QWidget):
    openRequested = Signal(str)
    browseRequested = Signal()
    demoRequested = Signal()
    initRequested = Signal()

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setObjectName("startPage")
        self.setAccessibleName("Start page")

        outer = QHBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 24)
        column = QFrame(self)
        column.setObjectName("startColumn")
        column.setMaximumWidth(760)
        column.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        outer.addStretch(1)
        outer.addWidget(column, 4)
        outer.addStretch(1)

        layout = QVBoxLayout(column)
        layout.setSpacing(12)
        layout.addSpacing(24)
        title = QLabel("wsadmin", column)
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setWeight(QFont.Weight.DemiBold)
        title.setFont(font)
        subtitle = QLabel("Open the backend's app_metadata.db to see where its schema stands, "
                          "back it up, upgrade it and roll it back.", column)
        subtitle.setWordWrap(True)
        subtitle.setObjectName("subtitle")
        subtitle.setStyleSheet(MUTED)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(8)

        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        style = self.style()
        sp = QStyle.StandardPixmap
        self.open_button = QPushButton(style.standardIcon(sp.SP_DialogOpenButton),
                                       "Open database…", column)
        self.open_button.setObjectName("openButton")
        self.open_button.setToolTip("Choose an app_metadata.db file (Ctrl+O)")
        self.open_button.setAccessibleName("Open database")
        self.open_button.setDefault(True)
        self.open_button.setMinimumHeight(34)
        self.open_button.clicked.connect(self.browseRequested)
        self.demo_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_FileIcon),
                                       "Create demo database…", column)
        self.demo_button.setObjectName("demoButton")
        self.demo_button.setToolTip("Create a database with made-up data to try wsadmin on")
        self.demo_button.setAccessibleName("Create demo database")
        self.demo_button.setMinimumHeight(34)
        self.demo_button.clicked.connect(self.demoRequested)
        self.init_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_FileIcon),
                                       "Initialise a new database…", column)
        self.init_button.setObjectName("initButton")
        self.init_button.setToolTip("Create the backend's schema in a new or empty file: what "
                                    "the runbook's fresh install does, done safely")
        self.init_button.setAccessibleName("Initialise a new database")
        self.init_button.setMinimumHeight(34)
        self.init_button.clicked.connect(self.initRequested)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.init_button)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addSpacing(16)

        heading = QLabel("Recent databases", column)
        hfont = QFont(heading.font())
        hfont.setWeight(QFont.Weight.DemiBold)
        hfont.setPointSizeF(hfont.pointSizeF() * 1.15)
        heading.setFont(hfont)
        layout.addWidget(heading)
        self.recent_list = RecentList(column)
        self.recent_list.activatedPath.connect(self._open_recent)
        self.recent_list.forgetPath.connect(self._forget)
        heading.setBuddy(self.recent_list)
        layout.addWidget(self.recent_list)
        self.empty_label = QLabel("No recent databases yet. Open one, or create a demo "
                                  "database to try wsadmin.", column)
        self.empty_label.setObjectName("emptyRecent")
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet(MUTED)
        layout.addWidget(self.empty_label)
        self.drop_hint = QLabel("Tip: drop a database file onto this window to open it.", column)
        self.drop_hint.setObjectName("dropHint")
        self.drop_hint.setStyleSheet(MUTED)
        layout.addWidget(self.drop_hint)
        self.busy_label = QLabel("", column)
        self.busy_label.setObjectName("startBusy")
        layout.addWidget(self.busy_label)
        layout.addStretch(1)
        self.reload()

    def reload(self) -> None:
        items = self.settings.recent()
        self.recent_list.fill(items)
        self.recent_list.setVisible(bool(items))
        self.empty_label.setVisible(not items)
        rows = max(1, min(len(items), VISIBLE_ROWS))
        frame = 2 * self.recent_list.frameWidth() + 2 * self.recent_list.spacing()
        self.recent_list.setFixedHeight(rows * (ROW_HEIGHT + 2 * self.recent_list.spacing())
                                        + frame)

    def set_busy(self, busy: bool, text: str = "Opening…") -> None:
        self.open_button.setEnabled(not busy)
        self.demo_button.setEnabled(not busy)
        self.init_button.setEnabled(not busy)
        self.recent_list.setEnabled(not busy)
        self.busy_label.setText(text if busy else "")

    @Slot(str)
    def _open_recent(self, path: str) -> None:
        self.openRequested.emit(path)

    @Slot(str)
    def _forget(self, path: str) -> None:
        self.settings.remove_recent(path)
        self.reload()
