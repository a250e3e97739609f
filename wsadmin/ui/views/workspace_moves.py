"""Moving a workspace's rows elsewhere, and deleting a workspace: both previewed (counts
first), both backed up when they touch many rows, nothing left dangling."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QWidget

from wsadmin.ui.format import plural
from wsadmin.ui.ops.core import printable
from wsadmin.ui.ops.editors import MOVABLE, Ref, apply_edit, preview_for
from wsadmin.ui.ops.op import DbOp
from wsadmin.ui.views.editing import EditDialog, ref_edit

if TYPE_CHECKING:
    from wsadmin.ui.session import Session

ROW_NOUNS = {"dashboards": ("dashboard", "dashboards"), "charts": ("chart", "charts"),
             "connections": ("connection", "connections"),
             "data_sources": ("data source", "data sources"),
             "csv_data": ("CSV data row", "CSV data rows"), "logs": ("log entry", "log entries")}


def counted(table: str, n: int) -> str:
    """`1 data source`, `3 log entries`: a table's rows in words."""
    one, many = ROW_NOUNS.get(table, (table, table))
    return plural(n, one, many)


LINK_WORDS = (("follow", "Linked rows follow (a chart's dashboards come along)"),
              ("unlink", "Cut dashboard-chart links across workspaces instead"))


class MoveRowsDialog(EditDialog):
    """Move a table's rows (all, or some ids) to another workspace; previewed first."""

    def __init__(self, session: Session, workspace_id: int, parent: QWidget | None = None
                 ) -> None:
        super().__init__(session, f"Move rows out of workspace {workspace_id}", parent,
                         submit_text="Move")
        self.setObjectName("moveRowsDialog")
        self.workspace_id = workspace_id
        self.plan: Any = None
        f = self.form
        self.table = f.add("table", "Table:", QComboBox(self))
        self.table.addItems(list(MOVABLE))
        self.ids = f.add("ids", "Ids:", QLineEdit(self), "Comma-separated ids; empty: every row")
        self.target = f.add("target", "To workspace:", ref_edit(self, "workspace"))
        self.links = f.add("links", "Links:", QComboBox(self))
        for key, words in LINK_WORDS:
            self.links.addItem(words, key)
        self.live_check("target", self.target)
        self.preview_label = QLabel("", self)
        self.preview_label.setObjectName("movePreview")
        self.preview_label.setWordWrap(True)
        self.layout_.insertWidget(2, self.preview_label)
        self.preview_button = QPushButton("Preview", self)
        self.preview_button.setObjectName("previewButton")
        self.preview_button.clicked.connect(self.preview)
        self.layout_.insertWidget(3, self.preview_button)
        self.submit_button.setEnabled(False)
        for w in (self.ids, self.target):
            w.textEdited.connect(lambda _t: self.submit_button.setEnabled(False))

    def _args(self) -> tuple[Any, ...]:
        text = self.ids.text().replace(" ", "")
        ids = [int(x) for x in text.split(",") if x.isdigit()] if text else None
        return (self.workspace_id, self.table.currentText(), ids,
                Ref("workspace", self.target.text(), "target"))

    def preview(self) -> None:
        if self.session.path is None:
            return
        op: DbOp[Any] = DbOp(preview_for, str(self.session.path), "move", *self._args(),
                             label="Preview the move")

        def shown(plan: Any) -> None:
            self.plan = plan
            parts = [counted(t, n) for t, n in plan.rows.items() if n]
            lines = [f"Moves {', '.join(parts) or 'nothing'}" + (
                f"; cuts {plural(plan.unlinked, 'dashboard link')}" if plan.unlinked else "")
                + "."]
            if plan.stale_permissions:
                lines.append(f"{plural(plan.stale_permissions, 'permission')} become stale.")
            if plan.needs_backup:
                lines.append("More than a few rows: a verified backup is taken first.")
            lines += [f"Note: {printable(n)}" for n in plan.notes]
            self.preview_label.setText("\n".join(lines))
            self.submit_button.setEnabled(plan.total > 0)

        self.session.run(op.quiet().success(self.guard(shown)).failure(self.guard(self._failed)))

    def on_submit(self) -> None:
        if self.plan is None:
            return
        self.submit(apply_edit, "workspace.move_rows", "move_rows", self._args(),
                    {"links": self.links.currentData()}, backup=self.plan.needs_backup,
                    audit={"workspace_id": self.workspace_id, "table": self.table.currentText()},
                    label=f"Move {self.table.currentText()} out of workspace {self.workspace_id}")


class DeleteWorkspaceDialog(EditDialog):
    """Choose where rows and users go, see the counts, then back up and delete."""

    def __init__(self, session: Session, workspace_id: int, parent: QWidget | None = None
                 ) -> None:
        super().__init__(session, f"Delete workspace {workspace_id}", parent,
                         submit_text="Back up and delete")
        self.setObjectName("deleteWorkspaceDialog")
        self.workspace_id = workspace_id
        self.rows_to = self.form.add("rows_to", "Rows go to:", ref_edit(self, "workspace"),
                                     "Every dashboard, chart, connection... moves there")
        self.users_to = self.form.add("users_to", "Users go to:", ref_edit(self, "workspace"),
                                      "Empty: their oldest other workspace, else the rows' one")
        self.counts = QLabel("Choose where the rows go, then Preview.", self)
        self.counts.setObjectName("deletePreview")
        self.counts.setWordWrap(True)
        self.layout_.insertWidget(2, self.counts)
        self.preview_button = QPushButton("Preview", self)
        self.preview_button.setObjectName("previewButton")
        self.preview_button.clicked.connect(self.preview)
        self.layout_.insertWidget(3, self.preview_button)
        self.submit_button.setEnabled(False)
        for w in (self.rows_to, self.users_to):
            self.live_check("rows_to" if w is self.rows_to else "users_to", w)
            w.textEdited.connect(lambda _t: self.submit_button.setEnabled(False))

    def _args(self) -> tuple[Any, ...]:
        users = self.users_to.text().strip()
        return (self.workspace_id, Ref("workspace", self.rows_to.text(), "rows_to"),
                Ref("workspace", users, "users_to") if users else None)

    def preview(self) -> None:
        if self.session.path is None:
            return
        op: DbOp[Any] = DbOp(preview_for, str(self.session.path), "workspace_delete",
                             *self._args(), label="Preview deleting the workspace")

        def shown(p: Any) -> None:
            rows = [counted(t, n) for t, n in p.rows.items() if n]
            lines = [f"Deleting {printable(p.name)} ({printable(p.slug)}): "
                     f"{plural(p.members, 'membership')} and its settings go; "
                     f"{', '.join(rows) or 'no rows'} move.",
                     f"{plural(p.users_current, 'user')} "
                     f"{'has' if p.users_current == 1 else 'have'} it as current workspace"
                     + (f"; {plural(p.users_joining, 'becomes a viewer', 'become viewers')}"
                        " where they go" if p.users_joining else "") + "."]
            if p.stale_permissions:
                lines.append(f"{plural(p.stale_permissions, 'permission')} become stale.")
            lines += [f"Note: {printable(n)}" for n in p.notes]
            self.counts.setText("\n".join(lines))
            self.submit_button.setEnabled(True)

        self.session.run(op.quiet().success(self.guard(shown)).failure(self.guard(self._failed)))

    def on_submit(self) -> None:
        self.submit(apply_edit, "workspace.delete", "delete_workspace", self._args(),
                    backup=True, audit={"workspace_id": self.workspace_id,
                                        "rows_to": self.rows_to.text()},
                    label=f"Delete workspace {self.workspace_id}")
