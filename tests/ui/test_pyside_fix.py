"""Qt calls must not be able to free None/True/False (PySide6 6.12.0 on Python 3.11)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QTimer, Signal

import wsadmin.ui  # noqa: F401  (installs the fix)
from wsadmin.ui import _pyside_fix


class Emitter(QObject):
    ping = Signal()
    flag = Signal(bool)


def test_singletons_survive_many_qt_calls() -> None:
    emitter = Emitter()
    timer = QTimer()
    kept: list[bool] = []
    emitter.flag.connect(kept.append)
    for _ in range(20_000):    # more than None's and True's own reference counts
        emitter.ping.emit()
        emitter.flag.emit(True)
        timer.setInterval(5)
    emitter.flag.disconnect(kept.append)
    assert len(kept) == 20_000
    if _pyside_fix.needed():
        assert sys.getrefcount(None) > _pyside_fix.RESERVE // 2
        assert sys.getrefcount(True) > _pyside_fix.RESERVE // 2
