"""Opening databases: file dialog, recent list, drag and drop, shortcuts, bad files."""

from __future__ import annotations

import sqlite3
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QStyle
from pytestqt.qtbot import QtBot

from tests.ui.conftest import ShownError
from tests.ui.helpers import open_and_wait, table_counts
from wsadmin.db.schema.demo import STATES
from wsadmin.ui.dialogs.demo import DemoDialog
from wsadmin.ui.dialogs.guide import GuideDialog
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.settings import Settings

DemoDb = Callable[..., Path]


def on_start_page(window: MainWindow) -> bool:
    return window.pages.currentWidget() is window.start_page and not window.session.is_open


def test_opens_on_the_start_page_with_db_actions_disabled(window: MainWindow) -> None:
    assert on_start_page(window)
    assert window.windowTitle() == "wsadmin"
    assert not window.named_actions["refresh"].isEnabled()
    assert window.named_actions["open"].isEnabled()
    assert window.minimumSize().width() >= 800 and window.minimumSize().height() >= 500


def test_open_via_the_file_dialog(window: MainWindow, qtbot: QtBot, demo_db: DemoDb,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    db = demo_db("head", users=37)
    asked: list[str] = []

    def fake_dialog(parent: object, caption: str, folder: str, filters: str
                    ) -> tuple[str, str]:
        asked.append(filters)
        return str(db), "SQLite databases (*.db *.sqlite *.sqlite3)"

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake_dialog))
    with qtbot.waitSignal(window.session.opened, timeout=10_000):
        qtbot.mouseClick(window.start_page.open_button, Qt.MouseButton.LeftButton)
    assert "*.db *.sqlite *.sqlite3" in asked[0] and "All files (*)" in asked[0]
    assert window.pages.currentIndex() == 1 and window.current_view == "overview"
    assert window.session.path == db
    assert window.overview.count_labels["users"].text() == "37"
    assert window.windowTitle().startswith(db.name)
    assert window.named_actions["refresh"].isEnabled()
    assert Settings().recent()[0].path == str(db.resolve())
    assert Settings().recent()[0].revision == "20251109220344"


def test_ctrl_o_opens_the_dialog(window: MainWindow, qtbot: QtBot,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a: (calls.append(1), ("", ""))[1]))
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert calls == [1]
    assert on_start_page(window)


def test_open_from_the_recent_list_with_enter(make_window: Callable[[], MainWindow],
                                              qtbot: QtBot, demo_db: DemoDb) -> None:
    old, new = demo_db("legacy", users=12), demo_db("001", users=9)
    gone = new.with_name("gone.db")
    settings = Settings()
    settings.add_recent(gone, "20251109220344", "at_revision")
    settings.add_recent(old, None, "legacy")
    settings.add_recent(new, "001", "stuck_at_001")
    window = make_window()
    items = window.start_page.recent_list
    assert items.count() == 3
    texts = [items.item(i).text() for i in range(3)]
    assert texts[0].startswith(new.name) and "revision 001" in texts[0]
    assert "legacy" in texts[1]
    assert "file not found" in texts[2]
    warn = window.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
    warn_image = warn.pixmap(32).toImage()
    assert items.item(2).icon().pixmap(32).toImage() == warn_image
    assert items.item(0).icon().pixmap(32).toImage() != warn_image

    items.setCurrentRow(1)
    items.setFocus()
    with qtbot.waitSignal(window.session.opened, timeout=10_000):
        qtbot.keyClick(items, Qt.Key.Key_Return)
    assert window.session.path == old
    assert window.overview.count_labels["users"].text() == "12"
    assert Settings().recent()[0].path == str(old.resolve())   # moved to the top


def test_delete_forgets_a_recent_database(make_window: Callable[[], MainWindow],
                                          qtbot: QtBot, tmp_path: Path) -> None:
    Settings().add_recent(tmp_path / "a.db")
    Settings().add_recent(tmp_path / "b.db")
    window = make_window()
    items = window.start_page.recent_list
    items.setCurrentRow(0)
    qtbot.keyClick(items, Qt.Key.Key_Delete)
    assert [r.path for r in Settings().recent()] == [str((tmp_path / "a.db").resolve())]
    assert items.count() == 1


def drag_enter(mime: QMimeData, x: int = 50, y: int = 50) -> QDragEnterEvent:
    """A QDragEnterEvent: PySide6 6.12 takes a QPointF (QPoint is deprecated), 6.11 a QPoint."""
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    try:
        return QDragEnterEvent(QPointF(x, y), *args)
    except TypeError:
        return QDragEnterEvent(QPoint(x, y), *args)


def drop(window: MainWindow, path: Path | str) -> tuple[bool, bool]:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = drag_enter(mime)
    QApplication.sendEvent(window, enter)
    dropped = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                         Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, dropped)
    return enter.isAccepted(), dropped.isAccepted()


def test_open_by_drag_and_drop(window: MainWindow, qtbot: QtBot, demo_db: DemoDb) -> None:
    db = demo_db("001", users=21)
    with qtbot.waitSignal(window.session.opened, timeout=10_000):
        accepted = drop(window, db)
    assert accepted == (True, True)
    assert window.session.path == db
    assert window.overview.count_labels["users"].text() == "21"


