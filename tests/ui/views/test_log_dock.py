"""The log dock: this session's operations in CLI words, the audit log, Copy and Save."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from tests.ui.conftest import ShownError
from tests.ui.helpers import open_and_wait
from wsadmin.db.common import audit
from wsadmin.db.common.errors import DatabaseLocked
from wsadmin.db.common.progress import Reporter
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.ops.op import DbOp

DemoDb = Callable[..., Path]


def two_steps(*, progress: object) -> str:
    reporter = Reporter(progress)  # type: ignore[arg-type]
    with reporter.step("backup", "Back up the database") as step:
        step.detail = "/tmp/x.bak"
    with reporter.step("verify", "Verify the backup"):
        pass
    return "ok"


def test_session_log_shows_steps_like_the_cli(window: MainWindow, qtbot: QtBot,
                                             demo_db: DemoDb) -> None:
    open_and_wait(window, qtbot, demo_db("head"))
    op = window.session.run(DbOp(two_steps, label="Back up now").progress(lambda _s: None))
    qtbot.waitUntil(lambda: op.done, timeout=5000)
    text = window.log.session.toPlainText()
    assert "Back up now…" in text
    assert "  [ok] Back up the database: /tmp/x.bak" in text
    assert "  [ok] Verify the backup" in text
    assert "Back up now: done" in text
    assert text.index("[ok] Back up") < text.index("[ok] Verify") < text.index("now: done")
    assert "List the backups" not in text and "Read the audit" not in text, \
        "background reads stay out of the log"


def test_failures_are_logged_with_their_one_line(window: MainWindow, qtbot: QtBot,
                                                demo_db: DemoDb,
                                                shown_errors: list[ShownError]) -> None:
    open_and_wait(window, qtbot, demo_db("head"))

    def locked() -> None:
        raise DatabaseLocked("app.db is busy: another program is using it")

    op = window.session.run(DbOp(locked, label="Upgrade"))
    qtbot.waitUntil(lambda: op.done, timeout=5000)
    assert f"Upgrade: error: app.db is busy: another program is using it ({DatabaseLocked.hint})" \
        in window.log.session.toPlainText()
    assert shown_errors and shown_errors[0].text.startswith("app.db is busy")


def test_audit_tab_shows_this_databases_entries(window: MainWindow, qtbot: QtBot,
                                               demo_db: DemoDb) -> None:
    db = demo_db("head")
    audit.record("upgrade", db, "ok", from_revision="001", to_revision="002")
    audit.record("upgrade", db.with_name("other.db"), "ok")
    open_and_wait(window, qtbot, db)
    qtbot.waitUntil(lambda: "upgrade" in window.log.audit.toPlainText(), timeout=5000)
    text = window.log.audit.toPlainText()
    assert len(text.splitlines()) == 1
    assert '"from_revision": "001"' in text and "  ok  " in text
    audit.record("restore", db, "ok")
    window.log.tabs.setCurrentIndex(1)
    window.log.reload_button.click()
    qtbot.waitUntil(lambda: "restore" in window.log.audit.toPlainText(), timeout=5000)


def test_copy_and_save(window: MainWindow, qtbot: QtBot, demo_db: DemoDb, tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    open_and_wait(window, qtbot, demo_db("head"))
    op = window.session.run(DbOp(two_steps, label="Back up now").progress(lambda _s: None))
    qtbot.waitUntil(lambda: op.done, timeout=5000)
    window.log.show()
    window.log.tabs.setCurrentIndex(0)
    QApplication.clipboard().clear()
    window.log.copy_button.click()
    assert QApplication.clipboard().text() == window.log.session.toPlainText()
    assert "[ok] Verify the backup" in QApplication.clipboard().text()

    target = tmp_path / "saved.log"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: (str(target), "")))
    window.log.save_button.click()
    assert target.read_text(encoding="utf-8") == window.log.session.toPlainText() + "\n"
    assert str(target) in window.log.info.text()


def test_save_to_an_unwritable_place_is_a_known_error(
        window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        shown_errors: list[ShownError]) -> None:
    target = tmp_path / "no-such-folder" / "x.log"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: (str(target), "")))
    window.log.save_button.click()
    assert shown_errors and "could not save the log" in shown_errors[0].text
    assert not shown_errors[0].has_copy_button
