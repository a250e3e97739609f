"""Crash reports: an uncaught exception in a slot or in a worker thread becomes a dialog
(traceback, versions, Copy) and a crash.log entry (0600), with no secret in either."""

from __future__ import annotations

import logging
import sqlite3
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer, qVersion
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from wsadmin.db.common.errors import NotADatabase
from wsadmin.ui.crash import (
    CRASH_LOG,
    CrashHandler,
    RedactingFormatter,
    crash_log_path,
    redact,
    write_crash_log,
)
from wsadmin.ui.crash_dialog import CrashDialog
from wsadmin.ui.widgets.errors import ErrorDialog, show_error

HASH = "$2b$12$" + "R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"
CONFIG = "Z0FBQUFBQm5fZmFrZUZlcm5ldFRva2VuVGhhdElzTG9uZ0Vub3VnaA=="
FERNET = "gAAAAABn_fakeFernetTokenThatIsLongEnough_abc123=="
BEARER = "eyJhbGciOiJIUzI1NiJ9.payload.sig"
PASSWORD = "hunter2-plain"
REDIS = "redis-pa55"
SALT = "s4lt-value-xyz"
PARAM = "share-token-in-parameters"
URL_PW = "url-secret-pw"
SECRETS = (HASH, CONFIG, FERNET, BEARER, PASSWORD, REDIS, SALT, PARAM, URL_PW)
LOCAL = "only-in-a-local-variable"


def secret_message() -> str:
    return (f"login failed for alice hash={HASH} config='{CONFIG}' raw {FERNET} "
            f"Authorization: Bearer {BEARER} password={PASSWORD} "
            f'{{"redis_password": "{REDIS}", "port": 6379}} ENCRYPTION_SALT={SALT} '
            f"redis://:{URL_PW}@localhost:6379/0\n"
            f"[SQL: UPDATE dashboards SET public_token=? WHERE id=?]\n"
            f"[parameters: ('{PARAM}', 7)]")


def assert_no_secret(text: str) -> None:
    leaked = [s for s in (*SECRETS, LOCAL) if s in text]
    assert not leaked, f"secrets leaked: {leaked}"


def boom() -> None:
    password_hash = LOCAL       # a local holding a secret: never formatted
    assert password_hash
    raise RuntimeError(secret_message())


@pytest.fixture
def handler(qtbot: QtBot) -> Iterator[tuple[CrashHandler, list[BaseException]]]:
    known: list[BaseException] = []
    crash = CrashHandler(known.append)
    crash.install()
    try:
        yield crash, known
    finally:
        crash.uninstall()
        if crash.dialog is not None:
            qtbot.addWidget(crash.dialog)
            crash.dialog.done(0)


def test_redact_removes_each_kind_of_secret_and_keeps_the_rest() -> None:
    text = redact(secret_message())
    assert_no_secret(text)
    for kept in ("login failed for alice", '"port": 6379', "UPDATE dashboards",
                 "redis://:", "@localhost:6379/0", "Bearer <hidden>", "password=<hidden>"):
        assert kept in text, kept


@pytest.mark.qt_no_exception_capture
def test_a_bug_in_a_slot_shows_the_report_logs_it_and_copies_it(
        qtbot: QtBot, handler: tuple[CrashHandler, list[BaseException]],
        capfd: pytest.CaptureFixture[str]) -> None:
    crash, known = handler
    QTimer.singleShot(0, boom)
    qtbot.waitUntil(lambda: crash.dialog is not None and crash.dialog.isVisible())
    assert crash.dialog is not None
    report = crash.dialog.text.toPlainText()
    assert "Traceback (most recent call last)" in report
    assert "in boom" in report and "RuntimeError: login failed for alice" in report
    for line in (f"Qt {qVersion()}", f"SQLite {sqlite3.sqlite_version}",
                 f"Python {sys.version.split()[0]}", "SQLAlchemy ", "Alembic ", "PySide6 "):
        assert line in report, line
    assert_no_secret(report)
    assert not known

    log = crash_log_path()
    assert str(log) in crash.dialog.saved.text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    logged = log.read_text()
    assert "in boom" in logged and "RuntimeError" in logged
    assert_no_secret(logged)
    assert_no_secret(capfd.readouterr().err)   # the terminal gets the redacted text only

    QApplication.clipboard().clear()
    crash.dialog.copy_button.click()
    assert QApplication.clipboard().text() == report
    assert crash.dialog.isVisible(), "Copy must not close the dialog"


