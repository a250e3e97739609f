"""`DbOp[T]`: one typed call on a database's worker, and `Change`: what it changed.

The pattern of Anki's CollectionOp/QueryOp: a view builds an op around a plain
function of the core, says what to do with its result, and hands it to the
session, which runs it on the open database's worker::

    op = DbOp(create_backup_now, str(path), label=f"Back up {path.name}",
              changes=Change.BACKUPS | Change.AUDIT)
    session.run(op.progress(show_step).cancellable().success(done).failure(failed))

* `success(fn)`, `failure(fn)`, `progress(fn)` are called on the GUI thread, in
  that order of events; they can be added after `run` too (a callback added
  once the op is done is called at once). An op with no failure callback has
  its failure reported by the session (`Session.errorOccurred`).
* `progress(...)` passes `progress=<callable(Step)>` to the function,
  `cancellable()` passes `cancel=<CancelToken>`; `cancel()` asks it to stop
  where that is safe, or not to start.
* `changes` makes it a *write*: while it is queued or running the session says
  it is writing (and views disable their own changes); when it has ended, well
  or not, the session re-reads what it may have changed and emits
  `changed(changes)`, so every view and dialog shows the same state.
* `quiet()` keeps a routine read out of the session log unless it fails;
  `describe(fn)` words the result for the log ("Verified", "FAILED: ...").

The function never touches widgets: it runs on the worker thread.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from wsadmin.ui.ops.core import Step
    from wsadmin.ui.ops.runner import DbRunner, Operation

T = TypeVar("T")


class Change(enum.Flag):
    """What an operation may have changed; views repaint what they show of it."""

    NOTHING = 0
    STATUS = enum.auto()      # schema, revision, row counts, the file (the Status)
    BACKUPS = enum.auto()     # backup files, or what is known about them (verification)
    AUDIT = enum.auto()       # the database's audit log
    DATA = enum.auto()        # rows (the editors)
    DATABASE = enum.auto()    # another database was opened, or it was closed
    HEALTH = enum.auto()      # a new health report (session.health), or a run failed


EVERYTHING = Change.STATUS | Change.BACKUPS | Change.AUDIT | Change.DATA


class DbOp(Generic[T]):
    def __init__(self, fn: Callable[..., T], *args: Any, label: str,
                 changes: Change = Change.NOTHING, **kwargs: Any) -> None:
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.label = label
        self.changes = changes
        self.operation: Operation | None = None
        self._success: list[Callable[[T], object]] = []
        self._failure: list[Callable[[BaseException], object]] = []
        self._progress: list[Callable[[Step], object]] = []
        self._ended: list[Callable[[DbOp[T]], object]] = []
        self._with_progress = False
        self._with_cancel = False
        self._quiet = False
        self._describe: Callable[[T], str] | None = None
        self._noteworthy: Callable[[T], bool] | None = None

    # ---- building -------------------------------------------------------------------

    def success(self, fn: Callable[[T], object]) -> DbOp[T]:
        self._success.append(fn)
        if self.done and self.ok:
            fn(self.result)
        return self

    def failure(self, fn: Callable[[BaseException], object]) -> DbOp[T]:
        self._failure.append(fn)
        if self.done and not self.ok and self.error is not None:
            fn(self.error)
        return self

    def progress(self, fn: Callable[[Step], object]) -> DbOp[T]:
        if self.operation is not None and not self._with_progress:
            raise RuntimeError("progress() after run() of an op that reports none")
        self._with_progress = True
        self._progress.append(fn)
        return self

    def cancellable(self) -> DbOp[T]:
        if self.operation is not None:
            raise RuntimeError("cancellable() must come before run()")
        self._with_cancel = True
        return self

    def quiet(self) -> DbOp[T]:
        self._quiet = True
        return self

    def describe(self, fn: Callable[[T], str],
                 noteworthy: Callable[[T], bool] | None = None) -> DbOp[T]:
        """Word the result for the log; `noteworthy(result)` logs it even when quiet."""
        self._describe, self._noteworthy = fn, noteworthy
        return self

    def ended(self, fn: Callable[[DbOp[T]], object]) -> DbOp[T]:
        """Called after the success or failure callbacks (the session's book-keeping)."""
        self._ended.append(fn)
        if self.done:
            fn(self)
        return self

    @property
    def handles_failure(self) -> bool:
        return bool(self._failure)

    @property
    def writes(self) -> bool:
        return bool(self.changes)

    # ---- running --------------------------------------------------------------------

    def submit(self, runner: DbRunner) -> DbOp[T]:
        """Queue on `runner` (the session does this; start-up code may, for a runner it
        hands over to a session)."""
        if self.operation is not None:
            raise RuntimeError(f"{self.label!r} was already run")
        self.operation = runner.submit(
            self.fn, *self.args, label=self.label, on_success=self._succeeded,
            on_failure=self._failed, on_progress=self._progressed if self._with_progress
            else None, with_progress=self._with_progress, with_cancel=self._with_cancel,
            **self.kwargs)
        self.operation.quiet = self._quiet
        return self

    def cancel(self) -> None:
        if self.operation is not None:
            self.operation.cancel()

    def _succeeded(self, result: T) -> None:
        op = self.operation
        assert op is not None
        try:
            if self._describe is not None:
                op.summary = self._describe(result)
                op.noteworthy = bool(self._noteworthy and self._noteworthy(result))
            for fn in self._success:
                fn(result)
        finally:        # a bug in a callback must not leave the session's books open
            self._end()

    def _failed(self, exc: BaseException) -> None:
        try:
            for fn in self._failure:
                fn(exc)
        finally:
            self._end()

    def _progressed(self, step: Step) -> None:
        for fn in self._progress:
            fn(step)

    def _end(self) -> None:
        for fn in self._ended:
            fn(self)

    # ---- state ----------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.operation is not None and self.operation.done

    @property
    def running(self) -> bool:
        return self.operation is not None and self.operation.running

    @property
    def ok(self) -> bool:
        return self.operation is not None and self.operation.done \
            and self.operation.ok is True

    @property
    def result(self) -> T:
        if not self.ok:
            raise RuntimeError(f"{self.label!r} has no result: "
                               + ("it failed" if self.done else "it has not ended"))
        assert self.operation is not None
        return self.operation.result  # type: ignore[no-any-return]

    @property
    def error(self) -> BaseException | None:
        return None if self.operation is None else self.operation.error

    @property
    def runner(self) -> DbRunner:
        assert self.operation is not None, "not run yet"
        return self.operation.runner

    def __repr__(self) -> str:
        return f"<DbOp {self.label!r} done={self.done} ok={self.ok if self.done else None}>"
