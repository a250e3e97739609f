"""Preview and apply a fix: both run the fix's plan; apply then executes it.

Apply: verified backup first, then one write transaction (BEGIN IMMEDIATE,
foreign keys off so nothing cascades) in which the plan is computed again
and every step must change exactly the rows it planned; commit; an audit
entry with the row counts before and after; then the checks run again and
the result says what got better or worse.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wsadmin.db.backup.create import create_backup
from wsadmin.db.backup.manifest import BackupInfo
from wsadmin.db.common import audit
from wsadmin.db.common.errors import Refused, WsadminError
from wsadmin.db.common.interrupts import held_interrupts
from wsadmin.db.common.progress import CancelToken, ProgressCallback, Reporter
from wsadmin.db.health.diff import HealthDiff, compare
from wsadmin.db.health.fix_plan import Fix, Plan, Step
from wsadmin.db.health.model import SAMPLE_LIMIT, CheckResult, Facts
from wsadmin.db.health.querying import first_rows
from wsadmin.db.health.registry import get
from wsadmin.db.health.runner import gather_facts, refuse_foreign, run_checks
from wsadmin.db.schema.states import State
from wsadmin.db.sqlite.connect import connect_ro, translated_errors
from wsadmin.db.sqlite.files import check_file
from wsadmin.db.sqlite.introspect import table_names
from wsadmin.db.sqlite.journal import refuse_hot_journal
from wsadmin.db.sqlite.lock import hold_write_lock


@dataclass(frozen=True)
class StepPreview:
    action: str
    table: str
    summary: str
    count: int
    sample: list[dict[str, Any]]
    key: tuple[str, ...]
    sets: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "table": self.table, "summary": self.summary,
                "count": self.count, "sample": self.sample}


@dataclass(frozen=True)
class Preview:
    database: str
    check_id: str
    fix_id: str
    title: str
    description: str
    steps: list[StepPreview]
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    now: str = ""                 # the timestamp planned new and updated rows get
    command: str | None = None    # the fix is this other command (`wsadmin adopt DB`)

    @property
    def total(self) -> int:
        return sum(s.count for s in self.steps)

    @property
    def empty(self) -> bool:
        return not self.steps

    def to_json(self) -> dict[str, Any]:
        return {"database": self.database, "check": self.check_id, "fix": self.fix_id,
                "title": self.title, "total": self.total, "skipped": self.skipped,
                "notes": self.notes, "command": self.command,
                "steps": [s.to_json() for s in self.steps]}


@dataclass(frozen=True)
class FixResult:
    preview: Preview              # what was planned and done (counts = rows changed)
    backup: BackupInfo | None
    check_after: CheckResult
    diff: HealthDiff | None

    @property
    def clean(self) -> bool:
        return self.check_after.problems == 0


def choose(check_id: str, fix_id: str | None) -> Fix:
    check = get(check_id)
    if not check.fixes:
        raise Refused(f"the check {check_id} has no automatic fix",
                      "see its explanation in `wsadmin check`")
    if fix_id is None:
        return check.fixes[0]   # type: ignore[no-any-return]
    for fix in check.fixes:
        if fix.id == fix_id:
            return fix  # type: ignore[no-any-return]
    raise Refused(f"the check {check_id} has no fix {fix_id!r}",
                  "choose one of: " + ", ".join(check.fix_ids))


def _facts_for(conn: sqlite3.Connection, path: Path, check_id: str) -> Facts:
    facts = gather_facts(conn, path, path.stat().st_size)
    refuse_foreign(facts)
    cls = facts.classification
    if cls is not None and cls.state is State.UNKNOWN_REVISION:
        raise Refused(f"{path} records a revision this wsadmin does not know: fixes are "
                      "refused", "use the tool that migrated it")
    missing = facts.missing(get(check_id).requires)
    if missing:
        raise Refused(f"{check_id} does not apply to {path}: it needs " + ", ".join(missing))
    return facts


def _preview(conn: sqlite3.Connection, path: Path, check_id: str, fix: Fix, plan: Plan,
             limit: int | None) -> Preview:
    steps = []
    for step in plan.steps:
        sample = first_rows(conn, step.rows_sql, limit)   # the step knows its count
        steps.append(StepPreview(step.action, step.table, step.summary, step.count, sample,
                                 step.key, step.sets))
    return Preview(str(path), check_id, fix.id, fix.title, fix.description, steps,
                   plan.skipped, list(plan.notes), plan.now, plan.command)


def preview_fix(path: str | Path, check_id: str, fix_id: str | None = None,
                params: Mapping[str, str] | None = None, *,
                sample_limit: int | None = SAMPLE_LIMIT) -> Preview:
    """What the fix would change, computed read-only (temp tables only)."""
    p = Path(path)
    check_file(p)
    fix = choose(check_id, fix_id)
    conn = connect_ro(p)
    try:
        with translated_errors(p, "read"):
            conn.execute("BEGIN")
            facts = _facts_for(conn, p, check_id)
            plan = fix.plan(conn, facts, dict(params or {}))
            result = _preview(conn, p, check_id, fix, plan, sample_limit)
            conn.execute("ROLLBACK")
    finally:
        conn.close()
    return result


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table, every table (leftovers too: dropping one must show in the audit)."""
    return {t: int(conn.execute(f'SELECT COUNT(*) FROM "{t.replace(chr(34), chr(34) * 2)}"'
                                ).fetchone()[0]) for t in table_names(conn)}


