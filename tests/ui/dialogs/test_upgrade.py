"""Back up and upgrade from the Migrations view, driven through the real dialog."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from tests.builders import dump, execute
from tests.ui.helpers import idle, open_and_wait, table_counts
from wsadmin.db.migrate import pipeline
from wsadmin.db.schema.status import inspect
from wsadmin.ui.dialogs.change import ChangeDialog
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.ops.op import DbOp
from wsadmin.ui.views.migrations import MigrationsView
from wsadmin.ui.widgets.step_list import Mark


def migrations(window: MainWindow) -> MigrationsView:
    view = window.views["migrations"]
    assert isinstance(view, MigrationsView)
    return view


HEAD = "20251109220344"
REVISIONS = ["001", "002", "a87f1e87be87", "f6554ddc8f18", "e73bf9fb92f4", HEAD]


def open_upgrade(window: MainWindow, qtbot: QtBot) -> ChangeDialog:
    window.show_view("migrations")
    view = migrations(window)
    assert view.upgrade_button.isEnabled()
    qtbot.mouseClick(view.upgrade_button, qtbot_left())
    dialog = window.last_dialog
    assert isinstance(dialog, ChangeDialog) and dialog.action == "upgrade"
    window.session.settle()
    assert dialog.plan is not None or dialog.plan_error is not None
    return dialog


def qtbot_left() -> Qt.MouseButton:
    return Qt.MouseButton.LeftButton


def close(dialog: ChangeDialog, qtbot: QtBot) -> None:
    assert dialog.close_button.isVisible() and dialog.close_button.isEnabled()
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.close_button.click()


def run_to_result(dialog: ChangeDialog, qtbot: QtBot, rehearse: bool = False) -> None:
    assert dialog.confirm_button.isEnabled()
    dialog.rehearse_box.setChecked(rehearse)
    with qtbot.waitSignal(dialog.operationFinished, timeout=60_000):
        qtbot.mouseClick(dialog.confirm_button, qtbot_left())
    assert dialog.pages.currentIndex() == dialog.RESULT


def test_migrations_view_lists_every_revision_with_state(window: MainWindow, qtbot: QtBot,
                                                         demo_db) -> None:
    path = demo_db("001", users=10)
    open_and_wait(window, qtbot, path)
    view = migrations(window)
    assert [c.revision for c in view.cards.values()] == REVISIONS
    assert view.cards["001"].state == "current"
    assert [view.cards[r].state for r in REVISIONS[1:]] == ["pending"] * 5
    # What the revision does to the data, in the chain's words.
    assert "workspace" in view.cards["002"].effect.text().lower()
    assert view.cards["002"].undo.isVisibleTo(view) and view.cards["002"].undo.text()
    assert "Stuck at revision 001" in view.summary.text()
    assert view.upgrade_button.isEnabled()
    assert window.named_actions["rollback"].isEnabled()
    idle(window, qtbot)


def test_upgrade_success_shows_plan_steps_and_new_status(window: MainWindow, qtbot: QtBot,
                                                         demo_db) -> None:
    path = demo_db("legacy", users=40)
    before = table_counts(path)
    open_and_wait(window, qtbot, path)
    dialog = open_upgrade(window, qtbot)
    plan = dialog.plan
    assert plan is not None
    assert plan.revisions == REVISIONS
    assert plan.counts["users"] == before["users"]
    assert Path(plan.backup_path).parent == path.parent
    # The plan page says it in words the operator sees.
    backup_label = dialog.findChild(type(dialog.plan_status), "planBackup")
    assert backup_label is not None and Path(plan.backup_path).name in backup_label.text()

    with qtbot.waitSignal(window.session.changed, timeout=60_000):
        run_to_result(dialog, qtbot)
    assert dialog.result_ok is True
    assert f"Upgraded to revision {HEAD}" in dialog.result_heading.text()
    marks = dialog.steps.marks()
    for step in ("backup", "verify", *(f"upgrade:{r}" for r in REVISIONS)):
        assert marks[step] is Mark.DONE, (step, marks)
    assert Mark.FAILED not in marks.values()
    assert inspect(path).current_revision == HEAD
    assert table_counts(path)["users"] == before["users"]
    # The backup the result names exists and holds the legacy state.
    backups = sorted(path.parent.glob(f"{path.name}.*.bak"))
    assert backups and backups[-1].name in dialog.result_body.text()
    assert json.loads(Path(str(backups[-1]) + ".json").read_text())["revision"] is None
    # The main window's status followed: the view now says up to date.
    window.session.settle()
    assert migrations(window).cards[HEAD].state == "current"
    assert not migrations(window).upgrade_button.isEnabled()
    close(dialog, qtbot)
    idle(window, qtbot)


def test_upgrade_failure_inside_the_transaction_leaves_database_unchanged(
        window: MainWindow, qtbot: QtBot, demo_db) -> None:
    path = demo_db("001", users=30)
    # Injected failure: a revision updating users aborts.
    execute(path, "CREATE TRIGGER no_user_updates BEFORE UPDATE ON users "
                  "BEGIN SELECT RAISE(ABORT, 'injected failure: users are frozen'); END;")
    before = dump(path)
    open_and_wait(window, qtbot, path)
    dialog = open_upgrade(window, qtbot)
    run_to_result(dialog, qtbot)
    assert dialog.result_ok is False
    assert "unchanged" in dialog.result_heading.text()
    body = dialog.result_body.text()
    assert "injected failure" in body
    # 002 to f6554ddc8f18 ran (002 rebuilds users, copying rather than updating them) and
    # e73bf9fb92f4 failed setting every theme: all of them are rolled back together.
    assert dialog.steps.mark("upgrade:f6554ddc8f18") is Mark.DONE
    assert dialog.steps.mark("upgrade:e73bf9fb92f4") is Mark.FAILED
    assert dialog.steps.mark(f"upgrade:{HEAD}") is Mark.SKIPPED
    assert dialog.steps.mark("backup") is Mark.DONE
    assert dialog.steps.mark("verify") is Mark.DONE
    assert dump(path) == before
    assert inspect(path).current_revision == "001"
    close(dialog, qtbot)
    idle(window, qtbot)


def test_upgrade_failure_after_commit_restores_the_backup(
        window: MainWindow, qtbot: QtBot, demo_db,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = demo_db("legacy", users=30)
    before = dump(path)
    # Injected failure after COMMIT: the pipeline must put the backup back.
    monkeypatch.setattr(pipeline, "post_commit_problems",
                        lambda conn, goal: ["injected failure after commit"])
    open_and_wait(window, qtbot, path)
    dialog = open_upgrade(window, qtbot)
    run_to_result(dialog, qtbot)
    assert dialog.result_ok is False
    assert "restored" in dialog.result_heading.text()
    backups = sorted(path.parent.glob(f"{path.name}.*.bak"))
    assert len(backups) == 1
    assert f"Your database was restored from {backups[0]}" in dialog.result_body.text()
    assert dialog.steps.mark("restore") is Mark.DONE
    assert dialog.steps.mark(f"upgrade:{HEAD}") is Mark.DONE
    assert dump(path) == before
    close(dialog, qtbot)
    idle(window, qtbot)


def test_upgrade_with_rehearsal_runs_the_round_trip_first(
        window: MainWindow, qtbot: QtBot, demo_db) -> None:
    # Legacy: from 001 the core's rehearsal reports users.email_verified filled by 002
    # (NULL -> 0, kept by its downgrade) as a loss; see the report to the lead.
    path = demo_db("legacy", users=20)
    open_and_wait(window, qtbot, path)
    dialog = open_upgrade(window, qtbot)
    run_to_result(dialog, qtbot, rehearse=True)
    assert dialog.result_ok is True
    marks = dialog.steps.marks()
    assert marks["compare"] is Mark.DONE and marks["rehearse-downgrade"] is Mark.DONE
    assert dialog.steps.ids().index("compare") < dialog.steps.ids().index("backup")
    assert inspect(path).current_revision == HEAD
    close(dialog, qtbot)
    idle(window, qtbot)


def test_cancel_before_the_upgrade_changes_nothing(
        window: MainWindow, qtbot: QtBot, demo_db) -> None:
    path = demo_db("001", users=20)
    before = dump(path)
    open_and_wait(window, qtbot, path)
    dialog = open_upgrade(window, qtbot)
    # Hold the runner with a job queued ahead, so the upgrade is still waiting when
    # Cancel is pressed: the dialog must drop it and say that nothing changed.
    gate = threading.Event()
    window.session.run(DbOp(gate.wait, 10, label="hold the worker"))
    dialog.confirm_button.click()
    assert dialog.pages.currentIndex() == dialog.PROGRESS
    assert dialog.cancel_button.isEnabled()
    with qtbot.waitSignal(dialog.operationFinished, timeout=10_000):
        dialog.cancel_button.click()
        gate.set()
    assert dialog.result_ok is False
    assert "cancelled" in dialog.result_heading.text().lower()
    assert dump(path) == before
    assert not list(path.parent.glob(f"{path.name}.*.bak"))
    close(dialog, qtbot)
    idle(window, qtbot)


HOLDER = textwrap.dedent("""
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE users SET username = username WHERE id = 1")
    print("locked", flush=True)
    sys.stdin.readline()
    conn.execute("ROLLBACK")
