"""Roll back both ways from the toolbar: downgrade one revision, restore a backup; the
dialog lists the session's one catalog and says what a failure changed."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.builders import dump, execute, make_at, migrate_to, user
from tests.ui.helpers import idle, open_and_wait, table_counts
from wsadmin.db.backup.create import create_backup
from wsadmin.db.migrate import pipeline
from wsadmin.db.schema.status import inspect
from wsadmin.ui.dialogs.operation import NOTHING_CHANGED
from wsadmin.ui.dialogs.rollback import RollbackDialog
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.ops.backups import Check
from wsadmin.ui.widgets.step_list import Mark


def open_rollback(window: MainWindow, qtbot: QtBot) -> RollbackDialog:
    action = window.named_actions["rollback"]
    assert action.isEnabled(), action.toolTip()
    action.trigger()
    dialog = window.last_dialog
    assert isinstance(dialog, RollbackDialog)
    window.session.settle()
    assert dialog.plan is not None
    return dialog


def finish(dialog: RollbackDialog, qtbot: QtBot) -> None:
    with qtbot.waitSignal(dialog.operationFinished, timeout=60_000):
        dialog.confirm_button.click()
    assert dialog.pages.currentIndex() == dialog.RESULT
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.close_button.click()


HEAD, BELOW_HEAD = "20251109220344", "e73bf9fb92f4"
COLOURS = "values of users.custom_theme_colors (the column is dropped)"


def test_downgrade_one_revision_shows_exact_loss_and_needs_the_typed_name(
        window: MainWindow, qtbot: QtBot, demo_db) -> None:
    path = demo_db("head", users=25)
    execute(path, "UPDATE users SET custom_theme_colors = '{\"primary\": \"#123456\"}' "
                  "WHERE id <= 7")
    counts = table_counts(path)
    open_and_wait(window, qtbot, path)
    dialog = open_rollback(window, qtbot)
    plan = dialog.plan
    assert plan is not None and plan.can_downgrade and plan.downgrade_to == BELOW_HEAD
    # The counts shown are what undoing head discards in this database: the 7 colours.
    assert plan.downgrade_discards == {COLOURS: 7}
    assert dialog.down_card is not None and dialog.restore_card is not None
    discards = dialog.down_card.findChild(type(dialog.plan_status), "downgradeDiscards")
    assert f"7 {COLOURS}" in discards.text()
    # Recommended choice is marked and preselected.
    assert plan.recommended in ("downgrade", "restore")
    card = dialog.down_card if plan.recommended == "downgrade" else dialog.restore_card
    assert card.badge.isVisibleTo(dialog) and card.radio.isChecked()

    dialog.down_card.radio.setChecked(True)
    assert not dialog.confirm_button.isEnabled()
    qtbot.keyClicks(dialog.typed.edit, "app_metadata.db")      # the wrong name
    assert not dialog.confirm_button.isEnabled()
    dialog.typed.edit.clear()
    qtbot.keyClicks(dialog.typed.edit, path.name)
    assert dialog.confirm_button.isEnabled()
    steps = dialog.steps
    finish(dialog, qtbot)
    assert steps.mark(f"downgrade:{HEAD}") is Mark.DONE
    assert inspect(path).current_revision == BELOW_HEAD
    after = table_counts(path)
    assert after == counts, "only a column went; every row stays"
    assert "custom_theme_colors" not in str(dump(path)["schema"]["users"])
    # A backup was taken first (the pipeline's), holding the head state.
    assert list(path.parent.glob(f"{path.name}.*.{HEAD}.bak"))
    idle(window, qtbot)


def test_downgrade_of_a_reused_default_workspace_needs_the_loss_accepted(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    # A `default` workspace that existed before 002 (not named "Default Workspace"):
    # undoing 002 would delete it with its memberships (SCHEMA.md).
    path = make_at(tmp_path / "reused.db", "001", users=[user(1), user(2)])
    execute(path, "INSERT INTO workspaces (id, name, slug, created_by, created_at, updated_at) "
                  "VALUES (1, 'Team', 'default', 1, '2024-01-01', '2024-01-01')")
    migrate_to(path, "002")
    open_and_wait(window, qtbot, path)
    dialog = open_rollback(window, qtbot)
    plan = dialog.plan
    assert plan is not None and plan.downgrade_to == "001" and plan.needs_accept_loss
    assert plan.downgrade_notes and dialog.accept_loss.isVisibleTo(dialog)
    assert dialog.down_card is not None
    dialog.down_card.radio.setChecked(True)
    qtbot.keyClicks(dialog.typed.edit, path.name)
    assert not dialog.confirm_button.isEnabled()
    assert "accepts the loss" in dialog.confirm_button.toolTip()
    dialog.accept_loss.setChecked(True)
    assert dialog.confirm_button.isEnabled()
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.cancel_button.click()
    assert inspect(path).current_revision == "002"
    idle(window, qtbot)


def test_restore_a_backup_undoes_the_upgrade(window: MainWindow, qtbot: QtBot,
                                              demo_db) -> None:
    path = demo_db("001", users=25)
    before = dump(path)
    result = pipeline.run(path)           # the upgrade whose backup we restore
    assert result.backup is not None
    open_and_wait(window, qtbot, path)
    dialog = open_rollback(window, qtbot)
    chosen = dialog.plan.chosen if dialog.plan else None
    assert chosen is not None
    assert Path(chosen.path).resolve() == Path(result.backup.path).resolve()
    assert chosen.pre_upgrade and chosen.verified
    assert "taken by the last upgrade" in dialog.chooser.labels()[0]
    assert dialog.restore_card is not None
    dialog.restore_card.radio.setChecked(True)
    changes = dialog.chooser.changes.text()
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
    path = demo_db("head", users=5)
    before = dump(path)
    open_and_wait(window, qtbot, path)
    dialog = open_rollback(window, qtbot)
    qtbot.keyClicks(dialog.typed.edit, path.name)
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.cancel_button.click()
    assert dump(path) == before
    idle(window, qtbot)


def test_backups_are_the_catalog_newest_first_and_a_damaged_one_is_flagged(
        window: MainWindow, qtbot: QtBot, demo_db) -> None:
    path = demo_db("head", users=10)
    made = [Path(create_backup(path).path) for _ in range(3)]
    execute(made[1], "DELETE FROM users WHERE id IN (SELECT id FROM users LIMIT 2)")
    for i, backup in enumerate(made):   # made within a second: the files' times order them
        os.utime(backup, ns=(1_700_000_000_000_000_000 + i, 1_700_000_000_000_000_000 + i))
    open_and_wait(window, qtbot, path)
    dialog = open_rollback(window, qtbot)
    rows = window.session.catalog.rows
    assert [r.path for r in rows] == [str(p) for p in reversed(made)], "newest first"
    labels = dialog.chooser.labels()
    assert len(labels) == 3 and "FAILS verification" in labels[1]
    assert "FAILS" not in labels[0] + labels[2]
    assert dialog.chooser.list.item(1).flags() == Qt.ItemFlag.NoItemFlags
    assert not dialog.chooser.select(str(made[1])), "a damaged backup cannot be chosen"
    assert dialog.chooser.select(str(made[2]))
    # The Backups view says the same of the same files.
    view_rows = window.views["backups"].model.rows
    assert [(r.path, r.check) for r in view_rows] == [(r.path, r.check) for r in rows]
    assert [r.check for r in rows] == [Check.VERIFIED, Check.FAILED, Check.VERIFIED]
    dialog.close()
    idle(window, qtbot)


def test_after_an_upgrade_every_view_names_its_backup(window: MainWindow, qtbot: QtBot,
                                                      demo_db) -> None:
    path = demo_db("legacy", users=20)
    open_and_wait(window, qtbot, path)
    assert window.views["backups"].model.rowCount() == 0
    upgrade = window.open_change("upgrade")
    window.session.settle()
    with qtbot.waitSignal(upgrade.operationFinished, timeout=60_000):
        upgrade.confirm_button.click()
    window.session.settle()
    backup = next(path.parent.glob(f"{path.name}.*.legacy.bak"))
    view = window.views["backups"]
    assert [r.path for r in view.model.rows] == [str(backup)]
    assert view.model.rows[0].check is Check.VERIFIED
    assert f"1 backup in {path.parent}" in view.summary.text()
    assert backup.name in window.overview.backup_detail.text()
    upgrade.close()
    dialog = open_rollback(window, qtbot)
    assert dialog.chooser.selected_path() == str(backup)
    assert "taken by the last upgrade" in dialog.chooser.labels()[0]
    dialog.close()
    idle(window, qtbot)


def test_a_failure_after_the_typed_confirmation_says_nothing_was_changed(
        window: MainWindow, qtbot: QtBot, demo_db) -> None:
    path = demo_db("head", users=10)
    backup = Path(create_backup(path).path)
    execute(path, "DELETE FROM logs")
    before = dump(path)
    open_and_wait(window, qtbot, path)
    window.session.watch_files(False)
    dialog = open_rollback(window, qtbot)
    assert dialog.restore_card is not None
    dialog.restore_card.radio.setChecked(True)
    assert dialog.chooser.select(str(backup))
    qtbot.keyClicks(dialog.typed.edit, path.name)
    execute(backup, "DELETE FROM users")        # damaged after it was checked
    with qtbot.waitSignal(dialog.operationFinished, timeout=30_000) as blocker:
        dialog.confirm_button.click()
    assert blocker.args == [False]
    body = dialog.result_body.text()
    assert body.endswith(NOTHING_CHANGED), body
    assert "failed verification" in body
    assert dump(path) == before
    dialog.close()
    idle(window, qtbot)


def test_enter_in_the_typed_confirmation_confirms_once_it_matches(
        window: MainWindow, qtbot: QtBot, demo_db) -> None:
    path = demo_db("head", users=10)
    open_and_wait(window, qtbot, path)
    dialog = open_rollback(window, qtbot)
    assert dialog.down_card is not None
    dialog.down_card.radio.setChecked(True)
    qtbot.keyClicks(dialog.typed.edit, "app_meta")
    qtbot.keyClick(dialog.typed.edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.pages.currentIndex() == dialog.PLAN, \
        "Enter without the name neither confirms nor cancels"
    dialog.typed.edit.clear()
    qtbot.keyClicks(dialog.typed.edit, path.name)
    with qtbot.waitSignal(dialog.operationFinished, timeout=60_000) as blocker:
        qtbot.keyClick(dialog.typed.edit, Qt.Key.Key_Return)
    assert blocker.args == [True]
    assert inspect(path).current_revision == BELOW_HEAD
    dialog.close()
    idle(window, qtbot)


def test_roll_back_is_disabled_with_a_reason_when_there_is_nothing_to_go_back_to(
        window: MainWindow, qtbot: QtBot, demo_db) -> None:
    path = demo_db("legacy", users=10)
    open_and_wait(window, qtbot, path)
    action = window.named_actions["rollback"]
    button = window.views["migrations"].rollback_button
    assert not action.isEnabled() and not button.isEnabled()
    assert action.toolTip().startswith("Nothing to roll back to")
    assert "no revision to undo" in button.toolTip()
    create_backup(path)
    window.named_actions["refresh"].trigger()
    window.session.settle()
    assert action.isEnabled() and button.isEnabled(), "a backup is a way back"
    idle(window, qtbot)
