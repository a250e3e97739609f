"""Everything SQLite-specific about opening app_metadata.db, in one seam.

File checks, read-only and writable connections, the pragmas a migration
needs, and the SQLAlchemy engine that hands one such connection to Alembic.
A second database engine gets a sibling of this module; the services above it
only see connections and the errors of wsadmin.db.errors.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import stat
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final, NamedTuple, TypeVar
from urllib.parse import quote

from wsadmin.db.errors import (
    CorruptDatabase,
    DatabaseMissing,
    NotADatabase,
    NotAFile,
    WsadminError,
    classify_sqlite_error,
)
from wsadmin.db.fsutil import READ_NO_WAIT

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

SQLITE_MAGIC: Final = b"SQLite format 3\x00"
WAL_VERSION_BYTES: Final = b"\x02\x02"   # header bytes 18-19 of a database in WAL mode
DEFAULT_BUSY_TIMEOUT_S: Final = 5.0


# Records read on every start of the GUI are NamedTuples (a frozen dataclass costs
# ~0.6 ms to define).
class FileFacts(NamedTuple):
    path: Path
    size: int
    empty: bool
    has_wal: bool
    wal_mode: bool = False      # the header says journal_mode=WAL
    has_shm: bool = False


def _describe_non_sqlite(head: bytes) -> str:
    if head.startswith(b"\x89PNG"):
        return "a PNG image"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive"
    if head.startswith(b"\x1f\x8b"):
        return "a gzip archive"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "not a SQLite database"
    return "a text file"


def _not_a_file(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_file(path: str | Path) -> FileFacts:
    """Check that `path` names a readable SQLite file, without opening it with SQLite.

    Never blocks: only a regular file is opened (a FIFO would block an open for
    reading, /dev/zero reads forever and SQLite takes both for an empty database),
    and it is opened non-blocking and checked again, in case it was swapped meanwhile.
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise DatabaseMissing(f"{p} does not exist") from None
    except OSError as exc:
        raise classify_sqlite_error(exc, p, "read") or WsadminError(str(exc)) from None
    what = _not_a_file(st.st_mode)
    if what is not None:
        raise NotAFile(f"{p} is {what}, not a database file")
    has_wal = p.with_name(p.name + "-wal").exists()
    has_shm = p.with_name(p.name + "-shm").exists()
    if st.st_size == 0:
        return FileFacts(p, 0, True, has_wal, False, has_shm)
    try:
        fd = os.open(p, READ_NO_WAIT)
        try:
            what = _not_a_file(os.fstat(fd).st_mode)
            header = b"" if what is not None else os.read(fd, 100)
        finally:
            os.close(fd)
    except OSError as exc:
        raise classify_sqlite_error(exc, p, "read") or WsadminError(str(exc)) from None
    if what is not None:
        raise NotAFile(f"{p} is {what}, not a database file")
    if not header.startswith(SQLITE_MAGIC):
        raise NotADatabase(f"{p} is {_describe_non_sqlite(header[:64])}, not a SQLite database")
    if len(header) < 100:
        raise CorruptDatabase(f"{p} is truncated: its SQLite header is incomplete")
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    change_counter, page_count = struct.unpack(">II", header[24:32])
    valid_for = struct.unpack(">I", header[92:96])[0]
    # The in-header size is only trustworthy when "version-valid-for" matches the
    # change counter; with a -wal file, newer pages may live there instead.
    if valid_for == change_counter and not has_wal and page_count * page_size > st.st_size:
        raise CorruptDatabase(
            f"{p} is truncated: it should be {page_count * page_size} bytes but is {st.st_size}"
        )
    return FileFacts(p, st.st_size, False, has_wal, header[18:20] == WAL_VERSION_BYTES, has_shm)


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


def _file_state(path: Path) -> tuple[int, int, int, bool, bool]:
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns,
            path.with_name(path.name + "-wal").exists(),
            path.with_name(path.name + "-shm").exists())


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
        before = _file_state(p)
        quiet: list[sqlite3.Connection] = []

        def open_immutable() -> sqlite3.Connection:
            quiet.append(connect_ro(p, immutable=True, timeout=timeout))
            return quiet[-1]

        try:
            result = work(open_immutable)
        except sqlite3.Error:
            if _file_state(p) == before:
                raise           # the file itself is damaged, not changed under us
        else:
            if _file_state(p) == before:
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


def journal_mode(conn: sqlite3.Connection) -> str:
    return str(conn.execute("PRAGMA journal_mode").fetchone()[0])


def table_names(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return [str(r[0]) for r in rows]


def column_names(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(f'PRAGMA table_info("{table}")').fetchall()]


_LENGTH = re.compile(r"\(\s*(\d+)\s*(?:,\s*\d+\s*)?\)")


def declared_length(conn: sqlite3.Connection, table: str, column: str) -> int | None:
    """The length a column is declared with (`VARCHAR(64)`: 64), or None.

    SQLite does not enforce it, but the backend's ORM and other databases do:
    values wsadmin makes up must fit it.
    """
    for row in conn.execute(f"PRAGMA table_info({quote_ident(table)})"):
        if str(row[1]) == column:
            found = _LENGTH.search(str(row[2] or ""))
            return int(found.group(1)) if found and int(found.group(1)) > 0 else None
    return None


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
