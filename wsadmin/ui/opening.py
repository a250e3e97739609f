"""Opening a database: the inspection a window starts with, on the database's runner.

A module of its own so that the app can start reading the database named on its
command line before it imports and builds the main window: the worker's SQLite
work then runs alongside that.
"""

from __future__ import annotations

from pathlib import Path

from wsadmin.db.errors import ForeignDatabase
from wsadmin.db.inspect import State, Status, inspect
from wsadmin.ui.worker import DbRunner, Operation


def open_status(path: str | Path) -> Status:
    """What opening a database runs on the worker: its status, or a known error
    for files wsadmin cannot work with (not SQLite, damaged, someone else's schema)."""
    status = inspect(path)
    if status.state is State.FOREIGN:
        raise ForeignDatabase(f"{Path(path).name} is not an app_metadata.db: "
                              + "; ".join(status.problems))
    return status


def start_opening(path: str | Path) -> Operation:
    """Submit the inspection of `path` on a new runner (the operation's parent); a
    MainWindow takes both over with `open_database(path, started=<the operation>)`."""
    target = Path(path).expanduser()
    return DbRunner().submit(open_status, target, label=f"Open {target.name}")
