"""The two ways back from a revision, and exactly what each one costs.

1. Downgrade one revision: the counts it discards (workspaces, memberships,
   users' and rows' workspace assignments), computed with the same predicates
   the downgrade uses. For 002, a REUSED `default` workspace (SCHEMA.md: one
   that existed before 002, i.e. not named `Default Workspace`, or present in
   the pre-upgrade backup) would be deleted with its older memberships: the
   plan says so and recommends restoring the pre-upgrade backup instead.
2. Restore a backup: by default the newest verified backup taken before the
   last upgrade (from the audit log, else the newest one at an older
   revision), its revision, and how the current row counts differ from it.

`plan_rollback()` only reads. `downgrade_one()` and `restore()` change the
database through the safe pipeline / restore service (backup first, audited).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from wsadmin.db.backup.catalog import list_backups
from wsadmin.db.backup.manifest import read_manifest
from wsadmin.db.backup.verify import verify_backup
from wsadmin.db.common import audit
from wsadmin.db.common.errors import Refused
from wsadmin.db.common.progress import CancelToken, ProgressCallback
from wsadmin.db.common.text import counted, printable
from wsadmin.db.schema import chain
from wsadmin.db.schema.costs import Loss, downgrade_cost
from wsadmin.db.schema.states import State
from wsadmin.db.schema.status import inspect
from wsadmin.db.sqlite.connect import connect_ro, translated_errors

DOWNGRADE, RESTORE = "downgrade", "restore"


_DEFAULT_ROWS = {"workspaces": "the workspace 'default' itself",
                 "workspace_members": "memberships of 'default'",
                 "workspace_settings": "settings of 'default'"}


def _words(loss: Loss) -> str:
    """What a count of this loss is, for `N <words>` (operator words)."""
    if loss.kind == "table":
        return f"rows of {loss.table} (the table is dropped)"
    if loss.kind == "column":
        return f"values of {loss.table}.{loss.column} (the column is dropped)"
    if loss.kind == "rows":
        return _DEFAULT_ROWS.get(loss.table, f"rows of {loss.table} in 'default'")
    return f"{loss.table} taken out of 'default'"


@dataclass
class DowngradeCost:
    """What undoing one revision discards (schema.costs, counted with the downgrade's
    own predicates), in the rollback plan's terms."""

    revision: str                           # the revision undone
    target: str | None                      # where it lands (None: legacy)
    discards: dict[str, int]                # operator words -> count
    notes: list[str]                        # e.g. a reused `default`: restore instead

    @property
    def reused_default(self) -> bool:
        return bool(self.notes)

    @property
    def lossless(self) -> bool:
        return not any(self.discards.values()) and not self.notes

    def discard_text(self) -> str:
        """`users taken out of 'default' (3), memberships of 'default' (3), ...`"""
        return ", ".join(f"{what} ({n:,})" for what, n in self.discards.items() if n)


@dataclass
class DowngradeOption:
    available: bool
    reason: str                              # why not, when not available
    cost: DowngradeCost | None


def price_downgrade(conn: Any, revision: str, pre_upgrade_backup: Path | None
                    ) -> DowngradeCost:
    cost = downgrade_cost(conn, revision, pre_upgrade_backup)
    target = chain.below(revision)
    discards: dict[str, int] = {}
    for loss in cost.losses:
        discards[_words(loss)] = discards.get(_words(loss), 0) + loss.count
    return DowngradeCost(revision, target, discards, list(cost.warnings))


def restore_changes(backup: dict[str, int], now: dict[str, int]) -> list[str]:
    """What restoring a backup undoes, table by table ("users: 480 now, 500 in the backup
    (+20)"); tables with the same count are left out."""
    out: list[str] = []
    for table in sorted((set(backup) | set(now)) - {"alembic_version"}):
        here, there = now.get(table), backup.get(table)
        if here == there:
            continue
        if there is None:
            out.append(f"{table}: {counted(here or 0, 'row')} now; the backup has no such "
                       "table (restoring removes it)")
        elif here is None:
            out.append(f"{table}: not in the database now, {counted(there, 'row')} in the "
                       "backup")
        else:
            out.append(f"{table}: {here:,} now, {there:,} in the backup ({there - here:+,})")
    return out


