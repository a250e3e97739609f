"""Upgrade and rollback as the GUI runs them: plans (read only) and runs, on the worker.

The plans are the core's dry runs turned into what the dialogs show; the runs
call the core's pipelines (backup first, one transaction, verify, restore on
failure, audited). Each function runs on the open database's worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wsadmin.ui.format import human_size, plural
from wsadmin.ui.ops.backups import Check, Verdict, default_folder
from wsadmin.ui.ops.core import CancelToken, Refused

DOWNGRADE, RESTORE = "downgrade", "restore"


# ---- upgrade -------------------------------------------------------------------------------

@dataclass
class Finding:
    kind: str            # "ok" | "note" | "problem"
    text: str
    hint: str = ""

    @property
    def ok(self) -> bool:
        return self.kind != "problem"


@dataclass
class UpgradePlan:
    """What the upgrade's confirmation page shows, from the pipeline's dry run."""

    path: str
    current: str | None
    target: str | None
    revisions: list[str]
    backup_path: str          # the name the backup would have now, in `backup_dir`
    backup_dir: str           # where the run writes it: the same folder
    counts: dict[str, int]
    checks: list[Finding] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)    # revision -> title

    @property
    def blocked(self) -> bool:
        return any(not c.ok for c in self.checks)


REHEARSAL_STEPS = [("copy", "Rehearsal: copy the database to a temporary folder"),
                   ("rehearse-upgrade", "Rehearsal: upgrade the copy"),
                   ("rehearse-downgrade", "Rehearsal: downgrade the copy"),
                   ("rehearse-upgrade-again", "Rehearsal: upgrade the copy again"),
                   ("compare", "Rehearsal: compare every row")]


def load_upgrade_plan(path: str) -> UpgradePlan:
    """The pipeline's dry run (changes nothing), for the backup folder the run uses."""
    from wsadmin.db.common.errors import DiskFull, InUse
    from wsadmin.db.migrate import preflight
    from wsadmin.db.schema import chain

    folder = default_folder(path)
    plan = preflight.plan(path, "upgrade", backup_dir=folder)
    checks = [Finding("problem" if f.blocking else "note", f.message, f.hint)
              for f in plan.findings]
    if plan.revisions and plan.can_run:
        kinds = [f.error for f in plan.findings if f.error is not None]
        ok = [Finding("ok", "The database is at a revision this tool knows "
                            f"({plan.from_revision or 'legacy, before 001'})")]
        if not any(issubclass(k, InUse) for k in kinds):
            ok.append(Finding("ok", "No other program has the database open"))
        if plan.free_bytes is not None and not any(issubclass(k, DiskFull) for k in kinds):
            ok.append(Finding("ok", f"Enough free disk space ({human_size(plan.free_bytes)} "
                                    f"free; the database is {human_size(plan.size)})"))
        checks = ok + checks
    return UpgradePlan(path, plan.from_revision, plan.to_revision, list(plan.revisions),
                       plan.backup_path or "", folder, dict(plan.counts), checks,
                       [(s.id, s.label) for s in plan.steps],
                       {r.id: r.title for r in chain.REVISIONS})


def run_upgrade(path: str, backup_dir: str, *, rehearse: bool = False, progress: Any = None,
                cancel: CancelToken | None = None) -> Any:
    """Optionally the rehearsal on a copy, then the pipeline, backing up into
    `backup_dir` (the plan's folder). Returns the pipeline's result."""
    from wsadmin.db.migrate import pipeline
    from wsadmin.db.migrate.rehearse import rehearse as rehearse_copy

    if rehearse:
        result = rehearse_copy(path, progress=progress)
        if not result.ok:
            raise Refused("the rehearsal on a copy did not preserve every row: "
                          + "; ".join(result.differences[:3]),
                          "your database was not touched")
        if cancel is not None:
            cancel.raise_if_cancelled()
    return pipeline.run(path, "upgrade", progress=progress, cancel=cancel,
                            backup_dir=backup_dir)


def pipeline_backup(result: Any) -> list[str]:
    """The backup a pipeline run wrote and verified (for the catalog)."""
    backup = getattr(result, "backup", None)
    return [str(backup.path)] if backup is not None else []


