"""Upgrade and downgrade through Alembic's API, one transaction per command.

DESIGN.md rules 5, 6 and 9: the revision is checked before any write, the
connection has foreign keys off and pysqlite's transaction handling disabled
before BEGIN, and every revision of one command runs inside that single
transaction, so a failing revision leaves the database exactly as it was.
"""
from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from typing import Any

from wsadmin.db import revisions
from wsadmin.db.common.errors import (
    ForeignDatabase,
    HalfUpgraded,
    MigrationFailed,
    UnknownRevision,
    WsadminError,
    classify_sqlite_error,
)
from wsadmin.db.common.progress import ProgressCallback, Reporter, StepState
from wsadmin.db.inspect import State, Status
from wsadmin.db.sqlite.connect import connect_rw, engine_for_connection, prepare_for_migration


def alembic_config(connection: Any = None, on_version_apply: Any = None) -> Any:
    """An Alembic Config for the shipped migrations, with no ini file and no logging setup."""
    from alembic.config import Config

    cfg = Config(stdout=io.StringIO())
    cfg.set_main_option("script_location", str(revisions.migrations_dir()))
    cfg.attributes["connection"] = connection
    cfg.attributes["on_version_apply"] = on_version_apply
    return cfg


def resolve_target(target: str | None, *, upgrading: bool) -> str | None:
    """Turn 'head', 'base', '-1'-free ids into a known revision id (None = base)."""
    if target in (None, "head") and upgrading:
        return revisions.head()
    if target == "base":
        return None
    if target not in revisions.ids():
        known = ", ".join(("base", *revisions.ids(), "head"))
        raise UnknownRevision(f"unknown revision {target!r}", f"choose one of: {known}")
    return target


def ensure_migratable(status: Status) -> None:
    """Rule 9: refuse before any write unless the database is in a state we know."""
    if status.state is State.UNKNOWN_REVISION:
        raise UnknownRevision(f"{status.path} is at revision {status.current_revision!r}, "
                              "which this wsadmin does not know")
    if status.state is State.HALF_UPGRADED:
        raise HalfUpgraded(f"{status.path} is half-upgraded: " + "; ".join(status.problems))
    if status.state is State.FOREIGN:
        raise ForeignDatabase(f"{status.path} is not an app_metadata.db: "
                              + "; ".join(status.problems))


def run_alembic(path: Path, action: str, goal: str | None, steps: list[str],
                progress: ProgressCallback | None = None,
                connection: sqlite3.Connection | None = None) -> None:
    """Run Alembic's upgrade/downgrade on `path` inside one transaction.

    Raises MigrationFailed (database unchanged) or another WsadminError (busy,
    disk full, ...). With `connection`, that already-prepared connection is used
    (callers holding an exclusive lock pass theirs).
    """
    from alembic import command

    reporter = Reporter(progress)
    labels = {r.id: r.title for r in revisions.chain()}
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
        started(pending[0])
        try:
            with engine.connect() as sa_conn, sa_conn.begin():
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


