"""Signals must not steal references to True (PySide6 6.12 on Python 3.11)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

import wsadmin.ui  # noqa: F401  (installs the fix)


class Emitter(QObject):
    ping = Signal()
    flag = Signal(bool)


def test_emit_and_disconnect_keep_references_balanced() -> None:
    emitter = Emitter()
    kept: list[bool] = []
    emitter.flag.connect(kept.append)

    def noop() -> None:
        pass

    before = sys.getrefcount(True)
    for _ in range(3000):
        emitter.ping.emit()
        emitter.flag.emit(True)
        emitter.ping.connect(noop)
        emitter.ping.disconnect(noop)
    assert len(kept) == 3000
    # Without the fix this drops by ~9000 (three stolen references a round).
    assert abs(sys.getrefcount(True) - before - len(kept)) < 100
    emitter.flag.disconnect(kept.append)
