"""Actions as the window and the views make them: named, with their shortcut in the
tooltip, and a standard icon by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QIcon, QKeySequence

from wsadmin.ui.widgets.qtprops import set_shortcut

if TYPE_CHECKING:
    from PySide6.QtCore import QObject

    from wsadmin.ui.widgets.icons import StdIcons

Shortcut = QKeySequence | QKeySequence.StandardKey | str | None


def make_action(parent: QObject, key: str, text: str, slot: Callable[[], object], *,
                shortcut: Shortcut = None, tip: str = "", icon: str | None = None,
                icons: StdIcons | None = None) -> QAction:
    """An action named `action_<key>`; `icon` names a standard icon set through `icons`."""
    action = QAction(QIcon(), text, parent)
    if icon is not None and icons is not None:
        icons.set(action, icon)
    action.setObjectName(f"action_{key}")
    if shortcut is not None:
        # (not QKeySequence(<a QKeySequence>): that overload creates the `Qt` enums)
        set_shortcut(action, shortcut if isinstance(shortcut, QKeySequence)
                     else QKeySequence(shortcut))
    if tip:
        set_tip(action, tip)
    action.triggered.connect(slot)
    return action


def set_tip(action: QAction, tip: str) -> None:
    """Tooltip "tip (shortcut)" and status tip "tip"; also when a view changes it later."""
    shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{tip} ({shown})" if shown else tip)
    action.setStatusTip(tip)