@dataclass
class RestoreOption:
    path: str
    revision: str | None
    created_at: str | None
    size: int
    verified: bool | None                    # None: not checked
    problems: list[str]
    pre_upgrade: bool                        # taken by the last upgrade
    backup_counts: dict[str, int]
    current_counts: dict[str, int]

    @property
    def changes(self) -> list[str]:
        """How the current database differs from the backup, table by table."""
        return restore_changes(self.backup_counts, self.current_counts)

    @property
    def label(self) -> str:
        when = (self.created_at or "unknown time").replace("T", " ").replace("+00:00", " UTC")
        return f"{when} · revision {self.revision or 'legacy'} · {self.size / 1e6:.1f} MB"


@dataclass
class RollbackPlan:
    database: str
    current_revision: str | None
    downgrade: DowngradeOption
    restore: RestoreOption | None            # the default backup to restore
    backups: list[RestoreOption]             # every candidate, newest first
    recommended: str                         # DOWNGRADE | RESTORE | ""
    why: str
    current_counts: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for opt, raw in zip([self.restore, *self.backups],
                            [data["restore"], *data["backups"]], strict=True):
            if opt is not None and raw is not None:
                raw["changes"] = opt.changes
                raw["label"] = opt.label
        if self.downgrade.cost is not None:
            data["downgrade"]["cost"]["lossless"] = self.downgrade.cost.lossless
        return data

    def explain(self) -> str:
        # Paths, revisions and problems come from the files: printable, field by field.
        lines = [printable(f"{self.database} is at revision "
                           f"{self.current_revision or 'legacy'}."),
                 "Two ways back:", ""]
        d = self.downgrade
        lines.append("1. Downgrade one revision (`wsadmin rollback DB --downgrade`)"
                     + ("  [recommended]" if self.recommended == DOWNGRADE else ""))
        if not d.available or d.cost is None:
            lines.append(f"   not possible: {printable(d.reason)}")
        else:
            c = d.cost
            lines.append(f"   undoes {c.revision} -> {c.target or 'legacy'}; a backup is taken "
                         "first.")
            if c.lossless:
                lines.append("   discards nothing.")
            else:
                lines.append("   discards: " + c.discard_text())
            lines += [f"   ! {printable(n)}" for n in c.notes]
        lines.append("")
        lines.append("2. Restore a backup (`wsadmin rollback DB --backup PATH`)"
                     + ("  [recommended]" if self.recommended == RESTORE else ""))
        r = self.restore
        if r is None:
            lines.append("   no usable backup of this database was found.")
        else:
            kind = "the backup taken before the last upgrade" if r.pre_upgrade else "backup"
            lines.append(f"   {kind}: {printable(r.path)}")
            lines.append(printable(f"   {r.label}; " + (
                "verified" if r.verified else "FAILS verification: " + "; ".join(r.problems))))
            changes = r.changes
            if changes:
                lines.append("   restoring it undoes every change since it was taken:")
                lines += [f"     {printable(c)}" for c in changes]
            else:
                lines.append("   the row counts now are the same as in the backup.")
            lines.append("   the current state is backed up first (a safety backup).")
        others = [b for b in self.backups if r is None or b.path != r.path]
        if others:
            lines.append(f"   other backups: {len(others)} (`wsadmin backups DB` lists them)")
        if self.why:
            lines += ["", f"Recommendation: {printable(self.why)}"]
        return "\n".join(lines)


# ---------------------------------------------------------------- downgrade cost


# ---------------------------------------------------------------- backups


def _candidates(db: Path) -> list[Path]:
    """The catalog's backups of `db`, plus any the audit log says an operation took
    (an upgrade run with --backup-dir may have written one elsewhere)."""
    found = {Path(e.path).resolve() for e in list_backups(db) if e.readable}
    for entry in audit.entries(db):
        b = entry.get("backup")
        if isinstance(b, str) and Path(b).is_file():
            found.add(Path(b).resolve())
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def _last_upgrade_backup(db: Path) -> str | None:
    last = audit.last_upgrade_backup(db)
    return str(last) if last is not None else None


def _option(path: Path, current_counts: dict[str, int], pre: str | None, verify: bool
            ) -> RestoreOption:
    manifest = read_manifest(path) or {}
    created = manifest.get("created_at")
    if created is None:
        created = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat(
            timespec="seconds")
    counts = dict(manifest.get("counts", {}))
    revision = manifest.get("revision")
    verified: bool | None = None
    problems: list[str] = []
    if verify:
        v = verify_backup(path)
        verified, problems = v.ok, list(v.problems)
        if v.snapshot is not None:
            counts, revision = dict(v.snapshot.counts), v.snapshot.revision
    return RestoreOption(str(path), revision, str(created), path.stat().st_size, verified,
                         problems, pre is not None and str(path.resolve()) == pre, counts,
                         current_counts)


