"""The frame both editors (users, workspaces) share: a lazy table under filters, a count,
the action buttons, the read-only banner and the busy banner.

Ids are read when the view is first shown for a database (not on opening it:
a million users cost a second of the worker), again when a filter or the
sort changes (debounced while typing), and after an edit that created or
deleted a row; other edits re-read only the rows they changed (in place).
Below head the editors are read-only: the banner says why and offers the
action that brings the database to head (`changeRequested(action)`). A busy
database shows in the busy banner with Retry.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.format import plural
from wsadmin.ui.models.lazy import Column, LazyTableModel, RowsFn
from wsadmin.ui.ops.editors import editability_for
from wsadmin.ui.ops.op import Change
from wsadmin.ui.widgets.errors import error_text
from wsadmin.ui.widgets.forms import Banner, Debounce
from wsadmin.ui.widgets.labels import heading_label

if TYPE_CHECKING:
    from PySide6.QtGui import QShowEvent

    from wsadmin.ui.session import Session

ACTION_WORDS = {"upgrade": "Upgrade…", "adopt": "Adopt…", "repair": "Repair…",
                "init": "Initialise…"}
FILTER_MS = 150


class EditorView(QWidget):
    changeRequested = Signal(str)      # upgrade | adopt | repair | init

    noun = "rows"
    sortable: Sequence[str] = ()

    def __init__(self, session: Session, title: str, columns: Sequence[Column],
                 rows_fn: RowsFn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.sort_key, self.descending = "id", False
        self.editable = False
        self._loaded_for: str | None = None     # the database whose ids are shown
        self._stale = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 16)
        outer.setSpacing(8)
        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(heading_label(title, self, 1.5))
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("countLabel")
        titles.addWidget(self.count_label)
        head.addLayout(titles, 1)
        self.actions_row = QHBoxLayout()
        head.addLayout(self.actions_row)
        outer.addLayout(head)
        self.readonly_banner = Banner("readOnlyBanner", self)
        self.readonly_banner.triggered.connect(self._ask_change)
        self.busy_banner = Banner("busyBanner", self)
        self.busy_banner.triggered.connect(self.retry)
        outer.addWidget(self.readonly_banner)
        outer.addWidget(self.busy_banner)
        self.filters = QHBoxLayout()
        outer.addLayout(self.filters)
        self.model = LazyTableModel(session, columns, rows_fn, page_size=100, noun=self.noun,
                                    parent=self)
        self.table = QTableView(self)
        self.table.setObjectName(f"{self.noun}Table")
        self.table.setAccessibleName(title)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        vh = self.table.verticalHeader()
        vh.hide()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(26)
        hh = self.table.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setStretchLastSection(True)
        hh.setSortIndicatorShown(True)
        hh.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        hh.setSectionsClickable(True)
        hh.sectionClicked.connect(self._header_clicked)
        for i, column in enumerate(columns):
            if column.width:
                self.table.setColumnWidth(i, column.width)
        outer.addWidget(self.table, 1)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self.update_buttons())
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.model.idsReplaced.connect(self._show_count)
        self.model.idsCompleted.connect(lambda _n: self._show_count())
        self.model.loadFailed.connect(self._load_failed)
        self.model.pageLoaded.connect(lambda *_a: self.busy_banner.hide())
        self.reload_later = Debounce(FILTER_MS, self.reload, self)
        session.changed.connect(self._changed)
        session.writingChanged.connect(lambda _w: self.update_buttons())

    def button(self, name: str, text: str, tip: str, slot: Any) -> QPushButton:
        b = QPushButton(text, self)
        b.setObjectName(name)
        b.setToolTip(tip)
        b.setMinimumHeight(30)
        b.clicked.connect(slot)
        self.actions_row.addWidget(b)
        return b

    # ---- what the subclasses say ---------------------------------------------------------

    def load_ids(self) -> None:
        """Start the id read for the current filters and sort (subclasses)."""
        raise NotImplementedError

    def filter_words(self) -> str:
        return ""

    def edit_selected(self) -> None:
        """Open the selected row's form (subclasses)."""

    def edit_buttons(self) -> list[QPushButton]:
        return []

    def row_buttons(self) -> list[QPushButton]:
        """Buttons that need a selected row."""
        return []

    # ---- following the session -----------------------------------------------------------

    def _changed(self, what: Change) -> None:
        if what & (Change.DATABASE | Change.STATUS):
            self.show_editability()
        if what & Change.DATABASE:
            self._loaded_for = None
            if self.isVisible() and self.session.is_open:
                self.reload()
        elif what & Change.DATA:
            self.refresh_visible()
        self.update_buttons()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        path = str(self.session.path) if self.session.path else None
        if path is not None and self._loaded_for != path:
            self.reload()
        elif self._stale:            # rows changed while hidden: the ones shown, read again
            self._stale = False
            self.refresh_visible()

    def reload(self) -> None:
        if self.session.path is None:
            return
        self._loaded_for, self._stale = str(self.session.path), False
        self.busy_banner.hide()
        self.count_label.setText(f"Reading the {self.noun}…")
        self.load_ids()

    def refresh_visible(self) -> None:
        """Re-read the rows on screen (another editor changed data): in place."""
        if not self.isVisible():
            self._stale = True
            return
        first = max(0, self.table.rowAt(0))
        last = self.table.rowAt(self.table.viewport().height() - 1)
        last = self.model.rowCount() - 1 if last < 0 else last
        ids = [self.model.id_at(r) for r in range(first, min(last + 1, first + 200))]
        self.model.refresh_rows(ids)

    def after_edit(self, result: Any) -> None:
        """An edit said what changed: re-read those rows, or the ids when rows came or went."""
        change = result.change
        if change.created is not None or change.deleted is not None:
            self.reload()
        elif change.refresh_all:
            self.model.forget_rows()
        else:
            self.model.refresh_rows(list(self.changed_ids(change)))

    def changed_ids(self, change: Any) -> Sequence[int]:
        return ()

    def show_editability(self) -> None:
        ed = editability_for(self.session.status)
        was = self.editable
        self.editable = ed is not None and ed.editable
        if was != self.editable and self._loaded_for is not None:
            self._loaded_for = None           # upgraded (or rolled back): read it all again
            if self.isVisible():
                self.reload()
        if ed is None or ed.editable:
            self.readonly_banner.hide()
        else:
            words = ACTION_WORDS.get(ed.action or "", "")
            self.readonly_banner.show_message(
                f"<b>Read-only.</b> {html.escape(ed.reason[:1].upper() + ed.reason[1:])}.",
                "warning", words)
            self._action = ed.action
        self.update_buttons()

    def _ask_change(self) -> None:
        action = getattr(self, "_action", None)
        if action:
            self.changeRequested.emit(action)

    def _load_failed(self, exc: BaseException) -> None:
        message, hint = error_text(exc)
        if getattr(exc, "editability", None) is not None:       # nothing to show below 001
            self.count_label.setText(f"No {self.noun} to show")
            ed = exc.editability  # type: ignore[attr-defined]
            words = html.escape(message[:1].upper() + message[1:].rstrip("."))
            self.readonly_banner.show_message(f"<b>Read-only.</b> {words}.", "warning",
                                              ACTION_WORDS.get(ed.action or "", ""))
            self._action = ed.action
            return
        if getattr(exc, "field", None) is not None:
            self.filter_failed(message)
            return
        self.count_label.setText(f"Could not read the {self.noun}")
        self.busy_banner.show_message(f"<b>Could not read the {self.noun}:</b> "
                                      f"{html.escape(message)}"
                                      + (f" — {html.escape(hint)}" if hint else ""),
                                      "danger", "Retry")

    def filter_failed(self, message: str) -> None:
        self.count_label.setText(message)

    def retry(self) -> None:
        self.busy_banner.hide()
        if not self.model.complete or self.model.rowCount() == 0:
            self.reload()
        else:
            self.model.retry()

    def _header_clicked(self, section: int) -> None:
        key = self.model.columns[section].key
        hh = self.table.horizontalHeader()
        if key not in self.sortable:
            current = next((i for i, c in enumerate(self.model.columns)
                            if c.key == self.sort_key), 0)
            hh.setSortIndicator(current, Qt.SortOrder.DescendingOrder if self.descending
                                else Qt.SortOrder.AscendingOrder)
            return
        self.descending = key == self.sort_key and not self.descending
        self.sort_key = key
        hh.setSortIndicator(section, Qt.SortOrder.DescendingOrder if self.descending
                            else Qt.SortOrder.AscendingOrder)
        self.reload()

    def _show_count(self) -> None:
        n = self.model.rowCount()
        words = self.filter_words()
        if not self.model.complete:
            self.count_label.setText(f"Counting the {self.noun}…" + words)
        else:
            self.count_label.setText(plural(n, self.noun.rstrip("s")) + words)
        self.update_buttons()

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.model.row_at(rows[0].row()) is None:
            return None
        return self.model.id_at(rows[0].row())

    def select_id(self, key: int) -> bool:
        at = self.model.row_of(key)
        if at >= 0:
            self.table.selectRow(at)
            self.table.scrollTo(self.model.index(at, 0))
        return at >= 0

    def update_buttons(self) -> None:
        can_edit = self.editable and self.session.is_open and not self.session.writing
        for b in self.edit_buttons():
            b.setEnabled(can_edit)
        has_row = self.selected_id() is not None
        for b in self.row_buttons():
            b.setEnabled(can_edit and has_row)
        tip = "" if self.editable else "Read-only: see the banner above"
        for b in self.edit_buttons() + self.row_buttons():
            b.setStatusTip(tip)
