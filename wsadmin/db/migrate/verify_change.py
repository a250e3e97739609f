"""Verifying a change before and after its COMMIT, on the connection that made it.

Post-verification runs INSIDE the change's transaction, so a problem found
there rolls back instead of needing a restore: the revision recorded is the
goal, the schema is in that revision's state (SCHEMA.md: no breaking
difference, and none degraded when wsadmin's chain built it), no leftover
tables, quick_check ok, foreign_key_check no worse than the backup's, and no
table lost rows the change does not document losing.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from wsadmin.db.backup.verify import Snapshot
from wsadmin.db.common.errors import DiskFull, DiskIOError, WsadminError
from wsadmin.db.migrate.model import DISK_FACTOR
from wsadmin.db.schema.compare import Severity
from wsadmin.db.schema.costs import rollback_costs
from wsadmin.db.schema.shape import ALEMBIC_VERSION, LEFTOVER_PREFIX
from wsadmin.db.schema.states import State, classify
from wsadmin.db.sqlite.files import free_bytes
from wsadmin.db.sqlite.integrity import foreign_key_problems, quick_check
from wsadmin.db.sqlite.introspect import quote_ident, table_names


def allowed_losses(conn: sqlite3.Connection, action: str, steps: list[str],
                   dropped: list[str]) -> dict[str, int | None]:
    """Rows each table may lose as documented: a downgrade's costs (counted with its
    own predicates), and the tables a repair drops (always empty ones)."""
    allowed: dict[str, int | None] = {t: None for t in dropped}
    if action != "downgrade":
        return allowed
    for cost in rollback_costs(conn, steps):
        for loss in cost.losses:
            if loss.kind == "table":
                allowed[loss.table] = None
            elif loss.kind == "rows":
                prev = allowed.get(loss.table, 0)
                allowed[loss.table] = None if prev is None else prev + loss.count
    return allowed


def recorded(conn: sqlite3.Connection) -> str | None:
    if ALEMBIC_VERSION not in table_names(conn):
        return None
    revs = [str(r[0]) for r in conn.execute(f"SELECT version_num FROM {ALEMBIC_VERSION}")]
    return revs[0] if len(revs) == 1 else None


def shape_problems(conn: sqlite3.Connection, goal: str | None, *, built: bool) -> list[str]:
    """The schema is in the state of `goal` (None: legacy). `built`: wsadmin's own
    revisions made it, so not even a degraded difference (a missing index) may remain."""
    found = classify(conn)
    want = ({State.LEGACY} if goal is None else
            {State.STUCK_AT_001} if goal == "001" else {State.AT_REVISION})
    if found.state not in want or found.recorded != goal:
        return [f"the schema is {found.state.value} ({found.summary})"]
    bad = [d for d in found.differences if d.severity is Severity.BREAKING
           or (built and d.severity is Severity.DEGRADED
               and not d.kind.startswith("later_"))]
    return [f"schema: {d.message}" for d in bad[:5]]


def post_checks(conn: sqlite3.Connection, goal: str | None, before: Snapshot,
                fk_before: dict[str, int], losses: dict[str, int | None], *,
                built: bool = True) -> list[str]:
    """Post-verification on the change's connection (inside or after its transaction)."""
    problems: list[str] = []
    rev = recorded(conn)
    if rev != goal:
        problems.append(f"the revision is {rev or 'none'} instead of {goal or 'none'}")
    tables = table_names(conn)
    leftovers = [t for t in tables if t.startswith(LEFTOVER_PREFIX)]
    if leftovers:
        problems.append("leftover tables: " + ", ".join(leftovers))
    problems += [f"quick_check: {p}" for p in quick_check(conn)[:5]]
    if not problems:
        problems += shape_problems(conn, goal, built=built)
    fk_after = foreign_key_problems(conn)
    for table, n in fk_after.items():
        if n > fk_before.get(table, 0):
            problems.append(f"foreign_key_check: {table} has {n} broken references "
                            f"(before: {fk_before.get(table, 0)})")
    for table, n in before.counts.items():
        allowed = losses.get(table, 0)
        if table == ALEMBIC_VERSION or table.startswith(LEFTOVER_PREFIX):
            continue
        if table not in tables:
            if allowed is not None:
                problems.append(f"table {table} is gone")
            continue
        got = int(conn.execute(f"SELECT COUNT(*) FROM {quote_ident(table)}").fetchone()[0])
        if allowed is not None and got < n - allowed:
            problems.append(f"{table} lost {n - got} rows (expected at most {allowed})")
    return problems


def post_commit_problems(conn: sqlite3.Connection, goal: str | None) -> list[str]:
    """After COMMIT (the lock still held): the database shows the new revision."""
    rev = recorded(conn)
    return [] if rev == goal else [f"revision {rev or 'none'} instead of {goal or 'none'}"]


def failure_reason(exc: BaseException, path: Path) -> str:
    """One clause saying why a change failed, naming a file size limit when one was hit."""
    if isinstance(exc, WsadminError):
        reason = exc.message.removesuffix("; the database was left as it was")
    else:
        reason = str(exc) or type(exc).__name__
    if isinstance(exc, DiskIOError | DiskFull):
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        if soft != resource.RLIM_INFINITY:
            reason += (f" (the disk is full for this process: its file size limit, "
                       f"ulimit -f, is {soft:,} bytes)")
        else:
            with contextlib.suppress(OSError):
                free = free_bytes(path.parent)
                if free < DISK_FACTOR * path.stat().st_size:
                    reason += f" (the disk is full: {free:,} bytes free)"
    return reason

