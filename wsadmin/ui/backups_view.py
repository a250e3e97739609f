"""Backups view: every backup of the open database, and what can be done with them.

A QTableView over BackupsModel (time, revision, size, verified, file). The
buttons call the backup services on the main window's runner: Back up now
(Ctrl+B, progress inline, cancellable), Verify, Restore… (the rollback
dialog, on its restore choice), Show in folder, Prune… (the catalog's rules:
never the only backup at a revision, never the runbook's
app_metadata.db.backup, never the newest).
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wsadmin.db.progress import Step, StepState
from wsadmin.ui import errors
from wsadmin.ui.op_dialog import error_text, heading_label, human_size, muted_label

VERIFIED, FAILED, UNCHECKED, CHECKING = "verified", "failed", "unchecked", "checking"
_ROOT = QModelIndex()


@dataclass
class BackupRow:
    """One backup as the table shows it (from wsadmin.db.backup_catalog.CatalogEntry)."""

    path: str
    created: dt.datetime | None
    revision: str | None
    readable: bool
    size: int
    kind: str                          # "wsadmin" | "runbook" | "other"
    verified: str = UNCHECKED          # VERIFIED | FAILED | UNCHECKED | CHECKING
    problems: list[str] = field(default_factory=list)
    has_manifest: bool = True

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def revision_label(self) -> str:
        return "?" if not self.readable else (self.revision or "legacy")

    @property
    def note(self) -> str:
        if self.kind == "runbook":
            return "runbook backup"
        if self.kind == "other":
            return "not made by wsadmin"
        return "" if self.has_manifest else "no manifest"


@dataclass
class PrunePreview:
    remove: list[BackupRow]
    keep: list[tuple[BackupRow, str]]  # each with why it stays
    entries: Any = None                # the catalog entries the plan was made from


def _row(entry: Any) -> BackupRow:
    try:
        created: dt.datetime | None = dt.datetime.fromisoformat(entry.created_at)
    except (TypeError, ValueError):
        created = None
    verified = {None: UNCHECKED, True: VERIFIED, False: FAILED}[entry.verified]
    return BackupRow(entry.path, created, entry.revision, entry.readable, entry.size,
                     entry.kind, verified, list(entry.problems), entry.has_manifest)


# ---- service calls (run on the worker) ---------------------------------------------------

def list_backups(db: str) -> list[BackupRow]:
    """Every backup of `db`, newest first (cheap checks; verification comes row by row)."""
    from wsadmin.db import backup_catalog

    return [_row(e) for e in backup_catalog.list_backups(db, verify=False)]


def verify_one(path: str, *, cancel: Any = None) -> tuple[str, list[str]]:
    from wsadmin.db.backup import verify_backup

    result = verify_backup(path, cancel=cancel)
    return (VERIFIED if result.ok else FAILED), list(result.problems)


def back_up_now(db: str, *, progress: Any = None, cancel: Any = None) -> Any:
    from wsadmin.db.backup import create_backup

    return create_backup(db, progress=progress, cancel=cancel)


def plan_prune(db: str, keep: int) -> PrunePreview:
    """What `wsadmin backups DB --prune --keep N` would remove (verifies, changes nothing)."""
    from wsadmin.db import backup_catalog

    entries = backup_catalog.list_backups(db, verify=True)
    plan = backup_catalog.plan_prune(entries, keep)
    return PrunePreview([_row(e) for e in plan.remove], [(_row(e), why) for e, why in plan.keep],
                        entries)


def prune(db: str, keep: int, entries: Any) -> list[str]:
    from wsadmin.db import backup_catalog

    return [e.path for e in backup_catalog.prune(db, keep, entries=entries)]


# ---- formatting ---------------------------------------------------------------------------

def human_time(when: dt.datetime | None) -> str:
    if when is None:
        return "unknown"
    local = when.astimezone() if when.tzinfo else when
    return local.strftime("%Y-%m-%d %H:%M:%S")


# ---- model --------------------------------------------------------------------------------

class BackupsModel(QAbstractTableModel):
    COLUMNS = ("Time", "Revision", "Size", "Verified", "File")
    TIME, REVISION, SIZE, VERIFIED_COL, FILE = range(5)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[BackupRow] = []

    def set_rows(self, rows: list[BackupRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def update_row(self, path: str, **changes: Any) -> None:
        for i, row in enumerate(self.rows):
            if row.path == path:
                self.rows[i] = replace(row, **changes)
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.COLUMNS) - 1))
                return

    def row_at(self, row: int) -> BackupRow:
        return self.rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.TIME:
                return human_time(row.created)
            if col == self.REVISION:
                return row.revision_label
            if col == self.SIZE:
                return human_size(row.size)
            if col == self.VERIFIED_COL:
                return {VERIFIED: "✓ Verified", FAILED: "✗ Fails verification",
                        UNCHECKED: "Not checked yet", CHECKING: "Checking…"}[row.verified]
            if col == self.FILE:
                return row.name + (f"  ({row.note})" if row.note else "")
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.VERIFIED_COL and row.problems:
                return "\n".join(row.problems)
            if col == self.FILE:
                return row.path
            if col == self.TIME and row.created is not None:
                return row.created.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if role == Qt.ItemDataRole.ForegroundRole and col == self.VERIFIED_COL:
            return QBrush(QColor({VERIFIED: "#2e7d32", FAILED: "#c62828"}.get(
                row.verified, "#757575")))
        if role == Qt.ItemDataRole.TextAlignmentRole and col == self.SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self.COLUMNS[col]}: {self.data(index)}"
        return None


# ---- the view -----------------------------------------------------------------------------

class BackupsView(QWidget):
    backupsLoaded = Signal()
    backupCreated = Signal(str)
    verified = Signal(str, str)      # path, VERIFIED | FAILED
    allVerified = Signal()
    pruned = Signal(list)

    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_ = window
        self.setObjectName("backupsView")
        self.db: str | None = None
        self.backup_op: Any = None
        self.verifying: str | None = None
        self.last_dialog: QDialog | None = None

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
        self.backup_button = self._button("backupNowButton", "Back up now",
                                          "Write a verified backup of the database now",
                                          self.back_up, "Ctrl+B")
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
        self.restore_button = self._button("restoreButton", "Restore…",
                                           "Put the selected backup back into the database "
                                           "(after a safety backup)", self.restore_selected)
        self.folder_button = self._button("showFolderButton", "Show in folder",
                                          "Open the folder that holds the selected backup",
                                          self.show_in_folder)
        self.prune_button = self._button("pruneButton", "Prune…",
                                         "Remove old backups, keeping the newest ones and the "
                                         "only backup at each revision", self.open_prune)
        self.refresh_button = self._button("reloadBackupsButton", "Reload",
                                           "List the backups again", self.reload)
        for b in (self.verify_button, self.restore_button, self.folder_button):
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(self.prune_button)
        bar.addWidget(self.refresh_button)
        outer.addLayout(bar)

        self.model = BackupsModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("backupsTable")
        self.table.setAccessibleName("Backups")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.setShowGrid(False)
        hh = self.table.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for col, width in ((BackupsModel.TIME, 170), (BackupsModel.REVISION, 90),
                           (BackupsModel.SIZE, 90), (BackupsModel.VERIFIED_COL, 130)):
            hh.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(col, width)
        hh.setSectionResizeMode(BackupsModel.FILE, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _i: self.verify_selected())
        outer.addWidget(self.table, 1)

        self.detail = muted_label("", self)
        self.detail.setObjectName("backupDetail")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setMinimumHeight(40)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        outer.addWidget(self.detail)

        prog = QHBoxLayout()
        self.progress_label = QLabel("", self)
        self.progress_label.setObjectName("backupProgressLabel")
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("backupProgress")
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setAccessibleName("Backup progress")
        self.cancel_backup_button = self._button("cancelBackupButton", "Cancel",
                                                 "Stop the backup; no partial file is left",
                                                 self.cancel_backup)
        prog.addWidget(self.progress_label, 1)
        prog.addWidget(self.progress_bar)
        prog.addWidget(self.cancel_backup_button)
        outer.addLayout(prog)
        self._show_progress(False)

        for name in ("databaseOpened", "statusChanged"):
            sig = getattr(window, name, None)
            if sig is not None:
                sig.connect(self._database_changed)
        closed = getattr(window, "databaseClosed", None)
        if closed is not None:
            closed.connect(self._database_closed)
        self._database_changed()

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

    # -- database ---------------------------------------------------------------------
    def _database_changed(self, *_args: object) -> None:
        path = getattr(self.window_, "path", None)
        db = str(path) if path is not None else None
        if db != self.db:
            self.db = db
            self.model.set_rows([])
            if db is not None:
                self.reload()
        self._update_buttons()

    def _database_closed(self) -> None:
        self.db = None
        self.model.set_rows([])
        self.summary.setText("No database open")
        self._update_buttons()

    def _run(self, fn: Any, *args: Any, label: str, on_success: Any,
             on_failure: Any = None, **kwargs: Any) -> Any:
        runner = getattr(self.window_, "runner", None)
        if runner is None:
            return None

        def failed(exc: BaseException) -> None:
            if on_failure is not None:
                on_failure(exc)
            errors.show_error(self, exc)

        return runner.submit(fn, *args, label=label, on_success=on_success,
                             on_failure=failed, **kwargs)

    def reload(self) -> None:
        if self.db is None:
            return
        db = self.db

        def loaded(rows: list[BackupRow]) -> None:
            if db != self.db:
                return
            selected = self.selected()
            self.model.set_rows(rows)
            self._set_summary()
            if selected is not None:
                self.select_path(selected.path)
            elif rows:
                self.table.selectRow(0)
            self._update_buttons()
            self.backupsLoaded.emit()
            self._verify_next()

        self._run(list_backups, db, label="List backups", on_success=loaded)

    def _verify_next(self) -> None:
        """Verify the listed backups one at a time, so other operations can go between."""
        if self.verifying is not None or self.db is None:
            return
        row = next((r for r in self.model.rows if r.verified == UNCHECKED and r.readable), None)
        if row is None:
            if self.model.rows:
                self.allVerified.emit()
            return
        self._verify(row.path, then_next=True)

    def _verify(self, path: str, then_next: bool = False) -> None:
        db = self.db
        self.verifying = path
        self.model.update_row(path, verified=CHECKING, problems=[])

        def done(result: tuple[str, list[str]]) -> None:
            self.verifying = None
            state, problems = result
            self.model.update_row(path, verified=state, problems=problems)
            self._selection_changed()
            self.verified.emit(path, state)
            if then_next and db == self.db:
                self._verify_next()

        def failed(exc: BaseException) -> None:
            self.verifying = None
            message, _hint = error_text(exc)
            self.model.update_row(path, verified=FAILED, problems=[message])
            self._selection_changed()

        runner = getattr(self.window_, "runner", None)
        if runner is None:
            self.verifying = None
            return
        runner.submit(verify_one, path, label=f"Verify {Path(path).name}", on_success=done,
                      on_failure=failed, with_cancel=True)

    def _set_summary(self) -> None:
        rows = self.model.rows
        if self.db is None:
            self.summary.setText("No database open")
            return
        if not rows:
            self.summary.setText(f"No backups of {Path(self.db).name} yet. "
                                 "Back up now writes one beside it.")
            return
        folders = {str(Path(r.path).parent) for r in rows}
        where = next(iter(folders)) if len(folders) == 1 else f"{len(folders)} folders"
        newest = rows[0]
        self.summary.setText(f"{len(rows)} backup{'s' if len(rows) != 1 else ''} in {where}; "
                             f"newest {human_time(newest.created)}, "
                             f"revision {newest.revision or 'legacy'}.")

    # -- selection --------------------------------------------------------------------
    def selected(self) -> BackupRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() \
            else []
        if not rows:
            return None
        return self.model.row_at(rows[0].row())

    def select_path(self, path: str) -> bool:
        for i, row in enumerate(self.model.rows):
            if row.path == path:
                self.table.selectRow(i)
                return True
        return False

    def _selection_changed(self, *_args: object) -> None:
        row = self.selected()
        if row is None:
            self.detail.setText("")
        else:
            parts = [f"<b>{html.escape(row.name)}</b> — {html.escape(row.path)}"]
            if row.problems:
                parts.append("<span style='color:#c62828'>"
                             + html.escape("; ".join(row.problems)) + "</span>")
            self.detail.setText("<br>".join(parts))
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_db = self.db is not None and getattr(self.window_, "runner", None) is not None
        has_sel = self.selected() is not None
        busy = self.backup_op is not None
        self.backup_button.setEnabled(has_db and not busy)
        for b in (self.verify_button, self.restore_button, self.folder_button):
            b.setEnabled(has_db and has_sel)
        sel = self.selected()
        if sel is not None and sel.verified == FAILED:
            self.restore_button.setEnabled(False)
            self.restore_button.setToolTip("This backup failed verification; "
                                           "it cannot be restored")
        else:
            self.restore_button.setToolTip("Put the selected backup back into the database "
                                           "(after a safety backup)")
        self.prune_button.setEnabled(has_db and len(self.model.rows) > 1)
        self.refresh_button.setEnabled(has_db)

    # -- actions ----------------------------------------------------------------------
    def back_up(self) -> None:
        if self.db is None or self.backup_op is not None:
            return
        self._show_progress(True, "Backing up…")

        def step(s: Step) -> None:
            if s.state is StepState.RUNNING:
                self.progress_label.setText(s.label + "…")
                if s.fraction is not None:
                    self.progress_bar.setRange(0, 1000)
                    self.progress_bar.setValue(int(s.fraction * 1000))
                else:
                    self.progress_bar.setRange(0, 0)
            if s.id == "verify" and s.state is StepState.RUNNING:
                self.cancel_backup_button.setEnabled(False)

        def done(info: Any) -> None:
            self.backup_op = None
            self._show_progress(False)
            self.detail.setText(f"Backed up to <b>{html.escape(str(info.path))}</b> and "
                                "verified.")
            self.backupCreated.emit(str(info.path))
            self._after_backup(str(info.path))

        def failed(_exc: BaseException) -> None:
            self.backup_op = None
            self._show_progress(False)
            self._update_buttons()

        self.backup_op = self._run(back_up_now, self.db, label=f"Back up {Path(self.db).name}",
                                   on_success=done, on_failure=failed, on_progress=step,
                                   with_progress=True, with_cancel=True)
        self._update_buttons()

    def _after_backup(self, path: str) -> None:
        db = self.db

        def loaded(rows: list[BackupRow]) -> None:
            if db != self.db:
                return
            old = {r.path: r for r in self.model.rows}
            for r in rows:
                if r.path in old and old[r.path].verified in (VERIFIED, FAILED):
                    r.verified, r.problems = old[r.path].verified, old[r.path].problems
            self.model.set_rows(rows)
            # The new backup was verified as it was written.
            self.model.update_row(path, verified=VERIFIED)
            self._set_summary()
            self.select_path(path)
            self._update_buttons()
            self.backupsLoaded.emit()
            self._verify_next()

        if db is not None:
            self._run(list_backups, db, label="List backups", on_success=loaded)

    def cancel_backup(self) -> None:
        if self.backup_op is not None:
            self.backup_op.cancel()
            self.progress_label.setText("Cancelling… no partial file is left behind.")
            self.cancel_backup_button.setEnabled(False)

    def _show_progress(self, on: bool, text: str = "") -> None:
        self.progress_label.setText(text)
        self.progress_bar.setRange(0, 0)
        for w in (self.progress_label, self.progress_bar, self.cancel_backup_button):
            w.setVisible(on)
        self.cancel_backup_button.setEnabled(on)

    def verify_selected(self) -> None:
        row = self.selected()
        if row is None or self.verifying == row.path:
            return
        self._verify(row.path)

    def restore_selected(self) -> None:
        row = self.selected()
        if row is None or self.db is None:
            return
        from wsadmin.ui.rollback_dialog import RollbackDialog

        dialog = RollbackDialog(self.window_, self.db, self, backup=row.path)
        dialog.operationFinished.connect(lambda _ok: self.reload())
        self.last_dialog = dialog
        dialog.open()

    def show_in_folder(self) -> bool:
        row = self.selected()
        if row is None:
            return False
        return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(row.path).parent))))

    def open_prune(self) -> None:
        if self.db is None:
            return
        dialog = PruneDialog(self, self.db)
        self.last_dialog = dialog
        dialog.open()


class PruneDialog(QDialog):
    """Keep the newest N; the catalog says what goes and why the others stay."""

    def __init__(self, view: BackupsView, db: str) -> None:
        super().__init__(view)
        self.view = view
        self.db = db
        self.plan: PrunePreview | None = None
        self.closed = False
        self.finished.connect(self._closed)
        self.setObjectName("pruneDialog")
        self.setWindowTitle("Prune backups")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setModal(True)
        self.setMinimumSize(620, 420)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 18, 20, 14)
        lay.setSpacing(10)
        lay.addWidget(heading_label("Prune backups", self))
        lay.addWidget(muted_label(
            "Removes old backups made by wsadmin, with their manifests. Never removed: the "
            "newest backup, the only good backup at a revision, the runbook's "
            f"{Path(db).name}.backup and backups wsadmin did not make.", self))
        row = QHBoxLayout()
        label = QLabel("&Keep the newest", self)
        self.keep = QSpinBox(self)
        self.keep.setObjectName("keepSpin")
        self.keep.setRange(0, 999)
        self.keep.setValue(5)
        self.keep.setAccessibleName("Number of backups to keep")
        self.keep.setToolTip("How many of the newest wsadmin backups to keep in any case")
        label.setBuddy(self.keep)
        row.addWidget(label)
        row.addWidget(self.keep)
        row.addWidget(QLabel("backups", self))
        row.addStretch(1)
        lay.addLayout(row)
        self.preview = QLabel("", self)
        self.preview.setObjectName("prunePreview")
        self.preview.setWordWrap(True)
        self.preview.setTextFormat(Qt.TextFormat.RichText)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(self.preview, 1)
        self.buttons = QDialogButtonBox(self)
        self.prune_button = QPushButton("Remove", self)
        self.prune_button.setObjectName("confirmButton")
        self.prune_button.setEnabled(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setDefault(True)
        self.cancel_button.setToolTip("Close without removing anything (Esc)")
        self.buttons.addButton(self.prune_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.prune_button.clicked.connect(self.do_prune)
        self.cancel_button.clicked.connect(self.reject)
        lay.addWidget(self.buttons)
        self.keep.valueChanged.connect(self.update_preview)
        self.update_preview()

    def _closed(self, _result: int) -> None:
        self.closed = True

    def update_preview(self) -> None:
        self.prune_button.setEnabled(False)
        self.plan = None
        keep = self.keep.value()

        def ready(plan: PrunePreview) -> None:
            if self.closed or keep != self.keep.value():
                return
            self.plan = plan
            kept = [f"&nbsp;&nbsp;{html.escape(r.name)} — {html.escape(why)}"
                    for r, why in plan.keep]
            if not plan.remove:
                self.preview.setText("<b>Nothing to remove.</b><br>" + "<br>".join(kept))
                self.prune_button.setText("Remove")
                return
            n = len(plan.remove)
            lines = [f"<b>Removes {n} backup{'s' if n != 1 else ''}:</b>"]
            lines += [f"&nbsp;&nbsp;{html.escape(r.name)} ({r.revision_label}, "
                      f"{human_size(r.size)})" for r in plan.remove]
            lines += ["<b>Keeps:</b>", *kept]
            self.preview.setText("<br>".join(lines))
            self.prune_button.setText(f"Remove {n} backup{'s' if n != 1 else ''}")
            self.prune_button.setEnabled(True)

        self.preview.setText("Checking every backup to work out what would be removed…")
        self.view._run(plan_prune, self.db, keep, label="Plan the prune", on_success=ready)

    def do_prune(self) -> None:
        if self.plan is None or not self.plan.remove:
            return
        self.prune_button.setEnabled(False)
        self.keep.setEnabled(False)

        def done(removed: list[str]) -> None:
            self.view.pruned.emit(list(removed))
            self.view.reload()
            self.accept()

        def failed(_exc: BaseException) -> None:
            if not self.closed:
                self.keep.setEnabled(True)
                self.update_preview()

        self.view._run(prune, self.db, self.keep.value(), self.plan.entries,
                       label="Prune backups", on_success=done, on_failure=failed)


def install(window: Any) -> BackupsView:
    """Add the Backups view and the Back up now action (Ctrl+B) of the Database menu."""
    view = BackupsView(window)
    window.add_view("backups", "Backups", view, icon="SP_DriveHDIcon",
                    tooltip="Backups of this database: back up, verify, restore, prune")

    def back_up_now() -> None:
        window.show_view("backups")
        view.back_up()

    action = window.make_action("backup", "&Back up now", back_up_now, shortcut="Ctrl+B",
                                tip="Write a verified backup of the database now",
                                icon="SP_DialogSaveButton")
    window.add_toolbar_action("backup", action)
    menu = window.menus.get("database")
    if menu is not None:
        menu.addAction(action)
    view.backup_button.setShortcut(QKeySequence())
    return view
