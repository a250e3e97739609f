"""Running the checklist: start or resume a run, run a step, record the operator's
part, finish, roll back, and the rehearsal on a temporary copy.

The state is written atomically before a step starts (marked running) and after
it ends, so a run killed at any point is found again (state.unfinished). On
resume a step found running was interrupted: for "Run migrations" the
database itself says whether the change committed (it is at head and the audit
log has its outcome) and a completed change is never run again; otherwise
SQLite rolled the change back whole and it may run again.
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wsadmin.db.checklist import findings, state, steps
from wsadmin.db.checklist.context import Context
from wsadmin.db.checklist.decision import Decision, decide
from wsadmin.db.checklist.logs import LogScan
from wsadmin.db.checklist.model import Status, StepRecord, StepResult, now
from wsadmin.db.checklist.state import RunState
from wsadmin.db.common import audit
from wsadmin.db.common.errors import ForeignDatabase, Refused, WsadminError
from wsadmin.db.common.progress import (
    Cancelled,
    CancelToken,
    ProgressCallback,
    Reporter,
    StepState,
)
from wsadmin.db.health.apply import apply_fix
from wsadmin.db.migrate import rollback as rollback_service
from wsadmin.db.schema.status import MISSING, inspect
from wsadmin.db.sqlite.integrity import copy_to_scratch


def snapshot(db: str | Path) -> dict[str, Any]:
    """State, revision and row counts per table (no rows, no secrets)."""
    path = Path(db)
    if not path.exists():
        return {"state": MISSING, "revision": None, "counts": {}, "summary": "no file"}
    st = inspect(path)
    return {"state": st.state.value, "revision": st.current_revision,
            "counts": dict(st.counts), "summary": st.summary}


class Checklist:
    """One run of the checklist on one database."""

    def __init__(self, run: RunState, *, persist: bool = True,
                 backup_dir: str | Path | None = None, workdir: str | Path | None = None
                 ) -> None:
        self.state = run
        self.db = Path(run.database)
        self.persist = persist
        self.backup_dir = Path(backup_dir) if backup_dir is not None else None
        self.workdir = Path(workdir) if workdir is not None else None

    # ---- starting ------------------------------------------------------------------

    @classmethod
    def start(cls, db: str | Path, *, decision: Decision | None = None, persist: bool = True,
              backup_dir: str | Path | None = None, backend_url: str | None = None,
              log_file: str | None = None) -> Checklist:
        path = Path(db).absolute()
        found = decision or decide(path)
        run = RunState(str(path.resolve()), found, snapshot(path),
                       {s.id: StepRecord(s.id) for s in steps.STEPS},
                       backend_url=state.safe_url(backend_url) if backend_url else None,
                       log_file=log_file)
        checklist = cls(run, persist=persist, backup_dir=backup_dir)
        checklist.save()
        return checklist

    @classmethod
    def resume(cls, db: str | Path, *, backup_dir: str | Path | None = None
               ) -> Checklist | None:
        """The unfinished run of `db`, with its interrupted steps reconciled."""
        found = state.unfinished(db)
        if found is None:
            return None
        checklist = cls(found, backup_dir=backup_dir)
        checklist._reconcile()
        checklist.save()
        return checklist

    def _reconcile(self) -> None:
        for record in self.state.steps.values():
            if record.status is not Status.RUNNING:
                continue
            if record.id == steps.CHANGE_STEP and self._change_committed(record):
                record.status = Status.OK
                record.summary = ("the change completed before the interruption (the database "
                                  "is at head and the audit log has its outcome); it is not "
                                  "run again")
            else:
                record.status = Status.PENDING
                record.summary = ("interrupted before it ended"
                                  + ("; a change interrupted before its commit is rolled back "
                                     "whole by SQLite: the database is as it was"
                                     if record.id == steps.CHANGE_STEP else ""))
            record.details.append(f"found interrupted on resume, {now()}")
            record.finished = now()

    def _change_committed(self, record: StepRecord) -> bool:
        decision = self.state.decision
        if not decision.changes or not self.db.exists():
            return False
        if not inspect(self.db).up_to_date:
            return False
        for entry in audit.entries(self.db):
            if (entry.get("action") == decision.action and entry.get("outcome") == "ok"
                    and str(entry.get("time", "")) >= record.started):
                backup = entry.get("backup")
                record.data.update(outcome="completed before the interruption",
                                   backup=backup if isinstance(backup, str) else None)
                return True
        return False

    def save(self) -> None:
        if self.persist:
            state.save(self.state)

    # ---- steps ---------------------------------------------------------------------

    def context(self, progress: ProgressCallback | None, cancel: CancelToken | None
                ) -> Context:
        return Context(self.db, self.state, self.backup_dir, self.workdir, progress, cancel)

    def run_step(self, step_id: str, *, progress: ProgressCallback | None = None,
                 cancel: CancelToken | None = None) -> StepRecord:
        """Run a step's automatic part; its record is saved before and after."""
        step = steps.BY_ID[step_id]
        if step.run is None:
            raise ValueError(f"{step_id} has no automatic part")
        record = self.state.steps[step_id]
        if step_id == steps.CHANGE_STEP and record.status is Status.OK:
            return record           # never repeat a completed change
        if not self.state.unfinished:
            raise Refused("this checklist run is over", "start a new one")
        record.status, record.started = Status.RUNNING, now()
        record.attempts += 1
        self.save()
        try:
            result = step.run(self.context(progress, cancel))
        except Cancelled:
            record.status, record.summary, record.finished = Status.PENDING, "cancelled", now()
            self.save()
            raise
        except WsadminError as exc:
            result = StepResult(Status.FAILED, exc.one_line())
        except BaseException as exc:
            record.apply(StepResult(Status.FAILED, f"internal error: {type(exc).__name__}: "
                                    f"{exc}"))
            self.save()
            raise
        record.apply(result)
        self.save()
        return record

    def confirm(self, step_id: str, confirmed: bool, note: str = "") -> StepRecord:
        record = self.state.steps[step_id]
        if not steps.BY_ID[step_id].manual:
            raise ValueError(f"{step_id} has no manual part")
        record.confirmed, record.note = confirmed, note.strip()
        if not steps.BY_ID[step_id].automatic:
            record.status = Status.CONFIRMED if confirmed else Status.PENDING
            record.finished = now() if confirmed else ""
        self.save()
        return record

    def note(self, step_id: str, note: str) -> None:
        self.state.steps[step_id].note = note.strip()
        self.save()

    def accept(self, step_id: str, note: str) -> StepRecord:
        """Go on past a failed check, with the operator's reason (never past a change)."""
        record = self.state.steps[step_id]
        if not steps.BY_ID[step_id].can_go_on:
            raise Refused(f"{steps.BY_ID[step_id].title!r} cannot be skipped",
                          "retry it, roll back or abort")
        if record.status is not Status.FAILED or not note.strip():
            raise Refused("only a failed check can be accepted, and only with a note",
                          "say why in the note")
        record.status, record.note = Status.ACCEPTED, note.strip()
        self.save()
        return record

    def attach(self, step_id: str, key: str, data: dict[str, Any]) -> None:
        """A probe's or a log scan's result, kept with the step (no secret in it)."""
        self.state.steps[step_id].extra[key] = data
        self.save()

    def record_rehearsal(self, rehearsal: Rehearsal) -> None:
        self.state.rehearsal = rehearsal.to_json()
        self.save()

    def attach_scan(self, scan: LogScan) -> None:
        self.state.log_file = scan.path
        self.attach("logs", "scan", scan.to_json())

    def fix(self, step_id: str, check_id: str, fix_id: str, *,
            progress: ProgressCallback | None = None) -> dict[str, Any]:
        """Apply a health fix offered by a step (backup first, audited by the service)."""
        if fix_id not in [f for f, _t in findings.offered_fixes(check_id)]:
            raise Refused(f"{check_id} has no one-click fix {fix_id!r}")
        result = apply_fix(self.db, check_id, fix_id, backup_dir=self.backup_dir,
                           progress=progress, verify=False)
        done = {"check": check_id, "fix": fix_id, "changed": result.preview.total,
                "backup": result.backup.path if result.backup else None,
                "left": result.check_after.problems, "time": now()}
        self.state.steps[step_id].extra.setdefault("fixes", []).append(done)
        self.save()
        return done

    # ---- ending --------------------------------------------------------------------

    def finish(self, outcome: str = state.COMPLETED) -> RunState:
        """Take the after-snapshot and the health after, close every open step."""
        run = self.state
        for record in run.steps.values():
            step = steps.BY_ID[record.id]
            if not step.automatic and record.status is Status.PENDING:
                record.status = Status.NOT_CONFIRMED
            if step.manual and record.confirmed is None:
                record.confirmed = False
        run.after = snapshot(self.db)
        if run.after["state"] not in (MISSING, "empty", "foreign"):
            with contextlib.suppress(ForeignDatabase):
                run.health_after = findings.check(self.db)
        run.outcome, run.finished = outcome, now()
        self.save()
        return run

    def rollback_plan(self) -> rollback_service.RollbackPlan:
        """Both ways back, with what each loses; restoring the checklist's own backup is
        the one that undoes the whole deployment."""
        return rollback_service.plan_rollback(self.db, self.state.backup)

    def rollback(self, *, progress: ProgressCallback | None = None) -> RunState:
        if self.state.backup is None:
            raise Refused("this run took no backup to roll back to",
                          "use the Rollback dialog (`wsadmin rollback DB`)")
        plan = self.rollback_plan()
        changes = plan.restore.changes if plan.restore is not None else []
        result = rollback_service.restore(self.db, self.state.backup, progress=progress)
        safety = getattr(result, "safety_backup", None)
        self.state.rollback = {"backup": self.state.backup, "time": now(),
                               "undid": changes,
                               "safety_backup": getattr(safety, "path", None)}
        return self.finish(state.ROLLED_BACK)


