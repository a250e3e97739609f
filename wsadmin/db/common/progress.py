"""Progress reporting and cancellation shared by long services (no Qt)."""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from typing import NamedTuple

from wsadmin.db.common.errors import WsadminError


class StepState(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class Step(NamedTuple):
    """One step of an operation, reported each time its state or fraction changes."""

    id: str            # stable: "preflight", "backup", "verify", "upgrade:001", ...
    label: str         # operator words: "Back up the database"
    state: StepState
    detail: str = ""
    fraction: float | None = None
    # FAILED because wsadmin declined (WsadminError.refusal), not because the step broke:
    # the refusal's own error line says it all, so the command line prints no step line.
    refused: bool = False


ProgressCallback = Callable[[Step], None]

_MARKS = {StepState.DONE: "ok", StepState.FAILED: "FAILED", StepState.SKIPPED: "skipped"}


def step_line(step: Step) -> str | None:
    """The one line a finished step gets in progress output (the CLI's stderr, the
    GUI's log): `  [ok] Back up the database: ...`. None for running updates, and
    for a refusal: it is not a failed step, and its own error line says why."""
    mark = _MARKS.get(step.state)
    if mark is None or step.refused:
        return None
    detail = f": {step.detail}" if step.detail else ""
    return f"  [{mark}] {step.label}{detail}"


def ignore_progress(_step: Step) -> None:
    """The default callback: report nothing."""


class Cancelled(Exception):
    """The operator cancelled an operation at a point where that was safe."""


class CancelToken:
    """Set from any thread; long operations check it where stopping is safe."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled by the operator; nothing was changed")


class Reporter:
    """Small helper that turns `with reporter.step(...)` blocks into Step events."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback or ignore_progress

    def emit(self, step_id: str, label: str, state: StepState, detail: str = "",
             fraction: float | None = None, *, refused: bool = False) -> None:
        self._callback(Step(step_id, label, state, detail, fraction, refused))

    def step(self, step_id: str, label: str) -> _StepScope:
        return _StepScope(self, step_id, label)


class _StepScope:
    def __init__(self, reporter: Reporter, step_id: str, label: str) -> None:
        self.reporter, self.id, self.label = reporter, step_id, label
        self.detail = ""

    def __enter__(self) -> _StepScope:
        self.reporter.emit(self.id, self.label, StepState.RUNNING)
        return self

    def fraction(self, value: float, detail: str = "") -> None:
        self.reporter.emit(self.id, self.label, StepState.RUNNING, detail, value)

    def __exit__(self, exc_type: object, exc: BaseException | None, _tb: object) -> None:
        if exc is None:
            self.reporter.emit(self.id, self.label, StepState.DONE, self.detail)
        else:
            self.reporter.emit(self.id, self.label, StepState.FAILED, str(exc),
                               refused=isinstance(exc, WsadminError) and exc.refusal)
