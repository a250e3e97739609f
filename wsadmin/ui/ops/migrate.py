"""Upgrade, adopt, repair and initialise as the GUI runs them: one plan (read only)
and one run for the four, on a worker.

The plan is the pipeline's dry run for the action (`preflight.plan(path,
action)`), plus what the plan dialog says in words: the state the database is
in and what the backend does with it, what adopt or repair records, which
tables a repair drops. The run is the pipeline (`pipeline.run(path, action)`):
backup first, one transaction, verify, restore on failure, audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wsadmin.ui.format import human_size
from wsadmin.ui.ops.backups import default_folder
from wsadmin.ui.ops.core import CancelToken, Refused, Status
from wsadmin.ui.ops.offers import ADOPT, REPAIR, UPGRADE


@dataclass
class Finding:
    kind: str            # "ok" | "note" | "problem"
    text: str
    hint: str = ""

    @property
    def ok(self) -> bool:
        return self.kind != "problem"


@dataclass
class ChangePlan:
    """What the plan page of an upgrade, adoption, repair or initialisation shows."""

    path: str
    action: str
    state: str                # the state id; "missing" for a file that does not exist yet
    summary: str              # the state in words ("" for a new file)
    symptom: str              # what the backend does with the database now
    current: str | None
    target: str | None
    revisions: list[str]
    backup_path: str          # the name the backup would have now ("" for a new file)
    backup_dir: str           # where the run writes it: the same folder
    counts: dict[str, int]
    checks: list[Finding] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)    # revision -> title
    records: str = ""         # what adopt or repair records, in words
    drops: list[str] = field(default_factory=list)          # tables a repair drops

    @property
    def blocked(self) -> bool:
        return any(not c.ok for c in self.checks)

    @property
    def new_file(self) -> bool:
        return self.state == "missing"

    @property
    def has_work(self) -> bool:
        """Something would change (an upgrade at head has nothing to do)."""
        return bool(self.steps)

REHEARSAL_STEPS = [("copy", "Rehearsal: copy the database to a temporary folder"),
                   ("rehearse-upgrade", "Rehearsal: upgrade the copy"),
                   ("rehearse-downgrade", "Rehearsal: downgrade the copy"),
                   ("rehearse-upgrade-again", "Rehearsal: upgrade the copy again"),
                   ("compare", "Rehearsal: compare every row")]


def load_plan(path: str, action: str = UPGRADE) -> ChangePlan:
    """The pipeline's dry run of `action` (changes nothing), for the backup folder the
    run uses, with the words the plan page shows."""
    from wsadmin.db.migrate import preflight
    from wsadmin.db.schema import chain
    from wsadmin.db.schema.status import inspect

    folder = default_folder(path)
    plan = preflight.plan(path, action, backup_dir=folder)
    status = None if plan.state == "missing" else inspect(path)
    checks = [_finding(f) for f in plan.findings]
    result = ChangePlan(path, action, plan.state, status.summary if status else "",
                        status.symptom if status else "", plan.from_revision,
                        plan.to_revision, list(plan.revisions), plan.backup_path or "",
                        folder, dict(plan.counts), checks,
                        [(s.id, s.label) for s in plan.steps],
                        {r.id: r.title for r in chain.REVISIONS})
    if plan.steps and plan.can_run:
        result.checks = _passed(plan, status) + checks
        result.records, result.drops = _records(action, status)
    return result


def _finding(f: Any) -> Finding:
    from wsadmin.db.common.errors import WrongAction

    hint = f.hint
    if f.error is not None and issubclass(f.error, WrongAction):
        # The core's hint names the command line; here the views offer the right action.
        hint = "the Overview and the Migrations view offer what applies to it"
    return Finding("problem" if f.blocking else "note", f.message, hint)


def _passed(plan: Any, status: Status | None) -> list[Finding]:
    """What preflight checked and found in order, for the plan page."""
    from wsadmin.db.common.errors import DiskFull, InUse

    kinds = [f.error for f in plan.findings if f.error is not None]
    if status is None:
        ok = [Finding("ok", f"No file at {plan.database} yet: it is created")]
    else:
        state = status.state.value.replace("_", " ")
        ok = [Finding("ok", f"The database is in a state wsadmin knows how to change "
                            f"({state}; revision recorded: "
                            f"{plan.from_revision or 'none'})")]
        if not any(issubclass(k, InUse) for k in kinds):
            ok.append(Finding("ok", "No other program has the database open"))
    if plan.free_bytes is not None and not any(issubclass(k, DiskFull) for k in kinds):
        size = f"; the database is {human_size(plan.size)}" if status is not None else ""
        ok.append(Finding("ok", f"Enough free disk space ({human_size(plan.free_bytes)} "
                                f"free{size})"))
    return ok


def _records(action: str, status: Status | None) -> tuple[str, list[str]]:
    """What adopt or repair records in alembic_version, and the tables a repair drops."""
    from wsadmin.db.migrate.prepare import tables_repair_drops
    from wsadmin.db.schema import chain

    if status is None or action not in (ADOPT, REPAIR):
        return "", []
    if action == ADOPT:
        return f"revision {status.head} (head), as the schema already is", []
    drops = tables_repair_drops(status)
    found = status.highest_present
    if found is None or status.state.value == "half_initialised":
        records = "no revision: the file starts again from empty"
    elif found == chain.BASE:
        records = "no revision: the schema is legacy (before 001)"
    else:
        records = f"revision {found} ({chain.revision(found).title}), where the schema is"
    if status.current_revision and status.current_revision != found:
        records += f", instead of {status.current_revision}"
    return records, drops


def run_change(path: str, action: str, backup_dir: str, *, rehearse: bool = False,
               progress: Any = None, cancel: CancelToken | None = None) -> Any:
    """Optionally (an upgrade only) the rehearsal on a copy, then the pipeline for
    `action`, backing up into `backup_dir` (the plan's folder). Returns its result."""
    from wsadmin.db.migrate import pipeline
    from wsadmin.db.migrate.rehearse import rehearse as rehearse_copy

    if rehearse and action == UPGRADE:
        result = rehearse_copy(path, progress=progress)
        if not result.ok:
            raise Refused("the rehearsal on a copy did not preserve every row: "
                          + "; ".join(result.differences[:3]),
                          "your database was not touched")
        if cancel is not None:
            cancel.raise_if_cancelled()
    return pipeline.run(path, action, progress=progress, cancel=cancel,
                        backup_dir=backup_dir)


def pipeline_backup(result: Any) -> list[str]:
    """The backup a pipeline run wrote and verified (for the catalog)."""
    backup = getattr(result, "backup", None)
    return [str(backup.path)] if backup is not None else []
