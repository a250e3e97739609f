"""Running one edit: audit intent, one short transaction, audit outcome.

`run_edit(path, action, edit)` opens the database with a short busy timeout,
starts ONE write transaction (BEGIN IMMEDIATE; SQLITE_BUSY is retried a few
times, each wait reported through `on_busy` with who holds the file, then
DatabaseLocked names them), checks the database is at head (NotEditable
otherwise), runs `edit(conn)` (a function of this package: it validates,
writes and returns a Change), commits, and appends the audit outcome. The
audit is two-phase like every change wsadmin makes: the intent before,
the outcome after; neither holds a secret (no password or hash, no redis
password, no connection config: `scrub` hides any field named like one).

Ordinary edits take no backup: they change a handful of rows, the audit log
says what, and a backup per edit of a large database would make every click
cost seconds. Deletes, and moves of more than move.BACKUP_ABOVE rows, pass
`backup=True`: then the write lock is taken first (sqlite.lock.hold_write_lock)
and held on the one connection through a verified backup, the edit and its
commit, as health fixes do. Foreign keys stay off, as the backend runs: an
edit never cascades.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, TypeVar

from wsadmin.db.backup.create import create_backup
from wsadmin.db.backup.manifest import BackupInfo
from wsadmin.db.common import audit
from wsadmin.db.common.errors import DatabaseLocked, WsadminError
from wsadmin.db.common.interrupts import held_interrupts
from wsadmin.db.common.progress import ProgressCallback, Reporter
from wsadmin.db.common.text import printable
from wsadmin.db.editors.change import Change
from wsadmin.db.editors.common import columns
from wsadmin.db.editors.errors import NotEditable, editability
from wsadmin.db.schema.states import classify
from wsadmin.db.sqlite.connect import connect_rw, read_without_side_files, translated_errors
from wsadmin.db.sqlite.files import check_file
from wsadmin.db.sqlite.holders import scan_processes
from wsadmin.db.sqlite.journal import refuse_hot_journal
from wsadmin.db.sqlite.lock import hold_write_lock

BUSY_TIMEOUT: Final = 2.0
"""Seconds SQLite waits for a lock per attempt: a backend request holds it for ms."""
ATTEMPTS: Final = 3
_SECRET_KEY: Final = re.compile(r"password|hash|secret|token|config", re.IGNORECASE)
_SAFE_VALUES: Final = ("set", "cleared", None, True, False)

_T = TypeVar("_T")
BusyCallback = Callable[[str], None]


@dataclass(frozen=True)
class EditResult:
    change: Change
    backup: BackupInfo | None
    retries: int
    """How many times the database was busy before the edit got its lock."""


def scrub(value: Any) -> Any:
    """`value` with every field whose name looks secret hidden (recursively)."""
    if isinstance(value, Mapping):
        return {k: (v if v in _SAFE_VALUES else "(hidden)") if _SECRET_KEY.search(str(k))
                else scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def require_head(conn: sqlite3.Connection, path: object = "DB") -> None:
    """NotEditable unless the database behind `conn` is at head."""
    found = classify(conn)
    state = editability(found.state, found.recorded, found.offer)
    if not state.editable:
        raise NotEditable(state, path)


READABLE: Final = (("users", "current_workspace_id"), ("workspaces", "slug"),
                   ("workspace_members", "role"))
"""What the reads need: revision 001's workspace tables and column."""


def require_readable(conn: sqlite3.Connection, path: object = "DB") -> None:
    """NotEditable, saying what is missing, unless the editors can at least show the
    database (revision 001's tables; the GUI shows them read-only below head)."""
    missing = [f"{t}.{c}" for t, c in READABLE if c not in columns(conn, t)]
    if missing:
        found = classify(conn)
        state = editability(found.state, found.recorded, found.offer)
        raise NotEditable(replace(state, reason=(
            f"the database has no {', '.join(missing)} ({state.state.replace('_', ' ')}): "
            "there are no workspaces to show or edit yet")), path)


def read(path: str | Path, work: Callable[[sqlite3.Connection], _T]) -> _T:
    """Run read-only `work` (user_ids, previews...) on a connection to `path` that leaves
    no side files (the command line's way; the GUI's worker keeps its own connection)."""
    p = check_file(path).path
    with translated_errors(p, "read"):
        return read_without_side_files(p, work)


def _busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return (isinstance(code, int) and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            ) or "locked" in str(exc)


def _holders(p: Path) -> str:
    found, _scanned, _unreadable = scan_processes(p)
    return (" by " + ", ".join(h.describe() for h in found)) if found else ""


def _retrying(p: Path, sql: str, conn: sqlite3.Connection, attempts: int, timeout: float,
              on_busy: BusyCallback | None) -> int:
    """Execute `sql` (BEGIN IMMEDIATE or COMMIT), retrying SQLITE_BUSY; the retries made."""
    for attempt in range(1, attempts + 1):
        try:
            conn.execute(sql)
            return attempt - 1
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
            who = _holders(p)
            if attempt == attempts:
                raise DatabaseLocked(printable(
                    f"{p} stayed locked{who} for {attempts * timeout:g} s; nothing was "
                    "changed")) from exc
            if on_busy is not None:
                on_busy(printable(f"{p.name} is locked{who}; trying again "
                                  f"({attempt + 1} of {attempts})"))
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def _reason(exc: BaseException) -> str:
    return exc.message if isinstance(exc, WsadminError) else (str(exc) or type(exc).__name__)


def run_edit(path: str | Path, action: str, edit: Callable[[sqlite3.Connection], Change], *,
             audit_fields: Mapping[str, Any] | None = None, backup: bool = False,
             backup_dir: str | Path | None = None, progress: ProgressCallback | None = None,
             on_busy: BusyCallback | None = None, busy_timeout: float = BUSY_TIMEOUT,
             attempts: int = ATTEMPTS) -> EditResult:
    """Run `edit` as one audited transaction on the database at `path` (module doc).

    `action` names the edit in the audit log (`user.edit`); `audit_fields` are what the
    intent records before anything runs (ids and names, never a secret: scrubbed anyway).
    """
    p = check_file(path).path
    refuse_hot_journal(p)       # a write-capable open would roll it back unrecorded
    intent = audit.begin(action, p, **scrub(dict(audit_fields or {})))
    reporter = Reporter(progress)
    committed = False
    conn: sqlite3.Connection | None = None
    info: BackupInfo | None = None
    try:
        if backup:
            conn = hold_write_lock(p, timeout=busy_timeout * attempts)
            info = create_backup(p, backup_dir, progress=progress, connection=conn)
        else:
            conn = connect_rw(p, timeout=busy_timeout)
            conn.execute("PRAGMA foreign_keys=OFF")
        with translated_errors(p, "edit"), reporter.step("edit", f"Edit: {action}") as step:
            retries = _retrying(p, "BEGIN IMMEDIATE", conn, attempts, busy_timeout, on_busy)
            try:
                require_head(conn, p)
                change = edit(conn)
                retries += _retrying(p, "COMMIT", conn, attempts, busy_timeout, on_busy)
                with held_interrupts():
                    committed = True
                    intent.done("ok", backup=info.path if info else None,
                                summary=change.summary, counts=dict(change.counts),
                                details=scrub(dict(change.details)), notes=list(change.notes))
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            step.detail = change.summary
    except BaseException as exc:
        if not committed:
            refused = isinstance(exc, WsadminError) and exc.refusal
            intent.done("refused" if refused else "failed-unchanged",
                        backup=info.path if info else None, message=_reason(exc))
        raise
    finally:
        if conn is not None:
            conn.close()
    return EditResult(change, info, retries)
