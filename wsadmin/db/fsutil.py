"""Atomic, permission-preserving file writes (DESIGN.md rule 10)."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path


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