def _older(rev: str | None, than: str | None) -> bool:
    known = (None, *chain.REVISION_IDS)
    return rev in known and than in known and (
        chain.position(rev or chain.BASE) < chain.position(than or chain.BASE))


def plan_rollback(db: str | Path, backup: str | Path | None = None) -> RollbackPlan:
    """Both ways back with their costs. Reads only (verifies the chosen backup)."""
    path = Path(db)
    status = inspect(path)
    cur = status.current_revision
    current_counts = dict(status.counts)
    pre = _last_upgrade_backup(path)
    candidates = _candidates(path)
    options = [_option(p, current_counts, pre, verify=False) for p in candidates]
    chosen: RestoreOption | None = None
    if backup is not None:
        if not Path(backup).is_file():
            raise Refused(f"{backup} does not exist")
        chosen = _option(Path(backup), current_counts, pre, verify=True)
    else:
        # The backup the last upgrade took, else the newest at an older revision, else
        # the newest: the first of those that verifies.
        order = sorted(options, key=lambda o: (not o.pre_upgrade,
                                               not _older(o.revision, cur)))
        for opt in order:
            trial = _option(Path(opt.path), current_counts, pre, verify=True)
            if trial.verified:
                chosen = trial
                break
    downgrade = _downgrade_option(path, status.state, cur, chosen)
    recommended, why = _recommend(downgrade, chosen)
    return RollbackPlan(str(path), cur, downgrade, chosen, options, recommended, why,
                        current_counts)


def _downgrade_option(path: Path, state: State, cur: str | None,
                      pre_backup: RestoreOption | None) -> DowngradeOption:
    if state not in (State.AT_REVISION, State.STUCK_AT_001) or cur is None:
        why = ("it has no revision (legacy)" if state in (State.LEGACY, State.EMPTY)
               else f"its state is {state.value.replace('_', ' ')}")
        return DowngradeOption(False, why, None)
    before = (Path(pre_backup.path) if pre_backup is not None and pre_backup.verified
              and _older(pre_backup.revision, cur) else None)
    conn = connect_ro(path)
    try:
        with translated_errors(path, "read"):
            cost = price_downgrade(conn, cur, before)
    finally:
        conn.close()
    return DowngradeOption(True, "", cost)


def _recommend(down: DowngradeOption, restore: RestoreOption | None) -> tuple[str, str]:
    cost = down.cost
    if cost is not None and cost.reused_default:
        if restore is not None and restore.verified:
            return RESTORE, ("the downgrade would destroy a `default` workspace that existed "
                             "before 002; restoring the pre-upgrade backup loses nothing that "
                             "existed before the upgrade")
        return "", ("the downgrade would destroy a `default` workspace that existed before "
                    "002, and no verified pre-upgrade backup was found")
    if cost is not None and cost.lossless:
        return DOWNGRADE, "the downgrade discards nothing"
    if restore is not None and restore.verified and not restore.changes:
        return RESTORE, "nothing changed since the backup, so restoring it loses nothing"
    if cost is not None:
        return DOWNGRADE, ("the downgrade discards only what the revision added; restoring "
                           "a backup would also undo every change made since it was taken")
    if restore is not None and restore.verified:
        return RESTORE, "a downgrade is not possible"
    return "", ""


# ---------------------------------------------------------------- actions


def downgrade_one(db: str | Path, *, progress: ProgressCallback | None = None,
                  backup_dir: str | Path | None = None, accept_loss: bool = False,
                  force: bool = False, cancel: CancelToken | None = None) -> Any:
    """Undo the current revision through the safe pipeline (backup first, audited)."""
    from wsadmin.db.migrate import pipeline

    plan = plan_rollback(db)
    d = plan.downgrade
    if not d.available or d.cost is None:
        raise Refused(f"{db} cannot be downgraded: {d.reason}")
    if d.cost.reused_default and not accept_loss:
        raise Refused("the downgrade would destroy the `default` workspace that existed "
                      "before 002 and its memberships",
                      "restore the pre-upgrade backup instead (`wsadmin rollback DB --backup "
                      "PATH`), or pass --accept-loss")
    return pipeline.run(db, "downgrade", d.cost.target or "base", progress=progress,
                            backup_dir=backup_dir, force=force, cancel=cancel)


def restore(db: str | Path, backup: str | Path, *, progress: ProgressCallback | None = None,
            force: bool = False, cancel: CancelToken | None = None) -> Any:
    from wsadmin.db.backup.restore import restore_backup

    return restore_backup(db, backup, progress=progress, force=force, cancel=cancel)
