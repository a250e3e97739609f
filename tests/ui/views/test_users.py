"""Users editor: filters and columns, every action of its forms, inline validation, rows
updated in place, and no secret in any widget — on the health tests' standard database."""

from __future__ import annotations

from pathlib import Path

import bcrypt
from PySide6.QtTest import QAbstractItemModelTester
from pytestqt.qtbot import QtBot

from tests.ui.editors_helpers import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    cell,
    checked,
    editor,
    one,
    pick,
    rows,
    submit,
    type_into,
)
from tests.ui.shown_text import assert_no_secret
from tests.unit.health.helpers import HEAD, SECRET_PARTS, build
from wsadmin.db.common import audit
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.views.user_forms import (
    DeactivateDialog,
    DeleteUserDialog,
    EditUserDialog,
    NewUserDialog,
    PasswordDialog,
)
from wsadmin.ui.views.users import UsersView

PASSWORD = "correct horse battery 42"


def users(window: MainWindow, qtbot: QtBot, db: Path) -> UsersView:
    view = editor(window, qtbot, db, "users")
    assert isinstance(view, UsersView)
    return view


def listed(view: UsersView) -> list[int]:
    return list(view.model.ids)


def refiltered(view: UsersView, window: MainWindow, qtbot: QtBot) -> None:
    view.reload_later.flush()
    qtbot.waitUntil(lambda: view.model.complete or view.model.error is not None,
                    timeout=10_000)
    window.session.settle()


def test_columns_filters_and_sort(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, "UPDATE users SET current_workspace_id = NULL WHERE id = 4;"
               "UPDATE users SET is_active = 0 WHERE id = 2")
    view = users(window, qtbot, db)
    tester = QAbstractItemModelTester(view.model, QAbstractItemModelTester.FailureReportingMode
                                      .Warning)
    assert listed(view) == [1, 2, 3, 4] and view.count_label.text() == "4 users"
    pick(view, qtbot, ALICE)
    assert [c.title for c in view.model.columns] == [
        "Id", "Username", "Email", "Active", "Global role", "Current workspace", "Workspaces",
        "Created", "Last login"]
    assert [cell(view, ALICE, k) for k in ("username", "email", "active", "global_role",
                                           "current", "workspaces")] == [
        "alice", "alice@example.org", "yes", "admin", "alice's Workspace", "1"]
    assert cell(view, DAVE, "current") == "(none)" and cell(view, BOB, "active") == "NO"
    assert_no_secret(SECRET_PARTS, window)          # the hashes are never read, let alone shown

    for text, want in (("bo", [BOB]), ("EXAMPLE.org", [1, 2, 3, 4]), ("zz", [])):
        view.text.setText(text)
        refiltered(view, window, qtbot)
        assert listed(view) == want, text
    view.text.setText("")
    for key, want in (("without_workspace", [DAVE]), ("global_admins", [ALICE, BOB]),
                      ("inactive", [BOB])):
        view.checks[key].setChecked(True)
        refiltered(view, window, qtbot)
        assert listed(view) == want, key
        assert view.count_label.text().endswith("match the filter")
        view.checks[key].setChecked(False)
    view.member.setText("alices-workspace")
    refiltered(view, window, qtbot)
    assert listed(view) == [ALICE, CAROL]
    view.member.setText("no-such-workspace")
    refiltered(view, window, qtbot)
    assert "no workspace 'no-such-workspace'" in view.count_label.text()
    view.member.setText("")
    refiltered(view, window, qtbot)
    username = next(i for i, c in enumerate(view.model.columns) if c.key == "username")
    view.table.horizontalHeader().sectionClicked.emit(username)
    refiltered(view, window, qtbot)
    view.table.horizontalHeader().sectionClicked.emit(username)        # again: descending
    refiltered(view, window, qtbot)
    assert listed(view) == [DAVE, CAROL, BOB, ALICE]
    del tester


def test_new_user_registers_as_the_backend_does(window: MainWindow, qtbot: QtBot,
                                                tmp_path: Path) -> None:
    db = build(tmp_path, HEAD)
    view = users(window, qtbot, db)
    dialog = view.new_user()
    assert isinstance(dialog, NewUserDialog)
    type_into(dialog.username, "erin")
    type_into(dialog.email, "erin@example.org")
    type_into(dialog.password, PASSWORD)
    type_into(dialog.confirm, PASSWORD)
    assert dialog.global_role.currentText() == "admin"
    assert_no_secret([PASSWORD, *SECRET_PARTS], window, dialog)
    submit(dialog, window, qtbot)
    assert dialog.closed and dialog.result_ is not None         # saved, and closed
    qtbot.waitUntil(lambda: view.model.complete and view.model.rowCount() == 5, timeout=10_000)
    window.session.settle()
    uid = one(db, "SELECT id FROM users WHERE username = 'erin'")
    assert rows(db, "SELECT u.role, u.is_active, w.name, w.slug, m.role, s.max_members "
                "FROM users AS u JOIN workspaces AS w ON w.id = u.current_workspace_id "
                "JOIN workspace_members AS m ON m.user_id = u.id AND m.workspace_id = w.id "
                "JOIN workspace_settings AS s ON s.workspace_id = w.id WHERE u.id = ?",
                uid) == [("admin", 1, "erin's Workspace", "erins-workspace", "admin", 100)]
    stored = one(db, "SELECT password_hash FROM users WHERE id = ?", uid)
    assert stored.startswith("$2b$12$") and len(stored) == 60
    assert bcrypt.checkpw(PASSWORD.encode(), stored.encode())
    assert uid in listed(view)
    assert list(audit.entries(db))[-1]["action"] == "user.add"
    assert_no_secret([PASSWORD, stored, *SECRET_PARTS], window, window.log)


