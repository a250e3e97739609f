"""The open database of a window: its runner, path, status and backups, and `changed`.

Views and dialogs talk to the session, never to the window (Anki's
`operation_did_execute`, cut down):

* `run(DbOp(...))` runs a call on the open database's worker (wsadmin.ui.ops.op).
  A *write* op (one with `changes`) makes `writing` true until it ends; then the
  session re-reads what it may have changed and emits `changed(changes)`.
  `run_aside(op)`: on a runner of its own, for a file that is not the open one.
* `changed(Change)` after every operation, on F5 (`refresh()`), when the file
  changes on disk and when files appear in the backup folders: each view repaints
  what it shows of `status`, `problem`, `catalog` (backups), `health` (last checks).
* `opened`, `closed`, `openFailed`, `openingChanged`, `errorOccurred`, `operation*`;
  `settle()` returns once nothing is queued or running and every result is delivered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from wsadmin.ui.ops.backups import CatalogRead, Verdict, read_catalog
from wsadmin.ui.ops.catalog import CatalogKeeper
from wsadmin.ui.ops.core import Status, WsadminError, inspect
from wsadmin.ui.ops.health import HealthKeeper
from wsadmin.ui.ops.op import Change, DbOp
from wsadmin.ui.ops.opening import start_opening
from wsadmin.ui.ops.runner import DbRunner, Operation
from wsadmin.ui.ops.watch import DiskWatch
from wsadmin.ui.settings import Settings

T = TypeVar("T")
REREAD = Change.STATUS | Change.BACKUPS | Change.AUDIT


class Session(QObject):
    opened = Signal(str)
    closed = Signal()
    openFailed = Signal(object)             # the exception; the open database stays
    openingChanged = Signal(bool)
    changed = Signal(object)                # Change
    busyChanged = Signal(bool)
    writingChanged = Signal(bool)
    errorOccurred = Signal(object, str)     # exception, title
    operationStarted = Signal(object)       # Operation
    operationProgress = Signal(object, object)
    operationFinished = Signal(object)

    def __init__(self, settings: Settings | None = None, parent: QObject | None = None, *,
                 background: bool = True, watch_files: bool = True) -> None:
        """`background=False` (a quick start): the backup catalog, its checks and the recent
        databases wait for `start_background()`."""
        super().__init__(parent)
        self.settings = settings
        self.path: Path | None = None
        self.status: Status | None = None
        self.problem: BaseException | None = None     # why the last re-read failed
        self.catalog = CatalogKeeper(self.run, lambda: self.changed.emit(Change.BACKUPS))
        self.catalog.active = background
        self.health = HealthKeeper(self)         # the last health report (ops.health)
        self.opening_path: Path | None = None
        self._runner: DbRunner | None = None
        self._opening: DbOp[Status] | None = None
        self._building: DbOp[Path] | None = None
        self._side: list[DbRunner] = []   # runs aside, closed databases' runners draining
        self._writes: list[DbOp[Any]] = []
        self._queued = Change.NOTHING            # re-reads waiting for the worker
        self._busy = False
        self._when_idle: list[Callable[[], object]] = []
        self.disk = DiskWatch(lambda: self._auto(Change.STATUS),
                              lambda: self._auto(Change.BACKUPS), self)
        self.disk.set_enabled(watch_files)

    # ---- state ------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._runner is not None       # the runner exists once the status is known

    @property
    def busy(self) -> bool:      # an operation is queued or running on the open database
        return self._runner is not None and self._runner.busy

    @property
    def writing(self) -> bool:
        """A change to the database is queued or running: views disable their own."""
        return bool(self._writes)

    @property
    def opening(self) -> bool:
        return self._opening is not None or self._building is not None

    @property
    def current(self) -> Operation | None:
        return self._runner.current if self._runner else None

    def _runners(self) -> list[DbRunner]:
        opening = self._opening.runner if self._opening else None
        return [r for r in (self._runner, opening, *self._side) if r is not None]

    @property
    def busy_anywhere(self) -> bool:
        """Something is queued or running on any runner (closing must wait for it)."""
        return any(r.busy for r in self._runners())

    def pending_labels(self) -> list[str]:
        """What is queued or running, in the operator's words (routine reads left out)."""
        return [op.label for r in self._runners() for op in r.operations if not op.quiet]

    # ---- opening and closing --------------------------------------------------------------

    def open(self, path: str | Path, started: DbOp[Status] | None = None
             ) -> DbOp[Status] | None:
        """Inspect `path` on a new runner: `opened` and `changed`, or `openFailed` (and
        the open database stays). `started`: that inspection, submitted already with
        ops.opening.start_opening. None while another opening is under way."""
        if self.opening:
            return None
        target = Path(path).expanduser()
        op = started or start_opening(target)
        runner = op.runner
        runner.setParent(self)
        self._follow(runner)
        self._opening = op
        self.opening_path = target
        self.openingChanged.emit(True)
        op.success(lambda status: self._opened(runner, target, status))
        op.failure(lambda exc: self._open_failed(runner, exc))
        return op

    def finish_opening_early(self, timeout_ms: int) -> bool:
        """Start-up, before the event loop runs: see DbRunner.finish_early."""
        op = self._opening
        if op is None or op.operation is None:
            return False
        return op.runner.finish_early(op.operation, timeout_ms)

    def _opened(self, runner: DbRunner, path: Path, status: Status) -> None:
        self._opening, self.opening_path = None, None
        if self._runner is not None:
            self._let_go()
        self._runner, self.path, self.status, self.problem = runner, path, status, None
        self.catalog.clear()
        self.disk.follow(path, ())
        self._remember(status, first=True)
        self.openingChanged.emit(False)
        self.opened.emit(str(path))
        self.changed.emit(Change.DATABASE | Change.STATUS | Change.AUDIT)
        if self.catalog.active:
            self._read(Change.BACKUPS, quiet=True)

    def _open_failed(self, runner: DbRunner, exc: BaseException) -> None:
        self._opening, self.opening_path = None, None
        self._retire(runner)
        self.openingChanged.emit(False)
        self.openFailed.emit(exc)

    def close(self) -> bool:
        """`closed`, `changed`; refused (False) while an operation runs on the database."""
        if self._runner is None:
            return True
        if self._runner.busy:
            return False
        self._let_go()
        self.path = self.status = self.problem = None
        self.catalog.clear()
        self.closed.emit()
        self.changed.emit(Change.DATABASE | Change.STATUS | Change.BACKUPS | Change.AUDIT)
        return True

    def _let_go(self) -> None:
        runner, self._runner = self._runner, None
        self.disk.stop()
        self._queued = Change.NOTHING
        if runner is not None:
            self._retire(runner)
        self._busy_changed()

    def _retire(self, runner: DbRunner) -> None:
        """Stop `runner` once its queue has drained; a busy one is kept until then."""

        def ended() -> None:
            if runner in self._side:
                self._side.remove(runner)
            runner.shutdown()
            runner.deleteLater()

        runner.request_stop()
        if not runner.busy:
            ended()
            return
        if runner not in self._side:
            self._side.append(runner)
        runner.stopped.connect(ended)

    def create_demo(self, path: str, users: int, state: str) -> DbOp[Path]:
        """Build a demo database on a runner of its own, then open it."""
        from wsadmin.ui.ops.misc import build_demo

        def ended(op: DbOp[Path]) -> None:
            self._building = None
            self.openingChanged.emit(False)
            if op.ok:
                self.open(op.result)

        op = DbOp(build_demo, path, users, state, label=f"Create demo {Path(path).name}")
        self._building = self.run_aside(op.ended(ended))
        self.openingChanged.emit(True)
        return op

    def run_aside(self, op: DbOp[T]) -> DbOp[T]:
        """Run `op` on a runner of its own, for a file that is not the open database (a
        demo, a new database to initialise); `settle()` and closing wait for it too."""
        runner = DbRunner(self)
        self._follow(runner)
        self._side.append(runner)
        op.ended(lambda _op: self._retire(runner))
        return op.submit(runner)

    # ---- running operations -----------------------------------------------------------

    def run(self, op: DbOp[T]) -> DbOp[T]:
        """Run `op` on the open database's worker (see the module docstring)."""
        runner = self._runner
        if runner is None:
            raise RuntimeError("no database is open")
        if op.writes:
            self._writes.append(op)
            if len(self._writes) == 1:
                self.writingChanged.emit(True)
        op.ended(lambda done: self._ended(runner, done))
        return op.submit(runner)

    def _ended(self, runner: DbRunner, op: DbOp[Any]) -> None:
        if not op.ok and not op.handles_failure and op.error is not None:
            self.errorOccurred.emit(op.error, "")
        if op in self._writes:
            self._writes.remove(op)
            if not self._writes:
                self.writingChanged.emit(False)
        if op.writes and runner is self._runner:
            self._read(op.changes | Change.AUDIT, quiet=True)

    def note_written_backups(self, paths: list[str]) -> None:
        """Backups an op wrote and verified: the next catalog read marks them verified."""
        self.catalog.fresh.extend(paths)

    def shutdown(self) -> None:
        """Let every runner's thread end once its queue has drained (the window goes)."""
        for runner in self._runners():
            runner.request_stop()

    def when_idle(self, fn: Callable[[], object]) -> None:
        """Call `fn` once nothing is queued or running on any runner (now if so)."""
        if self.busy_anywhere:
            self._when_idle.append(fn)
        else:
            fn()

    def settle(self, timeout_ms: int = 30_000) -> None:
        """Return once nothing is queued or running on any runner and every result has
        been delivered (a re-read waiting for a burst of file changes runs now). Raises
        TimeoutError. Outside the event loop only: tests, scripts."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            self.disk.flush()
            busy = [r for r in self._runners() if r.busy]
            if not busy:
                return
            for runner in busy:
                left = int((deadline - time.monotonic()) * 1000)
                if left <= 0 or not runner.wait_idle(left):
                    raise TimeoutError("operations still running: "
                                       + ", ".join(op.label for op in runner.operations))
                runner.deliver_ended()

    # ---- re-reading ---------------------------------------------------------------------

    def refresh(self, what: Change = REREAD) -> None:
        """Read the database's status and backups again (F5); `changed` follows."""
        self._read(what, quiet=False)

    def _read(self, what: Change, *, quiet: bool, only_changes: bool = False) -> None:
        """Re-read STATUS, BACKUPS as asked, then emit `changed(what)` once (`only_changes`:
        only the parts that differ from what was shown)."""
        runner, path = self._runner, self.path
        if runner is None or path is None:
            return
        emit = [what]
        reads: list[DbOp[Any]] = []
        if Change.STATUS in what:
            label = "Refresh status" if not quiet else "Read the status"
            reads.append(DbOp(inspect, path, label=label).success(
                lambda status: self._new_status(runner, status, emit, only_changes)
            ).failure(lambda exc: self._status_failed(runner, exc)))
        if Change.BACKUPS in what and self.catalog.active:
            fresh = self.catalog.take_fresh()
            previous = self.catalog.fingerprint if only_changes else None
            reads.append(DbOp(read_catalog, str(path), previous, fresh,
                              label="List the backups").success(
                lambda read: self._new_catalog(runner, read, emit, only_changes)))
        left = [len(reads)]

        def one_done(_op: DbOp[Any]) -> None:
            left[0] -= 1
            if left[0] == 0 and runner is self._runner and emit[0]:
                self.changed.emit(emit[0])

        for op in reads:
            if quiet:
                op.quiet()
            self.run(op.ended(one_done))
        if not reads and what:
            self.changed.emit(what)

    def _new_status(self, runner: DbRunner, status: Status, emit: list[Change],
                    only_changes: bool) -> None:
        if runner is not self._runner:
            return
        if only_changes and status == self.status and self.problem is None:
            emit[0] &= ~Change.STATUS
        self.status, self.problem = status, None
        self._remember(status)

    def _status_failed(self, runner: DbRunner, exc: BaseException) -> None:
        if runner is self._runner:
            self.problem = exc
            if not isinstance(exc, WsadminError):
                self.errorOccurred.emit(exc, "")

    def _new_catalog(self, runner: DbRunner, read: CatalogRead, emit: list[Change],
                     only_changes: bool) -> None:
        if runner is not self._runner:
            return
        if not self.catalog.apply(read) and only_changes:
            emit[0] &= ~Change.BACKUPS
        self.disk.follow(self.path, read.folders)
        self.catalog.verify_next()

    # ---- verification, and the background work of a quick start ---------------------------

    def verify(self, path: str) -> DbOp[Verdict]:      # now; catalog and `changed` follow
        return self.catalog.verify(path)

    def note_verdicts(self, verdicts: list[Verdict]) -> None:
        """What another operation found out verifying backups: the catalog learns it."""
        if self._runner is not None:
            self.catalog.learn(verdicts)

    def start_background(self) -> None:
        """After a quick start's first frame: backups, their checks, recent databases."""
        if self.catalog.active:
            return
        self.catalog.active = True
        if self.status is not None:
            self._remember(self.status, first=True)
            self._read(Change.BACKUPS, quiet=True)

    def _remember(self, status: Status, first: bool = False) -> None:
        if self.settings is None or not self.catalog.active:
            return
        remember = self.settings.add_recent if first else self.settings.update_recent
        remember(status.path, status.current_revision, status.state.value)

    # ---- following runners and files ----------------------------------------------------

    def _follow(self, runner: DbRunner) -> None:
        runner.operationStarted.connect(self.operationStarted)
        runner.operationProgress.connect(self.operationProgress)
        runner.operationFinished.connect(self.operationFinished)
        runner.busyChanged.connect(self._busy_changed)

    def _busy_changed(self, *_args: object) -> None:
        busy = self.busy
        if busy != self._busy:
            self._busy = busy
            self.busyChanged.emit(busy)
        if not busy and self._queued:
            what, self._queued = self._queued, Change.NOTHING
            self._read(what, quiet=True, only_changes=True)
        if not self.busy_anywhere:
            waiting, self._when_idle = self._when_idle, []
            for fn in waiting:
                fn()

    def _auto(self, what: Change) -> None:
        if self._runner is None:
            return
        if self._runner.busy:
            self._queued |= what          # once the running operation is over
        else:
            self._read(what, quiet=True, only_changes=True)

    def watch_files(self, on: bool) -> None:      # follow the files on disk (on by default)
        self.disk.set_enabled(on)

