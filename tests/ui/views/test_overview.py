"""The Overview: revision state, counts, file facts, last backup; F5 and auto refresh."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.builders import execute
from tests.ui.helpers import add_user, open_and_wait, table_counts
from wsadmin.db.schema.states import State
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.ops.op import Change
from wsadmin.ui.views.overview import COUNTED

DemoDb = Callable[..., Path]


def shown_counts(window: MainWindow) -> dict[str, str]:
    return {t: label.text() for t, label in window.overview.count_labels.items()}


def expected_counts(path: Path) -> dict[str, str]:
    real = table_counts(path)
    return {t: (f"{real[t]:,}" if t in real else "—") for t, _ in COUNTED}


HEAD = "20251109220344"


@pytest.mark.parametrize(("state", "revision", "badge"), [
    ("legacy", "legacy", "Legacy: upgrade available"),
    ("stuck_at_001", "001", "Stuck at 001: upgrade it"),
    ("head", HEAD, "Up to date"),
])
def test_overview_of_demo_databases(state: str, revision: str, badge: str,
                                    window: MainWindow, qtbot: QtBot, demo_db: DemoDb) -> None:
    db = demo_db(state, users=1234)
    status = open_and_wait(window, qtbot, db)
    ov = window.overview
    assert ov.revision_value.text() == revision
    assert ov.revision_state.text() == badge
    assert ov.head_label.text() == f"head is {HEAD}"
    assert shown_counts(window) == expected_counts(db)
    assert ov.count_labels["users"].text() == "1,234"
    if state == "legacy":
        assert ov.count_labels["workspaces"].text() == "—"
        assert ov.count_labels["data_sources"].text() == "—"
    else:
        assert ov.count_labels["workspaces"].text() == f"{table_counts(db)['workspaces']:,}"
    if status.pending:
        assert all(p.revision in ov.pending_label.text() for p in status.pending)
    assert ov.journal_value.text() == (status.journal_mode or "").upper()
    assert ov.size_value.text().endswith(("KiB", "MiB", "bytes"))
    assert ov.name_label.text() == db.name


def test_unknown_revision_and_half_upgraded(window: MainWindow, qtbot: QtBot,
                                            demo_db: DemoDb) -> None:
    unknown = demo_db("head", name="unknown.db")
    execute(unknown, "UPDATE alembic_version SET version_num = 'f00dface'")
    status = open_and_wait(window, qtbot, unknown)
    assert status.state is State.UNKNOWN_REVISION
    assert window.overview.revision_state.text() == "Unknown revision"
    assert window.overview.revision_value.text() == "f00dface"
    assert "'f00dface' is not one this wsadmin knows" in window.overview.summary_label.text()
    assert not window.overview.offer_button.isVisible(), "nothing is offered"

    half = demo_db("head", name="half.db")
    execute(half, "CREATE TABLE _alembic_tmp_users (id INTEGER)")
    status = open_and_wait(window, qtbot, half)
    assert status.state is State.HALF_UPGRADED
    assert window.overview.badge.text() == "Needs repair: interrupted migration"
    assert "_alembic_tmp_users" in window.overview.summary_label.text()
    assert window.overview.offer_button.text() == "Repair…"


def test_last_backup_card(window: MainWindow, qtbot: QtBot, demo_db: DemoDb,
                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wsadmin.db.backup.create import create_backup

    monkeypatch.setenv("WSADMIN_BACKUP_DIR", str(tmp_path / "backups"))
    db = demo_db("001")
    open_and_wait(window, qtbot, db)
    assert window.overview.backup_value.text() == "None yet"
    info = create_backup(db, tmp_path / "backups")     # as the command line does
    window.session.watch_files(False)                  # only F5 refreshes here
    with qtbot.waitSignal(window.session.changed, timeout=5000):
        window.session.refresh()
    window.session.settle()
    detail = window.overview.backup_detail.text()
    assert "revision 001" in detail and "verified when made" in detail
    assert Path(info.path).name in detail
    assert window.overview.backup_detail.toolTip() == info.path
    newest = window.session.catalog.newest()
    assert newest is not None and newest.path == info.path


def test_f5_refreshes(window: MainWindow, qtbot: QtBot, demo_db: DemoDb) -> None:
    db = demo_db("head", users=10)
    open_and_wait(window, qtbot, db)
    window.session.watch_files(False)    # isolate F5 from the watcher
    execute(db, add_user(990001))
    assert window.overview.count_labels["users"].text() == "10"
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    with qtbot.waitSignal(window.session.changed, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.overview.count_labels["users"].text() == "11"


def test_changes_on_disk_refresh_by_themselves(window: MainWindow, qtbot: QtBot,
                                               demo_db: DemoDb) -> None:
    db = demo_db("head", users=10)
    open_and_wait(window, qtbot, db)
    refreshes: list[object] = []
    window.session.changed.connect(
        lambda what: refreshes.append(what) if Change.STATUS in what else None)
    for i in range(5):   # a burst of writes: one debounced refresh
        execute(db, add_user(990001 + i))
    qtbot.waitUntil(lambda: window.overview.count_labels["users"].text() == "15",
                    timeout=5000)
    qtbot.wait(600)
    assert len(refreshes) == 1, "a burst of changes must give one refresh"


def test_refresh_failure_is_shown_on_the_overview(window: MainWindow, qtbot: QtBot,
                                                  demo_db: DemoDb) -> None:
    db = demo_db("head")
    open_and_wait(window, qtbot, db)
    window.session.watch_files(False)
    db.write_text("overwritten by a careless script " * 50)
    window.session.refresh()
    window.session.settle()
    assert window.overview.problem_label.isVisibleTo(window.overview)
    assert "not a SQLite database" in window.overview.problem_label.text()
    assert window.overview.badge.text() == "Unavailable"


def test_runbook_copy_is_listed_as_not_verified(window: MainWindow, qtbot: QtBot,
                                                demo_db: DemoDb) -> None:
    import shutil

    db = demo_db("001", name="app_metadata.db")
    shutil.copy(db, db.with_name("app_metadata.db.backup"))   # what the runbook's cp makes
    open_and_wait(window, qtbot, db)
    newest = window.session.catalog.newest()
    assert newest is not None and newest.path.endswith("app_metadata.db.backup")
    assert "not verified" in window.overview.backup_detail.text()


def test_overview_reflows_at_900x600(window: MainWindow, qtbot: QtBot, demo_db: DemoDb) -> None:
    open_and_wait(window, qtbot, demo_db("head", users=1_234_567 // 1000))
    ov = window.overview
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: ov.columns == 2, timeout=2000)
    xs = {card.x() for card in ov.cards[:4]}
    assert len(xs) == 2, "two columns at 1280x800"
    window.resize(900, 600)
    qtbot.waitUntil(lambda: window.width() == 900, timeout=2000)
    qtbot.waitUntil(lambda: ov.columns == 1, timeout=2000)
    QApplication.sendPostedEvents()
    assert len({card.x() for card in ov.cards}) == 1, "one column at 900x600"
    viewport = ov.viewport().width()
    for card in ov.cards:
        assert card.width() >= card.minimumSizeHint().width(), f"{card.accessibleName()}"
        assert card.x() + card.width() <= viewport, f"{card.accessibleName()} is cut off"
    assert not ov.horizontalScrollBar().isVisible()
