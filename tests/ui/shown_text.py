"""Everything a window shows as text, to look for secrets in it (SCHEMA.md "Secrets").

Walks every widget under the given top-level widgets (hidden ones too: a
hidden label can be shown later): labels, line edits (a masked one shows only
dots: what the operator typed there is not shown), text boxes, buttons,
tab titles, window titles, tooltips, accessible names, and every cell of every
item view's model in every text role (models with many rows: the rows a lazy
model holds, which are the only ones it could show).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
         Qt.ItemDataRole.EditRole, Qt.ItemDataRole.AccessibleTextRole,
         Qt.ItemDataRole.StatusTipRole, Qt.ItemDataRole.WhatsThisRole)
MAX_ROWS = 5_000


def _model_text(model: QAbstractItemModel) -> Iterator[str]:
    root = QModelIndex()
    rows = getattr(model, "loaded_rows", None)
    row_numbers: Iterable[int] = (rows() if callable(rows) else
                                  range(min(model.rowCount(root), MAX_ROWS)))
    try:
        columns = model.columnCount(root)
    except TypeError:       # a list model (QListWidget's): one column, and private
        columns = 1
    for section in range(columns):
        for role in ROLES:
            value = model.headerData(section, Qt.Orientation.Horizontal, role)
            if value is not None:
                yield str(value)
    for row in row_numbers:
        for col in range(columns):
            index = model.index(row, col, root)
            for role in ROLES:
                value = model.data(index, role)
                if value is not None:
                    yield str(value)


def _widget_text(w: QWidget) -> Iterator[str]:
    yield w.windowTitle()
    yield w.toolTip()
    yield w.accessibleName()
    yield w.accessibleDescription()
    yield w.statusTip()
    if isinstance(w, QLineEdit) and w.echoMode() != QLineEdit.EchoMode.Normal:
        yield "●" * len(w.text())        # what a masked field shows
    elif isinstance(w, QLabel | QAbstractButton | QLineEdit):
        yield w.text()
    if isinstance(w, QLineEdit):
        yield w.placeholderText()
    if isinstance(w, QPlainTextEdit | QTextEdit):
        yield w.toPlainText()
    if isinstance(w, QComboBox):
        yield from (w.itemText(i) for i in range(w.count()))
    if isinstance(w, QTabWidget):
        yield from (w.tabText(i) for i in range(w.count()))
    if isinstance(w, QAbstractItemView) and w.model() is not None:
        yield from _model_text(w.model())
    for action in w.actions():
        yield action.text()
        yield action.toolTip()


def shown_text(*tops: QWidget) -> str:
    """All the text of `tops`, every widget under them and the clipboard, one blob."""
    parts: list[str] = [QApplication.clipboard().text()]
    for top in tops:
        for w in [top, *top.findChildren(QWidget)]:
            parts.extend(t for t in _widget_text(w) if t)
    return "\n".join(parts)


def assert_no_secret(secrets: Iterable[str], *tops: QWidget) -> None:
    text = shown_text(*tops)
    leaked = [s for s in secrets if s and s in text]
    assert not leaked, f"secrets shown: {leaked}"