# ---- rollback ------------------------------------------------------------------------------

@dataclass
class RestoreChoice:
    """One backup offered for restoring, verified, with what restoring it undoes."""

    path: str
    revision: str | None
    verdict: Verdict
    changes: list[str]             # "users: 480 now, 500 in the backup (+20)" ...
    pre_upgrade: bool              # taken by the last upgrade

    @property
    def verified(self) -> bool:
        return self.verdict.check is Check.VERIFIED


@dataclass
class RollbackPlan:
    """What the rollback dialog shows, from wsadmin.db.migrate.rollback.plan_rollback."""

    path: str
    current: str | None
    downgrade_to: str | None       # None: before 001
    can_downgrade: bool
    downgrade_reason: str          # why not, when it cannot
    downgrade_discards: dict[str, int]
    downgrade_notes: list[str]
    needs_accept_loss: bool        # the downgrade would delete data older than the revision
    chosen: RestoreChoice | None   # the backup the service would restore
    recommended: str               # DOWNGRADE | RESTORE | ""
    why: str = ""                  # why that one is recommended


def _choice(opt: Any) -> RestoreChoice:
    path = Path(opt.path)
    try:
        st = path.stat()
        stamp = (st.st_size, st.st_mtime_ns)
    except OSError:
        stamp = (0, 0)
    check = Check.VERIFIED if opt.verified else Check.FAILED
    return RestoreChoice(opt.path, opt.revision, Verdict(opt.path, check, tuple(opt.problems),
                                                         stamp),
                         restore_changes(opt.backup_counts, opt.current_counts),
                         bool(opt.pre_upgrade))


def restore_changes(backup: dict[str, int], now: dict[str, int]) -> list[str]:
    """What restoring a backup undoes, table by table ("users: 480 now, 500 in the backup
    (+20)"); tables with the same count are left out."""
    out: list[str] = []
    for table in sorted((set(backup) | set(now)) - {"alembic_version"}):
        here, there = now.get(table), backup.get(table)
        if here == there:
            continue
        if there is None:
            out.append(f"{table}: {plural(here or 0, 'row')} now; the backup has no such "
                       "table (restoring removes it)")
        elif here is None:
            out.append(f"{table}: not in the database now, {plural(there, 'row')} in the "
                       "backup")
        else:
            out.append(f"{table}: {here:,} now, {there:,} in the backup ({there - here:+,})")
    return out


def load_rollback_plan(path: str, backup: str | None = None) -> RollbackPlan:
    """Both ways back with their costs (reads only; verifies the backup it picks)."""
    from wsadmin.db.migrate import rollback

    plan = rollback.plan_rollback(path, backup)
    cost = plan.downgrade.cost
    chosen = _choice(plan.restore) if plan.restore is not None else None
    return RollbackPlan(
        path, plan.current_revision, cost.target if cost is not None else None,
        plan.downgrade.available and cost is not None, plan.downgrade.reason,
        {k: v for k, v in cost.discards.items() if v} if cost is not None else {},
        list(cost.notes) if cost is not None else [],
        bool(cost is not None and cost.reused_default), chosen, plan.recommended, plan.why)


def load_restore_choice(path: str, backup: str) -> RestoreChoice:
    """Verify one backup and compare it with the database (reads only)."""
    from wsadmin.db.migrate import rollback

    plan = rollback.plan_rollback(path, backup)
    assert plan.restore is not None
    return _choice(plan.restore)


def run_downgrade(path: str, *, accept_loss: bool = False, progress: Any = None,
                  cancel: CancelToken | None = None) -> Any:
    from wsadmin.db.migrate import rollback

    return rollback.downgrade_one(path, accept_loss=accept_loss, progress=progress,
                                  cancel=cancel)


def run_restore(path: str, backup: str, *, progress: Any = None,
                cancel: CancelToken | None = None) -> Any:
    from wsadmin.db.migrate import rollback

    return rollback.restore(path, backup, progress=progress, cancel=cancel)


def restore_backups(result: Any) -> list[str]:
    """The safety backup a restore wrote and verified (for the catalog)."""
    safety = getattr(result, "safety_backup", None)
    return [str(safety.path)] if safety is not None else []

