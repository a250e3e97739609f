"""SCHEMA.md "Secrets", the GUI's half: a database holding known secret values (every
hash, cipher, redis password and public token of tests/unit/health/helpers.py, plus a
plain-text config and an argon2 hash) walked through every view of the window, every
user's and workspace's form, the health findings and their exports, a backup and the
log; no secret appears in any widget, the clipboard, or any file written."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtWidgets import QAbstractButton
from pytestqt.qtbot import QtBot

from tests.ui.editors_helpers import ALICE, BOB, CAROL, DAVE, editor, pick
from tests.ui.shown_text import assert_no_secret, shown_text
from tests.unit.health import scenarios as sc
from tests.unit.health.helpers import HEAD, SECRET_PARTS, build
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.views.backups import BackupsView
from wsadmin.ui.views.health import HealthView
from wsadmin.ui.views.users import UsersView
from wsadmin.ui.views.workspaces import WorkspacesView


def _has(obj: object, attribute: str) -> bool:
    """The form has read what it shows (`attribute` is set once its row arrived)."""
    return getattr(obj, attribute, None) is not None


def _open_form(window: MainWindow, qtbot: QtBot, view: UsersView | WorkspacesView, key: int,
               button: QAbstractButton, loaded: str) -> None:
    """Open the form of row `key` with `button`, wait until it shows its row (`loaded`
    is set), look for secrets in the window and the form, close it."""
    pick(view, qtbot, key)
    button.click()
    dialog = view.last_dialog
    assert dialog is not None
    qtbot.waitUntil(partial(_has, dialog, loaded), timeout=10_000)
    window.session.settle()
    assert_no_secret(SECRET_PARTS, window, dialog)
    dialog.close()


def test_no_view_form_or_export_shows_a_secret(window: MainWindow, qtbot: QtBot,
                                               tmp_path: Path, isolated_home: Path) -> None:
    db = build(tmp_path, HEAD, sc.DELETED_WORKSPACE, sc.ARGON2, sc.PLAINTEXT_CONFIG,
               sc.CROSS_LINKS)
    users = editor(window, qtbot, db, "users")
    assert isinstance(users, UsersView)
    for uid in (ALICE, BOB, CAROL, DAVE):
        _open_form(window, qtbot, users, uid, users.edit_button, "detail")

    window.show_view("workspaces")
    spaces = window.views["workspaces"]
    assert isinstance(spaces, WorkspacesView)
    qtbot.waitUntil(lambda: spaces.model.complete and spaces.model.rowCount() > 0,
                    timeout=15_000)
    for wid in list(spaces.model.ids):
        _open_form(window, qtbot, spaces, wid, spaces.open_button, "row")

    window.show_view("health")
    health = window.views["health"]
    assert isinstance(health, HealthView)
    qtbot.waitUntil(lambda: health.health.report is not None, timeout=20_000)
    window.session.settle()
    report = health.health.report
    assert report is not None and report.findings   # the samples hold the rows secrets sit in
    exports = []
    for fmt, ext in (("json", "json"), ("markdown", "md")):
        target = tmp_path / f"health.{ext}"
        with qtbot.waitSignal(health.exported, timeout=10_000):
            health.export(str(target), fmt)
        exports.append(target.read_text(encoding="utf-8"))
    assert "NOT ENCRYPTED" in exports[0]        # the plain config is named, never shown

    window.show_view("backups")
    backups = window.views["backups"]
    assert isinstance(backups, BackupsView)
    backups.back_up_action.trigger()
    qtbot.waitUntil(lambda: getattr(backups, "backup_op", True) is None, timeout=30_000)
    window.session.settle()
    assert list((db.parent).glob("*.bak")) or list(isolated_home.rglob("*.bak")) or \
        list(tmp_path.rglob("*.bak"))

    for key in window.views:
        window.show_view(key)
        window.session.settle()
        assert_no_secret(SECRET_PARTS, window)
    window.log.show()
    shown = shown_text(window, window.log)
    assert "connections" in shown and "alice" in shown      # the rows were there to leak
    assert_no_secret(SECRET_PARTS, window, window.log)

    written = [p for p in isolated_home.rglob("*") if p.is_file()]
    written += [p for p in tmp_path.rglob("*.json") if p.is_file()]
    texts = exports + [p.read_text(encoding="utf-8", errors="replace") for p in written]
    for secret in SECRET_PARTS:
        assert not [t[:60] for t in texts if secret in t], secret[:12]
