"""One worker thread per open database: every DB call of the GUI runs here, in order.

The engine under `wsadmin.ui.ops.op.DbOp` (which views use, through the
session); the pattern of Anki's taskman and superqt's thread workers, cut
down to what wsadmin needs:

* `DbRunner.submit(fn, *args, label=..., on_success=..., on_failure=...)`
  queues `fn(*args, **kwargs)` on the runner's single thread (single writer:
  operations never overlap, and they run in the order they were submitted).
* `on_success(result)`, `on_failure(exc)` and `on_progress(step)` are called
  on the GUI thread, through queued Qt signals. Nothing here ever calls
  `processEvents()`, and no DB call runs on the GUI thread.
* `with_progress=True` passes `progress=<callable(Step)>` to `fn`;
  `with_cancel=True` passes `cancel=<CancelToken>`. `Operation.cancel()` sets
  the token (the service stops where that is safe) and, when the operation has
  not started yet, drops it: `on_failure(Cancelled(...))` is called instead.
* A `WsadminError` (or `Cancelled`) is an expected failure and goes to
  `on_failure` as is. Any other exception is a bug: its traceback is logged to
  the "wsadmin.ui" logger and the exception (with `__traceback__`) goes to
  `on_failure`, so `wsadmin.ui.widgets.errors.show_error` can offer "Copy details".
* `busy` is true while an operation is queued or running; `busyChanged`
  reports the transitions. `wait_idle(ms)` blocks until the queue is empty
  (for closing safely) and `shutdown()` stops the thread after the queue drains.
* `operationStarted(op)`, `operationProgress(op, step)` and
  `operationFinished(op)` report every operation (the log dock follows them).
* `deliver_ended()` hands over, outside the event loop, what finished operations
  left to deliver: `Session.settle()` uses it so that tests and scripts can
  wait for a quiet session without spinning an event loop.

A migration is never killed: there is no way to stop the thread other than
letting its queue drain.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from wsadmin.ui.ops.core import Cancelled, CancelToken, Step, WsadminError

log = logging.getLogger("wsadmin.ui")

_ids = itertools.count(1)


class Operation(QObject):
    """One queued call. Its signals fire on the GUI thread, in this order:
    `started`, any number of `progressed(Step)`, then `finished(ok)`."""

    started = Signal()
    progressed = Signal(object)       # Step
    finished = Signal(bool)           # ok

    def __init__(self, label: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.id = next(_ids)
        self.label = label
        self.token = CancelToken()
        self.done = False
        self.running = False
        self.quiet = False                # True: the log dock only mentions it if it fails
        self.summary = ""                 # how it ended, in words, when not just "done"
        self.noteworthy = False           # True: logged even when quiet (a failed check)
        self.ok: bool | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.submitted_at = time.monotonic()
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self._on_success: Callable[[Any], object] | None = None
        self._on_failure: Callable[[BaseException], object] | None = None
        self._on_progress: Callable[[Step], object] | None = None
        # What the worker emitted for this operation, for DbRunner.finish_early.
        self._emitted: list[tuple[str, Any]] = []
        self._ended = threading.Event()
        self._delivered = 0                 # how many of them reached the GUI thread

    @property
    def runner(self) -> DbRunner:
        parent = self.parent()
        assert isinstance(parent, DbRunner)
        return parent

    def cancel(self) -> None:
        """Ask the operation to stop where that is safe (or not to start at all)."""
        self.token.cancel()

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    def __repr__(self) -> str:
        return f"<Operation #{self.id} {self.label!r} done={self.done} ok={self.ok}>"


class _Task:
    __slots__ = ("args", "fn", "kwargs", "op")

    def __init__(self, op: Operation, fn: Callable[..., Any], args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> None:
        self.op, self.fn, self.args, self.kwargs = op, fn, args, kwargs


_STOP = object()


class DbRunner(QObject):
    """Runs every database call for one open database on one worker thread."""

    busyChanged = Signal(bool)
    stopped = Signal()                        # the thread has ended (after shutdown)
    operationStarted = Signal(object)             # Operation
    operationFinished = Signal(object)            # Operation (done; see .ok)
    operationProgress = Signal(object, object)    # Operation, Step

    # Worker thread -> GUI thread (queued because the receiver lives in the GUI thread).
    _event = Signal(object, str, object)      # Operation, kind, payload

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: deque[_Task | object] = deque()
        self._cond = threading.Condition()
        self._pending = 0                     # queued + running, seen by the worker
        self._outstanding: list[Operation] = []   # submitted, not yet finished on the GUI side
        self._stopping = False
        self._current: Operation | None = None
        self.last_finished: Operation | None = None
        self._event.connect(self._deliver)
        self._thread = threading.Thread(target=self._loop, name="wsadmin-db", daemon=False)
        self._thread.start()

    # ---- GUI thread API -------------------------------------------------------------

    def submit(self, fn: Callable[..., Any], *args: Any, label: str,
               on_success: Callable[[Any], object] | None = None,
               on_failure: Callable[[BaseException], object] | None = None,
               on_progress: Callable[[Step], object] | None = None,
               with_progress: bool = False, with_cancel: bool = False,
               **kwargs: Any) -> Operation:
        """Queue `fn(*args, **kwargs)` on the worker thread; see the module docstring."""
        op = Operation(label, self)
        op._on_success, op._on_failure, op._on_progress = on_success, on_failure, on_progress
        if with_progress:
            kwargs["progress"] = lambda step, _op=op: self._emit(_op, "progress", step)
        if with_cancel:
            kwargs["cancel"] = op.token
        with self._cond:
            if self._stopping:
                raise RuntimeError("the database runner was shut down")
            self._queue.append(_Task(op, fn, args, kwargs))
            self._pending += 1
            self._cond.notify_all()
        self._outstanding.append(op)
        if len(self._outstanding) == 1:
            self.busyChanged.emit(True)
        return op

    def finish_early(self, op: Operation, timeout_ms: int) -> bool:
        """Start-up only, before the event loop runs: wait up to `timeout_ms` for `op` to
        end on the worker and, if it has, deliver its signals and callbacks now, in order
        (their queued copies are then dropped). The app uses it so that the first frame
        shows the database's status when it can be read quickly; there is no window to
        freeze yet. Returns whether `op` was delivered."""
        if op.done:
            return True
        if not op._ended.wait(max(0, timeout_ms) / 1000):
            return False
        # Some may have been delivered already; the queued copies of the others arrive
        # once `op` is done, and _deliver drops them.
        for kind, payload in op._emitted[op._delivered:]:
            self._deliver_now(op, kind, payload)
        return True

    def deliver_ended(self) -> int:
        """GUI thread, outside the event loop: deliver, in order, everything the
        operations that have ended on the worker still have to deliver (their queued
        copies are then dropped). Stops at the first operation still running. Returns
        how many operations were delivered."""
        delivered = 0
        for op in list(self._outstanding):
            if not op._ended.is_set():
                break
            for kind, payload in op._emitted[op._delivered:]:
                self._deliver_now(op, kind, payload)
            delivered += 1
        return delivered

    @property
    def busy(self) -> bool:
        return bool(self._outstanding)

    @property
    def operations(self) -> list[Operation]:
        """Operations submitted and not finished yet (as seen by the GUI thread)."""
        return list(self._outstanding)

    @property
    def current(self) -> Operation | None:
        """The operation running now (as last reported to the GUI thread)."""
        return self._current

    def wait_idle(self, timeout_ms: int) -> bool:
        """Block until nothing is queued or running on the worker; False on timeout.

        The results of finished operations are still delivered through the event loop
        afterwards; this only guarantees that no DB call is running any more."""
        deadline = time.monotonic() + max(0, timeout_ms) / 1000
        with self._cond:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def request_stop(self) -> None:
        """Let the thread end once the queue has drained, without waiting for it;
        `stopped` fires on the GUI thread when it has. Nothing more can be submitted."""
        with self._cond:
            if not self._stopping:
                self._stopping = True
                self._queue.append(_STOP)
                self._cond.notify_all()

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Stop the thread after the queue drains (never interrupts a running call).

        Returns False if the thread is still running after `timeout_ms` (None: wait)."""
        self.request_stop()
        self._thread.join(None if timeout_ms is None else timeout_ms / 1000)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # ---- worker thread --------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                item = self._queue.popleft()
            if item is _STOP:
                self._event.emit(None, "stopped", None)
                return
            assert isinstance(item, _Task)
            try:
                self._run(item)
            finally:
                with self._cond:
                    self._pending -= 1
                    self._cond.notify_all()

    def _run(self, task: _Task) -> None:
        op = task.op
        if op.token.cancelled:
            self._emit(op, "failed", Cancelled("cancelled before it started; "
                                                     "nothing was changed"))
            return
        self._emit(op, "started", time.monotonic())
        try:
            result = task.fn(*task.args, **task.kwargs)
        except (WsadminError, Cancelled) as exc:
            log.info("%s: %s", op.label, exc)
            self._emit(op, "failed", exc)
        except Exception as exc:
            log.error("bug while running %r", op.label, exc_info=True)
            self._emit(op, "failed", exc)
        else:
            self._emit(op, "succeeded", result)

    def _emit(self, op: Operation, kind: str, payload: Any) -> None:
        """Worker thread: queue one event of `op` for the GUI thread (and keep it for
        finish_early)."""
        op._emitted.append((kind, payload))
        if kind in ("succeeded", "failed"):
            op._ended.set()
        self._event.emit(op, kind, payload)

    # ---- delivery on the GUI thread -------------------------------------------------

    @Slot(object, str, object)
    def _deliver(self, op: Operation | None, kind: str, payload: Any) -> None:
        if op is not None:
            if op.done:             # delivered by finish_early
                return
            op._delivered += 1
        self._deliver_now(op, kind, payload)

    def _deliver_now(self, op: Operation | None, kind: str, payload: Any) -> None:
        if kind == "stopped":
            self.stopped.emit()
            return
        assert op is not None
        if kind == "started":
            op.running = True
            op.started_at = payload
            self._current = op
            op.started.emit()
            self.operationStarted.emit(op)
            return
        if kind == "progress":
            if op._on_progress is not None:
                self._call(op, op._on_progress, payload)
            op.progressed.emit(payload)
            self.operationProgress.emit(op, payload)
            return
        op.running = False
        op.done = True
        op._emitted = []
        op.finished_at = time.monotonic()
        if op.started_at is None:
            op.started_at = op.finished_at
        if self._current is op:
            self._current = None
        ok = kind == "succeeded"
        op.ok = ok
        if ok:
            op.result = payload
            if op._on_success is not None:
                self._call(op, op._on_success, payload)
        else:
            op.error = payload
            if op._on_failure is not None:
                self._call(op, op._on_failure, payload)
        self._outstanding.remove(op)
        self.last_finished = op
        op.finished.emit(ok)
        self.operationFinished.emit(op)
        if not self._outstanding:
            self.busyChanged.emit(False)

    @staticmethod
    def _call(op: Operation, callback: Callable[[Any], object], value: Any) -> None:
        try:
            callback(value)
        except Exception:
            # A bug in a GUI callback must not leave the runner's book-keeping broken.
            log.error("bug in a callback of %r", op.label, exc_info=True)
