"""Opening app_metadata.db with SQLite: read-only and writable connections, quiet
reads that leave no side files, the pragmas a migration needs, and the
SQLAlchemy engine that hands one such connection to Alembic.

A second database engine gets a sibling of this package; the services above
only see connections and the errors of wsadmin.db.common.errors.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar
from urllib.parse import quote

from wsadmin.db.common.errors import (
    NotADatabase,
    WsadminError,
    classify_sqlite_error,
)
from wsadmin.db.sqlite.files import check_file, file_state

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


DEFAULT_BUSY_TIMEOUT_S: Final = 5.0


def _uri(path: Path, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    # Quoted from the file name's bytes: a name that is not UTF-8 (os.fsdecode's
    # surrogates) still reaches SQLite as the file it names.
    return f"file:{quote(os.fsencode(path.absolute()))}?{query}"


def _connect(path: Path, timeout: float, **params: str) -> sqlite3.Connection:
    try:
        return sqlite3.connect(_uri(path, **params), uri=True, timeout=timeout,
                               isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise classify_sqlite_error(exc, path, "open") or NotADatabase(
            f"cannot open {path}: {exc}") from exc


def connect_ro(path: str | Path, *, immutable: bool = False, timeout: float = DEFAULT_BUSY_TIMEOUT_S
               ) -> sqlite3.Connection:
    """Open read-only; never creates the file. `immutable` only for backups nobody writes."""
    if immutable:
        return _connect(Path(path), timeout, mode="ro", immutable="1")
    return _connect(Path(path), timeout, mode="ro")


def connect_rw(path: str | Path, *, create: bool = False, timeout: float = DEFAULT_BUSY_TIMEOUT_S
               ) -> sqlite3.Connection:
    """Open for writing in autocommit mode, so that callers issue BEGIN themselves."""
    return _connect(Path(path), timeout, mode="rwc" if create else "rw")


_T = TypeVar("_T")



def read_quietly(path: str | Path,
                 work: Callable[[Callable[[], sqlite3.Connection]], _T],
                 *, timeout: float = DEFAULT_BUSY_TIMEOUT_S) -> _T:
    """Run read-only `work`, leaving no new -wal/-shm files behind (rule 8).

    `work` gets an opener and may open as many read-only connections as it
    likes (the health checks use two); they are all closed afterwards.

    A read-only connection to a WAL database creates -wal and -shm beside it and,
    unable to checkpoint, leaves them there. When neither exists, no connection
    has the database open in WAL mode and every committed page is in the main
    file: then the file is read with immutable=1 (no side files, no locks), and
    afterwards the read is accepted only if nothing touched the file meanwhile
    (same inode, size and mtime, still no -wal/-shm). Otherwise, and for every
    other database, it is read through ordinary read-only connections.
    """
    p = Path(path)
    facts = check_file(p)
    if facts.wal_mode and not facts.has_wal and not facts.has_shm:
        before = file_state(p)
        quiet: list[sqlite3.Connection] = []

        def open_immutable() -> sqlite3.Connection:
            quiet.append(connect_ro(p, immutable=True, timeout=timeout))
            return quiet[-1]

        try:
            result = work(open_immutable)
        except (sqlite3.Error, WsadminError):
            # A writer that opened the file meanwhile makes an immutable read see torn
            # pages ("malformed"); only an error on an unchanged file is the file's own.
            if file_state(p) == before:
                raise
        else:
            if file_state(p) == before:
                return result
        finally:
            for conn in quiet:
                conn.close()
        # Something opened and changed the database while we read: read it normally.
    opened: list[sqlite3.Connection] = []

    def open_plain() -> sqlite3.Connection:
        opened.append(connect_ro(p, timeout=timeout))
        return opened[-1]

    try:
        return work(open_plain)
    finally:
        for conn in opened:
            conn.close()


def read_without_side_files(path: str | Path, work: Callable[[sqlite3.Connection], _T],
                            *, timeout: float = DEFAULT_BUSY_TIMEOUT_S) -> _T:
    """`read_quietly` for work that needs one connection."""
    return read_quietly(path, lambda open_conn: work(open_conn()), timeout=timeout)


@contextlib.contextmanager
def translated_errors(path: str | Path, doing: str) -> Iterator[None]:
    """Turn sqlite3/OS errors raised inside the block into the WsadminError family."""
    try:
        yield
    except WsadminError:
        raise
    except (sqlite3.Error, OSError) as exc:
        known = classify_sqlite_error(exc, path, doing)
        if known is None:
            raise
        raise known from exc


def prepare_for_migration(conn: sqlite3.Connection) -> None:
    """Pragmas that must be set outside any transaction before a migration.

    foreign_keys=OFF: batch-mode table rebuilds would otherwise cascade-delete
    child rows. legacy_alter_table=ON: the rename at the end of a rebuild must
    not re-validate views and triggers that name the table being rebuilt.
    """
    if conn.in_transaction:
        raise RuntimeError("migration pragmas must be set before BEGIN")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA legacy_alter_table=ON")


def engine_for_connection(conn: sqlite3.Connection) -> Engine:
    """A SQLAlchemy engine over one existing pysqlite connection.

    pysqlite's own transaction handling is off (isolation_level=None), so
    SQLAlchemy's begin() must emit BEGIN itself: then DDL and DML of a whole
    upgrade share one real transaction.
    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import StaticPool

    conn.isolation_level = None
    engine = create_engine("sqlite://", creator=lambda: conn, poolclass=StaticPool)

    @event.listens_for(engine, "begin")
    def _begin(sa_conn):  # type: ignore[no-untyped-def]
        sa_conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def engine_for_url(url: str) -> Engine:
    """Engine for the `alembic` command line, with the same transaction rules."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None
            prepare_for_migration(dbapi_conn)

        @event.listens_for(engine, "begin")
        def _begin(sa_conn):  # type: ignore[no-untyped-def]
            # Deferred, so that `alembic current` works on a read-only file; a
            # write that then meets a busy database fails and rolls back whole.
            sa_conn.exec_driver_sql("BEGIN")

    return engine
