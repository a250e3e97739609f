"""Qt enum settings that the first screen needs, without PySide6's `Qt` namespace.

The first use of any enum of `PySide6.QtCore.Qt` (`Qt.AlignmentFlag`,
`Qt.TextInteractionFlag`, ...) makes PySide create Python enum classes for all
~90 enums of that namespace: about 12 ms, a tenth of the start-up of a bare
PySide6 window. The widgets of the first screen (main window, Overview) set
such values through Qt's property system instead, by the C++ key name, which
Qt converts itself; code that runs later (dialogs, other views) uses `Qt`.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

# Qt.ItemDataRole.UserRole: the role under which the sidebar keeps each view's key.
VIEW_KEY_ROLE = 256


def set_enum_property(obj: QObject, name: str, keys: str) -> None:
    """`obj.<name> = Qt::<keys>`, e.g. ("textInteractionFlags", "TextSelectableByMouse");
    flags combine with "|". Raises ValueError for a property or key Qt does not know."""
    if not obj.setProperty(name, keys):
        raise ValueError(f"{type(obj).__name__}.{name} cannot be set to {keys!r}")


def set_shortcut(action: QAction, keys: QKeySequence) -> None:
    """`action.setShortcut(keys)`: that method's argument conversion alone would create
    the `Qt` enums (it also accepts a `Qt.Key`)."""
    if not action.setProperty("shortcut", keys):
        raise ValueError(f"cannot set the shortcut {keys.toString()!r}")


def make_selectable(*labels: QObject) -> None:
    """Let the mouse select the text of these labels (for copying paths and values)."""
    for label in labels:
        set_enum_property(label, "textInteractionFlags", "TextSelectableByMouse")