""")


@pytest.fixture
def holder(demo_db) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    path = demo_db("001", users=10)
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    try:
        yield path, proc
    finally:
        proc.communicate("\n", timeout=10)   # lets it roll back, and closes the pipes


def test_upgrade_refused_when_another_process_holds_the_database(
        window: MainWindow, qtbot: QtBot, holder) -> None:
    path, proc = holder
    before = dump(path)
    open_and_wait(window, qtbot, path)
    dialog = open_upgrade(window, qtbot)
    assert dialog.plan is not None and dialog.plan.blocked
    assert not dialog.confirm_button.isEnabled()
    problems = " ".join(dialog.problems())
    # The preflight names the holder (process id where the OS allows) on the plan page.
    assert str(proc.pid) in problems or "open" in problems.lower(), problems
    shown = " ".join(w.text() for w in dialog.plan_body.findChildren(QLabel))
    assert problems.split(" (")[0][:30] in shown
    dialog.confirm()          # even a direct call does nothing while blocked
    assert dialog.pages.currentIndex() == dialog.PLAN
    assert dump(path) == before
    assert not list(path.parent.glob(f"{path.name}.*.bak"))
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.cancel_button.click()
    idle(window, qtbot)


def test_the_plan_and_the_run_name_the_same_backup_folder(
        window: MainWindow, qtbot: QtBot, demo_db, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "configured-backups"
    monkeypatch.setenv("WSADMIN_BACKUP_DIR", str(folder))
    path = demo_db("001", users=10)
    open_and_wait(window, qtbot, path)
    dialog = open_upgrade(window, qtbot)
    assert dialog.plan is not None
    planned = Path(dialog.plan.backup_path)
    assert planned.parent == folder, "the plan names the folder the run writes to"
    run_to_result(dialog, qtbot)
    assert dialog.result_ok is True
    made = [p for p in folder.glob("*.bak")]
    assert len(made) == 1 and not list(path.parent.glob(f"{path.name}.*.bak"))
    # Same folder, same database and revision; only the time in the name is the run's.
    stem = lambda p: (p.parent, p.name.split(".")[0:2], p.name.split(".")[-2:])  # noqa: E731
    assert stem(made[0]) == stem(planned)
    assert str(made[0]) in dialog.result_body.text().replace("<b>", "").replace("</b>", "")
    window.session.settle()
    assert window.session.catalog.newest() is not None
    assert window.session.catalog.newest().path == str(made[0])
    close(dialog, qtbot)
    idle(window, qtbot)


def test_a_running_upgrade_leaves_the_window_usable_but_no_other_change(
        window: MainWindow, qtbot: QtBot, demo_db) -> None:
    path = demo_db("001", users=10)
    open_and_wait(window, qtbot, path)
    dialog = open_upgrade(window, qtbot)
    assert QApplication.activeModalWidget() is dialog, "the plan is window-modal"
    gate = threading.Event()
    window.session.run(DbOp(gate.wait, 10, label="hold the worker"))
    dialog.confirm_button.click()
    try:
        assert dialog.pages.currentIndex() == dialog.PROGRESS and dialog.isVisible()
        assert QApplication.activeModalWidget() is None, "the progress does not block"
        window.show_view("backups")                       # the views stay reachable
        assert window.current_view == "backups"
        window.named_actions["log"].trigger()             # and the log
        assert window.log.isVisible()
        assert window.session.writing
        for key in ("backup", "upgrade", "rollback"):     # changing the database waits
            action = window.named_actions[key]
            assert not action.isEnabled(), key
            assert "Wait for the change under way to end" in action.toolTip()
        assert not window.views["backups"].prune_button.isEnabled()
        offer = window.overview.offer_button                # the Overview's offer too
        assert not offer.isEnabled() and "Wait for the change" in offer.toolTip()
    finally:
        gate.set()
    with qtbot.waitSignal(dialog.operationFinished, timeout=60_000):
        pass
    window.session.settle()
    assert dialog.result_ok is True and not window.session.writing
    assert window.named_actions["backup"].isEnabled()
    assert window.named_actions["rollback"].isEnabled()
    close(dialog, qtbot)
    idle(window, qtbot)
