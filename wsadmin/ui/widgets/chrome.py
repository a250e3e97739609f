"""The window's menus and main toolbar, laid out from lists of actions."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from wsadmin.ui.widgets.icons import ICON_SIZE
from wsadmin.ui.widgets.qtprops import set_enum_property

MenuItem = QAction | QMenu | None       # None: a separator


def add_menus(window: QMainWindow, spec: Sequence[tuple[str, str, Sequence[MenuItem]]]
              ) -> dict[str, QMenu]:
    """Menus (key, title, items) in the window's menu bar; returns them by key."""
    menus: dict[str, QMenu] = {}
    for key, title, items in spec:
        menu = menus[key] = window.menuBar().addMenu(title)
        for item in items:
            if item is None:
                menu.addSeparator()
            elif isinstance(item, QMenu):
                menu.addMenu(item)
            else:
                menu.addAction(item)
    return menus


def add_toolbar(window: QMainWindow, first: Sequence[QAction], last: Sequence[QAction]
                ) -> tuple[QToolBar, QAction]:
    """The main toolbar at the top: `first`, a separator (returned: insert views' actions
    before it), then `last`."""
    toolbar = QToolBar("Main toolbar", window)
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setIconSize(ICON_SIZE)
    set_enum_property(toolbar, "toolButtonStyle", "ToolButtonTextBesideIcon")
    toolbar.addActions(list(first))
    tail = toolbar.addSeparator()
    toolbar.addActions(list(last))
    window.addToolBar(toolbar)
    return toolbar, tail
