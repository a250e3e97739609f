"""Rollback as the GUI runs it: both ways back with their costs (read only), and the
downgrade or restore itself, on the open database's worker.

The plan is the core's rollback plan turned into what the dialog shows; the runs
call the core's services (backup first, one transaction, verify, audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wsadmin.ui.format import plural
from wsadmin.ui.ops.backups import Check, Verdict
from wsadmin.ui.ops.core import CancelToken

DOWNGRADE, RESTORE = "downgrade", "restore"


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

