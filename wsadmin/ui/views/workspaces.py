"""Workspaces editor: every workspace in a lazy table, filtered and edited.

Columns: id, slug, name, creator, members, active admins, rows per table,
settings. Filters: a text (name or slug), member (a user), without an active
admin. New workspace (name, the backend's slug suggested and checked live, a
creator, default settings); Open… (rename, members, connection permissions,
settings: views.workspace_forms); Move rows… (linked rows follow); Delete…
(only after choosing where rows and users go; counts first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QWidget

from wsadmin.ui.models.lazy import Column
from wsadmin.ui.ops.editors import Ref, WorkspaceFilter, workspace_ids_for, workspace_rows_for
from wsadmin.ui.views.editor_view import EditorView
from wsadmin.ui.views.workspace_forms import NewWorkspaceDialog, WorkspaceDialog
from wsadmin.ui.views.workspace_moves import DeleteWorkspaceDialog, MoveRowsDialog

if TYPE_CHECKING:
    from wsadmin.ui.session import Session
    from wsadmin.ui.views.editing import EditDialog

ROW_TABLES = (("dashboards", "Dashboards"), ("charts", "Charts"),
              ("connections", "Connections"), ("data_sources", "Data sources"),
              ("csv_data", "CSV data"), ("logs", "Logs"))


def _rows_of(table: str) -> Any:
    return lambda r: r.rows.get(table)


WORKSPACE_COLUMNS = (
    Column("id", "Id", lambda r: str(r.id), numeric=True, width=60),
    Column("slug", "Slug", lambda r: r.slug, width=150),
    Column("name", "Name", lambda r: r.name, width=170),
    Column("creator", "Creator", lambda r: r.creator if r.creator is not None
           else f"(deleted user {r.created_by})", width=130),
    Column("members", "Members", lambda r: r.members, numeric=True, width=80),
    Column("admins", "Active admins", lambda r: r.admins if r.admins else "NONE", numeric=True,
           tip="Members with role admin whose user is active", width=100),
    *(Column(t, words, _rows_of(t), numeric=True, width=90) for t, words in ROW_TABLES),
    Column("settings", "Settings", lambda r: "yes" if r.has_settings else "MISSING", width=70),
    Column("created_at", "Created", lambda r: (r.created_at or "")[:19], width=150),
)


class WorkspacesView(EditorView):
    noun = "workspaces"
    sortable = ("id", "slug", "name", "created_at")

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, "Workspaces", WORKSPACE_COLUMNS, workspace_rows_for, parent)
        self.setObjectName("workspacesView")
        self.last_dialog: EditDialog | None = None
        self.text = QLineEdit(self)
        self.text.setObjectName("workspaceFilter")
        self.text.setPlaceholderText("Filter by name or slug")
        self.text.setClearButtonEnabled(True)
        self.text.setAccessibleName("Filter workspaces")
        self.text.textChanged.connect(self.reload_later.poke)
        self.filters.addWidget(self.text, 2)
        self.no_admin = QCheckBox("Without an active admin", self)
        self.no_admin.setObjectName("filter:without_active_admin")
        self.no_admin.toggled.connect(lambda _on: self.reload())
        self.filters.addWidget(self.no_admin)
        self.filters.addWidget(QLabel("Member:", self))
        self.member = QLineEdit(self)
        self.member.setObjectName("memberFilter")
        self.member.setPlaceholderText("username or id:N")
        self.member.setClearButtonEnabled(True)
        self.member.textChanged.connect(self.reload_later.poke)
        self.filters.addWidget(self.member, 1)
        self.new_button = self.button("newWorkspaceButton", "New workspace…",
                                      "Create a workspace with its admin and default settings",
                                      self.new_workspace)
        self.open_button = self.button("openWorkspaceButton", "Open…",
                                       "Rename; members, permissions, settings",
                                       self.edit_selected)
        self.move_button = self.button("moveRowsButton", "Move rows…",
                                       "Move a table's rows to another workspace (linked rows "
                                       "follow)", self.move_rows)
        self.delete_button = self.button("deleteWorkspaceButton", "Delete…",
                                         "Delete, after choosing where its rows and users go",
                                         self.delete)
        self.show_editability()       # made after the database was opened: catch up

    def edit_buttons(self) -> list[Any]:
        return [self.new_button]

    def row_buttons(self) -> list[Any]:
        return [self.move_button, self.delete_button]

    def update_buttons(self) -> None:
        super().update_buttons()
        # Below head a workspace can still be looked at: Open shows it, without saving.
        self.open_button.setEnabled(self.session.is_open and self.selected_id() is not None)

    def workspace_filter(self) -> WorkspaceFilter:
        return WorkspaceFilter(text=self.text.text().strip(),
                               without_active_admin=self.no_admin.isChecked())

    def load_ids(self) -> None:
        member = self.member.text().strip()
        ref = Ref("user", member, "member") if member else None
        self.model.load(_ids_with_member, self.workspace_filter(), ref, self.sort_key,
                        self.descending, label="Read the workspaces")

    def filter_words(self) -> str:
        flt = self.workspace_filter()
        plain = not flt.text and not flt.without_active_admin and not self.member.text().strip()
        return "" if plain else " match the filter"

    def filter_failed(self, message: str) -> None:
        self.count_label.setText(f"Member: {message}")

    def changed_ids(self, change: Any) -> tuple[int, ...]:
        return tuple(change.workspaces)

    def _open(self, dialog: EditDialog) -> EditDialog:
        dialog.edited.connect(self.after_edit)
        self.last_dialog = dialog
        dialog.show()
        return dialog

    def new_workspace(self) -> EditDialog:
        return self._open(NewWorkspaceDialog(self.session, self))

    def edit_selected(self) -> None:
        wid = self.selected_id()
        if wid is not None:
            self._open(WorkspaceDialog(self.session, wid, self.editable, self))

    def move_rows(self) -> None:
        wid = self.selected_id()
        if wid is not None:
            self._open(MoveRowsDialog(self.session, wid, self))

    def delete(self) -> None:
        wid = self.selected_id()
        if wid is not None:
            self._open(DeleteWorkspaceDialog(self.session, wid, self))


def _ids_with_member(path: str, flt: WorkspaceFilter, member: Ref | None, sort: str,
                     descending: bool, *, limit: int | None = None) -> Any:
    """Worker: the ids of `flt`, the member typed resolved first."""
    from dataclasses import replace

    from wsadmin.ui.ops.editors import resolve_ref

    if member is not None:
        flt = replace(flt, member=resolve_ref(path, member))
    return workspace_ids_for(path, flt, sort, descending, limit=limit)
