"""The database file itself, before and around SQLite: is it a SQLite file, and
writing files safely beside it (DESIGN.md rule 10: atomic, permissions no
wider than the database's).

`check_file` reads the header with its own descriptor, so it runs only while
this process has no SQLite connection to the file open (closing any other
descriptor would drop that connection's POSIX locks).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import struct
from pathlib import Path
from typing import Final, NamedTuple

from wsadmin.db.common.errors import (
    CorruptDatabase,
    DatabaseMissing,
    NotADatabase,
    NotAFile,
    WsadminError,
    classify_sqlite_error,
)


def mode_no_wider_than(reference: Path) -> int:
    """Permission bits for a file derived from `reference`: never wider, never executable."""
    try:
        ref = stat.S_IMODE(reference.stat().st_mode)
    except OSError:
        ref = 0o600
    return ref & 0o666


def fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Opening never blocks (a FIFO with no writer) and never makes a terminal ours.
# Windows has neither flag, nor FIFOs to fear.
READ_NO_WAIT = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of a small regular file. Never blocks on a FIFO or reads a device
    forever: OSError(EINVAL) for anything but a regular file, EFBIG over `limit`."""
    fd = os.open(path, READ_NO_WAIT)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if st.st_size > limit:
            raise OSError(errno.EFBIG, f"larger than {limit:,} bytes", str(path))
        chunks = []
        while chunk := os.read(fd, limit + 1):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o600) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


SQLITE_MAGIC: Final = b"SQLite format 3\x00"
WAL_VERSION_BYTES: Final = b"\x02\x02"   # header bytes 18-19 of a database in WAL mode


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


def free_bytes(folder: Path) -> int:
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


def same_filesystem(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_dev == b.stat().st_dev
    except OSError:
        return False


def file_state(path: Path) -> tuple[int, int, int, bool, bool]:
    """(inode, size, mtime, has -wal, has -shm): equal before and after a read means
    nobody changed the file meanwhile. stat only: never opens the file."""
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns,
            path.with_name(path.name + "-wal").exists(),
            path.with_name(path.name + "-shm").exists())
