"""Run health checks read-only, on two connections at once.

Each check runs on its own; a check that cannot apply says why, and one that
raises becomes an `error` result without stopping the others. The checks are
independent reads, so two worker threads (each with its own read-only
connection: SQLite releases the GIL while it works) take them from a queue,
slowest first. `progress` hears one Step per finished check (the GUI's bar over
the checks); `cancel` stops the run between checks and interrupts the statements
running (read-only: nothing to undo).
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from wsadmin.db.common.errors import (
    CorruptDatabase,
    ForeignDatabase,
    Refused,
    WsadminError,
    classify_sqlite_error,
)
from wsadmin.db.common.progress import CancelToken, ProgressCallback, Reporter, StepState
from wsadmin.db.health.model import (
    SAMPLE_LIMIT,
    Check,
    CheckResult,
    CheckStatus,
    Facts,
    HealthReport,
    NotApplicable,
    RunOptions,
)
from wsadmin.db.health.registry import CHECKS, get
from wsadmin.db.schema.states import State, classify
from wsadmin.db.sqlite.connect import read_quietly, translated_errors
from wsadmin.db.sqlite.files import check_file

log = logging.getLogger(__name__)


def query_only(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.execute("PRAGMA query_only = 1")
    return conn


def gather_facts(conn: sqlite3.Connection, path: Path, size: int) -> Facts:
    """Tables, columns and their declared types, alembic_version, and the state (SCHEMA.md)."""
    tables = [str(r[0]) for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")]
    columns: dict[str, tuple[str, ...]] = {}
    declared: dict[tuple[str, str], str] = {}
    for t in tables:
        info = conn.execute("SELECT name, type FROM pragma_table_info(?)", (t,)).fetchall()
        columns[t] = tuple(str(r[0]) for r in info)
        declared.update(((t, str(name)), str(kind or "")) for name, kind in info)
    recorded: tuple[str, ...] = ()
    if "alembic_version" in tables and "version_num" in columns["alembic_version"]:
        recorded = tuple(str(r[0]) for r in conn.execute(
            "SELECT version_num FROM alembic_version ORDER BY version_num"))
    return Facts(str(path), size, frozenset(tables), columns, recorded, classify(conn), declared)


def refuse_foreign(facts: Facts) -> None:
    """SCHEMA.md: a database that is not the backend's is refused, checks included."""
    cls = facts.classification
    if cls is not None and cls.state is State.FOREIGN:
        raise ForeignDatabase(f"{facts.path}: {cls.summary.rstrip('.')}")


def select(only: Iterable[str] | None, checks: Sequence[Check] | None = None) -> list[Check]:
    pool = list(CHECKS if checks is None else checks)
    if only is None:
        return pool
    by_id = {c.id: c for c in pool}
    wanted = set()
    for i in only:
        if i not in by_id:
            get(i)   # raises Refused naming the known ids
            raise Refused(f"check {i!r} is not among the checks given")
        wanted.add(i)
    return [c for c in pool if c.id in wanted]


def _result(check: Check, status: CheckStatus, *, count: int = 0, sample: list[dict[str, object]]
            | None = None, sql: str | None = None, reason: str = "", seconds: float = 0.0
            ) -> CheckResult:
    return CheckResult(check.id, check.title, status, count, list(sample or []),
                       sql if sql is not None else check.sql, check.severity, check.explanation,
                       reason, seconds, check.columns, check.fix_ids)


def run_one(check: Check, conn: sqlite3.Connection, facts: Facts, options: RunOptions
            ) -> CheckResult:
    missing = facts.missing(check.requires)
    if missing:
        what = ", ".join(missing)
        legacy = (" (a legacy database has no workspaces)" if facts.classification is not None
                  and facts.classification.state is State.LEGACY else "")
        return _result(check, CheckStatus.NOT_APPLICABLE,
                       reason=f"needs {what}, which this database does not have{legacy}")
    started = time.perf_counter()
    try:
        out = check.run(conn, facts, options)
    except NotApplicable as exc:
        return _result(check, CheckStatus.NOT_APPLICABLE, reason=str(exc),
                       seconds=time.perf_counter() - started)
    except Exception as exc:
        log.debug("check %s failed", check.id, exc_info=True)
        known = classify_sqlite_error(exc, facts.path, f"run {check.id} on")
        # A damaged file makes every result untrustworthy (a check that misses the bad
        # page would say "ok"): no report at all, one error (issue 14).
        damaged = exc if isinstance(exc, CorruptDatabase) else known
        if isinstance(damaged, CorruptDatabase):
            raise damaged from exc
        if isinstance(exc, WsadminError):
            reason = exc.one_line()
        elif known is not None:
            reason = known.one_line()
        else:
            reason = f"{type(exc).__name__}: {exc}"
        return _result(check, CheckStatus.ERROR, reason=reason,
                       seconds=time.perf_counter() - started)
    status = CheckStatus.FINDINGS if out.count else CheckStatus.OK
    return _result(check, status, count=out.count, sample=out.sample, sql=out.sql,
                   reason=out.note, seconds=time.perf_counter() - started)


