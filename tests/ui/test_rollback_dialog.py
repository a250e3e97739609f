"""Roll back both ways from the toolbar: downgrade one revision, restore a backup."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.builders import dump
from tests.ui.helpers import idle, open_and_wait, table_counts
from wsadmin.db import safe_upgrade
from wsadmin.db.inspect import inspect
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.rollback_dialog import RollbackDialog
from wsadmin.ui.step_list import Mark


def open_rollback(window: MainWindow, qtbot: QtBot) -> RollbackDialog:
    action = window.named_actions["rollback"]
    assert action.isEnabled()
    action.trigger()
    dialog = window.views["migrations"].last_dialog
    assert isinstance(dialog, RollbackDialog)
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=10_000)
    return dialog


def finish(dialog: RollbackDialog, qtbot: QtBot) -> None:
    with qtbot.waitSignal(dialog.operationFinished, timeout=60_000):
        dialog.confirm_button.click()
    assert dialog.pages.currentIndex() == dialog.RESULT
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.close_button.click()


def test_downgrade_one_revision_shows_exact_loss_and_needs_the_typed_name(
        window: MainWindow, qtbot: QtBot, demo_db) -> None:
    path = demo_db("002", users=25)
    counts = table_counts(path)
    open_and_wait(window, qtbot, path)
    dialog = open_rollback(window, qtbot)
    view = dialog.view
    assert view is not None and view.can_downgrade and view.downgrade_to == "001"
    # The counts shown are what the downgrade of 002 discards in this database.
    assert view.downgrade_discards["workspaces"] == counts["workspaces"] == 1
    assert view.downgrade_discards["memberships"] == counts["workspace_members"]
    discards = dialog.down_card.findChild(type(dialog.plan_status), "downgradeDiscards")
    assert f"{counts['workspace_members']:,} memberships" in discards.text()
    # Recommended choice is marked and preselected.
    assert view.recommended in ("downgrade", "restore")
    card = dialog.down_card if view.recommended == "downgrade" else dialog.restore_card
    assert card.badge.isVisibleTo(dialog) and card.radio.isChecked()

    dialog.down_card.radio.setChecked(True)
    assert not dialog.confirm_button.isEnabled()
    qtbot.keyClicks(dialog.typed.edit, "app_metadata.db")      # the wrong name
    assert not dialog.confirm_button.isEnabled()
    dialog.typed.edit.clear()
    qtbot.keyClicks(dialog.typed.edit, path.name)
    assert dialog.confirm_button.isEnabled()
    finish_and_check = dialog.steps
    finish(dialog, qtbot)
    assert finish_and_check.mark("downgrade:002") is Mark.DONE
    assert inspect(path).current_revision == "001"
    after = table_counts(path)
    assert after["workspaces"] == 0 and after["workspace_members"] == 0
    assert after["users"] == counts["users"]
    # A backup was taken first (the pipeline's), holding the 002 state.
    assert [p for p in path.parent.glob(f"{path.name}.*.002.bak")]
    idle(window, qtbot)


def test_restore_a_backup_undoes_the_upgrade(window: MainWindow, qtbot: QtBot,
                                              demo_db) -> None:
    path = demo_db("001", users=25)
    before = dump(path)
    result = safe_upgrade.run(path)           # the upgrade whose backup we restore
    assert result.backup is not None
    open_and_wait(window, qtbot, path)
    dialog = open_rollback(window, qtbot)
    view = dialog.view
    assert view is not None and view.backups
    first = view.backups[0]
    assert Path(first.path).resolve() == Path(result.backup.path).resolve()
    assert first.pre_upgrade and first.verified
    dialog.restore_card.radio.setChecked(True)
    changes = dialog.restore_changes.text()
    assert "workspaces" in changes          # what the restore undoes, table by table
    assert not dialog.confirm_button.isEnabled()
    qtbot.keyClicks(dialog.typed.edit, path.name)
    assert dialog.confirm_button.isEnabled()
    steps = dialog.steps
    finish(dialog, qtbot)
    assert steps.mark("restore") is Mark.DONE and steps.mark("verify-restore") is Mark.DONE
    assert dump(path) == before
    assert inspect(path).current_revision == "001"
    idle(window, qtbot)


def test_rollback_dialog_cancel_changes_nothing(window: MainWindow, qtbot: QtBot,
                                                demo_db) -> None:
    path = demo_db("002", users=5)
    before = dump(path)
    open_and_wait(window, qtbot, path)
    dialog = open_rollback(window, qtbot)
    qtbot.keyClicks(dialog.typed.edit, path.name)
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.cancel_button.click()
    assert dump(path) == before
    idle(window, qtbot)
