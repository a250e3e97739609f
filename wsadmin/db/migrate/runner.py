"""Upgrade and downgrade through Alembic's API, one transaction per command.

DESIGN.md rules 5, 6 and 9: the revision is checked before any write, the
connection has foreign keys off and pysqlite's transaction handling disabled
before BEGIN, and every revision of one command runs inside that single
transaction, so a failing revision leaves the database exactly as it was.
"""
from __future__ import annotations

import io
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wsadmin.db.common.errors import (
    MigrationFailed,
    UnknownRevision,
    WsadminError,
    classify_sqlite_error,
)
from wsadmin.db.common.progress import ProgressCallback, Reporter, StepState
from wsadmin.db.schema import chain
from wsadmin.db.sqlite.connect import connect_rw, engine_for_connection, prepare_for_migration


def migrations_dir() -> Path:
    """The shipped Alembic scripts (wsadmin.migrations; migrations/ in a checkout)."""
    import wsadmin.migrations

    return Path(wsadmin.migrations.__file__).resolve().parent


def alembic_config(connection: Any = None, on_version_apply: Any = None) -> Any:
    """An Alembic Config for the shipped migrations, with no ini file and no logging setup."""
    from alembic.config import Config

    cfg = Config(stdout=io.StringIO())
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.attributes["connection"] = connection
    cfg.attributes["on_version_apply"] = on_version_apply
    return cfg


def resolve_target(target: str | None, *, upgrading: bool) -> str | None:
    """Turn 'head', 'base', '-1'-free ids into a known revision id (None = base)."""
    if target in (None, "head") and upgrading:
        return chain.HEAD_REVISION
    if target == "base":
        return None
    if target not in chain.REVISION_IDS:
        known = ", ".join(("base", *chain.REVISION_IDS, "head"))
        raise UnknownRevision(f"unknown revision {target!r}", f"choose one of: {known}")
    return target


def run_alembic(path: Path, action: str, goal: str | None, steps: list[str],
                progress: ProgressCallback | None = None,
                connection: sqlite3.Connection | None = None,
                prepare: Callable[[sqlite3.Connection], None] | None = None) -> None:
    """Run Alembic's upgrade/downgrade on `path` inside one transaction.

    Raises MigrationFailed (database unchanged) or another WsadminError (busy,
    disk full, ...). With `connection`, that already-prepared connection is used
    (callers holding an exclusive lock pass theirs). `prepare` runs on it inside
    the same transaction before the first revision (repair's re-recording).
    """
    from alembic import command

    reporter = Reporter(progress)
    labels = {r.id: r.title for r in chain.REVISIONS}
    verb = "Upgrade to" if action == "upgrade" else "Undo"
    pending = list(steps)

    def started(rev: str) -> None:
        reporter.emit(f"{action}:{rev}", f"{verb} {rev}: {labels[rev]}", StepState.RUNNING)

    def on_version_apply(*, step: Any, **_kw: Any) -> None:
        done = pending.pop(0) if pending else str(step)
        reporter.emit(f"{action}:{done}", f"{verb} {done}: {labels[done]}", StepState.DONE)
        if pending:
            started(pending[0])

    own = connection is None
    conn = connection if connection is not None else connect_rw(path)
    try:
        if own:
            prepare_for_migration(conn)
        engine = engine_for_connection(conn)
        try:
            with engine.connect() as sa_conn, sa_conn.begin():
                if prepare is not None:
                    prepare(conn)
                started(pending[0])
                cfg = alembic_config(sa_conn, on_version_apply)
                if action == "upgrade":
                    command.upgrade(cfg, goal or "head")
                else:
                    command.downgrade(cfg, goal or "base")
        except BaseException as exc:
            failed = pending[0] if pending else "?"
            # One line, without SQLAlchemy's "[SQL: ...] [parameters: ...]" (values
            # such as connection URLs must not reach the screen or the log).
            reporter.emit(f"{action}:{failed}", f"{verb} {failed}: {labels.get(failed, '')}",
                          StepState.FAILED, _reason(exc))
            raise _as_known(exc, path, action, failed) from exc
        finally:
            if own:
                engine.dispose()  # with a borrowed connection this would close it
    finally:
        if own:
            conn.close()


def _as_known(exc: BaseException, path: Path, action: str, failed: str) -> BaseException:
    if isinstance(exc, WsadminError):
        return exc
    orig = getattr(exc, "orig", None) or exc
    known = classify_sqlite_error(orig, path, action)
    if known is not None:
        known.message = (f"{action} of revision {failed} stopped: {known.message}; "
                         "the database was left as it was")
        return known
    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
        return exc
    return MigrationFailed(f"{action} of revision {failed} failed ({_reason(exc)}); "
                           f"{path} was left as it was")


def _reason(exc: BaseException) -> str:
    """The first line of the underlying error, e.g. the text of a RAISE(ABORT, ...)."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__


