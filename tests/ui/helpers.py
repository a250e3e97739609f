"""Helpers for the GUI tests (fixtures live in conftest.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pytestqt.qtbot import QtBot

from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.ops.core import Status


def table_counts(path: Path) -> dict[str, int]:
    """Row counts read straight from SQLite, to compare with what the GUI shows."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def open_and_wait(window: MainWindow, qtbot: QtBot, path: Path | str) -> Status:
    """Open `path` and wait until the session is quiet (status, backups and their checks
    read); returns the status the window shows."""
    with qtbot.waitSignal(window.session.opened, timeout=10_000):
        window.open_database(str(path))
    window.session.settle()
    assert window.session.status is not None
    return window.session.status


def idle(window: MainWindow, qtbot: QtBot) -> None:
    """End a test with nothing in flight: no operation queued or running, no pending
    re-read after a change on disk."""
    window.session.settle()


def add_user(uid: int) -> str:
    """SQL adding one user with the columns the backend requires (SCHEMA.md)."""
    return (f"INSERT INTO users (id, username, email, password_hash, role, is_active) "
            f"VALUES ({uid}, 'added{uid}', 'added{uid}@example.org', 'x', 'viewer', 1)")
