"""Item models of the health panel and the Fix dialog.

`ChecksModel`: a report's checks, findings first and most severe first (file
damage, then security, ...: HealthReport.by_severity), as a status icon, a
title, a count and a severity. `RowsModel`: a list of plain rows (a check's
sample, a fix step's preview) as a read-only table. The rows come from the
core's checks, which show secret columns only by their kind; every cell is
made printable here (a username may hold control characters).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    Qt,
)
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from wsadmin.ui.models.cells import cell_text

_ROOT = QModelIndex()
Index = QModelIndex | QPersistentModelIndex

# (fill colour, glyph, words) per kind of result.
_KINDS = {
    "damage": ("#8e0000", "!", "File damage"),
    "security": ("#c62828", "!", "Security"),
    "critical": ("#e65100", "!", "Critical"),
    "warning": ("#f9a825", "!", "Warning"),
    "info": ("#1565c0", "i", "Information"),
    "ok": ("#2e7d32", "✓", "OK"),
    "not_applicable": ("#9e9e9e", "–", "Does not apply"),
    "error": ("#6a1b9a", "?", "Could not run"),
}
_icons: dict[str, QIcon] = {}


def kind_of(result: Any) -> str:
    """"ok", "not_applicable", "error", or the severity of a check with findings."""
    status = result.status.value
    return str(result.severity.value) if status == "findings" else str(status)


def kind_words(result: Any) -> str:
    return _KINDS[kind_of(result)][2]


def kind_color(result: Any) -> str:
    return _KINDS[kind_of(result)][0]


def status_icon(kind: str, size: int = 16) -> QIcon:
    """A filled circle in the kind's colour with a white glyph (cached)."""
    icon = _icons.get(kind)
    if icon is None:
        color, glyph, _words = _KINDS[kind]
        pixmap = QPixmap(size * 2, size * 2)       # drawn at 2x: sharp on HiDPI too
        pixmap.fill(QColor(0, 0, 0, 0))
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(color))
        p.drawEllipse(QRectF(2, 2, size * 2 - 4, size * 2 - 4))
        font = p.font()
        font.setBold(True)
        font.setPixelSize(int(size * 1.3))
        p.setFont(font)
        p.setPen(QColor("white"))
        p.drawText(QRectF(0, 0, size * 2, size * 2), int(Qt.AlignmentFlag.AlignCenter), glyph)
        p.end()
        pixmap.setDevicePixelRatio(2.0)
        icon = _icons[kind] = QIcon(pixmap)
    return icon


class ChecksModel(QAbstractTableModel):
    COLUMNS = ("Check", "Found", "Severity")
    TITLE, COUNT, SEVERITY = range(3)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.results: list[Any] = []

    def set_report(self, report: Any | None) -> None:
        self.beginResetModel()
        self.results = list(report.by_severity()) if report is not None else []
        self.endResetModel()

    def result_at(self, row: int) -> Any:
        return self.results[row]

    def row_of(self, check_id: str) -> int:
        return next((i for i, r in enumerate(self.results) if r.id == check_id), -1)

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.results)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, col = self.results[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.TITLE:
                return r.title
            if col == self.COUNT:
                return f"{r.count:,}" if r.status.value == "findings" else ""
            return kind_words(r) if r.status.value != "findings" else r.severity.value
        if role == Qt.ItemDataRole.DecorationRole and col == self.TITLE:
            return status_icon(kind_of(r))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{r.id}: {kind_words(r)}" + (f" — {r.reason}" if r.reason else "")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{r.title}: {kind_words(r)}" + (
                f", {r.count:,} found" if r.status.value == "findings" else "")
        if role == Qt.ItemDataRole.TextAlignmentRole and col == self.COUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class RowsModel(QAbstractTableModel):
    """Plain rows (dicts) under the given columns, read-only, every cell printable."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns: list[str] = []
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.columns = list(columns) or (list(self.rows[0]) if self.rows else [])
        self.endResetModel()

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section]
        return section + 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self.rows[index.row()].get(self.columns[index.column()])
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return cell_text(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, int | float):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
