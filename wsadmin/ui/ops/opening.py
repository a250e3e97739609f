"""Opening a database: the inspection a session starts with, on a new runner.

A module of its own so that the app can start reading the database named on its
command line before it imports and builds the main window: the worker's SQLite
work then runs alongside that.
"""

from __future__ import annotations

from pathlib import Path

from wsadmin.ui.ops import early_read
from wsadmin.ui.ops.core import ForeignDatabase, State, Status, inspect
from wsadmin.ui.ops.op import DbOp
from wsadmin.ui.ops.runner import DbRunner


def open_status(path: str | Path) -> Status:
    """What opening a database runs on the worker: its status, or a known error
    for files wsadmin cannot work with (not SQLite, damaged, someone else's schema)."""
    status = early_read.take(path) or inspect(path)
    if status.state is State.FOREIGN:
        # SCHEMA.md: refuse everything on someone else's database, checks included.
        raise ForeignDatabase(f"{Path(path).name} is not an app_metadata.db",
                              status.summary.removeprefix("Not the backend's database: "))
    return status


def start_opening(path: str | Path) -> DbOp[Status]:
    """Submit the inspection of `path` on a new runner (`op.runner`); a Session takes
    both over with `open(path, started=op)`."""
    target = Path(path).expanduser()
    return DbOp(open_status, target, label=f"Open {target.name}").submit(DbRunner())
