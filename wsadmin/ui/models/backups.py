"""The table of the Backups view: the session's backup catalog, row for row.

Follows `Session.changed`: a catalog with the same files updates its rows in
place (a verification finished: the selection stays); other changes reset it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from wsadmin.ui.format import human_size, local_time
from wsadmin.ui.ops.backups import BackupRow, Check
from wsadmin.ui.ops.op import Change
from wsadmin.ui.session import Session

_ROOT = QModelIndex()

CHECK_WORDS = {Check.VERIFIED: "✓ Verified", Check.FAILED: "✗ Fails verification",
               Check.UNCHECKED: "Not checked yet", Check.CHECKING: "Checking…"}
CHECK_COLORS = {Check.VERIFIED: "#2e7d32", Check.FAILED: "#c62828"}


class BackupsModel(QAbstractTableModel):
    COLUMNS = ("Time", "Revision", "Size", "Verified", "File")
    TIME, REVISION, SIZE, VERIFIED_COL, FILE = range(5)

    reset = Signal()          # the rows were replaced (not just updated in place)

    def __init__(self, session: Session, parent: Any = None) -> None:
        super().__init__(parent)
        self.session = session
        self.rows: tuple[BackupRow, ...] = ()
        session.changed.connect(self._changed)
        self.sync()

    def _changed(self, what: Change) -> None:
        if what & (Change.BACKUPS | Change.DATABASE):
            self.sync()

    def sync(self) -> None:
        rows = self.session.catalog.rows
        if [r.path for r in rows] != [r.path for r in self.rows]:
            self.beginResetModel()
            self.rows = rows
            self.endResetModel()
            self.reset.emit()
            return
        old, self.rows = self.rows, rows
        for i, (before, after) in enumerate(zip(old, rows, strict=True)):
            if before != after:
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.COLUMNS) - 1))

    def row_at(self, row: int) -> BackupRow:
        return self.rows[row]

    def find(self, path: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r.path == path), -1)

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
            return self._text(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.VERIFIED_COL and row.problems:
                return "\n".join(row.problems)
            if col == self.FILE:
                return row.path
            if col == self.TIME and row.created is not None:
                return row.created.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if role == Qt.ItemDataRole.ForegroundRole and col == self.VERIFIED_COL:
            return QBrush(QColor(CHECK_COLORS.get(row.check, "#757575")))
        if role == Qt.ItemDataRole.TextAlignmentRole and col == self.SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self.COLUMNS[col]}: {self._text(row, col)}"
        return None

    def _text(self, row: BackupRow, col: int) -> str:
        if col == self.TIME:
            return local_time(row.created)
        if col == self.REVISION:
            return row.revision_label
        if col == self.SIZE:
            return human_size(row.size)
        if col == self.VERIFIED_COL:
            return CHECK_WORDS[row.check]
        return row.name + (f"  ({row.note})" if row.note else "")