def test_drag_without_files_is_refused(window: MainWindow) -> None:
    mime = QMimeData()
    mime.setText("just text")
    enter = drag_enter(mime, 5, 5)
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def make_bad(kind: str, tmp_path: Path) -> Path:
    path = tmp_path / f"bad_{kind}.db"
    if kind == "text":
        path.write_text("These are my notes, not a database.\n" * 40)
    elif kind == "png":
        path.write_bytes(png_bytes())
    elif kind == "foreign":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
        conn.commit()
        conn.close()
    elif kind == "truncated":
        sqlite_file = tmp_path / "whole.db"
        conn = sqlite3.connect(sqlite_file)
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 200)
        conn.commit()
        conn.close()
        path.write_bytes(sqlite_file.read_bytes()[:5000])
    return path   # "missing": never created


@pytest.mark.parametrize(("kind", "words"), [
    ("text", "not a SQLite database"),
    ("png", "not a SQLite database"),
    ("missing", "does not exist"),
    ("foreign", "not an app_metadata.db"),
    ("truncated", ""),
])
def test_bad_file_shows_reason_and_hint_and_stays_on_start_page(
        kind: str, words: str, window: MainWindow, qtbot: QtBot, tmp_path: Path,
        shown_errors: list[ShownError]) -> None:
    path = make_bad(kind, tmp_path)
    window.open_database(str(path))
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=10_000)
    error = shown_errors[0]
    assert words in error.text
    assert error.hint, "a known error always comes with a hint"
    assert not error.has_copy_button and error.details == "", "no traceback for a bad file"
    assert "\n" not in error.text
    assert on_start_page(window)
    qtbot.waitUntil(lambda: not window.session.opening, timeout=5000)
    assert window.start_page.open_button.isEnabled()
    assert Settings().recent() == []


def test_bad_file_while_a_database_is_open_keeps_it_open(
        window: MainWindow, qtbot: QtBot, demo_db: DemoDb, tmp_path: Path,
        shown_errors: list[ShownError]) -> None:
    db = demo_db("head")
    open_and_wait(window, qtbot, db)
    window.open_database(str(make_bad("text", tmp_path)))
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=10_000)
    qtbot.waitUntil(lambda: not window.session.opening, timeout=5000)
    assert window.session.path == db and window.session.is_open


def test_create_demo_database(window: MainWindow, qtbot: QtBot, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "made_by_gui.db"

    def accept(dialog: DemoDialog) -> int:
        assert dialog.path_edit.text().endswith(".db")
        offered = [dialog.state_combo.itemData(i) for i in range(dialog.state_combo.count())]
        assert sorted(offered) == sorted(STATES), "every state the core can build"
        dialog.path_edit.setText(str(target))
        dialog.users_spin.setValue(45)
        dialog.state_combo.setCurrentIndex(dialog.state_combo.findData("legacy"))
        return 1

    monkeypatch.setattr(DemoDialog, "exec", accept)
    with qtbot.waitSignal(window.session.opened, timeout=20_000):
        qtbot.mouseClick(window.start_page.demo_button, Qt.MouseButton.LeftButton)
    status = window.session.status
    assert status is not None and window.session.path == target
    assert status.state.value == "legacy"
    assert table_counts(target)["users"] == 45
    assert window.overview.count_labels["users"].text() == "45"


def test_demo_never_overwrites(window: MainWindow, qtbot: QtBot, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch,
                               shown_errors: list[ShownError]) -> None:
    target = tmp_path / "precious.db"
    target.write_bytes(b"precious")

    def accept(dialog: DemoDialog) -> int:
        dialog.path_edit.setText(str(target))
        return 1

    monkeypatch.setattr(DemoDialog, "exec", accept)
    window.create_demo()
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=10_000)
    assert "already exists" in shown_errors[0].text
    assert target.read_bytes() == b"precious"
    assert on_start_page(window)
    qtbot.waitUntil(lambda: window.start_page.demo_button.isEnabled(), timeout=5000)


def test_close_database_returns_to_the_start_page(window: MainWindow, qtbot: QtBot,
                                                  demo_db: DemoDb) -> None:
    db = demo_db("head")
    open_and_wait(window, qtbot, db)
    with qtbot.waitSignal(window.session.closed, timeout=2000):
        window.named_actions["close_db"].trigger()
    assert on_start_page(window)
    assert window.start_page.recent_list.count() == 1
    assert "revision 20251109220344" in window.start_page.recent_list.item(0).text()


def test_f1_opens_the_user_guide_inside_the_app(window: MainWindow, qtbot: QtBot) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    guide = window.guide
    assert isinstance(guide, GuideDialog) and guide.isVisible()
    text = guide.browser.toPlainText()
    assert text.startswith("wsadmin user guide") and "The Overview" in text
    # Read from the installed package (importlib.resources), not from a checkout path.
    assert guide.browser.source().isEmpty()
    image = guide.image("screenshots/overview.png")
    assert not image.isNull() and image.width() > 600, "its screenshots are shown too"
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert window.guide is guide, "F1 again raises the same guide"
    guide.close()


def test_ctrl_q_quits(window: MainWindow, qtbot: QtBot) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()


def test_controls_have_tooltips_and_accessible_names(window: MainWindow) -> None:
    for key in ("open", "refresh", "guide", "log"):
        assert window.named_actions[key].toolTip()
    assert window.start_page.open_button.accessibleName() == "Open database"
    assert window.start_page.recent_list.accessibleName() == "Recent databases"
    assert window.sidebar.accessibleName() == "Views"
