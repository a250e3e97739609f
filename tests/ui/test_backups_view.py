"""Backups view: back up now, verify, restore, show in folder, prune — real widgets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from tests.builders import dump, execute
from tests.ui.helpers import idle, open_and_wait
from wsadmin.db.backup import create_backup
from wsadmin.ui.backups_view import FAILED, VERIFIED, BackupsView, PruneDialog
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.rollback_dialog import RollbackDialog


def backups(window: MainWindow) -> BackupsView:
    view = window.views["backups"]
    assert isinstance(view, BackupsView)
    return view


def loaded(window: MainWindow, qtbot: QtBot, path: Path) -> BackupsView:
    view = backups(window)
    with qtbot.waitSignal(view.backupsLoaded, timeout=10_000):
        open_and_wait(window, qtbot, path)
    window.show_view("backups")
    return view


def wait_verified(view: BackupsView, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: all(r.verified in (VERIFIED, FAILED) for r in view.model.rows),
                    timeout=20_000)


def test_back_up_now_with_ctrl_b_adds_a_verified_row(window: MainWindow, qtbot: QtBot,
                                                     demo_db) -> None:
    path = demo_db("001", users=30)
    view = loaded(window, qtbot, path)
    assert view.model.rowCount() == 0
    assert "No backups" in view.summary.text()
    with qtbot.waitSignal(view.backupCreated, timeout=20_000) as blocker:
        window.named_actions["backup"].trigger()        # Ctrl+B
    made = Path(blocker.args[0])
    assert made.exists() and made.parent == path.parent
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    row = view.model.rows[0]
    assert row.path == str(made) and row.revision == "001" and row.verified == VERIFIED
    assert view.model.data(view.model.index(0, view.model.VERIFIED_COL)) == "✓ Verified"
    assert view.selected() is not None and view.selected().path == str(made)
    assert window.named_actions["backup"].shortcut().toString() == "Ctrl+B"
    manifest = json.loads(Path(str(made) + ".json").read_text())
    assert manifest["counts"]["users"] == 30
    idle(window, qtbot)


def test_listed_backups_are_verified_and_a_damaged_one_fails(
        window: MainWindow, qtbot: QtBot, demo_db) -> None:
    path = demo_db("002", users=20)
    good = Path(create_backup(path).path)
    bad = Path(create_backup(path).path)
    execute(bad, "DELETE FROM users WHERE id IN (SELECT id FROM users LIMIT 3)")
    view = loaded(window, qtbot, path)
    wait_verified(view, qtbot)
    states = {Path(r.path): r.verified for r in view.model.rows}
    assert states == {good: VERIFIED, bad: FAILED}
    # The Verify button re-checks the selected one; Restore is refused for a bad backup.
    assert view.select_path(str(bad))
    assert not view.restore_button.isEnabled()
    with qtbot.waitSignal(view.verified, timeout=10_000) as blocker:
        view.verify_button.click()
    assert blocker.args == [str(bad), FAILED]
    row = next(r for r in view.model.rows if r.path == str(bad))
    assert row.problems and "users" in " ".join(row.problems)
    assert view.select_path(str(good))
    assert view.restore_button.isEnabled()
    idle(window, qtbot)


def test_restore_from_the_backups_view(window: MainWindow, qtbot: QtBot,
                                       demo_db) -> None:
    path = demo_db("002", users=20)
    before = dump(path)
    backup = Path(create_backup(path).path)
    execute(path, "DELETE FROM saved_queries")
    view = loaded(window, qtbot, path)
    wait_verified(view, qtbot)
    assert view.select_path(str(backup))
    view.restore_button.click()
    dialog = view.last_dialog
    assert isinstance(dialog, RollbackDialog)
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=10_000)
    assert not dialog.down_card.isVisibleTo(dialog)       # only the restore choice
    assert dialog.restore_card.radio.isChecked()
    assert "saved_queries" in dialog.restore_changes.text()
    assert not dialog.confirm_button.isEnabled()
    qtbot.keyClicks(dialog.typed.edit, path.name)
    with qtbot.waitSignal(dialog.operationFinished, timeout=30_000) as blocker:
        dialog.confirm_button.click()
    assert blocker.args == [True]
    assert dump(path) == before
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.close_button.click()
    # The safety backup of the state before the restore shows up in the list.
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=10_000)
    idle(window, qtbot)


def test_show_in_folder_opens_the_backup_folder(window: MainWindow, qtbot: QtBot,
                                                demo_db, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    path = demo_db("001", users=5)
    create_backup(path)
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    view = loaded(window, qtbot, path)
    assert view.select_path(view.model.rows[0].path)
    view.folder_button.click()
    assert [u.toLocalFile() for u in opened] == [str(path.parent)]
    idle(window, qtbot)


def test_prune_keeps_what_the_cli_keeps(window: MainWindow, qtbot: QtBot,
                                        demo_db) -> None:
    path = demo_db("001", users=5)
    at_001 = [Path(create_backup(path).path) for _ in range(3)]
    runbook = path.with_name(path.name + ".backup")
    runbook.write_bytes(at_001[0].read_bytes())
    view = loaded(window, qtbot, path)
    wait_verified(view, qtbot)
    assert view.prune_button.isEnabled()
    view.prune_button.click()
    dialog = view.last_dialog
    assert isinstance(dialog, PruneDialog)
    dialog.keep.setValue(1)
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.keep.value() == 1,
                    timeout=20_000)
    plan = dialog.plan
    assert plan is not None
    removed = {Path(r.path) for r in plan.remove}
    # keep 1: the newest stays; the two older wsadmin backups go; the runbook's never.
    assert removed == set(at_001[:2])
    assert runbook not in removed
    assert "Remove 2 backups" in dialog.prune_button.text()
    with qtbot.waitSignal(view.pruned, timeout=20_000) as blocker:
        dialog.prune_button.click()
    assert {Path(p) for p in blocker.args[0]} == removed
    assert not any(p.exists() for p in removed)
    assert at_001[2].exists() and runbook.exists()
    qtbot.waitUntil(lambda: {Path(r.path) for r in view.model.rows} == {at_001[2], runbook},
                    timeout=10_000)
    idle(window, qtbot)


def test_prune_dialog_cancel_removes_nothing(window: MainWindow, qtbot: QtBot,
                                             demo_db) -> None:
    path = demo_db("001", users=5)
    made = [Path(create_backup(path).path) for _ in range(3)]
    view = loaded(window, qtbot, path)
    view.prune_button.click()
    dialog = view.last_dialog
    assert isinstance(dialog, PruneDialog)
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.cancel_button.click()
    assert all(p.exists() for p in made)
    idle(window, qtbot)
