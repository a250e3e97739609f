"""Users editor: every user of the database in a lazy table, filtered and edited.

Filters: a text (username or email), without workspace, global admins,
inactive, member of a workspace (slug or id). Columns: id, username, email,
active, global role, current workspace, workspaces, created, last login. New
user (the backend's registration, or joining a workspace), Edit (email,
active, global role, current workspace, memberships), Reset password,
Deactivate (the backend's own removal) and Delete (an heir takes over what the
user created) open their forms (views.user_forms); each edit updates its row
in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QWidget

from wsadmin.ui.models.lazy import Column
from wsadmin.ui.ops.editors import Ref, UserFilter, user_ids_for, user_rows_for
from wsadmin.ui.views.editor_view import EditorView
from wsadmin.ui.views.user_forms import (
    DeactivateDialog,
    DeleteUserDialog,
    EditUserDialog,
    NewUserDialog,
    PasswordDialog,
)

if TYPE_CHECKING:
    from wsadmin.ui.session import Session
    from wsadmin.ui.views.editing import EditDialog

ROLE_TIP = ("users.role, the backend's global flag: 'admin' lets the user manage users "
            "through the backend; workspace roles are per membership")


def current_words(row: Any) -> str:
    if row.current_workspace_id is None:
        return "(none)"
    if row.current_workspace is None:
        return f"(deleted workspace {row.current_workspace_id})"
    return str(row.current_workspace) + ("" if row.member_of_current else "  ⚠ not a member")


USER_COLUMNS = (
    Column("id", "Id", lambda r: str(r.id), numeric=True, width=70),
    Column("username", "Username", lambda r: r.username, width=170),
    Column("email", "Email", lambda r: r.email, width=230),
    Column("active", "Active", lambda r: "yes" if r.active else "NO", width=60),
    Column("global_role", "Global role", lambda r: r.global_role, tip=ROLE_TIP, width=90),
    Column("current", "Current workspace", current_words, width=170,
           tip="The workspace the backend's routes use for this user"),
    Column("workspaces", "Workspaces", lambda r: r.workspaces, numeric=True, width=90,
           tip="How many workspaces the user is a member of"),
    Column("created_at", "Created", lambda r: (r.created_at or "")[:19], width=150),
    Column("last_login", "Last login", lambda r: (r.last_login or "")[:19], width=150),
)


class UsersView(EditorView):
    noun = "users"
    sortable = ("id", "username", "email", "active", "global_role", "created_at",
                "last_login")

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, "Users", USER_COLUMNS, user_rows_for, parent)
        self.setObjectName("usersView")
        self.last_dialog: EditDialog | None = None
        self.text = QLineEdit(self)
        self.text.setObjectName("userFilter")
        self.text.setPlaceholderText("Filter by username or email")
        self.text.setClearButtonEnabled(True)
        self.text.setAccessibleName("Filter users")
        self.text.textChanged.connect(self.reload_later.poke)
        self.filters.addWidget(self.text, 2)
        self.checks: dict[str, QCheckBox] = {}
        for key, words, tip in (
                ("without_workspace", "Without workspace",
                 "No current workspace, or one that no longer exists"),
                ("global_admins", "Global admins", ROLE_TIP),
                ("inactive", "Inactive", "is_active 0 or NULL: the backend refuses their "
                                         "login")):
            box = QCheckBox(words, self)
            box.setObjectName(f"filter:{key}")
            box.setToolTip(tip)
            box.toggled.connect(lambda _on: self.reload())
            self.checks[key] = box
            self.filters.addWidget(box)
        self.filters.addWidget(QLabel("Member of:", self))
        self.member = QLineEdit(self)
        self.member.setObjectName("memberFilter")
        self.member.setPlaceholderText("workspace slug or id:N")
        self.member.setClearButtonEnabled(True)
        self.member.textChanged.connect(self.reload_later.poke)
        self.filters.addWidget(self.member, 1)
        self.new_button = self.button("newUserButton", "New user…",
                                      "Register a user as the backend's sign-up does",
                                      self.new_user)
        self.edit_button = self.button("editUserButton", "Edit…",
                                       "Email, active, global role, workspaces", self.edit_selected)
        self.password_button = self.button("passwordButton", "Reset password…",
                                           "Set a new password (bcrypt $2b$12$)",
                                           self.reset_password)
        self.deactivate_button = self.button("deactivateButton", "Deactivate…",
                                             "The backend's own removal: is_active = 0",
                                             self.deactivate)
        self.delete_button = self.button("deleteUserButton", "Delete…",
                                         "Delete the user; someone takes over what they made",
                                         self.delete)
        self.show_editability()       # made after the database was opened: catch up

    def edit_buttons(self) -> list[Any]:
        return [self.new_button]

    def row_buttons(self) -> list[Any]:
        return [self.edit_button, self.password_button, self.deactivate_button,
                self.delete_button]

    # ---- ids ---------------------------------------------------------------------------

    def user_filter(self) -> UserFilter:
        return UserFilter(text=self.text.text().strip(),
                          **{k: b.isChecked() for k, b in self.checks.items()})

    def load_ids(self) -> None:
        member = self.member.text().strip()
        ref = Ref("workspace", member, "workspace") if member else None
        self.model.load(_ids_with_member, self.user_filter(), ref, self.sort_key,
                        self.descending, label="Read the users")

    def filter_words(self) -> str:
        flt = self.user_filter()
        return "" if flt.empty and not self.member.text().strip() else " match the filter"

    def filter_failed(self, message: str) -> None:
        self.count_label.setText(f"Member of: {message}")

    def changed_ids(self, change: Any) -> tuple[int, ...]:
        return tuple(change.users)

    # ---- actions -------------------------------------------------------------------------

    def _open(self, dialog: EditDialog) -> EditDialog:
        dialog.edited.connect(self.after_edit)
        self.last_dialog = dialog
        dialog.show()
        return dialog

    def new_user(self) -> EditDialog:
        return self._open(NewUserDialog(self.session, self))

    def edit_selected(self) -> None:
        uid = self.selected_id()
        if uid is not None and self.editable:
            self._open(EditUserDialog(self.session, uid, self))

    def reset_password(self) -> None:
        uid = self.selected_id()
        if uid is not None:
            self._open(PasswordDialog(self.session, uid, self._name(uid), self))

    def deactivate(self) -> None:
        uid = self.selected_id()
        if uid is not None:
            self._open(DeactivateDialog(self.session, uid, self._name(uid), self))

    def delete(self) -> None:
        uid = self.selected_id()
        if uid is not None:
            self._open(DeleteUserDialog(self.session, uid, self))

    def _name(self, uid: int) -> str:
        row = self.model.row_at(self.model.row_of(uid))
        return row.username if row is not None else f"user {uid}"


def _ids_with_member(path: str, flt: Any, member: Ref | None, sort: str, descending: bool,
                     *, limit: int | None = None) -> Any:
    """Worker: the ids of `flt`, the "member of" workspace typed resolved first."""
    from dataclasses import replace

    from wsadmin.ui.ops.editors import resolve_ref

    if member is not None:
        flt = replace(flt, member_of=resolve_ref(path, member))
    return user_ids_for(path, flt, sort, descending, limit=limit)
