"""Ctrl-C at a moment when stopping would lie: hold it until the outcome is known.

Before a change commits, Ctrl-C rolls it back and the database is as it was.
From the commit on, the change has happened: an interrupt must not turn it into
a reported failure, nor stop a restore half-way. `held_interrupts()` defers
SIGINT for such a block and says afterwards whether one came. Only the main
thread receives SIGINT; elsewhere (the GUI's worker) it does nothing.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class InterruptLatch:
    """Whether SIGINT arrived while held."""

    def __init__(self) -> None:
        self.interrupted = False

    def _handler(self, _signum: int, _frame: FrameType | None) -> None:
        self.interrupted = True


@contextmanager
def held_interrupts() -> Iterator[InterruptLatch]:
    latch = InterruptLatch()
    if threading.current_thread() is not threading.main_thread():
        yield latch
        return
    previous = signal.signal(signal.SIGINT, latch._handler)
    try:
        yield latch
    finally:
        signal.signal(signal.SIGINT, previous)
