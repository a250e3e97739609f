"""Adopt, repair, initialise and the upgrade of a stuck database, through the window:
the offered button, the plan dialog, its result, and what a failure changed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLabel
from pytestqt.qtbot import QtBot

from tests.builders import dump
from tests.ui.helpers import idle, open_and_wait, table_counts
from wsadmin.db.migrate import pipeline, prepare
from wsadmin.db.schema.states import State
from wsadmin.db.schema.status import inspect
from wsadmin.ui.dialogs.change import ChangeDialog
from wsadmin.ui.dialogs.operation import NOTHING_CHANGED
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.widgets.step_list import Mark

DemoDb = Callable[..., Path]
HEAD = "20251109220344"
AFTER_001 = ["002", "a87f1e87be87", "f6554ddc8f18", "e73bf9fb92f4", HEAD]
ALL = ["001", *AFTER_001]
HEAD_TABLES = {"users", "workspaces", "workspace_members", "workspace_settings", "dashboards",
               "charts", "dashboard_charts", "connections", "connection_permissions",
               "data_sources", "csv_data", "logs", "settings", "alembic_version"}


def click(qtbot: QtBot, button: Any) -> None:
    assert button.isVisible() and button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def planned(window: MainWindow, action: str) -> ChangeDialog:
    dialog = window.last_dialog
    assert isinstance(dialog, ChangeDialog) and dialog.action == action
    window.session.settle()
    assert dialog.plan is not None, dialog.plan_error
    return dialog


def from_overview(window: MainWindow, qtbot: QtBot, action: str) -> ChangeDialog:
    window.show_view("overview")
    click(qtbot, window.overview.offer_button)
    return planned(window, action)


def from_migrations(window: MainWindow, qtbot: QtBot, action: str) -> ChangeDialog:
    window.show_view("migrations")
    click(qtbot, window.views["migrations"].upgrade_button)
    return planned(window, action)


def shown(dialog: ChangeDialog, name: str) -> str:
    label = dialog.plan_body.findChild(QLabel, name)
    assert label is not None, name
    return label.text()


def confirm(dialog: ChangeDialog, qtbot: QtBot) -> None:
    with qtbot.waitSignal(dialog.operationFinished, timeout=60_000):
        click(qtbot, dialog.confirm_button)
    assert dialog.pages.currentIndex() == dialog.RESULT


def last_words(dialog: ChangeDialog) -> str:
    return dialog.result_body.text().split("<br><br>")[-1]


def without_version(path: Path) -> dict[str, Any]:
    data = dump(path)
    for part in data.values():
        part.pop("alembic_version", None)
    return data


# ---- adopt ------------------------------------------------------------------------------

def test_adopt_records_head_and_changes_no_table(window: MainWindow, qtbot: QtBot,
                                                 demo_db: DemoDb) -> None:
    path = demo_db("unversioned_head", users=30)
    before = without_version(path)
    open_and_wait(window, qtbot, path)
    assert window.overview.offer_button.text() == "Adopt…"
    dialog = from_overview(window, qtbot, "adopt")
    assert dialog.windowTitle() == "Adopt"
    assert dialog.confirm_button.text() == "Back up and adopt"
    assert not dialog.rehearse_box.isVisible()
    assert dialog.plan.revisions == []
    assert f"revision {HEAD} (head)" in shown(dialog, "planRecords")
    assert shown(dialog, "planRevisions") == "none: no table is changed"
    assert "init_db" in shown(dialog, "planState")
    assert "no table is changed" in dialog.plan_status.text()
    confirm(dialog, qtbot)
    assert dialog.result_ok is True
    assert dialog.result_heading.text() == f"Adopted: revision {HEAD} recorded"
    assert "No table was changed" in dialog.result_body.text()
    assert dialog.steps.mark("adopt") is Mark.DONE
    status = inspect(path)
    assert (status.state, status.current_revision) == (State.AT_REVISION, HEAD)
    assert without_version(path) == before, "adopting changes no table"
    window.session.settle()
    assert window.overview.badge.text() == "Up to date"
    assert not window.overview.offer_button.isVisible()
    idle(window, qtbot)


def test_a_failed_adoption_says_nothing_was_changed(
        window: MainWindow, qtbot: QtBot, demo_db: DemoDb,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = demo_db("unversioned_head", users=10)
    before = dump(path)

    def broken(conn: sqlite3.Connection) -> str:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        raise sqlite3.OperationalError("injected failure while recording head")

    monkeypatch.setattr(prepare, "adopt", broken)
    open_and_wait(window, qtbot, path)
    dialog = from_migrations(window, qtbot, "adopt")
    confirm(dialog, qtbot)
    assert dialog.result_ok is False
    assert dialog.result_heading.text() == "The adoption failed — your database is unchanged"
    assert "injected failure" in dialog.result_body.text()
    assert last_words(dialog).startswith(NOTHING_CHANGED)
    assert dump(path) == before
    assert inspect(path).state is State.UNVERSIONED_HEAD
    idle(window, qtbot)


# ---- repair -----------------------------------------------------------------------------

def test_repair_of_a_revision_recorded_ahead_of_its_schema(window: MainWindow, qtbot: QtBot,
                                                          demo_db: DemoDb) -> None:
    path = demo_db("recorded_ahead_of_shape", users=30)
    counts = table_counts(path)
    open_and_wait(window, qtbot, path)
    dialog = from_migrations(window, qtbot, "repair")
    assert dialog.confirm_button.text() == "Back up and repair"
    assert dialog.plan.revisions == AFTER_001
    records = shown(dialog, "planRecords")
    assert "revision 001" in records and f"instead of {HEAD}" in records
    assert "skips it" in shown(dialog, "planSymptom")
    assert dialog.plan.drops == []
    confirm(dialog, qtbot)
    assert dialog.result_ok is True
    assert dialog.result_heading.text() == f"Repaired: now at revision {HEAD}"
    assert "Recorded first: revision 001" in dialog.result_body.text()
    assert dialog.steps.mark("repair") is Mark.DONE
    status = inspect(path)
    assert (status.state, status.current_revision) == (State.AT_REVISION, HEAD)
    after = table_counts(path)
    assert after["users"] == counts["users"] and after["dashboards"] == counts["dashboards"]
    assert after["workspaces"] == 1, "002 ran: everybody is in the Default Workspace"
    window.session.settle()
    cards = window.views["migrations"].cards
    assert cards[HEAD].state == "current"
    idle(window, qtbot)


def test_repair_of_a_half_initialised_file_starts_it_again(window: MainWindow, qtbot: QtBot,
                                                           demo_db: DemoDb) -> None:
    path = demo_db("half_initialised")
    open_and_wait(window, qtbot, path)
    dialog = from_overview(window, qtbot, "repair")
    assert dialog.plan.revisions == ALL
    assert dialog.plan.drops == ["workspace_members", "workspace_settings", "workspaces"]
    assert "workspace_members, workspace_settings, workspaces" in shown(dialog, "planDrops")
    assert "starts again from empty" in shown(dialog, "planRecords")
    assert "table workspaces already exists" in shown(dialog, "planSymptom")
    confirm(dialog, qtbot)
    assert dialog.result_ok is True
    status = inspect(path)
    assert (status.state, status.current_revision) == (State.AT_REVISION, HEAD)
    assert set(table_counts(path)) == HEAD_TABLES
    idle(window, qtbot)


def test_a_repair_failing_after_commit_restores_the_backup_and_says_so(
        window: MainWindow, qtbot: QtBot, demo_db: DemoDb,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = demo_db("mixed", users=10)
    before = dump(path)
    monkeypatch.setattr(pipeline, "post_commit_problems",
                        lambda conn, goal: ["injected failure after commit"])
    open_and_wait(window, qtbot, path)
    dialog = from_migrations(window, qtbot, "repair")
    confirm(dialog, qtbot)
    assert dialog.result_ok is False
    assert dialog.result_heading.text() == "The repair failed — your database was restored"
    assert "changed the database and it was put back from the backup" in last_words(dialog)
    assert dialog.steps.mark("restore") is Mark.DONE
    assert dump(path) == before
    idle(window, qtbot)


# ---- initialise -------------------------------------------------------------------------

def test_initialise_an_empty_file(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "app_metadata.db"
    path.touch()
    open_and_wait(window, qtbot, path)
    assert window.overview.badge.text() == "Empty: initialise it"
    dialog = from_overview(window, qtbot, "init")
    assert dialog.confirm_button.text() == "Initialise"
    assert dialog.plan.revisions == ALL and not dialog.plan.new_file
    assert Path(dialog.plan.backup_path).name in shown(dialog, "planBackup")
    confirm(dialog, qtbot)
    assert dialog.result_ok is True
    assert dialog.result_heading.text() == f"Initialised at revision {HEAD}"
    assert inspect(path).current_revision == HEAD
    assert set(table_counts(path)) == HEAD_TABLES
    window.session.settle()
    assert window.overview.badge.text() == "Up to date"
    idle(window, qtbot)


def choose(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    asked: list[str] = []

    def fake(parent: object, caption: str, folder: str, filters: str, **kw: object
             ) -> tuple[str, str]:
        asked.append(caption)
        return str(path), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    return asked


def test_initialise_a_new_database_from_the_start_page_then_open_it(
        window: MainWindow, qtbot: QtBot, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "new" / "app_metadata.db"
    path.parent.mkdir()
    asked = choose(monkeypatch, path)
    click(qtbot, window.start_page.init_button)
    dialog = planned(window, "init")
    assert asked == ["Initialise a new database"]
    assert dialog.plan.new_file and dialog.plan.revisions == ALL
    assert shown(dialog, "planBackup").startswith("none: the file is new")
    assert "does not exist yet" in shown(dialog, "planState")
    assert "removed again" in dialog.plan_status.text()
    assert not path.exists(), "planning creates nothing"
    with qtbot.waitSignal(window.session.opened, timeout=60_000):
        confirm(dialog, qtbot)
    assert dialog.result_ok is True and "It is opened now" in dialog.result_body.text()
    assert dialog.steps.mark("init") is Mark.DONE
    window.session.settle()
    assert window.session.path == path and window.current_view == "overview"
    assert window.overview.badge.text() == "Up to date"
    assert window.overview.count_labels["users"].text() == "0"
    idle(window, qtbot)


def test_a_failed_initialisation_removes_the_new_file(
        window: MainWindow, qtbot: QtBot, tmp_path: Path, demo_db: DemoDb,
        monkeypatch: pytest.MonkeyPatch) -> None:
    open_and_wait(window, qtbot, demo_db("legacy", users=5))       # stays open
    path = tmp_path / "fresh.db"
    choose(monkeypatch, path)
    monkeypatch.setattr(pipeline, "post_commit_problems",
                        lambda conn, goal: ["injected failure after commit"])
    window.named_actions["init"].trigger()
    dialog = planned(window, "init")
    confirm(dialog, qtbot)
    assert dialog.result_ok is False
    assert dialog.result_heading.text() == "The initialisation failed — the new file was removed"
    assert "the new file was removed" in dialog.result_body.text()
    assert last_words(dialog) == NOTHING_CHANGED
    assert not path.exists()
    window.session.settle()
    assert window.session.path is not None and window.session.path.name == "demo_legacy.db"
    idle(window, qtbot)


def test_initialise_refuses_a_file_that_holds_a_database(
        window: MainWindow, qtbot: QtBot, demo_db: DemoDb,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = demo_db("legacy", users=5)
    before = dump(path)
    choose(monkeypatch, path)
    window.named_actions["init"].trigger()
    dialog = planned(window, "init")
    assert dialog.plan.blocked and not dialog.confirm_button.isEnabled()
    assert "is legacy" in " ".join(dialog.problems())
    assert "cannot start" in dialog.plan_status.text() and "Nothing was changed" in \
        dialog.plan_status.text()
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.cancel_button.click()
    assert dump(path) == before
    idle(window, qtbot)


# ---- upgrade of a database stuck at 001 -------------------------------------------------

def test_upgrade_of_a_database_stuck_at_001_names_its_state(
        window: MainWindow, qtbot: QtBot, demo_db: DemoDb) -> None:
    path = demo_db("stuck_at_001", users=30)
    counts = table_counts(path)
    open_and_wait(window, qtbot, path)
    dialog = from_overview(window, qtbot, "upgrade")
    assert dialog.plan.revisions == AFTER_001
    assert "Stuck at revision 001" in shown(dialog, "planState")
    assert "login and register" in shown(dialog, "planSymptom")
    confirm(dialog, qtbot)
    assert dialog.result_ok is True
    assert dialog.result_heading.text() == f"Upgraded to revision {HEAD}"
    assert inspect(path).state is State.AT_REVISION
    assert table_counts(path)["users"] == counts["users"]
    window.session.settle()
    assert window.overview.badge.text() == "Up to date"
    assert window.overview.symptom_label.text().endswith("the schema the backend needs.")
    idle(window, qtbot)
