"""Backups view: back up now, verify, restore, show in folder, prune — real widgets, and
one catalog that follows every change: operations, F5, files appearing on disk."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from tests.builders import dump, execute
from tests.ui.helpers import idle, open_and_wait
from wsadmin.db.backup.create import create_backup
from wsadmin.ui.dialogs.prune import PruneDialog
from wsadmin.ui.dialogs.rollback import RollbackDialog
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.ops.backups import Check
from wsadmin.ui.ops.op import DbOp
from wsadmin.ui.views.backups import BackupsView


def backups(window: MainWindow) -> BackupsView:
    view = window.views["backups"]
    assert isinstance(view, BackupsView)
    return view


def loaded(window: MainWindow, qtbot: QtBot, path: Path) -> BackupsView:
    """Open `path` and show its backups, listed and verified."""
    open_and_wait(window, qtbot, path)
    window.show_view("backups")
    return backups(window)


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
    window.session.settle()
    assert view.model.rowCount() == 1
    row = view.model.rows[0]
    assert row.path == str(made) and row.revision == "001" and row.check is Check.VERIFIED
    assert view.model.data(view.model.index(0, view.model.VERIFIED_COL)) == "✓ Verified"
    assert view.selected() is not None and view.selected().path == str(made)
    assert window.named_actions["backup"].shortcut().toString() == "Ctrl+B"
    manifest = json.loads(Path(str(made) + ".json").read_text())
    assert manifest["counts"]["users"] == 30
    assert "1 backup in" in view.summary.text()
    idle(window, qtbot)


def test_listed_backups_are_verified_and_a_damaged_one_fails(
        window: MainWindow, qtbot: QtBot, demo_db) -> None:
    path = demo_db("head", users=20)
    good = Path(create_backup(path).path)
    bad = Path(create_backup(path).path)
    execute(bad, "DELETE FROM users WHERE id IN (SELECT id FROM users LIMIT 3)")
    view = loaded(window, qtbot, path)
    states = {Path(r.path): r.check for r in view.model.rows}
    assert states == {good: Check.VERIFIED, bad: Check.FAILED}
    # The Verify button re-checks the selected one; Restore is refused for a bad backup.
    assert view.select_path(str(bad))
    assert not view.restore_button.isEnabled()
    with qtbot.waitSignal(view.verified, timeout=10_000) as blocker:
        view.verify_button.click()
    assert blocker.args == [str(bad), Check.FAILED]
    row = next(r for r in view.model.rows if r.path == str(bad))
    assert row.problems and "users" in " ".join(row.problems)
    assert view.select_path(str(good))
    assert view.restore_button.isEnabled()
    idle(window, qtbot)


def test_verify_says_verified_or_failed_also_in_the_log(
        window: MainWindow, qtbot: QtBot, demo_db) -> None:
    path = demo_db("head", users=20)
    good = Path(create_backup(path).path)
    bad = Path(create_backup(path).path)
    view = loaded(window, qtbot, path)
    execute(bad, "DELETE FROM users WHERE id IN (SELECT id FROM users LIMIT 2)")
    for backup, word in ((good, "Verified"), (bad, "FAILED")):
        assert view.select_path(str(backup))
        with qtbot.waitSignal(view.verified, timeout=10_000):
            view.verify_button.click()
        window.session.settle()
        assert word in view.detail.text()
        log = window.log.session.toPlainText()
        assert f"Verify {backup.name}: {word}" in log, log
    assert "FAILED: " in window.log.session.toPlainText() and "users" in view.detail.text()
    idle(window, qtbot)


def test_restore_from_the_backups_view(window: MainWindow, qtbot: QtBot,
                                       demo_db) -> None:
    path = demo_db("head", users=20)
    before = dump(path)
    backup = Path(create_backup(path).path)
    execute(path, "DELETE FROM logs")
    view = loaded(window, qtbot, path)
    assert view.select_path(str(backup))
    view.restore_button.click()
    dialog = window.last_dialog
    assert isinstance(dialog, RollbackDialog)
    window.session.settle()
    assert dialog.plan is not None and dialog.down_card is not None
    assert not dialog.down_card.isVisibleTo(dialog)       # only the restore choice
    assert dialog.restore_card is not None and dialog.restore_card.radio.isChecked()
    assert "logs" in dialog.chooser.changes.text()
    assert not dialog.confirm_button.isEnabled()
    qtbot.keyClicks(dialog.typed.edit, path.name)
    with qtbot.waitSignal(dialog.operationFinished, timeout=30_000) as blocker:
        dialog.confirm_button.click()
    assert blocker.args == [True]
    assert dump(path) == before
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.close_button.click()
    # The safety backup of the state before the restore shows up in the list, verified.
    window.session.settle()
    assert view.model.rowCount() == 2
    assert all(r.check is Check.VERIFIED for r in view.model.rows)
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
    assert view.prune_button.isEnabled()
    view.prune_button.click()
    dialog = window.last_dialog
    assert isinstance(dialog, PruneDialog)
    dialog.keep.setValue(1)
    window.session.settle()
    plan = dialog.plan
    assert plan is not None and dialog.keep.value() == 1
    removed = {Path(r.path) for r in plan.remove}
    # keep 1: the newest stays; the two older wsadmin backups go; the runbook's never.
    assert removed == set(at_001[:2])
    assert runbook not in removed
    assert "Remove 2 backups" in dialog.prune_button.text()
    with qtbot.waitSignal(dialog.pruned, timeout=20_000) as blocker:
        dialog.prune_button.click()
    assert {Path(p) for p in blocker.args[0]} == removed
    assert not any(p.exists() for p in removed)
    assert at_001[2].exists() and runbook.exists()
    window.session.settle()
    assert {Path(r.path) for r in view.model.rows} == {at_001[2], runbook}
    idle(window, qtbot)


def test_prune_dialog_cancel_removes_nothing(window: MainWindow, qtbot: QtBot,
                                             demo_db) -> None:
    path = demo_db("001", users=5)
    made = [Path(create_backup(path).path) for _ in range(3)]
    view = loaded(window, qtbot, path)
    view.prune_button.click()
    dialog = window.last_dialog
    assert isinstance(dialog, PruneDialog)
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.cancel_button.click()
    assert all(p.exists() for p in made)
    idle(window, qtbot)


def test_f5_lists_a_backup_made_from_the_command_line(window: MainWindow, qtbot: QtBot,
                                                      demo_db) -> None:
    path = demo_db("001", users=5)
    view = loaded(window, qtbot, path)
    window.session.watch_files(False)        # only F5 tells the window here
    made = Path(create_backup(path).path)
    assert view.model.rowCount() == 0
    window.named_actions["refresh"].trigger()
    window.session.settle()
    assert [r.path for r in view.model.rows] == [str(made)]
    assert view.model.rows[0].check is Check.VERIFIED
    newest = window.session.catalog.newest()
    assert newest is not None and newest.path == str(made)
    assert made.name in window.overview.backup_detail.text(), "the Overview agrees"
    idle(window, qtbot)


def test_a_backup_appearing_in_the_backup_folder_is_listed_by_itself(
        window: MainWindow, qtbot: QtBot, demo_db, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    monkeypatch.setenv("WSADMIN_BACKUP_DIR", str(folder))
    path = demo_db("001", users=5)
    view = loaded(window, qtbot, path)
    made = Path(create_backup(path).path)          # the command line, meanwhile
    assert made.parent == folder
    qtbot.waitUntil(lambda: [r.path for r in view.model.rows] == [str(made)], timeout=10_000)
    made.unlink()
    Path(str(made) + ".json").unlink()
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=10_000)
    assert window.overview.backup_value.text() == "None yet"
    idle(window, qtbot)


def test_a_cancelled_backup_is_shown_as_discarded(window: MainWindow, qtbot: QtBot,
                                                  demo_db) -> None:
    path = demo_db("001", users=5)
    view = loaded(window, qtbot, path)
    gate = threading.Event()
    # Something else runs first, so that Cancel comes while the backup waits its turn.
    window.session.run(DbOp(gate.wait, 10, label="hold the worker"))
    view.backup_button.click()
    assert view.cancel_backup_button.isVisible() and view.cancel_backup_button.isEnabled()
    assert not window.named_actions["backup"].isEnabled(), "one backup at a time"
    view.cancel_backup_button.click()
    gate.set()
    window.session.settle()
    assert "cancelled" in view.detail.text().lower()
    assert "discarded" in view.detail.text() and "no backup file was written" in view.detail.text()
    assert view.model.rowCount() == 0
    assert not list(path.parent.glob(f"{path.name}.*.bak"))
    assert not list(path.parent.glob(f".{path.name}.*"))       # no partial file either
    assert f"Back up {path.name}: cancelled" in window.log.session.toPlainText()
    assert window.named_actions["backup"].isEnabled()
    idle(window, qtbot)


def test_the_prune_dialog_plans_again_when_backups_appear(window: MainWindow, qtbot: QtBot,
                                                          demo_db) -> None:
    path = demo_db("001", users=5)
    made = [Path(create_backup(path).path) for _ in range(3)]
    view = loaded(window, qtbot, path)
    window.session.watch_files(False)
    view.prune_button.click()
    dialog = window.last_dialog
    assert isinstance(dialog, PruneDialog)
    dialog.keep.setValue(1)
    window.session.settle()
    assert dialog.plan is not None and len(dialog.plan.remove) == 2
    made.append(Path(create_backup(path).path))       # from the command line, meanwhile
    window.named_actions["refresh"].trigger()
    window.session.settle()
    assert dialog.plan is not None
    assert {Path(r.path) for r in dialog.plan.remove} == set(made[:3])
    assert "Remove 3 backups" in dialog.prune_button.text()
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.cancel_button.click()
    assert all(p.exists() for p in made)
    idle(window, qtbot)
