"""Health checks as the GUI runs them: runs, fix plans and fixes, exports (on the worker),
and `HealthKeeper`, the session's last report (`session.health`).

The keeper holds the last report of the open database, when it was taken and
whether the file changed since; `run()` starts a run on the session's worker
with progress over the checks and Cancel. Views follow it through the
session's `changed(Change.HEALTH)` and, while a run is under way, its
`started` / `progressed` / `ended` signals.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QObject, Signal

from wsadmin.ui.ops.core import Cancelled, CancelToken
from wsadmin.ui.ops.op import Change, DbOp

if TYPE_CHECKING:
    import datetime as dt

    from wsadmin.db.health.apply import FixResult, Preview
    from wsadmin.db.health.diff import HealthDiff
    from wsadmin.db.health.model import HealthReport


class FileStamp(NamedTuple):
    """Size and modification time of the database and its -wal: what a report saw."""

    size: int
    mtime_ns: int
    wal_size: int
    wal_mtime_ns: int


def file_stamp(path: str | Path) -> FileStamp | None:
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return None
    try:
        wal = Path(f"{p}-wal").stat()
        wal_size, wal_mtime = wal.st_size, wal.st_mtime_ns
    except OSError:
        wal_size, wal_mtime = 0, 0
    return FileStamp(st.st_size, st.st_mtime_ns, wal_size, wal_mtime)


class HealthRun(NamedTuple):
    report: HealthReport
    when: dt.datetime
    stamp: FileStamp | None


# ---- on the worker -------------------------------------------------------------------------

def run_health(path: str, *, progress: Any = None, cancel: CancelToken | None = None
               ) -> HealthRun:
    """Every check, read-only, with a step per finished check."""
    from wsadmin.db.health.runner import run_checks

    stamp = file_stamp(path)
    report = run_checks(path, progress=progress, cancel=cancel)
    import datetime as dt

    return HealthRun(report, dt.datetime.now(dt.UTC), stamp)


class FixChoice(NamedTuple):
    """One fix a check offers (registry data: no database needed)."""

    id: str
    title: str
    description: str
    params: tuple[str, ...]
    command: str | None       # "adopt" / "repair": another action of the window


def fix_choices(check_id: str) -> list[FixChoice]:
    from wsadmin.db.health.fixes import fixes_for

    return [FixChoice(f.id, f.title, f.description, tuple(f.params), f.command)
            for f in fixes_for(check_id)]


def symptom_of(check_id: str) -> str:
    from wsadmin.db.health.export import symptom_of as symptom

    return symptom(check_id)


class FixPlan(NamedTuple):
    """What the Fix dialog shows before anything changes."""

    preview: Preview
    backup_folder: str
    backup_name: str          # the name the backup would get now


def load_fix_plan(path: str, check_id: str, fix_id: str, params: dict[str, str]) -> FixPlan:
    """The fix's preview (read-only) and the backup its apply would write first."""
    from wsadmin.db.backup.folders import default_backup_folder
    from wsadmin.db.backup.names import backup_path_for
    from wsadmin.db.health.apply import preview_fix

    preview = preview_fix(path, check_id, fix_id, params)
    folder = default_backup_folder(path)
    revision = _recorded_revision(path)
    return FixPlan(preview, str(folder), backup_path_for(Path(path), revision, folder).name)


def _recorded_revision(path: str) -> str | None:
    from wsadmin.db.schema.status import inspect

    return inspect(path).current_revision


class FixOutcome(NamedTuple):
    result: FixResult
    run: HealthRun | None          # every check, run again after the fix
    diff: HealthDiff | None        # against the report the operator fixed from
    recheck_error: str = ""        # why the checks could not run again (the fix stands)


def apply_fix_now(path: str, check_id: str, fix_id: str, params: dict[str, str],
                  backup_dir: str, before: HealthReport | None = None, *,
                  progress: Any = None, cancel: CancelToken | None = None) -> FixOutcome:
    """Back up, apply in one transaction (audited), then run every check again (once:
    the report the operator fixed from is the "before", not a fresh run)."""
    from wsadmin.db.common.errors import WsadminError
    from wsadmin.db.health.apply import apply_fix
    from wsadmin.db.health.diff import compare
    from wsadmin.db.health.runner import run_checks

    result = apply_fix(path, check_id, fix_id, params, backup_dir=backup_dir,
                       progress=progress, cancel=cancel, verify=False)
    try:
        stamp = file_stamp(path)
        after = run_checks(path, progress=progress)
    except WsadminError as exc:
        return FixOutcome(result, None, None, exc.one_line())
    import datetime as dt

    run = HealthRun(after, dt.datetime.now(dt.UTC), stamp)
    return FixOutcome(result, run, compare(before, after) if before is not None else None)


