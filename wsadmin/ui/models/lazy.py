"""A table over a big SQL table: the ids of the current filter and sort, rows by page.

Anki's browser table (READING.md 12) with one difference: pages come from the
session's worker, never from the GUI thread (DESIGN.md "Lazy models").

* `load(ids_fn, *args)` asks the worker for the ids of a filter and sort in two
  steps: the first page's ids with their rows (one round trip: the view shows
  rows at once), then, once that is painted, every id (an `array('q')`: 8 MB for
  a million). The full list extends the first page in place (rows inserted, the
  selection kept) or, if the database changed in between, replaces it. A newer
  `load` supersedes an older one: its queued reads are dropped, late answers ignored.
* `rowCount` is the length of the id list; `data` for a row whose page has not
  arrived shows a placeholder and asks for the page. Requests are gathered for
  one turn of the event loop and only the pages asked for last are read (a fast
  scroll does not queue every page it passed), one read in flight at a time.
* Rows are cached by id, not by position: a new filter replaces the id list,
  not the rows, so rows already read show at once under any filter or sort.
* `update_rows(rows)` (an edit said what changed) replaces rows in place:
  `dataChanged` for their positions, never a reset.
* A read that fails (a busy database) marks its pages failed and says why
  (`loadFailed`); `retry()` asks again.

`rows_fn(path, ids)` and `ids_fn(path, *args, limit=None)` run on the worker
(wsadmin.ui.ops functions); rows have an `id`. `sort()` emits `sortRequested`
(the view loads the ids in that order).
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from wsadmin.ui.models.cells import Column, column_text
from wsadmin.ui.ops.core import Cancelled
from wsadmin.ui.ops.editors import first_page
from wsadmin.ui.ops.op import Change, DbOp
from wsadmin.ui.session import Session

_ROOT = QModelIndex()
Index = QModelIndex | QPersistentModelIndex
RowsFn = Callable[[str, Sequence[int]], Sequence[Any]]
IdsFn = Callable[..., Sequence[int] | None]

LOADING = "Loading…"
__all__ = ["LOADING", "Column", "IdsFn", "LazyTableModel", "RowsFn"]

GONE = object()                 # a row that no longer exists (deleted meanwhile)
PLACEHOLDER = QColor("#9e9e9e")
MAX_WANTED_PAGES = 6            # pages asked for last; older wishes were scrolled past
PAGES_PER_READ = 3
REST_AFTER_MS = 50              # the first page's paint first (see `load`)


class LazyTableModel(QAbstractTableModel):
    idsReplaced = Signal()            # a new id list (reset): the first page is in
    idsCompleted = Signal(int)        # every id of the current filter is in (how many)
    pageLoaded = Signal(int, int)     # first row, rows
    loadFailed = Signal(object)       # the exception of a read

    sortRequested = Signal(str, bool)  # column key, descending

    def __init__(self, session: Session, columns: Sequence[Column], rows_fn: RowsFn, *,
                 page_size: int = 100, cache_rows: int = 50_000, noun: str = "rows",
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.session = session
        self.columns = list(columns)
        self.rows_fn = rows_fn
        self.page_size = page_size
        self.cache_rows = max(cache_rows, page_size * MAX_WANTED_PAGES * 2)
        self.noun = noun
        self.ids: array[int] = array("q")
        self.complete = True              # the id list is the whole result
        self.generation = 0               # bumped by every new id list or load
        self.error: BaseException | None = None
        self._cache: OrderedDict[int, Any] = OrderedDict()
        self._pos: dict[int, int] = {}     # id -> row, for rows read under this generation
        self._wanted: OrderedDict[int, None] = OrderedDict()
        self._asked: set[int] = set()      # pages read or being read, this generation
        self._failed: dict[int, str] = {}  # page -> why
        self._reading: DbOp[Any] | None = None
        self._loads: list[DbOp[Any]] = []
        self._flush_queued = False
        session.changed.connect(self._changed)

    def _changed(self, what: Change) -> None:
        if what & Change.DATABASE:          # another database, or none: nothing of this one
            self._cache.clear()
            self.set_ids(array("q"))

    # ---- the id list ----------------------------------------------------------------------

    def load(self, ids_fn: IdsFn, *args: Any, label: str = "") -> int:
        """Read the ids of a filter and sort on the worker (see the module docstring).
        Returns the load's generation (`generation` equals it while it is current)."""
        for op in self._loads:
            op.cancel()              # queued: dropped; running: its answer is ignored
        self._loads = []
        self.generation += 1
        gen = self.generation
        path = self._path()
        if path is None:
            return gen
        self.complete = False            # until this load's last id is in
        self.error = None                # or until it fails
        what = label or f"Read the {self.noun}"
        head: DbOp[Any] = DbOp(first_page, ids_fn, self.rows_fn, path, args, self.page_size,
                               label=f"{what} (first page)")
        # Every id only once the first page is painted: that read takes the GIL row by row
        # for up to a second (a million rows through Python), and the paint would crawl.
        def arrived(got: tuple[Sequence[int], Sequence[Any]] | None) -> None:
            self._first_arrived(gen, got)
            QTimer.singleShot(REST_AFTER_MS,
                              lambda: self._read_rest(gen, ids_fn, path, args, what))

        self._run_load(gen, head.success(arrived))
        return gen

    def _run_load(self, gen: int, op: DbOp[Any]) -> None:
        op.quiet().failure(partial(self._load_failed, gen)).ended(self._load_ended)
        self._loads.append(op)
        self.session.run(op)

    def _read_rest(self, gen: int, ids_fn: IdsFn, path: str, args: tuple[Any, ...],
                   what: str) -> None:
        if gen != self.generation or self.complete or self._path() != path:
            return
        rest: DbOp[Any] = DbOp(ids_fn, path, *args, label=what)
        self._run_load(gen, rest.success(lambda ids: self._all_arrived(gen, ids)))

    def _load_ended(self, op: DbOp[Any]) -> None:
        if op in self._loads:
            self._loads.remove(op)

    def set_ids(self, ids: Sequence[int]) -> None:
        """Replace the id list (a reset; a load under way is dropped); cached rows stay."""
        for op in self._loads:
            op.cancel()
        self._loads = []
        self.generation += 1
        self._reset(ids, complete=True)

    def _reset(self, ids: Sequence[int], *, complete: bool) -> None:
        self.beginResetModel()
        self.ids = ids if isinstance(ids, array) else array("q", ids)
        self.complete = complete
        self._pos.clear()
        self._wanted.clear()
        self._asked.clear()
        self._failed.clear()
        self.error = None
        self.endResetModel()
        self.idsReplaced.emit()

    def _first_arrived(self, gen: int, got: tuple[Sequence[int], Sequence[Any]] | None
                       ) -> None:
        if gen != self.generation:
            return
        if got is None:                # no quick first page: nothing shown until every id
            self._reset(array("q"), complete=False)
            return
        ids, rows = got
        self._remember(rows, ids)
        self._reset(ids, complete=len(ids) < self.page_size)
        for i, key in enumerate(self.ids):
            self._pos[key] = i
        self._asked.add(0)
        if self.complete:
            self.idsCompleted.emit(len(self.ids))

    def _all_arrived(self, gen: int, got: Sequence[int]) -> None:
        if gen != self.generation:
            return
        ids = got if isinstance(got, array) else array("q", got)
        have = len(self.ids)
        if len(ids) >= have and ids[:have] == self.ids:
            if len(ids) > have:        # the first page's rows stay, and the selection
                self.beginInsertRows(_ROOT, have, len(ids) - 1)
                self.ids = ids
                self.complete = True
                self.endInsertRows()
        else:                           # the database changed between the two reads
            self._reset(ids, complete=True)
        self.complete = True
        self.idsCompleted.emit(len(ids))

    def _load_failed(self, gen: int, exc: BaseException) -> None:
        if gen == self.generation and not isinstance(exc, Cancelled):
            self.error = exc
            self.loadFailed.emit(exc)

    def _path(self) -> str | None:
        return str(self.session.path) if self.session.path is not None else None

    # ---- rows ----------------------------------------------------------------------------

    def id_at(self, row: int) -> int:
        return int(self.ids[row])

    def row_at(self, row: int) -> Any | None:
        """The row at `row` if it has been read (None while loading or if it is gone)."""
        found = self._cache.get(self.ids[row])
        return None if found is None or found is GONE else found

    def row_of(self, key: int) -> int:
        """The position of id `key` in the current list, or -1."""
        at = self._pos.get(key)
        if at is not None and at < len(self.ids) and self.ids[at] == key:
            return at
        try:
            return self.ids.index(key)
        except ValueError:
            return -1

    def loaded_rows(self) -> list[int]:
        """Positions whose rows are read (what the view can show besides placeholders)."""
        return [i for i, key in enumerate(self.ids) if key in self._cache] \
            if len(self.ids) <= 100_000 else sorted(
                at for key, at in self._pos.items() if key in self._cache)

    def _rows_changed(self, first: int, last: int) -> None:
        if 0 <= first <= last:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

    def update_rows(self, rows: Iterable[Any]) -> int:
        """Rows an edit changed, in place (cache and `dataChanged`); returns how many of
        them are in the current list."""
        shown = 0
        for row in rows:
            self._cache[row.id] = row
            at = self.row_of(row.id)
            if at >= 0:
                shown += 1
                self._pos[row.id] = at
                self._rows_changed(at, at)
        return shown

    def refresh_rows(self, ids: Sequence[int]) -> DbOp[Any] | None:
        """Read these rows again on the worker and update them in place (gone ones too)."""
        path = self._path()
        if path is None or not ids:
            return None
        wanted = list(ids)
        op: DbOp[Any] = DbOp(self.rows_fn, path, wanted, label=f"Read {self.noun} again")

        def arrived(rows: Sequence[Any]) -> None:
            self._remember(rows, wanted)
            for key in wanted:
                at = self.row_of(key)
                self._rows_changed(at, at)

        return self.session.run(op.quiet().success(arrived))

    def forget_rows(self) -> None:
        """Drop every cached row (many changed): visible rows are read again."""
        self._cache.clear()
        self._asked.clear()
        self._failed.clear()
        self._rows_changed(0, len(self.ids) - 1)

    def retry(self) -> None:
        """Read again the pages that failed (the view repaints, asking for them)."""
        self._asked -= set(self._failed)
        self._failed.clear()
        self.error = None
        self._rows_changed(0, len(self.ids) - 1)

    def _remember(self, rows: Sequence[Any], asked: Sequence[int]) -> None:
        got = set()
        for row in rows:              # rows may be any iterable: one pass
            self._cache[row.id] = row
            got.add(row.id)
        self._cache.update((key, GONE) for key in asked if key not in got)
        while len(self._cache) > self.cache_rows:
            self._cache.popitem(last=False)

    def _want(self, page: int) -> None:          # pages: asked for by `data`, read in turns
        if page in self._asked or page in self._failed:
            return
        self._wanted[page] = None
        self._wanted.move_to_end(page)
        while len(self._wanted) > MAX_WANTED_PAGES:
            self._wanted.popitem(last=False)
        if not self._flush_queued:
            self._flush_queued = True
            QTimer.singleShot(0, self._flush)

    def _flush(self) -> None:
        self._flush_queued = False
        path = self._path()
        if self._reading is not None or not self._wanted or path is None:
            return
        pages = list(self._wanted)[-PAGES_PER_READ:]
        for page in pages:
            del self._wanted[page]
            self._asked.add(page)
        gen = self.generation
        spans = [(p, p * self.page_size, min(len(self.ids), (p + 1) * self.page_size))
                 for p in pages]
        ids = [self.ids[i] for _p, a, b in spans for i in range(a, b)]
        op: DbOp[Any] = DbOp(self.rows_fn, path, ids,
                             label=f"Read {len(ids):,} {self.noun}")
        op.quiet().success(lambda rows: self._page_arrived(gen, spans, ids, rows))
        op.failure(lambda exc: self._page_failed(gen, spans, exc))
        op.ended(lambda _op: self._read_ended())
        self._reading = op
        self.session.run(op)

    def _read_ended(self) -> None:
        self._reading = None
        if self._wanted:
            self._flush()

    def _page_arrived(self, gen: int, spans: list[tuple[int, int, int]], ids: list[int],
                      rows: Sequence[Any]) -> None:
        self._remember(rows, ids)
        if gen != self.generation:
            return
        for _page, a, b in spans:
            if b > a:
                self._pos.update((self.ids[i], i) for i in range(a, b))
                self._rows_changed(a, b - 1)
                self.pageLoaded.emit(a, b - a)

    def _page_failed(self, gen: int, spans: list[tuple[int, int, int]],
                     exc: BaseException) -> None:
        if gen != self.generation:
            return
        why = exc.one_line() if hasattr(exc, "one_line") else str(exc)
        for page, a, b in spans:
            self._asked.discard(page)
            if not isinstance(exc, Cancelled):
                self._failed[page] = why
                self._rows_changed(a, b - 1)
        if not isinstance(exc, Cancelled):
            self.error = exc
            self.loadFailed.emit(exc)

    # ---- Qt's model interface ------------------------------------------------------------

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section].tip or None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        row = self._cache.get(self.ids[r])
        col = self.columns[c]
        if row is None:
            page = r // self.page_size
            if role == Qt.ItemDataRole.DisplayRole:
                if page in self._failed:
                    return "Could not read: " + self._failed[page] if c == 0 else ""
                self._want(page)
                return LOADING if c == 0 else ""
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(PLACEHOLDER)
            return None
        if row is GONE:
            if role == Qt.ItemDataRole.DisplayRole:
                return "(deleted)" if c == 0 else ""
            return QBrush(PLACEHOLDER) if role == Qt.ItemDataRole.ForegroundRole else None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return column_text(col.get(row))
        if role == Qt.ItemDataRole.TextAlignmentRole and col.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(self.columns):
            self.sortRequested.emit(self.columns[column].key,
                                    order == Qt.SortOrder.DescendingOrder)

