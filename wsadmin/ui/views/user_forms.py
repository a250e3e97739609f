"""The users editor's forms: new user, edit (with memberships), password, deactivate,
delete. Each validates as the operator types and writes through views.editing."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from wsadmin.ui.format import plural
from wsadmin.ui.ops.core import printable
from wsadmin.ui.ops.editors import (
    ROLES,
    Ref,
    add_user_now,
    apply_edit,
    preview_for,
    set_password_now,
    user_detail_for,
)
from wsadmin.ui.ops.op import DbOp
from wsadmin.ui.views.editing import EditDialog, ref_edit, role_box
from wsadmin.ui.widgets.errors import error_text

if TYPE_CHECKING:
    from wsadmin.ui.session import Session

GLOBAL_ROLE_NOTE = "users.role: admin lets them manage users through the backend"
REGISTER, JOIN = "register", "join"


def password_pair(dialog: EditDialog) -> tuple[QLineEdit, QLineEdit]:
    """Two masked password fields; a mismatch is shown as soon as the second is typed."""
    first, second = QLineEdit(dialog), QLineEdit(dialog)
    for edit in (first, second):
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    dialog.form.add("password", "Password:", first, "bcrypt $2b$12$; never shown back")
    dialog.form.add("confirm", "Again:", second)

    def compare() -> None:
        differ = bool(second.text()) and first.text() != second.text()
        dialog.form.show_error("confirm", "the two passwords differ" if differ else "")

    first.textEdited.connect(lambda _t: compare())
    second.textEdited.connect(lambda _t: compare())
    return first, second


class NewUserDialog(EditDialog):
    """The backend's registration (personal workspace, admin), or joining a workspace."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, "New user", parent, submit_text="Add user")
        self.setObjectName("newUserDialog")
        f = self.form
        self.username = f.add("username", "Username:", QLineEdit(self))
        self.email = f.add("email", "Email:", QLineEdit(self))
        self.password, self.confirm = password_pair(self)
        self.mode = QComboBox(self)
        self.mode.addItem("Register: a personal workspace, as the backend's sign-up", REGISTER)
        self.mode.addItem("Join an existing workspace (no personal workspace)", JOIN)
        f.add("mode", "Workspace:", self.mode)
        self.join = f.add("join", "Join:", ref_edit(self, "workspace"))
        self.role = f.add("role", "Role there:", role_box(self))
        self.global_role = f.add("global_role", "Global role:", role_box(self, "admin"),
                                 GLOBAL_ROLE_NOTE)
        for name, edit in (("username", self.username), ("email", self.email),
                           ("join", self.join)):
            self.live_check(name, edit)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self._mode_changed()

    def _mode_changed(self) -> None:
        joining = self.mode.currentData() == JOIN
        for name in ("join", "role"):
            self.form.set_visible(name, joining)
        # The backend makes every self-registered user a global admin; one an admin adds to
        # a workspace is a viewer unless said otherwise.
        self.global_role.setCurrentText("viewer" if joining else "admin")

    def on_submit(self) -> None:
        joining = self.mode.currentData() == JOIN
        join = Ref("workspace", self.join.text(), "join") if joining else None
        self.submit(add_user_now, self.username.text(), self.email.text(),
                    self.password.text(), self.confirm.text(), join,
                    self.role.currentText(), self.global_role.currentText(),
                    label=f"Add the user {self.username.text()}",
                    done=lambda _r: self._forget_password())

    def _forget_password(self) -> None:
        self.password.clear()
        self.confirm.clear()


class PasswordDialog(EditDialog):
    def __init__(self, session: Session, user_id: int, username: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, f"New password for {printable(username)}", parent,
                         submit_text="Set password")
        self.setObjectName("passwordDialog")
        self.user_id = user_id
        self.password, self.confirm = password_pair(self)

    def on_submit(self) -> None:
        password, confirm = self.password.text(), self.confirm.text()
        self.password.clear()
        self.confirm.clear()
        self.submit(set_password_now, self.user_id, password, confirm,
                    label=f"Set a new password for user {self.user_id}")


