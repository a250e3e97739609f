"""Helpers for the GUI tests (fixtures live in conftest.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from wsadmin.ui.main_window import MainWindow


def table_counts(path: Path) -> dict[str, int]:
    """Row counts read straight from SQLite, to compare with what the GUI shows."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def open_and_wait(window: MainWindow, qtbot: QtBot, path: Path | str) -> Any:
    with qtbot.waitSignal(window.statusChanged, timeout=10_000) as blocker:
        window.open_database(str(path))
    return blocker.args[0]


def idle(window: MainWindow, qtbot: QtBot) -> None:
    """End a test with nothing in flight: no operation queued or running, no pending
    automatic refresh (the file watcher's debounce) that would start one."""
    def quiet() -> bool:
        runner = window.runner
        return (runner is None or not runner.busy) and not window._debounce.isActive()

    qtbot.waitUntil(quiet, timeout=20_000)
    qtbot.wait(50)
    qtbot.waitUntil(quiet, timeout=20_000)
