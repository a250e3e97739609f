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
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wsadmin.db import audit, revisions
from wsadmin.db.backup import read_manifest, verify_backup
from wsadmin.db.backup_catalog import list_backups
from wsadmin.db.contract import (
    DEFAULT_NAME,
    DEFAULT_SLUG,
    WORKSPACE_COLUMN,
    WORKSPACE_SCOPED_TABLES,
)
from wsadmin.db.errors import Refused
from wsadmin.db.inspect import State, inspect
from wsadmin.db.progress import CancelToken, ProgressCallback
from wsadmin.db.sqlite_engine import connect_ro, table_names, translated_errors
from wsadmin.db.text import printable

DOWNGRADE, RESTORE = "downgrade", "restore"


@dataclass
class DowngradeCost:
    """What undoing one revision discards."""

    revision: str                           # the revision undone
    target: str | None                      # where it lands (None: legacy)
    deleted_rows: dict[str, int | None]     # table -> rows deleted (None: table dropped)
    discards: dict[str, int]                # operator words -> count
    reused_default: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def lossless(self) -> bool:
        return not any(self.discards.values()) and not self.reused_default


@dataclass
class DowngradeOption:
    available: bool
    reason: str                              # why not, when not available
    cost: DowngradeCost | None


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
        out: list[str] = []
        for table in sorted(set(self.backup_counts) | set(self.current_counts)):
            if table == "alembic_version":
                continue
            now, then = self.current_counts.get(table), self.backup_counts.get(table)
            if now == then:
                continue
            if then is None:
                out.append(f"{table}: {now:,} rows now, the table is not in the backup "
                           "(restoring removes it)")
            elif now is None:
                out.append(f"{table}: not in the database now, {then:,} rows in the backup")
            else:
                out.append(f"{table}: {now:,} now, {then:,} in the backup ({then - now:+,})")
        return out

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
                lines.append("   discards: " + ", ".join(
                    f"{n:,} {what}" for what, n in c.discards.items() if n))
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


def _count(conn: sqlite3.Connection, sql: str, *params: Any) -> int:
    return int(conn.execute(sql, params).fetchone()[0])


def default_workspace(conn: sqlite3.Connection) -> tuple[int, str] | None:
    row = conn.execute("SELECT id, name FROM workspaces WHERE slug = ? ORDER BY id LIMIT 1",
                       (DEFAULT_SLUG,)).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def downgrade_cost(conn: sqlite3.Connection, revision: str,
                   pre_upgrade_backup: Path | None = None) -> DowngradeCost:
    """What undoing `revision` (the current one) discards, with the downgrade's predicates."""
    ids = revisions.ids()
    target = ids[ids.index(revision) - 1] if ids.index(revision) > 0 else None
    tables = set(table_names(conn))
    if revision == "001":
        deleted: dict[str, int | None] = {"workspaces": None, "workspace_members": None}
        discards = {
            "workspaces": _count(conn, "SELECT COUNT(*) FROM workspaces")
            if "workspaces" in tables else 0,
            "memberships": _count(conn, "SELECT COUNT(*) FROM workspace_members")
            if "workspace_members" in tables else 0,
        }
        for table, column in WORKSPACE_COLUMN.items():
            key = "user assignments" if table == "users" else f"{table} assignments"
            discards[key] = _count(conn, f"SELECT COUNT(*) FROM {table} "
                                         f"WHERE {column} IS NOT NULL")
        return DowngradeCost(revision, target, deleted, discards)
    if revision == "002":
        found = default_workspace(conn)
        if found is None:
            return DowngradeCost(revision, target, {}, {},
                                 notes=["there is no `default` workspace: only the "
                                        "constraints and indexes are removed"])
        d, name = found
        members = _count(conn, "SELECT COUNT(*) FROM workspace_members WHERE workspace_id = ?",
                         d)
        discards = {"workspaces": 1, "memberships": members,
                    "user assignments": _count(conn, "SELECT COUNT(*) FROM users "
                                                     "WHERE current_workspace_id = ?", d)}
        for table in WORKSPACE_SCOPED_TABLES:
            discards[f"{table} assignments"] = _count(
                conn, f"SELECT COUNT(*) FROM {table} WHERE workspace_id = ?", d)
        cost = DowngradeCost(revision, target, {"workspaces": 1, "workspace_members": members},
                             discards)
        before = _default_in_backup(pre_upgrade_backup)
        reused = name != DEFAULT_NAME or (before is not None and before[0])
        if reused:
            cost.reused_default = True
            older = before[1] if before is not None and before[0] else None
            cost.notes.append(
                f"the `default` workspace ({name!r}, id {d}) existed before 002 "
                "(002 reused it): the downgrade DELETES it with all "
                f"{members:,} of its memberships"
                + (f" ({older:,} of them older than 002)" if older is not None else "")
                + " and takes every user and row out of it, including those that were in "
                "it before the upgrade")
            cost.notes.append("restore the pre-upgrade backup instead: it loses nothing that "
                              "existed before the upgrade")
        return cost
    raise Refused(f"wsadmin does not know how to price a downgrade of {revision}")


def _default_in_backup(backup: Path | None) -> tuple[bool, int] | None:
    """(had a `default` workspace, its memberships) in a backup taken before 002."""
    if backup is None:
        return None
    try:
        conn = connect_ro(backup, immutable=True)
    except Exception:
        return None
    try:
        if "workspaces" not in table_names(conn):
            return (False, 0)
        found = default_workspace(conn)
        if found is None:
            return (False, 0)
        return (True, _count(conn, "SELECT COUNT(*) FROM workspace_members "
                                   "WHERE workspace_id = ?", found[0]))
    except sqlite3.Error:
        return None
    finally:
        conn.close()


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
    pos: dict[str | None, int] = {None: -1}
    pos.update({r: i for i, r in enumerate(revisions.ids())})
    return rev in pos and than in pos and pos[rev] < pos[than]


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
    if state is not State.CURRENT or cur is None:
        why = ("it has no revision (legacy)" if state in (State.LEGACY, State.FRESH)
               else f"its state is {state.value}")
        return DowngradeOption(False, why, None)
    before = (Path(pre_backup.path) if pre_backup is not None and pre_backup.verified
              and _older(pre_backup.revision, cur) else None)
    conn = connect_ro(path)
    try:
        with translated_errors(path, "read"):
            cost = downgrade_cost(conn, cur, before)
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
    from wsadmin.db import safe_upgrade

    plan = plan_rollback(db)
    d = plan.downgrade
    if not d.available or d.cost is None:
        raise Refused(f"{db} cannot be downgraded: {d.reason}")
    if d.cost.reused_default and not accept_loss:
        raise Refused("the downgrade would destroy the `default` workspace that existed "
                      "before 002 and its memberships",
                      "restore the pre-upgrade backup instead (`wsadmin rollback DB --backup "
                      "PATH`), or pass --accept-loss")
    return safe_upgrade.run(db, "downgrade", d.cost.target or "base", progress=progress,
                            backup_dir=backup_dir, force=force, cancel=cancel)


def restore(db: str | Path, backup: str | Path, *, progress: ProgressCallback | None = None,
            force: bool = False, cancel: CancelToken | None = None) -> Any:
    from wsadmin.db.restore import restore_backup

    return restore_backup(db, backup, progress=progress, force=force, cancel=cancel)
