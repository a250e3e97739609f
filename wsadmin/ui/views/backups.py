"""Backups view: every backup of the open database, and what can be done with them.

A table over the session's backup catalog (the same one the Overview and the
Rollback dialog read), refreshed after every operation, on F5 (and Reload),
and when files appear in the backup folders. Back up now (Ctrl+B, the view's
`back_up_action`) writes a verified backup with its progress inline and can be
cancelled; Verify says Verified or FAILED (in the log too); Restore… and
Prune… ask the window for their dialogs (`restoreRequested(path)`,
`pruneRequested()`); Show in folder opens the backup's folder.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.format import local_time, plural
from wsadmin.ui.models.backups import BackupsModel
from wsadmin.ui.ops.backups import BackupRow, Check, Verdict, back_up_now
from wsadmin.ui.ops.core import Cancelled, Step, StepState
from wsadmin.ui.ops.op import Change, DbOp
from wsadmin.ui.widgets.actions import make_action, set_tip
from wsadmin.ui.widgets.errors import error_text
from wsadmin.ui.widgets.labels import heading_label, muted_label

if TYPE_CHECKING:
    from wsadmin.ui.session import Session
    from wsadmin.ui.widgets.icons import StdIcons

BACKUP_TIP = "Write a verified backup of the database now"
RESTORE_TIP = "Put the selected backup back into the database (after a safety backup)"


class BackupsView(QWidget):
    backupCreated = Signal(str)
    verified = Signal(str, str)       # path, "verified" | "failed"
    restoreRequested = Signal(str)    # path
    pruneRequested = Signal()

    def __init__(self, session: Session, icons: StdIcons | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("backupsView")
        self.backup_op: DbOp[Any] | None = None
        self._selected_path: str | None = None
        self._listed: set[str] = set()           # the backups listed before this change

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 16)
        outer.setSpacing(12)
        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(heading_label("Backups", self, 1.5))
        self.summary = QLabel("No database open", self)
        self.summary.setObjectName("backupsSummary")
        self.summary.setWordWrap(True)
        titles.addWidget(self.summary)
        head.addLayout(titles, 1)
        self.back_up_action = make_action(self, "backup", "&Back up now", self.back_up,
                                          shortcut="Ctrl+B", tip=BACKUP_TIP,
                                          icon="SP_DialogSaveButton", icons=icons)
        self.backup_button = self._button("backupNowButton", "Back up now", BACKUP_TIP,
                                          lambda: self.back_up_action.trigger())
        self.backup_button.setToolTip(self.back_up_action.toolTip())
        self.backup_button.setDefault(True)
        self.backup_button.setStyleSheet(
            "QPushButton#backupNowButton { padding: 6px 18px; font-weight: 600; }")
        head.addWidget(self.backup_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(head)

        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.verify_button = self._button("verifyButton", "Verify",
                                          "Check the selected backup against its manifest",
                                          self.verify_selected, "Ctrl+Shift+V")
        self.restore_button = self._button("restoreButton", "Restore…", RESTORE_TIP,
                                           self.restore_selected)
        self.folder_button = self._button("showFolderButton", "Show in folder",
                                          "Open the folder that holds the selected backup",
                                          self.show_in_folder)
        self.prune_button = self._button("pruneButton", "Prune…",
                                         "Remove old backups, keeping the newest ones and the "
                                         "only backup at each revision",
                                         lambda: self.pruneRequested.emit())
        self.reload_button = self._button("reloadBackupsButton", "Reload",
                                          "List the backups again (F5 reads everything again)",
                                          lambda: self.session.refresh(Change.BACKUPS))
        for b in (self.verify_button, self.restore_button, self.folder_button):
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(self.prune_button)
        bar.addWidget(self.reload_button)
        outer.addLayout(bar)

        self.model = BackupsModel(session, self)
        self.table = self._table()
        outer.addWidget(self.table, 1)

        self.detail = muted_label("", self)
        self.detail.setObjectName("backupDetail")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setMinimumHeight(40)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        outer.addWidget(self.detail)
        outer.addLayout(self._progress_row())
        self._show_progress(False)

        self.model.reset.connect(self._rows_replaced)
        self.model.dataChanged.connect(lambda *_a: self._selection_changed())
        session.changed.connect(self._changed)
        session.writingChanged.connect(lambda _w: self._update_buttons())
        self._changed(Change.DATABASE)

    def _button(self, name: str, text: str, tip: str, slot: Any, shortcut: str = ""
                ) -> QPushButton:
        b = QPushButton(text, self)
        b.setObjectName(name)
        b.setMinimumHeight(30)
        b.setAccessibleName(text.rstrip("…"))
        if shortcut:
            b.setShortcut(QKeySequence(shortcut))
            tip = f"{tip} ({shortcut})"
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    def _table(self) -> QTableView:
        table = QTableView(self)
        table.setObjectName("backupsTable")
        table.setAccessibleName("Backups")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(28)
        table.setShowGrid(False)
        hh = table.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for col, width in ((BackupsModel.TIME, 170), (BackupsModel.REVISION, 90),
                           (BackupsModel.SIZE, 100), (BackupsModel.VERIFIED_COL, 150)):
            hh.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            table.setColumnWidth(col, width)
        hh.setSectionResizeMode(BackupsModel.FILE, QHeaderView.ResizeMode.Stretch)
        table.selectionModel().selectionChanged.connect(self._selection_changed)
        table.doubleClicked.connect(lambda _i: self.verify_selected())
        return table

    def _progress_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.progress_label = QLabel("", self)
        self.progress_label.setObjectName("backupProgressLabel")
        self.progress_label.setWordWrap(True)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("backupProgress")
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setAccessibleName("Backup progress")
        self.cancel_backup_button = self._button("cancelBackupButton", "Cancel",
                                                 "Stop the backup; no partial file is left",
                                                 self.cancel_backup)
        row.addWidget(self.progress_label, 1)
        row.addWidget(self.progress_bar)
        row.addWidget(self.cancel_backup_button)
        return row

    # ---- following the session ----------------------------------------------------------

    @property
    def db(self) -> str | None:
        return str(self.session.path) if self.session.path is not None else None

    def _changed(self, what: Change) -> None:
        if what & (Change.BACKUPS | Change.DATABASE):
            self._set_summary()
        if what & Change.DATABASE and self.session.path is None:
            self.detail.setText("")
        self._update_buttons()

    def _rows_replaced(self) -> None:
        """Select a backup that just appeared on top (an upgrade's, one made from the
        command line), else keep the selection, else select the newest."""
        rows = self.model.rows
        fresh = bool(rows) and rows[0].path not in self._listed
        self._listed = {r.path for r in rows}
        selected = self._selected_path
        if rows and (fresh or not (selected and self.select_path(selected))):
            self.table.selectRow(0)
        self._selection_changed()

    def _set_summary(self) -> None:
        catalog, name = self.session.catalog, Path(self.db or "").name
        rows = catalog.rows
        if self.db is None:
            self.summary.setText("No database open")
        elif not catalog.loaded:
            self.summary.setText(f"Looking for backups of {name}…")
        elif not rows:
            self.summary.setText(f"No backups of {name} yet. Back up now writes one in "
                                 f"{catalog.folders[-1] if catalog.folders else 'its folder'}.")
        else:
            folders = {str(Path(r.path).parent) for r in rows}
            where = next(iter(folders)) if len(folders) == 1 else f"{len(folders)} folders"
            newest = rows[0]
            self.summary.setText(f"{plural(len(rows), 'backup')} in {where}; newest "
                                 f"{local_time(newest.created)}, revision "
                                 f"{newest.revision_label}.")

    # ---- selection ----------------------------------------------------------------------

    def selected(self) -> BackupRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_path(self, path: str) -> bool:
        at = self.model.find(path)
        if at >= 0:
            self.table.selectRow(at)
        return at >= 0

    def _selection_changed(self, *_args: object) -> None:
        row = self.selected()
        self._selected_path = row.path if row is not None else None
        if row is not None and self.backup_op is None:
            parts = [f"<b>{html.escape(row.name)}</b> — {html.escape(row.path)}"]
            if row.check is Check.FAILED:
                parts.append("<span style='color:#c62828'><b>FAILED</b> verification: "
                             + html.escape("; ".join(row.problems)) + "</span>")
            elif row.check is Check.VERIFIED:
                parts.append("<span style='color:#2e7d32'><b>Verified</b></span>: it matches "
                             + ("its manifest." if row.has_manifest else
                                "itself (no manifest to compare with)."))
            self.detail.setText("<br>".join(parts))
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_db = self.session.is_open
        sel = self.selected()
        writing = self.session.writing
        can_back_up = has_db and not writing and self.backup_op is None
        self.back_up_action.setEnabled(can_back_up)
        self.backup_button.setEnabled(can_back_up)
        set_tip(self.back_up_action, BACKUP_TIP if can_back_up or not has_db else
                "Wait for the change under way to end")
        self.verify_button.setEnabled(has_db and sel is not None)
        self.folder_button.setEnabled(has_db and sel is not None)
        restorable = has_db and sel is not None and sel.restorable and not writing
        self.restore_button.setEnabled(restorable)
        self.restore_button.setToolTip(
            "This backup failed verification; it cannot be restored"
            if sel is not None and sel.check is Check.FAILED else RESTORE_TIP)
        self.prune_button.setEnabled(has_db and len(self.model.rows) > 1 and not writing)
        self.reload_button.setEnabled(has_db)

    # ---- actions ------------------------------------------------------------------------

    def back_up(self) -> None:
        if self.db is None or self.backup_op is not None or self.session.writing:
            return
        self._show_progress(True, "Backing up…")
        op: DbOp[Any] = DbOp(back_up_now, self.db, label=f"Back up {Path(self.db).name}",
                             changes=Change.BACKUPS | Change.AUDIT)
        self.backup_op = op.progress(self._step).cancellable()
        op.success(self._backed_up).failure(self._backup_failed)
        self.session.run(op)
        self._update_buttons()

    def _step(self, step: Step) -> None:
        if step.state is StepState.RUNNING:
            self.progress_label.setText(step.label + "…")
            if step.fraction is not None:
                self.progress_bar.setRange(0, 1000)
                self.progress_bar.setValue(int(step.fraction * 1000))
            else:
                self.progress_bar.setRange(0, 0)
        if step.id == "verify" and step.state is StepState.RUNNING:
            self.cancel_backup_button.setEnabled(False)

    def _backed_up(self, info: Any) -> None:
        self.backup_op = None
        self._show_progress(False)
        self.session.note_written_backups([str(info.path)])
        self._selected_path = str(info.path)
        self.detail.setText(f"Backed up to <b>{html.escape(str(info.path))}</b> and "
                            "verified.")
        self.backupCreated.emit(str(info.path))

    def _backup_failed(self, exc: BaseException) -> None:
        self.backup_op = None
        self._show_progress(False)
        if isinstance(exc, Cancelled):
            self.detail.setText("<b>Backup cancelled.</b> The partial copy was discarded: "
                                "no backup file was written and the database was not "
                                "changed.")
        else:
            message, hint = error_text(exc)
            self.detail.setText(f"<b>The backup failed:</b> {html.escape(message)}"
                                + (f" — {html.escape(hint)}" if hint else ""))
        self._update_buttons()

    def cancel_backup(self) -> None:
        if self.backup_op is not None:
            self.backup_op.cancel()
            self.progress_label.setText("Cancelling… the partial copy is discarded.")
            self.cancel_backup_button.setEnabled(False)

    def _show_progress(self, on: bool, text: str = "") -> None:
        self.progress_label.setText(text)
        self.progress_bar.setRange(0, 0)
        for w in (self.progress_label, self.progress_bar, self.cancel_backup_button):
            w.setVisible(on)
        self.cancel_backup_button.setEnabled(on)

    def verify_selected(self) -> None:
        row = self.selected()
        if row is None or row.check is Check.CHECKING:
            return
        path = row.path
        self.detail.setText(f"Verifying <b>{html.escape(row.name)}</b>…")

        def done(verdict: Verdict) -> None:
            word = "Verified" if verdict.check is Check.VERIFIED else "FAILED"
            color = "#2e7d32" if verdict.check is Check.VERIFIED else "#c62828"
            why = ("" if verdict.check is Check.VERIFIED else
                   ": " + html.escape("; ".join(verdict.problems)))
            self.detail.setText(f"<b>{html.escape(Path(path).name)}</b>: "
                                f"<span style='color:{color}'><b>{word}</b>{why}</span>")
            self.verified.emit(path, verdict.check.value)

        self.session.verify(path).success(done)

    def restore_selected(self) -> None:
        row = self.selected()
        if row is not None and row.restorable:
            self.restoreRequested.emit(row.path)

    def show_in_folder(self) -> bool:
        row = self.selected()
        if row is None:
            return False
        return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(row.path).parent))))

