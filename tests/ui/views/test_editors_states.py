"""The editors below head (read-only, saying why, with the action that fixes it) and on a
busy database (reads: a banner with Retry; edits: retried with a message, then refused)."""

from __future__ import annotations

import functools
import hashlib
import sqlite3
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.ui.editors_helpers import ALICE, cell, editor, one, pick, submit, type_into
from tests.ui.helpers import open_and_wait
from tests.unit.health.helpers import HEAD, build
from wsadmin.db import editors as core_editors
from wsadmin.db.editors import runner as edit_runner
from wsadmin.db.schema.demo import build_demo
from wsadmin.ui.dialogs.change import ChangeDialog
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.views.editor_view import EditorView
from wsadmin.ui.views.user_forms import EditUserDialog

# state -> how it is made, and the action its banner offers (None: wsadmin cannot help)
STATES: dict[str, tuple[str, str | None]] = {
    "legacy": ("demo", "upgrade"),
    "001": ("demo", "upgrade"),
    "stuck_at_001": ("demo", "upgrade"),
    "unversioned_head": ("demo", "adopt"),
    "recorded_ahead_of_shape": ("demo", "repair"),
    "half_initialised": ("demo", "repair"),
    "mixed": ("demo", "repair"),
    "002": ("build", "upgrade"),
    "e73bf9fb92f4": ("build", "upgrade"),
    "half_upgraded": ("leftover", "repair"),
    "unknown_revision": ("unknown", None),
    "empty": ("empty", "init"),
}


def made(tmp_path: Path, state: str) -> Path:
    how, _action = STATES[state]
    if how == "demo":
        return build_demo(tmp_path / f"{state}.db", users=12, state=state)
    if how == "build":
        return build(tmp_path, state)
    if how == "leftover":
        return build(tmp_path, HEAD, "CREATE TABLE _alembic_tmp_users (id INTEGER)")
    if how == "unknown":
        return build(tmp_path, HEAD, "UPDATE alembic_version SET version_num = 'f00dfeed1234'")
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("state", list(STATES))
def test_read_only_below_head_with_the_action_that_fixes_it(
        window: MainWindow, qtbot: QtBot, tmp_path: Path, state: str) -> None:
    db = made(tmp_path, state)
    before = digest(db)
    action = STATES[state][1]
    status = open_and_wait(window, qtbot, db)
    # the demo's 001 is recorded 001 with 001's shape: stuck there, whoever made it
    expected = {"002": "at_revision", "e73bf9fb92f4": "at_revision", "001": "stuck_at_001"}
    assert status.state.value == expected.get(state, state), status.state
    for key in ("users", "workspaces"):
        view = window.views[key]
        assert isinstance(view, EditorView)
        window.show_view(key)
        qtbot.waitUntil(lambda v=view: not v.readonly_banner.isHidden()
                        and (v.model.complete or v.model.error is not None), timeout=15_000)
        window.session.settle()
        assert not view.editable
        text = view.readonly_banner.label.text()
        assert text.startswith("<b>Read-only.</b> ") and len(text) > 40, text
        buttons = view.edit_buttons() + view.row_buttons()
        if view.model.rowCount():
            view.table.selectRow(0)
            qtbot.waitUntil(lambda v=view: v.selected_id() is not None, timeout=10_000)
        assert not any(b.isEnabled() for b in buttons), key
        if key == "workspaces" and view.model.rowCount():     # still open to look at
            view.open_button.click()              # type: ignore[attr-defined]
            form = window.views["workspaces"].last_dialog   # type: ignore[attr-defined]
            qtbot.waitUntil(lambda f=form: getattr(f, "row", None) is not None
                            or "no " in f.status.text(), timeout=10_000)
            assert not form.submit_button.isVisible()
            assert not form.findChild(type(form.submit_button), "addMemberButton").isEnabled()
            assert not form.findChild(type(form.submit_button),
                                      "saveSettingsButton").isEnabled()
            window.session.settle()
            form.close()
        shown = view.readonly_banner.button
        if action is None:
            assert shown.isHidden()
            continue
        assert not shown.isHidden()
        assert shown.text() == {"upgrade": "Upgrade…", "adopt": "Adopt…", "repair": "Repair…",
                                "init": "Initialise…"}[action]
        shown.click()
        dialog = window.last_dialog
        assert isinstance(dialog, ChangeDialog) and dialog.action == action
        window.session.settle()
        dialog.close()
    window.session.settle()
    assert digest(db) == before                  # showing and refusing wrote nothing
    if state == "001":                           # readable below head: rows shown, no edits
        assert window.views["users"].model.rowCount() == 12     # type: ignore[attr-defined]


def test_a_busy_database_read_shows_retry(window: MainWindow, qtbot: QtBot, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path, HEAD)
    monkeypatch.setattr(edit_runner, "read_without_side_files",
                        functools.partial(edit_runner.read_without_side_files, timeout=0.2))
    open_and_wait(window, qtbot, db)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")              # a writer mid-commit: readers wait
        view = window.views["users"]
        assert isinstance(view, EditorView)
        window.show_view("users")
        qtbot.waitUntil(lambda: not view.busy_banner.isHidden(), timeout=15_000)
        window.session.settle()
        assert "Could not read the users" in view.busy_banner.label.text()
        assert "busy: another program is using it" in view.busy_banner.label.text()
        assert view.busy_banner.button.text() == "Retry"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    view.busy_banner.button.click()
    qtbot.waitUntil(lambda: view.model.complete and view.model.rowCount() == 4, timeout=15_000)
    window.session.settle()
    assert view.busy_banner.isHidden() and view.count_label.text() == "4 users"


def test_a_busy_database_edit_waits_says_so_then_refuses(
        window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    db = build(tmp_path, HEAD)
    monkeypatch.setattr(core_editors, "run_edit",
                        functools.partial(core_editors.run_edit, busy_timeout=0.2))
    view = editor(window, qtbot, db, "users")
    pick(view, qtbot, ALICE)
    view.edit_selected()
    dialog = view.last_dialog
    assert isinstance(dialog, EditUserDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=10_000)
    said: list[str] = []
    shown = dialog.set_status
    monkeypatch.setattr(dialog, "set_status", lambda text, **kw: (said.append(text),
                                                                  shown(text, **kw)))
    type_into(dialog.email, "alice@busy.example.org")
    backend = sqlite3.connect(db, isolation_level=None)
    try:
        backend.execute("BEGIN IMMEDIATE")            # the backend holds the write lock
        submit(dialog, window, qtbot)
    finally:
        backend.execute("ROLLBACK")
        backend.close()
    assert any("The database is busy" in t and "trying again (2 of 3)" in t for t in said)
    assert "Nothing was changed" in dialog.status.text() and "stayed locked" in \
        dialog.status.text()
    assert dialog.isVisible()
    assert one(db, "SELECT email FROM users WHERE id = 1") == "alice@example.org"
    submit(dialog, window, qtbot)                     # the lock is gone: Save again works
    assert one(db, "SELECT email FROM users WHERE id = 1") == "alice@busy.example.org"
    qtbot.waitUntil(lambda: cell(view, ALICE, "email") == "alice@busy.example.org",
                    timeout=10_000)
