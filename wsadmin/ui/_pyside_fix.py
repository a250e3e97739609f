"""Work around a reference-count bug of PySide6 6.12 on Python < 3.12.

`SignalInstance.emit()` and `.disconnect()` return `True`/`False` without a new
reference. Python 3.12+ bools are immortal, so nothing happens there; on 3.11
every call steals one reference to `True`, and after a few thousand signals the
interpreter dies with "Fatal Python error: bool_dealloc: deallocating True or
False". `apply()` probes for the bug once and, only if it is present, wraps the
two methods to give the missing reference back.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

_applied = False


def _steals_true() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) < before


def apply() -> bool:
    """Install the fix if this PySide6 needs it; True when it was installed."""
    global _applied
    if _applied or sys.version_info >= (3, 12) or not _steals_true():
        return False
    from PySide6.QtCore import SignalInstance

    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None
    emit, disconnect = SignalInstance.emit, SignalInstance.disconnect

    def fixed_emit(self: Any, *args: Any) -> Any:
        result = emit(self, *args)
        if result is True or result is False:
            incref(result)
        return result

    def fixed_disconnect(self: Any, *args: Any) -> Any:
        result = disconnect(self, *args)
        if result is True or result is False:
            incref(result)
        return result

    SignalInstance.emit = fixed_emit  # type: ignore[method-assign]
    SignalInstance.disconnect = fixed_disconnect  # type: ignore[method-assign]
    _applied = True
    return True
