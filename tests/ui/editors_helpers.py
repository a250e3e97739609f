"""Helpers for the editors' GUI tests: open a database in an editor, pick a row, fill a
form and submit it the way an operator does, read back what the database holds."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from tests.ui.helpers import open_and_wait
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.views.editing import EditDialog
from wsadmin.ui.views.editor_view import EditorView

# The standard database of tests/unit/health/helpers.py: user n owns workspace n.
ALICE, BOB, CAROL, DAVE = 1, 2, 3, 4
SLUGS = {1: "alices-workspace", 2: "bobs-workspace", 3: "carols-workspace",
         4: "daves-workspace"}


def editor(window: MainWindow, qtbot: QtBot, db: Path, key: str) -> EditorView:
    """`db` open, the editor `key` ("users" | "workspaces") shown with its ids read."""
    open_and_wait(window, qtbot, db)
    view = window.views[key]
    assert isinstance(view, EditorView)
    window.show_view(key)
    qtbot.waitUntil(lambda: (view.model.complete and view.model.rowCount() > 0)
                    or not view.readonly_banner.isHidden(), timeout=15_000)
    window.session.settle()
    return view


def pick(view: EditorView, qtbot: QtBot, key: int) -> None:
    """Select the row of id `key` (its page read)."""
    assert view.select_id(key), f"id {key} is not listed"
    qtbot.waitUntil(lambda: view.model.row_at(view.model.row_of(key)) is not None,
                    timeout=10_000)
    view.select_id(key)
    assert view.selected_id() == key


def type_into(edit: Any, text: str) -> None:
    """Replace the text as typing does (textEdited fires: live checks run)."""
    assert isinstance(edit, QLineEdit)
    edit.setText(text)
    edit.textEdited.emit(text)


def checked(dialog: EditDialog, window: MainWindow, qtbot: QtBot) -> None:
    """Run the live checks waiting to run, and wait for their answers."""
    dialog.flush_checks()
    window.session.settle()
    qtbot.wait(10)
    window.session.settle()


def submit(dialog: EditDialog, window: MainWindow, qtbot: QtBot, button: Any = None) -> None:
    """Press the form's button (Save by default) and wait for the edit to end."""
    checked(dialog, window, qtbot)
    (button or dialog.submit_button).click()
    qtbot.waitUntil(lambda: dialog.op is None, timeout=30_000)
    window.session.settle()


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def one(db: Path, sql: str, *params: Any) -> Any:
    found = rows(db, sql, *params)
    return found[0][0] if found else None


def cell(view: EditorView, key: int, column: str) -> str:
    at = view.model.row_of(key)
    col = next(i for i, c in enumerate(view.model.columns) if c.key == column)
    return str(view.model.data(view.model.index(at, col)))
