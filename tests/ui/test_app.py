"""The entry points open the window quickly, without SQLAlchemy or Alembic."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.helpers import open_and_wait
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.ops import opening
from wsadmin.ui.settings import Settings
from wsadmin.ui.widgets.errors import ErrorDialog

DemoDb = Callable[..., Path]
BIN = Path(sys.executable).parent


def run_app(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, WSADMIN_HOME=str(home), WSADMIN_EXIT_WHEN_READY="1",
               QT_QPA_PLATFORM="offscreen")
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=60,
                          check=False)


@pytest.mark.parametrize("launcher", ["wsadmin gui", "wsadmin-gui", "python -m wsadmin gui"])
def test_launchers_open_the_window_on_a_database(launcher: str, demo_db: DemoDb,
                                                 tmp_path: Path) -> None:
    db = demo_db("001")
    first, *rest = launcher.split()
    cmd = [sys.executable, *rest] if first == "python" else [str(BIN / first), *rest]
    done = run_app([*cmd, str(db)], tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert f"wsadmin: ready {db.name} at revision 001" in done.stdout, \
        "the window was shown on that database's status"


def test_plain_wsadmin_opens_the_start_page(tmp_path: Path) -> None:
    done = run_app([str(BIN / "wsadmin")], tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert "wsadmin: ready" in done.stdout


def test_startup_does_not_import_sqlalchemy_or_alembic(demo_db: DemoDb,
                                                       tmp_path: Path) -> None:
    db = demo_db("head")
    done = run_app([sys.executable, "-X", "importtime", "-m", "wsadmin", "gui", str(db)],
                   tmp_path / "home")
    assert "wsadmin: ready" in done.stdout
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "wsadmin.ui.main_window" in imported
    assert not {m for m in imported if m.split(".")[0] in ("sqlalchemy", "alembic")}


def test_deferred_views_learn_about_the_open_database(qtbot: QtBot, demo_db: DemoDb) -> None:
    window = MainWindow(Settings(), defer_views=True)
    qtbot.addWidget(window)
    window.show()
    try:
        assert list(window.views) == ["overview"]
        open_and_wait(window, qtbot, demo_db("001"))
        window.install_views()
        window.install_views()           # once only
        assert list(window.views) == ["overview", "migrations", "backups", "health", "users",
                                      "workspaces"]
        assert not window.views["users"].editable          # type: ignore[attr-defined]
        assert not window.views["users"].readonly_banner.isHidden()  # type: ignore[attr-defined]
        migrations = window.views["migrations"]
        assert migrations.cards["001"].state == "current", \
            "a view made after the database was opened shows its status"
        assert migrations.cards["002"].state == "pending"
        assert migrations.cards["20251109220344"].state == "pending"
        assert all(isinstance(v, QWidget) for v in window.views.values())
    finally:
        _close_quick(window)


def _close_quick(window: MainWindow) -> None:
    try:
        window.session.settle()
    finally:
        window.close()
        window.session.shutdown()


def test_quick_start_shows_the_status_in_the_first_frame(qtbot: QtBot, demo_db: DemoDb) -> None:
    db = demo_db("001", users=37)
    window = MainWindow(Settings(), defer_views=True, open_path=db)
    qtbot.addWidget(window)
    window.show_first_screen()
    try:
        # A small database is read within FIRST_STATUS_WAIT_MS: no "Reading…" frame.
        assert window.isVisible() and window.session.is_open
        assert window.current_view == "overview"
        assert window.overview.count_labels["users"].text() == "37"
        assert window.overview.revision_value.text() == "001"
        assert not window.startup_finished, "the rest comes after the first frame"
        first_layout = _laid_out(window)
        # Right after it: the other views, the log, the last backup, the recent list.
        qtbot.waitUntil(lambda: window.startup_finished, timeout=5000)
        qtbot.waitUntil(lambda: window.overview.backup_value.text() == "None yet",
                        timeout=5000)
        assert _laid_out(window) == first_layout, \
            "what comes after the first frame does not move the Overview's cards"
        assert len(window.views) > 1
        assert f"Open {db.name}" in window.log.session.toPlainText(), \
            "the opening, done before the log had its widgets, is in the session log"
        qtbot.waitUntil(lambda: window.overview.backup_value.text() == "None yet",
                        timeout=5000)
        assert window.start_page.recent_list.count() == 1
    finally:
        _close_quick(window)


def test_the_resume_offer_comes_after_the_first_screen(qtbot: QtBot, tmp_path: Path) -> None:
    """An unfinished checklist run is offered once the first screen is done, not before:
    looking for it loads the checklist's modules, and the window comes first."""
    from tests.unit.checklist.support import demo
    from wsadmin.db.checklist.run import Checklist

    db = demo(tmp_path / "app_metadata.db", "legacy")
    Checklist.start(db)                                 # started, never finished
    window = MainWindow(Settings(), defer_views=True, open_path=db)
    qtbot.addWidget(window)
    window.show_first_screen()
    try:
        assert window.session.is_open and not window.startup_finished
        window.session.settle()
        assert window.resume_offer.box is None, "nothing is looked for before start()"
        qtbot.waitUntil(lambda: window.startup_finished, timeout=5000)
        qtbot.waitUntil(lambda: window.resume_offer.box is not None, timeout=5000)
        assert "did not finish" in window.resume_offer.box.text()
    finally:
        if window.resume_offer.box is not None:
            window.resume_offer.box.close()
        _close_quick(window)


