"""The automatic parts of the pre-deployment steps and of "Run migrations".

Each function takes the run's Context and returns a StepResult saying what it
did and what it found; a known failure (WsadminError) becomes a failed
result in the runner, never a traceback.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from wsadmin.db.backup.create import create_backup
from wsadmin.db.backup.verify import verify_backup
from wsadmin.db.checklist import findings
from wsadmin.db.checklist.decision import NOTHING, STOP, expected_workspaces
from wsadmin.db.checklist.model import Status, StepResult
from wsadmin.db.common.errors import WsadminError
from wsadmin.db.common.text import counted, printable
from wsadmin.db.migrate import pipeline
from wsadmin.db.migrate.model import PipelineFailed
from wsadmin.db.schema import chain
from wsadmin.db.schema.states import State
from wsadmin.db.schema.status import MISSING, inspect
from wsadmin.db.sqlite.connect import read_without_side_files, translated_errors

if TYPE_CHECKING:
    from wsadmin.db.checklist.context import Context

NO_TABLES = (MISSING, State.EMPTY.value)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{t} {n:,}" for t, n in counts.items()) or "no table"


def backup(ctx: Context) -> StepResult:
    if not ctx.db.exists() or ctx.db.stat().st_size == 0:
        return StepResult(Status.SKIPPED, "nothing to back up: the database has no table yet")
    info = create_backup(ctx.db, ctx.backup_dir, progress=ctx.progress, cancel=ctx.cancel)
    again = verify_backup(info.path, cancel=ctx.cancel)
    data = {"path": info.path, "size": info.size, "sha256": info.sha256,
            "revision": info.revision, "counts": dict(info.counts)}
    details = [f"copied with SQLite's backup API to {info.path}",
               f"{info.size:,} bytes, sha256 {info.sha256}",
               f"revision {info.revision or 'none (legacy)'}; rows: {_counts(info.counts)}"]
    if not again.ok:
        return StepResult(Status.FAILED, "the backup does not verify: "
                          + "; ".join(again.problems[:3]), details, data)
    details.append("verified against its manifest: size, sha256, quick_check, tables, "
                   "row counts and revision")
    ctx.state.backup = info.path
    return StepResult(Status.OK, f"backed up and verified: {info.path}", details, data)


def alembic_current(revision: str | None) -> str:
    """What the runbook's `alembic current` prints for this recorded revision."""
    if revision is None:
        return "(no revision: only Alembic's INFO lines)"
    return f"{revision} (head)" if revision == chain.HEAD_REVISION else revision


def revision(ctx: Context) -> StepResult:
    decision = ctx.state.decision
    if not ctx.db.exists():
        return StepResult(Status.OK, "no database file yet: nothing is recorded",
                          ["`alembic current` would create an empty file here; wsadmin "
                           "does not"], {"state": MISSING, "revision": None})
    st = inspect(ctx.db)
    data = {"state": st.state.value, "revision": st.current_revision, "head": st.head,
            "summary": st.summary, "symptom": st.symptom,
            "pending": [p.revision for p in st.pending]}
    details = [f"`alembic current` prints: {alembic_current(st.current_revision)}",
               f"state: {st.state.value}: {st.summary}"]
    details += [f"the backend: {st.symptom}"] if st.symptom else []
    details += ([f"pending: {', '.join(data['pending'])}"] if data["pending"] else [])
    migrated = ctx.state.steps["migrate"].status is Status.OK
    if decision.action == STOP:
        return StepResult(Status.FAILED, f"{st.state.value}: wsadmin stops here ({st.summary})",
                          details, data)
    if st.state.value != decision.state and not migrated:
        details.append("start the checklist again so its decision fits the database")
        return StepResult(Status.FAILED, f"the database changed since the checklist started: "
                          f"it is {st.state.value} now, was {decision.state}", details, data)
    return StepResult(Status.OK, f"{st.state.value}, recorded revision "
                      f"{st.current_revision or 'none'} (head is {st.head})", details, data)


