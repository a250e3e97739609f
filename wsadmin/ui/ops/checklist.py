"""The deployment checklist as the wizard runs it: every call on the session's worker.

The wizard holds one `Checklist` (wsadmin.db.checklist.run); these functions
are the ops it submits (DbOp) and they change the checklist's state only on
the worker, one at a time. Reports are plain file writes of text the core
renders, quick enough for the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wsadmin.db.checklist import findings, probe, report, state, steps
from wsadmin.db.checklist.decision import RUNBOOK_TREE as RUNBOOK_TREE
from wsadmin.db.checklist.decision import Decision as Decision
from wsadmin.db.checklist.decision import decide
from wsadmin.db.checklist.logs import LogScan as LogScan
from wsadmin.db.checklist.logs import scan_log

# Re-exported for the wizard's widgets (they never import wsadmin.db).
from wsadmin.db.checklist.model import Phase as Phase
from wsadmin.db.checklist.model import Status as Status
from wsadmin.db.checklist.model import StepDef as StepDef
from wsadmin.db.checklist.model import StepRecord as StepRecord
from wsadmin.db.checklist.run import Checklist as Checklist
from wsadmin.db.checklist.run import Rehearsal as Rehearsal
from wsadmin.db.checklist.run import rehearse
from wsadmin.db.checklist.state import RunState as RunState
from wsadmin.ui.ops.core import CancelToken

STEPS = steps.STEPS
STEP_BY_ID = steps.BY_ID
ABORTED, ROLLED_BACK, COMPLETED = state.ABORTED, state.ROLLED_BACK, state.COMPLETED


def steps_title(step_id: str) -> str:
    return steps.BY_ID[step_id].title


@dataclass
class Opening:
    """What the wizard starts from: a decision, or an unfinished run to resume."""

    decision: Decision
    resumed: Checklist | None


def open_checklist(path: str) -> Opening:
    """An unfinished run of `path` is resumed (a completed change never runs again);
    otherwise the decision tree is evaluated. Nothing is written for a new run yet."""
    resumed = Checklist.resume(path)
    if resumed is not None:
        return Opening(resumed.state.decision, resumed)
    return Opening(decide(path), None)


def abandon_and_decide(path: str) -> Opening:
    state.abandon(path)
    return Opening(decide(path), None)


def unfinished(path: str) -> RunState | None:
    return state.unfinished(path)


def abandon(path: str) -> None:
    state.abandon(path)


def start(path: str, decision: Decision) -> Checklist:
    return Checklist.start(path, decision=decision)


def rehearse_copy(checklist: Checklist, *, progress: Any = None,
                  cancel: CancelToken | None = None) -> Rehearsal:
    result = rehearse(checklist.db, progress=progress, cancel=cancel)
    checklist.record_rehearsal(result)
    return result


def run_step(checklist: Checklist, step_id: str, *, progress: Any = None,
             cancel: CancelToken | None = None) -> StepRecord:
    return checklist.run_step(step_id, progress=progress, cancel=cancel)


def confirm(checklist: Checklist, step_id: str, confirmed: bool, note: str) -> StepRecord:
    return checklist.confirm(step_id, confirmed, note)


def note(checklist: Checklist, step_id: str, text: str) -> None:
    checklist.note(step_id, text)


def accept(checklist: Checklist, step_id: str, note: str) -> StepRecord:
    return checklist.accept(step_id, note)


def offered_fixes(check_id: str) -> list[tuple[str, str]]:
    return findings.offered_fixes(check_id)


@dataclass(frozen=True)
class FixPreview:
    text: str
    empty: bool         # nothing to change: there is nothing to apply


def preview_fix(path: str, check_id: str, fix_id: str) -> FixPreview:
    """The fix's preview in words: what it changes, how many rows (reads only)."""
    from wsadmin.db.health.apply import preview_fix as preview

    found = preview(path, check_id, fix_id, sample_limit=0)
    lines = [f"{found.title}: {found.description}"]
    lines += [f"• {s.summary} ({s.count:,} row(s))" for s in found.steps]
    lines += [f"• {n}" for n in found.notes]
    if found.empty:
        lines.append("It has nothing to change for what this check found.")
    return FixPreview("\n".join(lines), found.empty)


def apply_fix(checklist: Checklist, step_id: str, check_id: str, fix_id: str, *,
              progress: Any = None) -> dict[str, Any]:
    return checklist.fix(step_id, check_id, fix_id, progress=progress)


def probe_health(checklist: Checklist, url: str) -> str:
    try:
        found = probe.probe_health(url)
    except ValueError as exc:       # not an http(s) address: nothing was called
        return str(exc)
    checklist.state.backend_url = state.safe_url(found.base_url)
    checklist.attach("login", "health", found.to_json())
    return found.summary()


def probe_login(checklist: Checklist, url: str, username: str, password: str) -> str:
    """Log in with the test account; only status codes and counts are kept."""
    try:
        found = probe.probe_login(url, username, password)
    except ValueError as exc:
        return str(exc)
    kept = found.to_json()
    kept.pop("username", None)      # nothing the operator typed is stored
    checklist.attach("login", "login", kept)
    return found.summary()


def scan(checklist: Checklist, log_file: str) -> LogScan:
    found = scan_log(log_file)
    checklist.attach_scan(found)
    return found


def rollback_text(checklist: Checklist) -> str:
    """The rollback service's loss report for restoring this run's backup."""
    plan = checklist.rollback_plan()
    lines = [f"Restore the backup taken before the deployment: {checklist.state.backup}."]
    r = plan.restore
    if r is not None and r.path and Path(r.path).resolve() == Path(
            checklist.state.backup or "").resolve():
        lines.append("It verifies." if r.verified else "It does NOT verify: "
                     + "; ".join(r.problems))
        lines += (["Restoring it undoes:"] + [f"• {c}" for c in r.changes]) if r.changes \
            else ["The database holds the same rows as the backup: nothing is lost."]
    lines.append("The current state is backed up first (a safety backup).")
    d = plan.downgrade
    if d.available and d.cost is not None:
        lines.append(f"(The other way back, a one-revision downgrade to "
                     f"{d.cost.target or 'legacy'}, would discard: "
                     f"{d.cost.discard_text() or 'nothing'}; it does not undo the whole "
                     "deployment.)")
    return "\n".join(lines)


def rollback(checklist: Checklist, *, progress: Any = None) -> RunState:
    return checklist.rollback(progress=progress)


def finish(checklist: Checklist, outcome: str) -> RunState:
    if not checklist.state.unfinished:
        return checklist.state
    return checklist.finish(outcome)


def report_html(run: RunState) -> str:
    return report.html(run)


def write_report(run: RunState, path: str) -> Path:
    """Markdown or HTML by the file's suffix (PDF: dialogs.checklist_pdf)."""
    return report.write(run, path)
