"""Workspaces editor: columns and filters, create, rename, members, stale permissions,
settings (the redis password only set or cleared), move rows, delete."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtTest import QAbstractItemModelTester
from pytestqt.qtbot import QtBot

from tests.ui.editors_helpers import (
    ALICE,
    BOB,
    CAROL,
    cell,
    checked,
    editor,
    one,
    pick,
    rows,
    submit,
    type_into,
)
from tests.ui.shown_text import assert_no_secret, shown_text
from tests.unit.health import scenarios as sc
from tests.unit.health.helpers import HEAD, SECRET_PARTS, SECRETS, build
from wsadmin.db.common import audit
from wsadmin.db.health.runner import run_checks
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.views.workspace_forms import NewWorkspaceDialog, WorkspaceDialog
from wsadmin.ui.views.workspace_moves import DeleteWorkspaceDialog, MoveRowsDialog
from wsadmin.ui.views.workspaces import WorkspacesView

NEW_REDIS = "brand-new-redis-pw-8812"


def workspaces(window: MainWindow, qtbot: QtBot, db: Path) -> WorkspacesView:
    view = editor(window, qtbot, db, "workspaces")
    assert isinstance(view, WorkspacesView)
    return view


def opened(view: WorkspacesView, qtbot: QtBot, wid: int) -> WorkspaceDialog:
    pick(view, qtbot, wid)
    view.open_button.click()
    dialog = view.last_dialog
    assert isinstance(dialog, WorkspaceDialog)
    qtbot.waitUntil(lambda: getattr(dialog, "row", None) is not None, timeout=10_000)
    qtbot.waitUntil(lambda: dialog.members_model.complete, timeout=10_000)
    return dialog


def test_columns_and_filters(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, "DELETE FROM workspace_members WHERE workspace_id = 4")
    view = workspaces(window, qtbot, db)
    tester = QAbstractItemModelTester(view.model, QAbstractItemModelTester.FailureReportingMode
                                      .Warning)
    assert list(view.model.ids) == [1, 2, 3, 4]
    pick(view, qtbot, 1)
    assert [cell(view, 1, k) for k in ("slug", "name", "creator", "members", "admins",
                                       "dashboards", "connections", "settings")] == [
        "alices-workspace", "alice's Workspace", "alice", "2", "1", "1", "1", "yes"]
    assert cell(view, 4, "admins") == "NONE"
    view.no_admin.setChecked(True)
    qtbot.waitUntil(lambda: view.model.complete and list(view.model.ids) == [4],
                    timeout=10_000)
    view.no_admin.setChecked(False)
    view.member.setText("carol")
    view.reload_later.flush()
    qtbot.waitUntil(lambda: view.model.complete and list(view.model.ids) == [1, 3],
                    timeout=10_000)
    view.member.setText("")
    view.text.setText("bob")
    view.reload_later.flush()
    qtbot.waitUntil(lambda: view.model.complete and list(view.model.ids) == [2],
                    timeout=10_000)
    window.session.settle()
    del tester


def test_create_with_the_backends_slug(window: MainWindow, qtbot: QtBot, tmp_path: Path
                                       ) -> None:
    db = build(tmp_path, HEAD)
    view = workspaces(window, qtbot, db)
    dialog = view.new_workspace()
    assert isinstance(dialog, NewWorkspaceDialog)
    type_into(dialog.name, "alice's Workspace")
    type_into(dialog.creator, "nobody")
    checked(dialog, window, qtbot)
    assert dialog.slug.text() == "alices-workspace-1"        # taken: the backend's -1
    assert "no user 'nobody'" in dialog.form.error("creator")
    type_into(dialog.name, "Team Rocket")
    type_into(dialog.creator, "bob")
    checked(dialog, window, qtbot)
    assert dialog.slug.text() == "team-rocket" and not dialog.form.has_errors
    submit(dialog, window, qtbot)
    assert rows(db, "SELECT w.slug, w.created_by, m.user_id, m.role, s.max_dashboards FROM "
                "workspaces AS w JOIN workspace_members AS m ON m.workspace_id = w.id JOIN "
                "workspace_settings AS s ON s.workspace_id = w.id WHERE w.name = "
                "'Team Rocket'") == [("team-rocket", BOB, BOB, "admin", 1000)]
    qtbot.waitUntil(lambda: view.model.complete and view.model.rowCount() == 5,
                    timeout=10_000)
    window.session.settle()


def test_rename_keeps_the_slug_in_place(window: MainWindow, qtbot: QtBot, tmp_path: Path
                                        ) -> None:
    db = build(tmp_path, HEAD)
    view = workspaces(window, qtbot, db)
    dialog = opened(view, qtbot, 2)
    resets: list[bool] = []
    view.model.modelReset.connect(lambda: resets.append(True))
    type_into(dialog.name, "")
    submit(dialog, window, qtbot)
    assert "1 to 100 characters" in dialog.form.error("name")
    type_into(dialog.name, "Bob's Shop")
    submit(dialog, window, qtbot)
    assert rows(db, "SELECT name, slug FROM workspaces WHERE id = 2") == [
        ("Bob's Shop", "bobs-workspace")]
    qtbot.waitUntil(lambda: cell(view, 2, "name") == "Bob's Shop", timeout=10_000)
    assert cell(view, 2, "slug") == "bobs-workspace" and not resets
    dialog.close()


def test_members_tab_add_role_remove_keeps_an_admin(window: MainWindow, qtbot: QtBot,
                                                   tmp_path: Path) -> None:
    db = build(tmp_path, HEAD)
    view = workspaces(window, qtbot, db)
    dialog = opened(view, qtbot, 2)
    assert list(dialog.members_model.ids) == [BOB]
    type_into(dialog.member_ref, "carol")
    dialog.member_role.setCurrentText("editor")
    submit(dialog, window, qtbot, dialog.findChild(type(dialog.submit_button),
                                                   "addMemberButton"))
    qtbot.waitUntil(lambda: list(dialog.members_model.ids) == [BOB, CAROL], timeout=10_000)
    dialog.members.selectRow(0)                   # bob, the only admin
    dialog.member_role.setCurrentText("viewer")
    submit(dialog, window, qtbot, dialog.findChild(type(dialog.submit_button),
                                                   "setMemberRoleButton"))
    assert "without an active admin" in dialog.member_form.error("role")
    assert one(db, "SELECT role FROM workspace_members WHERE workspace_id = 2 AND "
               "user_id = 2") == "admin"
    dialog.members.selectRow(1)                   # carol
    submit(dialog, window, qtbot, dialog.findChild(type(dialog.submit_button),
                                                   "removeMemberButton"))
    assert one(db, "SELECT COUNT(*) FROM workspace_members WHERE workspace_id = 2") == 1
    qtbot.waitUntil(lambda: list(dialog.members_model.ids) == [BOB], timeout=10_000)
    qtbot.waitUntil(lambda: cell(view, 2, "members") == "1", timeout=10_000)
    dialog.close()


def test_stale_permissions_are_listed_and_removed(window: MainWindow, qtbot: QtBot,
                                                 tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.REMOVED_MEMBER)
    view = workspaces(window, qtbot, db)
    dialog = opened(view, qtbot, 1)
    assert dialog.permissions.rowCount() == 1
    assert "not a member" in dialog.permissions.item(0, 4).text()
    assert dialog.stale_note.text() == "1 stale permission" and dialog.remove_stale.isEnabled()
    submit(dialog, window, qtbot, dialog.remove_stale)
    assert one(db, "SELECT COUNT(*) FROM connection_permissions") == 0
    assert run_checks(db).get("stale_connection_permissions").count == 0
    qtbot.waitUntil(lambda: dialog.permissions.rowCount() == 0, timeout=10_000)
    dialog.close()


def test_settings_and_the_redis_password_never_shown(window: MainWindow, qtbot: QtBot,
                                                     tmp_path: Path) -> None:
    db = build(tmp_path, HEAD)
    view = workspaces(window, qtbot, db)
    dialog = opened(view, qtbot, 1)
    assert dialog.redis_state.text() == "set"
    assert SECRETS["redis_password"] not in shown_text(dialog)
    dialog.max_members.setValue(5000)                      # over the backend's 1000
    save = dialog.findChild(type(dialog.submit_button), "saveSettingsButton")
    submit(dialog, window, qtbot, save)
    assert "between 1 and 1,000" in dialog.settings_form.error("max_members")
    assert one(db, "SELECT max_members FROM workspace_settings WHERE workspace_id = 1") == 100
    dialog.max_members.setValue(50)
    dialog.redis_port.setValue(6380)
    type_into(dialog.redis_password, NEW_REDIS)
    submit(dialog, window, qtbot, save)
    assert rows(db, "SELECT max_members, redis_port, redis_password FROM workspace_settings "
                "WHERE workspace_id = 1") == [(50, 6380, NEW_REDIS)]
    assert dialog.redis_password.text() == ""
    dialog.clear_password.setChecked(True)
    submit(dialog, window, qtbot, save)
    assert one(db, "SELECT redis_password FROM workspace_settings WHERE workspace_id = 1") \
        is None
    qtbot.waitUntil(lambda: dialog.redis_state.text() == "not set", timeout=10_000)
    assert_no_secret([NEW_REDIS, *SECRET_PARTS], window, dialog, window.log)
    for entry in audit.entries(db):
        assert NEW_REDIS not in str(entry) and SECRETS["redis_password"] not in str(entry)
    dialog.close()


def test_move_rows_previewed_then_moved(window: MainWindow, qtbot: QtBot, tmp_path: Path
                                        ) -> None:
    db = build(tmp_path, HEAD)
    view = workspaces(window, qtbot, db)
    pick(view, qtbot, 2)
    view.move_button.click()
    dialog = view.last_dialog
    assert isinstance(dialog, MoveRowsDialog)
    dialog.table.setCurrentText("connections")
    type_into(dialog.target, "alices-workspace")
    assert not dialog.submit_button.isEnabled()            # not before a preview
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=10_000)
    # its data source follows, the data source's chart, the chart's dashboard
    assert "Moves 1 dashboard, 1 chart, 1 connection, 1 data source." in \
        dialog.preview_label.text()
    submit(dialog, window, qtbot)
    assert rows(db, "SELECT workspace_id FROM connections WHERE id = 2") == [(ALICE,)]
    for table in ("data_sources", "charts", "dashboards"):
        assert rows(db, f"SELECT workspace_id FROM {table} WHERE id = 2") == [(ALICE,)]
    qtbot.waitUntil(lambda: cell(view, 2, "connections") == "0", timeout=10_000)
    assert run_checks(db).get("isolation_violations").count == 0


def test_delete_only_after_choosing_where_rows_go(window: MainWindow, qtbot: QtBot,
                                                  tmp_path: Path) -> None:
    db = build(tmp_path, HEAD)
    view = workspaces(window, qtbot, db)
    pick(view, qtbot, 2)
    view.delete_button.click()
    dialog = view.last_dialog
    assert isinstance(dialog, DeleteWorkspaceDialog)
    assert not dialog.submit_button.isEnabled()
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.form.error("rows_to") != "", timeout=10_000)
    type_into(dialog.rows_to, "alices-workspace")
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.submit_button.isEnabled(), timeout=10_000)
    assert "1 dashboard," in dialog.counts.text()
    assert "1 user has it as current workspace; 1 becomes a viewer where" in dialog.counts.text()
    submit(dialog, window, qtbot)
    assert one(db, "SELECT COUNT(*) FROM workspaces WHERE id = 2") == 0
    assert rows(db, "SELECT workspace_id FROM dashboards WHERE id = 2") == [(ALICE,)]
    report = run_checks(db)
    for check in ("rows_dangling_workspace", "users_dangling_workspace", "memberships_dangling"):
        assert report.get(check).count == 0, check
    assert Path(list(audit.entries(db))[-1]["backup"]).exists()
    qtbot.waitUntil(lambda: view.model.complete and 2 not in list(view.model.ids),
                    timeout=10_000)
    window.session.settle()