def run_checks(path: str | Path, *, only: Sequence[str] | None = None,
               checks: Sequence[Check] | None = None, full_integrity: bool = False,
               sample_limit: int | None = SAMPLE_LIMIT, workers: int = 2,
               progress: ProgressCallback | None = None, cancel: CancelToken | None = None
               ) -> HealthReport:
    """Run the checks (the registry's, or `checks`; all, or `only` these ids) on `path`,
    read-only.

    Raises DatabaseMissing / NotADatabase / CorruptDatabase when the file
    cannot be opened as SQLite at all, ForeignDatabase when it is not the
    backend's; everything else ends up in the results. Raises Cancelled when `cancel`
    is set before the last check has ended.
    """
    started = time.perf_counter()
    p = Path(path)
    facts_file = check_file(p)
    chosen = select(only, checks)
    options = RunOptions(full_integrity=full_integrity, sample_limit=sample_limit)
    if facts_file.empty:
        return HealthReport(str(p), None, [
            _result(c, CheckStatus.NOT_APPLICABLE, reason="the file is empty (a fresh database)")
            for c in chosen], time.perf_counter() - started, State.EMPTY.value)

    def session(open_conn: Callable[[], sqlite3.Connection]) -> tuple[Facts, list[CheckResult]]:
        first = query_only(open_conn())
        with translated_errors(p, "read"):
            facts = gather_facts(first, p, facts_file.size)
        refuse_foreign(facts)
        extra = [query_only(open_conn()) for _ in range(min(max(1, workers), len(chosen)) - 1)]
        return facts, _run_parallel(chosen, facts, options, [first, *extra], progress, cancel)

    facts, results = read_quietly(p, session)
    order = {c.id: i for i, c in enumerate(chosen)}
    results.sort(key=lambda r: order[r.id])
    state = facts.classification.state.value if facts.classification is not None else None
    return HealthReport(str(p), facts.revision, results, time.perf_counter() - started, state)


CANCEL_POLL_OPS = 20_000
"""SQLite virtual-machine steps between two looks at the cancel token (well under 1 ms)."""


def _run_parallel(chosen: list[Check], facts: Facts, options: RunOptions,
                  conns: list[sqlite3.Connection], progress: ProgressCallback | None = None,
                  cancel: CancelToken | None = None) -> list[CheckResult]:
    """Each connection gets a thread that takes checks from a queue, slowest first."""
    jobs: queue.SimpleQueue[Check] = queue.SimpleQueue()
    for check in sorted(chosen, key=lambda c: -c.cost):
        jobs.put(check)
    results: list[CheckResult] = []
    damaged: list[CorruptDatabase] = []
    lock = threading.Lock()
    reporter = Reporter(progress)
    label = "Run the health checks"
    if cancel is not None:
        token = cancel
        for conn in conns:     # a long check (integrity on a big file) stops within ms
            conn.set_progress_handler(lambda: int(token.cancelled), CANCEL_POLL_OPS)

    def stopped() -> bool:
        return bool(damaged) or (cancel is not None and cancel.cancelled)

    def work(conn: sqlite3.Connection) -> None:
        while not stopped():
            try:
                check = jobs.get_nowait()
            except queue.Empty:
                return
            try:
                result = run_one(check, conn, facts, options)
            except CorruptDatabase as exc:
                with lock:
                    damaged.append(exc)
                return
            if stopped():      # an interrupted statement is no finding
                return
            with lock:         # one event at a time, in the order the checks ended
                results.append(result)
                reporter.emit("checks", label, StepState.RUNNING, result.title,
                              len(results) / len(chosen))

    threads = []
    for conn in conns[1:]:
        thread = threading.Thread(target=work, args=(conn,), name="wsadmin-check", daemon=True)
        thread.start()
        threads.append(thread)
    work(conns[0])
    for thread in threads:
        thread.join()
    if damaged:
        raise damaged[0]
    if cancel is not None:
        for conn in conns:
            conn.set_progress_handler(None, 0)
        cancel.raise_if_cancelled()
    reporter.emit("checks", label, StepState.DONE, f"{len(results)} check(s)")
    return results
