"""The status of the database named on the command line, read by a child process
while the GUI starts.

Reading a status loads the shapes of every revision and compares the database
with each of them: about as much Python as the rest of the first screen, Qt
aside. A thread does not help (the GIL makes it take turns with the window being
built); a child forked before Qt is imported does it on another core. It sends
the `Status` back through a pipe and exits: the dict of `wsadmin status --json`,
marshalled (both ends are this interpreter, and marshal is built in, where json or
pickle would cost the window's process ~5 or ~15 ms to import).

Anything else (the child failed, sent nothing or garbage, took too long, the
system cannot fork, another path is opened) and the opening reads the status
itself, as it always did, raising the same known errors: the child only ever
saves time, it never decides what the operator is told.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wsadmin.db.schema.status_types import Status

WAIT_S = 30.0       # a child still reading after this long is killed; the opening reads


class _Child:
    __slots__ = ("fd", "path", "pid")

    def __init__(self, path: str, pid: int, fd: int) -> None:
        self.path, self.pid, self.fd = path, pid, fd


_child: _Child | None = None


def _target(path: str | Path) -> str:
    return str(Path(path).expanduser())


def start(path: str | Path) -> bool:
    """Fork a child that reads `path`'s status (Linux; before Qt or any thread exists,
    which makes forking safe). Whether one was started."""
    global _child
    if (_child is not None or not sys.platform.startswith("linux")
            or "PySide6.QtCore" in sys.modules or threading.active_count() > 1):
        return False            # a host that runs Qt or threads already is not forked
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return False
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return False
    if pid == 0:                            # the child: never returns
        os.close(read_end)
        _answer(path, write_end)
    os.close(write_end)
    _child = _Child(_target(path), pid, read_end)
    return True


def _answer(path: str | Path, fd: int) -> None:
    code = 1
    try:
        # Silent: whatever it would say, the opening says again if it matters.
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        import marshal

        from wsadmin.db.schema.status import inspect

        data = marshal.dumps(inspect(_target(path)).to_json())
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        code = 0
    except BaseException:       # any failure: the opening reads the status itself
        pass
    finally:
        os._exit(code)          # nothing of the parent's (buffers, atexit) runs twice


def take(path: str | Path, wait_s: float = WAIT_S) -> Status | None:
    """The child's status of `path`, or None (no child, another path, no usable answer).
    Called once, by the opening, on the worker; the child is reaped whatever happens."""
    global _child
    child, _child = _child, None
    if child is None:
        return None
    try:
        data = _read_all(child.fd, wait_s) if child.path == _target(path) else b""
    finally:
        os.close(child.fd)
        _reap(child.pid)
    if not data:
        return None
    import marshal

    from wsadmin.db.schema.status_types import Status

    try:
        return Status.from_json(marshal.loads(data))
    except (ValueError, EOFError, KeyError, TypeError):     # not a status: read it here
        return None


def _read_all(fd: int, wait_s: float) -> bytes:
    """Everything the child writes until it closes the pipe; b"" after `wait_s`."""
    import select
    import time

    chunks: list[bytes] = []
    deadline = time.monotonic() + wait_s
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return b""
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _reap(pid: int) -> None:
    try:
        if os.waitpid(pid, os.WNOHANG) == (0, 0):
            import signal

            os.kill(pid, signal.SIGKILL)        # still reading: its answer is not wanted
            os.waitpid(pid, 0)
    except ChildProcessError:
        pass