@dataclass
class Rehearsal:
    ok: bool
    results: list[dict[str, Any]]
    before: dict[str, Any]
    after: dict[str, Any]
    stopped_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "results": self.results, "before": self.before,
                "after": self.after, "stopped_at": self.stopped_at}


def rehearse(db: str | Path, *, progress: ProgressCallback | None = None,
             cancel: CancelToken | None = None) -> Rehearsal:
    """Every automatic step, in order, on a temporary copy of `db` (backups into the same
    temporary folder); stops at a failed change. The real database is only read.
    `progress` hears one event as each checklist step starts and one as it ends."""
    path = Path(db)
    reporter = Reporter(progress)
    with tempfile.TemporaryDirectory(prefix="wsadmin-checklist-rehearsal-") as tmp:
        copy = Path(tmp) / path.name
        if path.exists() and path.stat().st_size:
            copy_to_scratch(path, copy)
        elif path.exists():
            copy.touch()
        run = Checklist.start(copy, persist=False, backup_dir=Path(tmp) / "backups")
        run.workdir = Path(tmp)
        results: list[dict[str, Any]] = []
        stopped: str | None = None
        for step in steps.automatic():
            if cancel is not None:
                cancel.raise_if_cancelled()
            reporter.emit(step.id, step.title, StepState.RUNNING)
            record = run.run_step(step.id, cancel=cancel)
            results.append({"id": step.id, "title": step.title, "status": record.status.value,
                            "summary": record.summary})
            reporter.emit(step.id, step.title, _STEP_STATES.get(record.status, StepState.DONE),
                          record.summary)
            if record.status is Status.FAILED and not step.can_go_on:
                stopped = step.id
                break
        ok = all(r["status"] in (Status.OK.value, Status.SKIPPED.value) for r in results)
        return Rehearsal(ok and stopped is None, results, run.state.before, snapshot(copy),
                         stopped)


_STEP_STATES = {Status.FAILED: StepState.FAILED, Status.SKIPPED: StepState.SKIPPED}