def test_no_run_means_no_checklist_module_is_loaded(tmp_path: Path) -> None:
    """The common answer (no run was ever started) is one stat: ops.resume imports the
    checklist only when a state file exists."""
    from tests.unit.checklist.support import demo

    db = demo(tmp_path / "app_metadata.db", "legacy")
    code = ("import sys; from wsadmin.ui.ops.resume import unfinished_run; "
            f"assert unfinished_run({str(db)!r}) is None; "
            "print(sorted(m for m in sys.modules if m.startswith('wsadmin.db.checklist')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "WSADMIN_HOME": str(tmp_path / "home")})
    assert out.stdout.strip() == "['wsadmin.db.checklist', 'wsadmin.db.checklist.paths']"


def _laid_out(window: MainWindow) -> list[tuple[int, int, int, int]]:
    """Where the toolbar and the Overview's cards are, once pending layouts are done
    (the first paint does them first)."""
    for _ in range(3):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest.value)
    ov = window.overview
    widgets = (window.toolbar, ov.revision_card, ov.contents_card, ov.file_card,
               ov.backup_card, ov.health_card)
    return [(w.mapTo(window, w.rect().topLeft()).y(), w.x(), w.width(), w.height())
            for w in widgets]


def test_quick_start_on_a_slow_database_shows_it_being_read(
        qtbot: QtBot, demo_db: DemoDb, monkeypatch: pytest.MonkeyPatch) -> None:
    db = demo_db("001", users=12)
    release = threading.Event()

    def slow_open_status(path: str | Path) -> Any:
        release.wait(10)
        return opening.inspect(path)

    monkeypatch.setattr(opening, "open_status", slow_open_status)
    window = MainWindow(Settings(), defer_views=True, open_path=db)
    qtbot.addWidget(window)
    window.show_first_screen()
    try:
        # Shown while the worker still waits for `release`: not waiting for the database.
        assert window.isVisible() and not window.session.is_open
        assert window.overview.badge.text() == "Reading…"
        assert window.overview.name_label.text() == db.name
        with qtbot.waitSignal(window.session.opened, timeout=10_000):
            release.set()
        assert window.overview.count_labels["users"].text() == "12"
        qtbot.waitUntil(lambda: window.startup_finished, timeout=5000)
    finally:
        release.set()
        _close_quick(window)


def test_an_inspection_started_before_the_window_is_taken_over(
        qtbot: QtBot, demo_db: DemoDb) -> None:
    db = demo_db("head", users=5)
    op = opening.start_opening(db)
    runner = op.runner
    # Its result is delivered before the window exists (the event loop runs here).
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    window = MainWindow(Settings(), defer_views=True, open_path=db, opening=op)
    qtbot.addWidget(window)
    window.show_first_screen()
    try:
        assert window.session.is_open and runner.parent() is window.session
        assert window.overview.count_labels["users"].text() == "5"
        assert window.session.status is not None
        assert window.session.status.current_revision == "20251109220344"
    finally:
        _close_quick(window)


def test_quick_start_on_a_bad_file_shows_the_start_page_and_the_error(
        qtbot: QtBot, tmp_path: Path, shown_errors: list[Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("not a database\n" * 20)
    window = MainWindow(Settings(), defer_views=True, open_path=bad)
    qtbot.addWidget(window)
    # The dialog is modal: it must come over the window, not before it is shown.
    visible_when_shown: list[bool] = []
    recording = ErrorDialog.exec            # shown_errors' recorder

    def exec_and_note(dialog: ErrorDialog) -> int:
        visible_when_shown.append(window.isVisible())
        return recording(dialog)

    monkeypatch.setattr(ErrorDialog, "exec", exec_and_note)
    window.show_first_screen()
    try:
        qtbot.waitUntil(lambda: bool(shown_errors), timeout=10_000)
        assert visible_when_shown == [True]
        assert window.isVisible()
        assert window.pages.currentWidget() is window.start_page
        assert not window.session.is_open
        assert "notes.db" in shown_errors[0].text or "notes.db" in shown_errors[0].hint
    finally:
        _close_quick(window)
