"""Guard for the PySide6 pin: Qt calls must not steal references to None/True.

PySide6 6.12.0's wheels returned None/True/False without a new reference; on
Python 3.11 a few thousand calls then abort the interpreter (bool_dealloc).
pyproject.toml pins below 6.12; this fails if a bad release gets installed.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    flag = Signal(bool)


def test_void_calls_and_emits_keep_references_balanced() -> None:
    emitter = Emitter()
    kept: list[bool] = []
    emitter.flag.connect(kept.append)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(500):
        emitter.setObjectName("probe")
        emitter.flag.emit(True)
    emitter.flag.disconnect(kept.append)
    kept_trues = len(kept)
    kept.clear()
    assert kept_trues == 500
    assert sys.getrefcount(None) - none_before > -50
    assert sys.getrefcount(True) - true_before > -50