@pytest.mark.qt_no_exception_capture
def test_a_bug_in_a_worker_thread_is_shown_by_the_gui_thread(
        qtbot: QtBot, handler: tuple[CrashHandler, list[BaseException]]) -> None:
    crash, _known = handler
    worker = threading.Thread(target=boom, name="wsadmin-db")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: crash.dialog is not None and crash.dialog.isVisible())
    assert crash.dialog is not None
    assert crash.dialog.thread() is QApplication.instance().thread()
    report = crash.dialog.text.toPlainText()
    assert "Thread wsadmin-db" in report and "in boom" in report
    assert_no_secret(report)


@pytest.mark.qt_no_exception_capture
def test_a_second_bug_joins_the_open_dialog(
        qtbot: QtBot, handler: tuple[CrashHandler, list[BaseException]]) -> None:
    crash, _known = handler
    QTimer.singleShot(0, boom)
    qtbot.waitUntil(lambda: crash.dialog is not None and crash.dialog.isVisible())
    first = crash.dialog
    QTimer.singleShot(0, boom)
    qtbot.waitUntil(lambda: first is not None and "2 bugs" in first.heading.text())
    assert crash.dialog is first
    assert first.text.toPlainText().count("Traceback (most recent call last)") == 2
    assert crash_log_path().read_text().count("Traceback (most recent call last)") == 2


@pytest.mark.qt_no_exception_capture
def test_a_known_error_keeps_its_one_line_dialog(
        qtbot: QtBot, handler: tuple[CrashHandler, list[BaseException]]) -> None:
    crash, known = handler

    def refuse() -> None:
        raise NotADatabase("notes.txt is not a SQLite database")

    QTimer.singleShot(0, refuse)
    qtbot.waitUntil(lambda: bool(known))
    assert isinstance(known[0], NotADatabase)
    assert crash.dialog is None
    assert not crash_log_path().exists()


def test_a_wider_crash_log_is_narrowed_to_0600(isolated_home: Path) -> None:
    log = isolated_home / CRASH_LOG
    log.write_text("first report\n")
    log.chmod(0o644)
    assert write_crash_log("second report") == log
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert log.read_text().startswith("first report\nsecond report")


def test_a_big_crash_log_is_rotated(isolated_home: Path) -> None:
    log = isolated_home / CRASH_LOG
    log.write_text("x" * 1_100_000)
    write_crash_log("next report")
    assert log.read_text().startswith("next report")
    assert (isolated_home / (CRASH_LOG + ".1")).stat().st_size == 1_100_000


def test_an_operation_bug_in_the_error_dialog_is_redacted_and_logged(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        boom()
    except RuntimeError as exc:
        error = exc
    dialog = ErrorDialog(None, error)
    qtbot.addWidget(dialog)
    assert "in boom" in dialog.detailedText()
    assert_no_secret(dialog.informativeText() + dialog.detailedText())
    monkeypatch.setattr(ErrorDialog, "exec", lambda self: 0)
    show_error(None, error)
    logged = crash_log_path().read_text()
    assert "in boom" in logged
    assert_no_secret(logged)


def test_log_lines_with_tracebacks_are_redacted() -> None:
    try:
        boom()
    except RuntimeError:
        record = logging.LogRecord("wsadmin.ui", logging.ERROR, __file__, 1,
                                   "bug while running %r", ("upgrade",), sys.exc_info())
    text = RedactingFormatter("%(levelname)s %(name)s: %(message)s").format(record)
    assert "bug while running 'upgrade'" in text and "in boom" in text
    assert_no_secret(text)


def test_a_bug_outside_the_event_loop_waits_for_the_operator(
        handler: tuple[CrashHandler, list[BaseException]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Start-up, or after the loop ended: a queued dialog would never show, so the hook
    shows it at once and blocks until it is closed."""
    crash, _known = handler
    shown: list[str] = []
    monkeypatch.setattr(CrashDialog, "exec", lambda self: shown.append(self.report_text()) or 0)
    try:
        boom()
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    assert len(shown) == 1 and "in boom" in shown[0]
    assert crash.dialog is not None and crash.dialog.report_text() == shown[0]
    assert_no_secret(shown[0])