class _WithDetail(EditDialog):
    """A form about one user that first reads their detail (memberships) on the worker."""

    def __init__(self, session: Session, user_id: int, title: str, parent: QWidget | None,
                 submit_text: str) -> None:
        super().__init__(session, title, parent, submit_text=submit_text)
        self.user_id = user_id
        self.detail: Any = None
        self.submit_button.setEnabled(False)
        self.reload_detail()

    def reload_detail(self) -> None:
        if self.session.path is None:
            return
        op: DbOp[Any] = DbOp(user_detail_for, str(self.session.path), self.user_id,
                             label=f"Read user {self.user_id}")
        self.session.run(op.quiet().success(self.guard(self._detail_read)).failure(
            self.guard(lambda exc: self.set_status(error_text(exc)[0], error=True))))

    def _detail_read(self, detail: Any) -> None:
        self.detail = detail
        self.submit_button.setEnabled(True)
        self.show_detail(detail)

    def show_detail(self, detail: Any) -> None:
        """Fill the form from the user's detail (subclasses)."""

    def sole_admin_of(self) -> list[str]:
        members = self.detail.memberships if self.detail is not None else []
        return [m.name or m.slug or str(m.workspace_id) for m in members if m.sole_admin]


class EditUserDialog(_WithDetail):
    """Email, active, global role, current workspace, and memberships."""

    def __init__(self, session: Session, user_id: int, parent: QWidget | None = None) -> None:
        super().__init__(session, user_id, f"User {user_id}", parent, "Save")
        self.setObjectName("editUserDialog")
        self.setMinimumSize(720, 560)
        f = self.form
        self.email = f.add("email", "Email:", QLineEdit(self))
        self.live_check("email", self.email, user_id=user_id)
        self.active = f.add("active", "Active:", QCheckBox("can log in", self))
        self.global_role = f.add("global_role", "Global role:", role_box(self), GLOBAL_ROLE_NOTE)
        self.current = f.add("current_workspace", "Current workspace:", QComboBox(self),
                             "Only among the user's memberships")
        self.successor = f.add("successor", "Successor:", ref_edit(self, "user"),
                               "Becomes admin where this user was the only one")
        f.set_visible("successor", False)
        self.active.toggled.connect(self._active_toggled)
        self.members = QTableWidget(0, 4, self)
        self.members.setObjectName("membershipsTable")
        self.members.setHorizontalHeaderLabels(["Workspace", "Role", "Joined", "Note"])
        self.members.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.members.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.members.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.members.horizontalHeader().setStretchLastSection(True)
        for col, width in ((0, 220), (1, 70), (2, 150)):
            self.members.setColumnWidth(col, width)
        f.add("member", "Memberships:", self.members)
        row = QHBoxLayout()
        self.add_ref = ref_edit(self, "workspace")
        self.add_ref.setObjectName("addMembershipRef")
        self.add_role = role_box(self)
        self.add_role.setObjectName("addMembershipRole")
        self.add_button = QPushButton("Add", self)
        self.add_button.setObjectName("addMembershipButton")
        self.add_button.clicked.connect(self.add_membership)
        self.role_button = QPushButton("Set role", self)
        self.role_button.setObjectName("setRoleButton")
        self.role_button.clicked.connect(self.set_role)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setObjectName("removeMembershipButton")
        self.remove_button.setToolTip("Remove the selected membership (if it is the current "
                                      "workspace, choose another current one first)")
        self.remove_button.clicked.connect(self.remove_membership)
        for w in (self.add_ref, self.add_role, self.add_button, self.role_button,
                  self.remove_button):
            row.addWidget(w)
        self.layout_.insertLayout(2, row)

    def show_detail(self, detail: Any) -> None:
        row = detail.row
        self.heading.setText(f"User {printable(row.username)} (id {row.id})")
        self.email.setText(row.email)
        self.active.setChecked(bool(row.active))
        self.global_role.setCurrentText(row.global_role)
        current = self.current
        current.clear()
        if row.current_workspace_id is None or not row.member_of_current:
            current.addItem("(none)" if row.current_workspace_id is None else
                            f"{row.current_workspace or row.current_workspace_id} "
                            "(not a member)", None)
        for m in detail.memberships:
            current.addItem(f"{m.name or '?'} ({m.slug or m.workspace_id})", m.workspace_id)
        at = current.findData(row.current_workspace_id)
        current.setCurrentIndex(max(0, at))
        self.members.setRowCount(len(detail.memberships))
        for i, m in enumerate(detail.memberships):
            note = ", ".join(w for w, on in (("current", m.current),
                                             ("only active admin", m.sole_admin)) if on)
            cells = (f"{m.name or '(deleted)'} ({m.slug or m.workspace_id})", m.role,
                     m.joined_at or "", note)
            for c, value in enumerate(cells):
                item = QTableWidgetItem(printable(value))
                item.setData(256, m.workspace_id)
                self.members.setItem(i, c, item)
        self._active_toggled(self.active.isChecked())

    def _active_toggled(self, on: bool) -> None:
        needs = not on and bool(self.detail and self.detail.row.active) and bool(
            self.sole_admin_of())
        self.form.set_visible("successor", needs)

    def _selected_workspace(self) -> int | None:
        rows = self.members.selectionModel().selectedRows()
        item = self.members.item(rows[0].row(), 0) if rows else None
        return item.data(256) if item is not None else None

    def on_submit(self) -> None:
        row = self.detail.row
        kwargs: dict[str, Any] = {}
        if self.email.text() != row.email:
            kwargs["email"] = self.email.text()
        if self.active.isChecked() != bool(row.active):
            kwargs["active"] = self.active.isChecked()
            if not kwargs["active"] and self.successor.text().strip():
                kwargs["successor"] = Ref("user", self.successor.text(), "successor")
        if self.global_role.currentText() != row.global_role:
            kwargs["global_role"] = self.global_role.currentText()
        chosen = self.current.currentData()
        if chosen is not None and chosen != row.current_workspace_id:
            kwargs["current_workspace"] = chosen
        if not kwargs:
            self.set_status("Nothing to change.")
            return
        self.submit(apply_edit, "user.edit", "edit_user", (self.user_id,), kwargs,
                    audit={"user_id": self.user_id, "fields": sorted(kwargs)},
                    label=f"Edit user {self.user_id}")

    # -- memberships: each its own edit, the dialog stays ------------------------------------
    def _membership_edit(self, action: str, name: str, args: tuple[Any, ...],
                         kwargs: dict[str, Any] | None = None) -> None:
        self.close_on_success = False
        self.submit(apply_edit, action, name, args, kwargs or {},
                    audit={"user_id": self.user_id}, label=f"{action} for user {self.user_id}",
                    done=lambda _r: self._membership_done())

    def _membership_done(self) -> None:
        self.close_on_success = True
        self.reload_detail()

    def add_membership(self) -> None:
        self._membership_edit("member.add", "add_member",
                              (Ref("workspace", self.add_ref.text(), "member"), self.user_id,
                               self.add_role.currentText()))

    def set_role(self) -> None:
        wid = self._selected_workspace()
        if wid is not None:
            self._membership_edit("member.role", "set_member_role",
                                  (wid, self.user_id, self.add_role.currentText()))

    def remove_membership(self) -> None:
        wid = self._selected_workspace()
        if wid is None:
            return
        chosen = self.current.currentData()
        self._membership_edit("member.remove", "remove_member", (wid, self.user_id),
                              {"new_current": chosen if chosen not in (None, wid) else None})


