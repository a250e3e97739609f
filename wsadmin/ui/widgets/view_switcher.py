"""The sidebar of views and the stack that shows the chosen one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QWidget

from wsadmin.ui.widgets.icons import ICON_SIZE
from wsadmin.ui.widgets.qtprops import VIEW_KEY_ROLE

if TYPE_CHECKING:
    from wsadmin.ui.widgets.icons import StdIcons

SIDEBAR_WIDTH = 190


class ViewSwitcher(QWidget):
    def __init__(self, icons: StdIcons, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._icons = icons
        self.views: dict[str, QWidget] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.sidebar = QListWidget(self)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setAccessibleName("Views")
        self.sidebar.setFixedWidth(SIDEBAR_WIDTH)
        self.sidebar.setIconSize(ICON_SIZE)
        self.sidebar.setFrameShape(QListWidget.Shape.NoFrame)
        self.sidebar.setSpacing(2)
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("viewStack")
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)

    def add(self, key: str, title: str, widget: QWidget, icon: str | None = None,
            tooltip: str | None = None) -> None:
        """Add a view (in call order); `icon` names one of the style's standard icons."""
        if key in self.views:
            raise ValueError(f"a view named {key!r} is already registered")
        self.views[key] = widget
        item = QListWidgetItem(QIcon(), title)
        if icon is not None:
            self._icons.set(item, icon)
        item.setData(VIEW_KEY_ROLE, key)
        item.setSizeHint(QSize(0, 36))
        if tooltip:
            item.setToolTip(tooltip)
        widget.setAccessibleName(title)
        self.sidebar.addItem(item)
        self.stack.addWidget(widget)
        if self.sidebar.currentRow() < 0:
            self.sidebar.setCurrentRow(0)

    def select(self, key: str) -> None:
        self.sidebar.setCurrentRow(self.stack.indexOf(self.views[key]))

    @property
    def current(self) -> str | None:
        item = self.sidebar.currentItem()
        return None if item is None else str(item.data(VIEW_KEY_ROLE))