def _execute(conn: sqlite3.Connection, step: Step) -> None:
    cur = conn.execute(step.apply_sql)
    changed = 1 if step.action == "drop_table" else cur.rowcount
    if changed != step.count:
        raise Refused(f"the fix planned to {step.summary} but the statement changed {changed} "
                      "rows; nothing was changed",
                      "this is a bug in wsadmin: report it with the database's schema")


def _reason(exc: BaseException) -> str:
    return exc.message if isinstance(exc, WsadminError) else (str(exc) or type(exc).__name__)


def apply_fix(path: str | Path, check_id: str, fix_id: str | None = None,
              params: Mapping[str, str] | None = None, *, backup_dir: str | Path | None = None,
              progress: ProgressCallback | None = None, verify: bool = True,
              sample_limit: int | None = SAMPLE_LIMIT, cancel: CancelToken | None = None
              ) -> FixResult:
    """Back up, apply the fix in one transaction, audit it, and re-run the checks.

    With verify, every check runs before and after (`diff` says what got better or
    worse); without, only this fix's own check runs afterwards. `cancel` stops the
    fix (Cancelled, nothing changed) until its transaction begins; a backup finished
    by then stays, verified.
    """
    p = Path(path)
    check_file(p)
    refuse_hot_journal(p)       # a write-capable open would roll it back unrecorded
    fix = choose(check_id, fix_id)
    if fix.command is not None:
        raise Refused(f"the fix {check_id} / {fix.id} is the command `wsadmin {fix.command} "
                      f"{p}`, not applied by `wsadmin fix`",
                      f"run `wsadmin {fix.command} {p}`")
    reporter = Reporter(progress)
    before = run_checks(p) if verify else None
    plan_first = preview_fix(p, check_id, fix.id, params, sample_limit=0)
    if plan_first.empty:
        raise Refused(f"{check_id}: the fix {fix.id!r} has nothing to change",
                      "run `wsadmin check` to see the current findings")
    params_used = dict(params or {})
    intent = audit.begin("fix", p, check=check_id, fix=fix.id, params=params_used)
    backup: BackupInfo | None = None
    committed = False
    try:
        # One connection holds the write lock from the backup to the commit: the
        # backup is exactly the state the fix starts from.
        conn = hold_write_lock(p)
    except BaseException as exc:
        intent.done("refused", message=_reason(exc))
        raise
    try:
        backup = create_backup(p, backup_dir, progress=progress, connection=conn,
                               cancel=cancel)
        if cancel is not None:
            cancel.raise_if_cancelled()
        with translated_errors(p, "fix"), reporter.step("fix", f"Apply: {fix.title}") as s:
            conn.execute("BEGIN IMMEDIATE")
            try:
                facts = _facts_for(conn, p, check_id)
                counts_before = _counts(conn)
                plan = fix.plan(conn, facts, params_used)
                done = _preview(conn, p, check_id, fix, plan, sample_limit)
                for step in plan.steps:
                    _execute(conn, step)
                counts_after = _counts(conn)
                with held_interrupts():
                    conn.execute("COMMIT")
                    committed = True
                    intent.done("ok", backup=backup.path, counts_before=counts_before,
                                counts_after=counts_after,
                                changes=[{"action": st.action, "table": st.table,
                                          "count": st.count} for st in done.steps],
                                skipped=done.skipped)
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            s.detail = f"{done.total} change(s)"
    except BaseException as exc:
        if not committed:
            intent.done("failed-unchanged", backup=backup.path if backup else None,
                        message=_reason(exc))
        raise
    finally:
        conn.close()
    assert backup is not None
    after = run_checks(p) if verify else run_checks(p, only=[check_id])
    diff = compare(before, after) if before is not None else None
    return FixResult(done, backup, after.get(check_id), diff)
