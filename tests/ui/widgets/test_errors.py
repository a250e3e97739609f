"""The error dialog: known errors in operator words, bugs with "Copy details"."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from wsadmin.db.common.errors import DatabaseLocked, NotADatabase
from wsadmin.ui.widgets.errors import ErrorDialog


def test_known_error_shows_message_and_hint_without_traceback(qtbot: QtBot) -> None:
    exc = NotADatabase("notes.txt is not a SQLite database")
    dialog = ErrorDialog(None, exc)
    qtbot.addWidget(dialog)
    assert dialog.text() == "notes.txt is not a SQLite database"
    assert dialog.informativeText() == "Choose the backend's app_metadata.db."
    assert dialog.detailedText() == ""
    assert dialog.copy_button is None
    assert dialog.icon() is QMessageBox.Icon.Warning


def test_custom_hint_is_shown(qtbot: QtBot) -> None:
    dialog = ErrorDialog(None, DatabaseLocked("db is busy", "close the backend first"))
    qtbot.addWidget(dialog)
    assert dialog.informativeText() == "Close the backend first."


def test_bug_offers_copy_details_with_the_traceback(qtbot: QtBot) -> None:
    def deep() -> None:
        raise ZeroDivisionError("division by zero in deep()")

    try:
        deep()
    except ZeroDivisionError as exc:
        error = exc
    dialog = ErrorDialog(None, error)
    qtbot.addWidget(dialog)
    assert dialog.text() == "wsadmin hit a bug"
    assert "ZeroDivisionError: division by zero in deep()" in dialog.informativeText()
    assert dialog.copy_button is not None
    QApplication.clipboard().clear()
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.copy_button.click()
    copied = QApplication.clipboard().text()
    assert "Traceback (most recent call last)" in copied
    assert "in deep" in copied and "wsadmin " in copied.splitlines()[0]
    assert dialog.isVisible(), "Copy details must not close the dialog"
    dialog.done(0)
