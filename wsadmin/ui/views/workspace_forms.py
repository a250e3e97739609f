"""The workspaces editor's forms: new workspace, and the workspace itself (rename,
members, connection permissions, settings). Moving rows and deleting: views.workspace_moves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.format import plural
from wsadmin.ui.models.lazy import Column, LazyTableModel
from wsadmin.ui.ops.core import printable
from wsadmin.ui.ops.editors import (
    Ref,
    SettingsEdit,
    apply_edit,
    member_ids_for,
    member_rows_for,
    workspace_detail_for,
)
from wsadmin.ui.ops.op import DbOp
from wsadmin.ui.views.editing import EditDialog, ref_edit, role_box
from wsadmin.ui.widgets.errors import error_text
from wsadmin.ui.widgets.forms import FieldForm

if TYPE_CHECKING:
    from wsadmin.ui.session import Session

MEMBER_COLUMNS = (
    Column("user_id", "User id", lambda r: r.user_id, numeric=True),
    Column("username", "Username", lambda r: r.username or "(deleted user)"),
    Column("email", "Email", lambda r: r.email),
    Column("active", "Active", lambda r: "yes" if r.active else "NO"),
    Column("role", "Role", lambda r: r.role),
    Column("joined_at", "Joined", lambda r: r.joined_at),
    Column("current", "Current", lambda r: "current" if r.current else ""),
)


class NewWorkspaceDialog(EditDialog):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, "New workspace", parent, submit_text="Create")
        self.setObjectName("newWorkspaceDialog")
        self.name = self.form.add("name", "Name:", QLineEdit(self))
        self.slug = self.form.add("slug", "Slug:", QLabel("—", self),
                                  "By the backend's rule from the name; unique")
        self.creator = self.form.add("creator", "Creator:", ref_edit(self, "user"),
                                     "An active user: becomes the workspace's admin")
        self.live_check("name", self.name, answer=lambda slug: self.slug.setText(str(slug)))
        self.live_check("creator", self.creator)

    def on_submit(self) -> None:
        self.submit(apply_edit, "workspace.add", "create_workspace",
                    (self.name.text(), Ref("user", self.creator.text(), "creator")),
                    audit={"name": self.name.text(), "creator": self.creator.text()},
                    label=f"Create the workspace {self.name.text()}")


class WorkspaceDialog(EditDialog):
    """One workspace: General (rename), Members, Connection permissions, Settings."""

    def __init__(self, session: Session, workspace_id: int, editable: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, f"Workspace {workspace_id}", parent, submit_text="Rename")
        self.setObjectName("workspaceDialog")
        self.setMinimumSize(760, 560)
        self.workspace_id = workspace_id
        self.editable = editable
        self.close_on_success = False
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("workspaceTabs")
        self.layout_.insertWidget(2, self.tabs, 1)
        self.layout_.removeWidget(self.form)
        general = QWidget(self)
        QVBoxLayout(general).addWidget(self.form)
        self.name = self.form.add("name", "Name:", QLineEdit(self),
                                  "Renaming keeps the slug, as the backend does")
        self.slug = self.form.add("slug", "Slug:", QLabel("", self))
        self.creator = self.form.add("creator", "Creator:", QLabel("", self))
        self.live_check("name", self.name)
        self.tabs.addTab(general, "General")
        self.tabs.addTab(self._members_tab(), "Members")
        self.tabs.addTab(self._permissions_tab(), "Connection permissions")
        self.tabs.addTab(self._settings_tab(), "Settings")
        self.submit_button.setVisible(False)
        if not editable:
            self.set_status("Read-only: the database is not at head.")
        self.reload_detail()
        self.members_model.load(member_ids_for, workspace_id, label="Read the members")

    # -- building -------------------------------------------------------------------------
    def _members_tab(self) -> QWidget:
        tab = QWidget(self)
        lay = QVBoxLayout(tab)
        self.members_model = LazyTableModel(self.session, MEMBER_COLUMNS,
                                            member_rows_for(self.workspace_id), noun="members",
                                            parent=self)
        self.members = QTableView(tab)
        self.members.setObjectName("membersTable")
        self.members.setModel(self.members_model)
        self.members.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.members.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.members.verticalHeader().hide()
        lay.addWidget(self.members, 1)
        self.member_form = FieldForm(tab)
        self.forms.append(self.member_form)
        self.member_ref = self.member_form.add("member", "User:", ref_edit(tab, "user"))
        self.member_role = self.member_form.add("role", "Role:", role_box(tab))
        self.new_current = self.member_form.add(
            "current_workspace", "Their new current:", ref_edit(tab, "workspace"),
            "When removing someone whose current workspace this is")
        lay.addWidget(self.member_form)
        row = QHBoxLayout()
        for name, text, slot in (("addMemberButton", "Add", self.add_member),
                                 ("setMemberRoleButton", "Set role of selected", self.set_role),
                                 ("removeMemberButton", "Remove selected", self.remove_member)):
            b = QPushButton(text, tab)
            b.setObjectName(name)
            b.setEnabled(self.editable)
            b.clicked.connect(slot)
            row.addWidget(b)
        lay.addLayout(row)
        return tab

    def _permissions_tab(self) -> QWidget:
        tab = QWidget(self)
        lay = QVBoxLayout(tab)
        self.permissions = QTableWidget(0, 5, tab)
        self.permissions.setObjectName("permissionsTable")
        self.permissions.setHorizontalHeaderLabels(["Connection", "User", "Level", "Granted",
                                                    "Stale because"])
        self.permissions.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.permissions.horizontalHeader().setStretchLastSection(True)
        lay.addWidget(self.permissions, 1)
        self.perm_form = FieldForm(tab)
        self.forms.append(self.perm_form)
        self.stale_note = self.perm_form.add("permissions", "Stale:", QLabel("", tab))
        lay.addWidget(self.perm_form)
        self.remove_stale = QPushButton("Remove the stale permissions", tab)
        self.remove_stale.setObjectName("removeStaleButton")
        self.remove_stale.clicked.connect(self.remove_stale_permissions)
        lay.addWidget(self.remove_stale)
        return tab

    def _settings_tab(self) -> QWidget:
        tab = QWidget(self)
        lay = QVBoxLayout(tab)
        f = self.settings_form = FieldForm(tab)
        self.forms.append(f)
        self.max_dashboards = f.add("max_dashboards", "Max dashboards:", QSpinBox(tab))
        self.max_members = f.add("max_members", "Max members:", QSpinBox(tab))
        for box in (self.max_dashboards, self.max_members):
            box.setRange(0, 1_000_000)
        self.redis_enabled = f.add("redis_enabled", "Redis:", QCheckBox("enabled", tab))
        self.redis_host = f.add("redis_host", "Redis host:", QLineEdit(tab))
        self.redis_port = f.add("redis_port", "Redis port:", QSpinBox(tab))
        self.redis_port.setRange(0, 70_000)
        self.redis_state = f.add("redis_state", "Redis password:", QLabel("", tab))
        self.redis_password = f.add("redis_password", "New password:", QLineEdit(tab),
                                    "Stored for the backend; never shown here")
        self.redis_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.clear_password = f.add("clear_redis_password", "",
                                    QCheckBox("Clear the stored password", tab))
        lay.addWidget(f)
        save = QPushButton("Save settings", tab)
        save.setObjectName("saveSettingsButton")
        save.setEnabled(self.editable)
        save.clicked.connect(self.save_settings)
        lay.addWidget(save)
        lay.addStretch(1)
        return tab

    # -- reading --------------------------------------------------------------------------
    def reload_detail(self) -> None:
        if self.session.path is None:
            return
        op: DbOp[Any] = DbOp(workspace_detail_for, str(self.session.path), self.workspace_id,
                             label=f"Read workspace {self.workspace_id}")
        self.session.run(op.quiet().success(self.guard(self._detail_read)).failure(
            self.guard(lambda exc: self.set_status(error_text(exc)[0], error=True))))

    def _detail_read(self, detail: tuple[Any, Any, list[Any]]) -> None:
        row, settings, perms = detail
        self.row = row
        self.heading.setText(f"Workspace {printable(row.name)} ({printable(row.slug)})")
        if not self.name.isModified():
            self.name.setText(row.name)
        self.slug.setText(row.slug)
        self.creator.setText(row.creator or f"(deleted user {row.created_by})")
        self.submit_button.setVisible(self.editable)
        self.max_dashboards.setValue(settings.max_dashboards or 0)
        self.max_members.setValue(settings.max_members or 0)
        self.redis_enabled.setChecked(bool(settings.redis_enabled))
        self.redis_host.setText(settings.redis_host or "")
        self.redis_port.setValue(settings.redis_port or 0)
        self.redis_state.setText("set" if settings.redis_password_set else "not set")
        self.redis_password.clear()
        self.clear_password.setChecked(False)
        self.permissions.setRowCount(len(perms))
        for i, p in enumerate(perms):
            for c, value in enumerate((p.connection, p.username or f"(deleted {p.user_id})",
                                       p.level, p.granted_at or "", p.stale or "")):
                self.permissions.setItem(i, c, QTableWidgetItem(printable(value)))
        stale = sum(1 for p in perms if p.stale)
        self.stale_note.setText(plural(stale, "stale permission"))
        self.remove_stale.setEnabled(self.editable and stale > 0)

    # -- edits ----------------------------------------------------------------------------
    def _edit(self, action: str, name: str, args: tuple[Any, ...],
              kwargs: dict[str, Any] | None = None, members: bool = False) -> None:
        def done(_result: Any) -> None:
            self.reload_detail()
            if members:
                self.members_model.load(member_ids_for, self.workspace_id,
                                        label="Read the members")

        self.submit(apply_edit, action, name, args, kwargs or {},
                    audit={"workspace_id": self.workspace_id},
                    label=f"{action} on workspace {self.workspace_id}", done=done)

    def on_submit(self) -> None:
        self._edit("workspace.rename", "rename_workspace", (self.workspace_id, self.name.text()))

    def _selected_member(self) -> int | None:
        rows = self.members.selectionModel().selectedRows()
        return self.members_model.id_at(rows[0].row()) if rows else None

    def add_member(self) -> None:
        self._edit("member.add", "add_member", (self.workspace_id, Ref(
            "user", self.member_ref.text(), "member"), self.member_role.currentText()),
            members=True)

    def set_role(self) -> None:
        uid = self._selected_member()
        if uid is not None:
            self._edit("member.role", "set_member_role",
                       (self.workspace_id, uid, self.member_role.currentText()), members=True)

    def remove_member(self) -> None:
        uid = self._selected_member()
        if uid is None:
            return
        text = self.new_current.text().strip()
        self._edit("member.remove", "remove_member", (self.workspace_id, uid),
                   {"new_current": Ref("workspace", text, "current_workspace") if text
                    else None}, members=True)

    def remove_stale_permissions(self) -> None:
        self._edit("workspace.permissions", "remove_stale_permissions", (self.workspace_id,))

    def save_settings(self) -> None:
        password = self.redis_password.text()
        self.redis_password.clear()
        edit = SettingsEdit(max_dashboards=self.max_dashboards.value(),
                            max_members=self.max_members.value(),
                            redis_enabled=self.redis_enabled.isChecked(),
                            redis_host=self.redis_host.text(),
                            redis_port=self.redis_port.value(),
                            redis_password=password or None,
                            clear_redis_password=self.clear_password.isChecked())
        self._edit("workspace.settings", "update_settings", (self.workspace_id, edit))