def test_new_user_joining_a_workspace(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    db = build(tmp_path, HEAD)
    view = users(window, qtbot, db)
    dialog = view.new_user()
    assert isinstance(dialog, NewUserDialog)
    dialog.mode.setCurrentIndex(1)
    assert dialog.global_role.currentText() == "viewer"
    type_into(dialog.username, "frank")
    type_into(dialog.email, "frank@example.org")
    type_into(dialog.password, PASSWORD)
    type_into(dialog.confirm, PASSWORD)
    type_into(dialog.join, "nope")
    checked(dialog, window, qtbot)
    assert "no workspace 'nope'" in dialog.form.error("join")
    type_into(dialog.join, "bobs-workspace")
    dialog.role.setCurrentText("editor")
    submit(dialog, window, qtbot)
    assert rows(db, "SELECT u.role, w.slug, m.role, (SELECT COUNT(*) FROM workspaces) FROM "
                "users AS u JOIN workspaces AS w ON w.id = u.current_workspace_id JOIN "
                "workspace_members AS m ON m.user_id = u.id WHERE u.username = 'frank'") == [
        ("viewer", "bobs-workspace", "editor", 4)]


def test_validation_errors_show_inline_and_write_nothing(window: MainWindow, qtbot: QtBot,
                                                         tmp_path: Path) -> None:
    db = build(tmp_path, HEAD)
    view = users(window, qtbot, db)
    dialog = view.new_user()
    assert isinstance(dialog, NewUserDialog)
    type_into(dialog.username, "al")
    type_into(dialog.email, "bob@example.org")
    type_into(dialog.password, PASSWORD)
    type_into(dialog.confirm, PASSWORD + "x")
    checked(dialog, window, qtbot)
    assert "3 to 50 characters" in dialog.form.error("username")
    assert "already registered" in dialog.form.error("email")
    assert dialog.form.error("confirm") == "the two passwords differ"
    type_into(dialog.username, "alice")
    checked(dialog, window, qtbot)
    assert "already taken" in dialog.form.error("username")
    type_into(dialog.username, "grace")
    type_into(dialog.email, "grace@example.org")
    submit(dialog, window, qtbot)
    assert dialog.isVisible()
    assert "differ" in dialog.form.error("password")          # the core refused it too
    assert "Nothing was changed" in dialog.status.text()
    assert one(db, "SELECT COUNT(*) FROM users") == 4
    dialog.close()


def test_edit_email_role_and_current_updates_the_row_in_place(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    db = build(tmp_path, HEAD)
    view = users(window, qtbot, db)
    pick(view, qtbot, CAROL)
    resets: list[bool] = []
    changed: list[int] = []
    view.model.modelReset.connect(lambda: resets.append(True))
    view.model.dataChanged.connect(lambda a, _b: changed.append(a.row()))
    view.edit_button.click()
    dialog = view.last_dialog
    assert isinstance(dialog, EditUserDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=10_000)
    assert dialog.members.rowCount() == 2             # her own workspace and alice's
    type_into(dialog.email, "alice@example.org")
    checked(dialog, window, qtbot)
    assert "already registered" in dialog.form.error("email")
    type_into(dialog.email, "carol@new.example.org")
    dialog.global_role.setCurrentText("admin")
    dialog.current.setCurrentIndex(dialog.current.findData(1))
    submit(dialog, window, qtbot)
    assert dialog.closed and dialog.result_ is not None
    assert rows(db, "SELECT email, email_verified, role, current_workspace_id FROM users "
                "WHERE id = 3") == [("carol@new.example.org", 0, "admin", 1)]
    qtbot.waitUntil(lambda: cell(view, CAROL, "email") == "carol@new.example.org",
                    timeout=10_000)
    assert cell(view, CAROL, "global_role") == "admin"
    assert cell(view, CAROL, "current") == "alice's Workspace"
    assert not resets and view.model.row_of(CAROL) in changed


def test_memberships_add_change_role_and_remove(window: MainWindow, qtbot: QtBot,
                                               tmp_path: Path) -> None:
    db = build(tmp_path, HEAD)
    view = users(window, qtbot, db)
    pick(view, qtbot, DAVE)
    view.edit_selected()
    dialog = view.last_dialog
    assert isinstance(dialog, EditUserDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=10_000)
    type_into(dialog.add_ref, "bobs-workspace")
    dialog.add_role.setCurrentText("editor")
    submit(dialog, window, qtbot, dialog.add_button)
    qtbot.waitUntil(lambda: dialog.members.rowCount() == 2, timeout=10_000)
    assert one(db, "SELECT role FROM workspace_members WHERE user_id = 4 AND "
               "workspace_id = 2") == "editor"
    dialog.members.selectRow(next(r for r in range(2) if "bobs" in dialog.members.item(r, 0)
                                  .text()))
    dialog.add_role.setCurrentText("viewer")
    submit(dialog, window, qtbot, dialog.role_button)
    assert one(db, "SELECT role FROM workspace_members WHERE user_id = 4 AND "
               "workspace_id = 2") == "viewer"
    qtbot.waitUntil(lambda: dialog.members.rowCount() == 2 and dialog.detail.memberships[1]
                    .role == "viewer", timeout=10_000)
    # Removing dave from his own workspace would leave it without an admin: refused.
    own = next(r for r in range(2) if "daves" in dialog.members.item(r, 0).text())
    dialog.members.selectRow(own)
    submit(dialog, window, qtbot, dialog.remove_button)
    assert "without an active admin" in dialog.form.error("member")   # dave's own: sole admin
    assert one(db, "SELECT COUNT(*) FROM workspace_members WHERE user_id = 4") == 2
    assert dialog.isVisible()
    bobs = next(r for r in range(2) if "bobs" in dialog.members.item(r, 0).text())
    dialog.members.selectRow(bobs)
    submit(dialog, window, qtbot, dialog.remove_button)
    assert rows(db, "SELECT workspace_id FROM workspace_members WHERE user_id = 4") == [(4,)]
    qtbot.waitUntil(lambda: cell(view, DAVE, "workspaces") == "1", timeout=10_000)
    dialog.close()


def test_reset_password_is_bcrypt_and_never_shown(window: MainWindow, qtbot: QtBot,
                                                  tmp_path: Path) -> None:
    db = build(tmp_path, HEAD)
    view = users(window, qtbot, db)
    pick(view, qtbot, BOB)
    view.password_button.click()
    dialog = view.last_dialog
    assert isinstance(dialog, PasswordDialog)
    type_into(dialog.password, "short")
    type_into(dialog.confirm, "short")
    submit(dialog, window, qtbot)
    assert dialog.form.error("password") and dialog.password.text() == ""
    type_into(dialog.password, PASSWORD)
    type_into(dialog.confirm, PASSWORD)
    submit(dialog, window, qtbot)
    stored = one(db, "SELECT password_hash FROM users WHERE id = 2")
    assert bcrypt.checkpw(PASSWORD.encode(), stored.encode()) and stored.startswith("$2b$12$")
    entry = list(audit.entries(db))[-1]
    assert entry["action"] == "user.passwd" and PASSWORD not in str(entry)
    assert stored not in str(entry)
    assert dialog.closed
    assert_no_secret([PASSWORD, stored, *SECRET_PARTS], window, window.log)


def test_deactivate_asks_a_successor_for_a_sole_admin(window: MainWindow, qtbot: QtBot,
                                                      tmp_path: Path) -> None:
    db = build(tmp_path, HEAD)
    view = users(window, qtbot, db)
    pick(view, qtbot, ALICE)
    view.deactivate_button.click()
    dialog = view.last_dialog
    assert isinstance(dialog, DeactivateDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=10_000)
    assert not dialog.form.rows["successor"][1].isHidden()
    submit(dialog, window, qtbot)
    assert "only active admin" in dialog.form.error("successor")
    assert one(db, "SELECT is_active FROM users WHERE id = 1") == 1
    type_into(dialog.successor, "bob")
    submit(dialog, window, qtbot)
    assert one(db, "SELECT is_active FROM users WHERE id = 1") == 0
    assert one(db, "SELECT role FROM workspace_members WHERE workspace_id = 1 AND "
               "user_id = 2") == "admin"
    qtbot.waitUntil(lambda: cell(view, ALICE, "active") == "NO", timeout=10_000)


def test_delete_needs_an_heir_and_backs_up(window: MainWindow, qtbot: QtBot,
                                           tmp_path: Path) -> None:
    db = build(tmp_path, HEAD)
    view = users(window, qtbot, db)
    pick(view, qtbot, BOB)
    view.delete_button.click()
    dialog = view.last_dialog
    assert isinstance(dialog, DeleteUserDialog)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    text = dialog.summary.text()
    assert "1 dashboard" in text and "1 connection" in text and "bobs-workspace" in text
    submit(dialog, window, qtbot)
    assert "give a user" in dialog.form.error("heir")
    assert one(db, "SELECT COUNT(*) FROM users WHERE id = 2") == 1
    type_into(dialog.heir, "carol")
    submit(dialog, window, qtbot)
    assert one(db, "SELECT COUNT(*) FROM users WHERE id = 2") == 0
    assert one(db, "SELECT created_by FROM dashboards WHERE id = 2") == CAROL
    entry = list(audit.entries(db))[-1]
    assert entry["action"] == "user.delete" and Path(entry["backup"]).exists()
    qtbot.waitUntil(lambda: view.model.complete and BOB not in listed(view), timeout=10_000)
    window.session.settle()