def export_report(run: HealthRun, path: str, fmt: str) -> str:
    from wsadmin.db.health.export import write_report

    return str(write_report(run.report, path, fmt, run.when))


# ---- the session's last report -------------------------------------------------------------

class HealthKeeper(QObject):
    """`session.health`: the last report of the open database and the run under way."""

    started = Signal()
    progressed = Signal(object)     # Step
    ended = Signal(bool)            # ok

    def __init__(self, session: Any) -> None:
        super().__init__(session)
        self._session = session
        self.last: HealthRun | None = None
        self.op: DbOp[HealthRun] | None = None
        self.error: BaseException | None = None      # why the last run failed
        self._for = ""                                # the database of the run under way
        session.changed.connect(self._changed)

    @property
    def report(self) -> HealthReport | None:
        return self.last.report if self.last is not None else None

    @property
    def running(self) -> bool:
        return self.op is not None

    @property
    def stale(self) -> bool:
        """The file changed since the last report was taken."""
        path = self._session.path
        return (self.last is not None and path is not None
                and file_stamp(path) != self.last.stamp)

    def run(self) -> DbOp[HealthRun] | None:
        """Run every check now (None while a run is under way or no database is open)."""
        path = self._session.path
        if self.op is not None or path is None:
            return None
        op: DbOp[HealthRun] = DbOp(run_health, str(path), label="Run the health checks")
        op.progress(self.progressed.emit).cancellable()
        op.describe(_describe, lambda r: bool(r.report.findings or r.report.errors))
        op.success(self._done).failure(self._failed)
        self.op, self.error, self._for = op, None, str(path)
        self._session.run(op)
        self.started.emit()
        self._session.changed.emit(Change.HEALTH)     # "running" on the Overview's card
        return op

    def cancel(self) -> None:
        if self.op is not None:
            self.op.cancel()

    def adopt(self, run: HealthRun) -> None:
        """A report taken elsewhere (a fix's re-check) becomes the last one."""
        self.last, self.error = run, None
        self._session.changed.emit(Change.HEALTH)

    def _current(self) -> bool:
        """The run that just ended was of the database open now (not a closed one)."""
        self.op = None
        return self._session.path is not None and str(self._session.path) == self._for

    def _done(self, run: HealthRun) -> None:
        current = self._current()
        self.ended.emit(True)
        if current:
            self.adopt(run)

    def _failed(self, exc: BaseException) -> None:
        current = self._current()
        self.ended.emit(False)
        if current:
            self.error = exc
            self._session.changed.emit(Change.HEALTH)

    def _changed(self, what: Change) -> None:
        if what & Change.DATABASE:
            self.last, self.error = None, None


def _describe(run: HealthRun) -> str:
    report = run.report
    found = len(report.findings)
    if report.errors:
        return f"{found} with findings, {len(report.errors)} could not run"
    return f"{found} with findings" if found else "no problems found"


def health_words(keeper: HealthKeeper) -> tuple[str, bool]:
    """One line for the Overview's health card, and whether it reports a problem."""
    if keeper.running:
        return "The checks are running…", False
    report = keeper.report
    if report is None:
        if keeper.error is not None and not isinstance(keeper.error, Cancelled):
            return "The checks could not run; open the health panel for why.", True
        return ("Not checked in this window yet. The health panel runs the runbook's checks "
                "(read-only) and offers a fix for what they find.", False)
    assert keeper.last is not None
    when = keeper.last.when.astimezone().strftime("%H:%M")
    stale = " The database has changed since." if keeper.stale else ""
    found = sorted(report.findings, key=lambda r: r.severity.rank)
    if not found and not report.errors:
        return f"No problems found (checked at {when}).{stale}", False
    parts = []
    if found:
        parts.append(f"{len(found)} check(s) with findings, most severe: "
                     f"{found[0].title} ({found[0].severity.value})")
    if report.errors:
        parts.append(f"{len(report.errors)} could not run")
    return "; ".join(parts) + f" (checked at {when}).{stale}", True