class DeactivateDialog(_WithDetail):
    """The backend's own removal: is_active = 0; nothing is deleted."""

    def __init__(self, session: Session, user_id: int, username: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, user_id, f"Deactivate {printable(username)}", parent,
                         "Deactivate")
        self.setObjectName("deactivateDialog")
        self.layout_.insertWidget(1, QLabel(
            "Sets is_active = 0, as the backend's own delete does: the user can no longer log "
            "in (403); nothing is deleted and they can be activated again.", self))
        self.successor = self.form.add("successor", "Successor:", ref_edit(self, "user"),
                                       "Becomes admin where this user was the only one")
        self.form.set_visible("successor", False)

    def show_detail(self, detail: Any) -> None:
        sole = self.sole_admin_of()
        self.form.set_visible("successor", bool(sole))
        if sole:
            self.set_status(f"They are the only active admin of {html.escape(', '.join(sole))}"
                            ": choose a successor.")

    def on_submit(self) -> None:
        text = self.successor.text().strip()
        self.submit(apply_edit, "user.deactivate", "deactivate_user", (self.user_id,),
                    {"successor": Ref("user", text, "successor") if text else None},
                    audit={"user_id": self.user_id}, label=f"Deactivate user {self.user_id}")


class DeleteUserDialog(EditDialog):
    """What the user created, per table, and who takes it over; backed up first."""

    def __init__(self, session: Session, user_id: int, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Delete user {user_id}", parent,
                         submit_text="Back up and delete")
        self.setObjectName("deleteUserDialog")
        self.user_id = user_id
        self.preview: Any = None
        self.summary = QLabel("Reading what they created…", self)
        self.summary.setObjectName("deletePreview")
        self.summary.setWordWrap(True)
        self.layout_.insertWidget(1, self.summary)
        self.heir = self.form.add("heir", "Heir:", ref_edit(self, "user"),
                                  "An active user: creator of all they made, admin where "
                                  "they were the only one")
        self.live_check("heir", self.heir)
        self.submit_button.setEnabled(False)
        if session.path is not None:
            op: DbOp[Any] = DbOp(preview_for, str(session.path), "user_delete", user_id,
                                 label=f"Preview deleting user {user_id}")
            session.run(op.quiet().success(self.guard(self._previewed)).failure(
                self.guard(lambda exc: self.set_status(error_text(exc)[0], error=True))))

    def _previewed(self, p: Any) -> None:
        self.preview = p
        self.heading.setText(f"Delete {printable(p.username)}")
        made = [f"{plural(n, t.rstrip('s'))}" for t, n in p.created.items() if n]
        lines = ["They created: " + (", ".join(made) or "nothing") + "."]
        if p.workspaces_created:
            lines.append("Workspaces they created: " + ", ".join(
                printable(w.slug) for w in p.workspaces_created[:10]) + ".")
        if p.sole_admin_of:
            lines.append(f"Only active admin of {plural(len(p.sole_admin_of), 'workspace')}.")
        lines.append(f"{plural(p.memberships, 'membership')}, "
                     f"{plural(p.permissions_held, 'connection permission')} and their "
                     f"{plural(p.logs, 'log entry', 'log entries')} go with them; nothing they "
                     "created is deleted.")
        lines += [f"Note: {printable(n)}" for n in p.notes]
        self.summary.setText("\n".join(lines))
        self.submit_button.setEnabled(True)

    def on_submit(self) -> None:
        self.submit(apply_edit, "user.delete", "delete_user",
                    (self.user_id, Ref("user", self.heir.text(), "heir")),
                    audit={"user_id": self.user_id, "heir": self.heir.text()},
                    backup=True, label=f"Delete user {self.user_id}")


__all__ = ["ROLES", "DeactivateDialog", "DeleteUserDialog", "EditUserDialog",
           "NewUserDialog", "PasswordDialog"]
