"""Work around a reference-count bug of the PySide6 6.12.0 wheels on Python < 3.12.

The wheels return `None`, `True` and `False` to Python without a new reference
(every void method such as `QLabel.setText` or `QTimer.start`, and
`SignalInstance.emit`/`disconnect`). Python 3.12+ makes these objects immortal,
so nothing happens there. On Python 3.11 each call steals one reference, and
after some ten thousand calls the interpreter dies with "Fatal Python error:
none_dealloc: deallocating None" (or bool_dealloc).

`apply()` probes for the bug once and, only if it is present, gives the three
singletons a reserve of 2**40 references, which is what 3.12's immortal
objects amount to: they are statically allocated and never freed anyway. The
lasting fix is Python >= 3.12 or a PySide6 release without the bug.
"""

from __future__ import annotations

import ctypes
import sys

RESERVE = 1 << 40
_applied = False


def needed() -> bool:
    """True when a void Qt call steals a reference to None on this runtime."""
    if sys.version_info >= (3, 12):
        return False
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(8):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before


def apply() -> bool:
    """Install the reserve if this runtime needs it; True when it was installed now."""
    global _applied
    if _applied or not needed():
        return False
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += RESERVE
    _applied = True
    return True