def orphans(ctx: Context) -> StepResult:
    if ctx.state.decision.state in NO_TABLES:
        return StepResult(Status.SKIPPED, "no data yet: nothing can be orphaned")
    summary = findings.check(ctx.db)
    ctx.state.health_before = summary
    details = [f"ran all {len(summary)} health checks (read-only)"]
    runbook = _runbook_orphans(ctx)
    details.append(f"the runbook's query `{findings.ORPHAN_QUERY}` returns {runbook}")
    found = findings.lines(summary)
    details += found or ["no check found anything"]
    data: dict[str, Any] = {"checks": len(summary), "found": findings.found(summary),
                            "runbook_query": runbook}
    broken = findings.errors(summary)
    if broken:
        return StepResult(Status.FAILED, f"{counted(len(broken), 'check')} could not run: "
                          + ", ".join(broken), details, data)
    if findings.problems(summary.get("sqlite_integrity")):
        return StepResult(Status.FAILED, "the database file is damaged (integrity_check); "
                          "do not upgrade it", details, data)
    n = len(data["found"])
    fixable = [c for c in data["found"] if summary[c]["fixes"]]
    return StepResult(Status.OK, (f"{counted(n, 'check')} found something (listed); "
                                  f"{len(fixable)} can be fixed before going on") if n else
                      "no orphaned data and no other finding", details, data)


def _runbook_orphans(ctx: Context) -> str:
    def read(conn: sqlite3.Connection) -> str:
        cols = {r[1] for r in conn.execute("PRAGMA table_info(users)")}
        if "current_workspace_id" not in cols:
            return "an error (no such column: current_workspace_id): the database is legacy"
        return str(conn.execute(findings.ORPHAN_QUERY.rstrip(";")).fetchone()[0])

    with translated_errors(ctx.db, "read"):
        return read_without_side_files(ctx.db, read)


def expected_now(ctx: Context) -> tuple[int, str]:
    """The expected workspace count, computed from the database as it is just before
    the change (a fix applied after the decision may have added workspaces)."""
    decision = ctx.state.decision
    if not ctx.db.exists() or ctx.db.stat().st_size == 0:
        return 0, "a new database has no workspace"
    drops = decision.state == State.HALF_INITIALISED.value

    def read(conn: sqlite3.Connection) -> tuple[int, int, str]:
        return expected_workspaces(conn, decision.pending, drops)

    with translated_errors(ctx.db, "read"):
        _existing, expected, words = read_without_side_files(ctx.db, read)
    return expected, words


def migrate(ctx: Context) -> StepResult:
    decision = ctx.state.decision
    if decision.action == STOP:
        return StepResult(Status.FAILED, "wsadmin does not change this database: "
                          + decision.summary)
    expected, words = expected_now(ctx)
    said = f"expected afterwards: {counted(expected, 'workspace')} ({words})"
    data: dict[str, Any] = {"expected": expected, "expected_why": words,
                            "action": decision.action}
    if decision.action == NOTHING:
        return StepResult(Status.SKIPPED, f"already at head ({chain.HEAD_REVISION}): nothing "
                          "to do", [said], data)
    try:
        result = pipeline.run(ctx.db, decision.action, progress=ctx.progress,
                              backup_dir=ctx.backup_dir, cancel=ctx.cancel)
    except PipelineFailed as exc:
        r = exc.result
        data.update(outcome=r.outcome, backup=r.backup.path if r.backup else None)
        # The summary says what failed; the details add only what to do about it.
        todo = [printable(exc.hint)] if exc.hint else []
        return StepResult(Status.FAILED, r.message or printable(exc.message), [said, *todo],
                          data)
    except WsadminError as exc:
        data.update(outcome="refused")
        return StepResult(Status.FAILED, exc.one_line(), [said, "nothing was changed"], data)
    data.update(outcome=result.outcome, backup=result.backup.path if result.backup else None,
                applied=list(result.applied), counts_after=dict(result.counts_after))
    details = [said, f"ran `{decision.action}`: {', '.join(result.applied) or 'no revision'}"]
    if result.backup is not None:
        details.append(f"the pipeline's own backup, taken under the write lock: "
                       f"{result.backup.path}")
    details.append(f"rows now: {_counts(result.counts_after)}")
    return StepResult(Status.OK, result.message, details, data)
