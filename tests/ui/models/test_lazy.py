"""The lazy table model: ids from SQL, pages from the session's worker, placeholders,
filters that replace ids not rows, edits in place — under QAbstractItemModelTester, and
with a 1,000,000-row id list."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from wsadmin.db.common.errors import DatabaseLocked
from wsadmin.db.schema.demo import build_demo
from wsadmin.ui.models.lazy import LOADING, MAX_WANTED_PAGES, Column, LazyTableModel
from wsadmin.ui.session import Session

Mode = QAbstractItemModelTester.FailureReportingMode


@dataclass(frozen=True)
class Item:
    id: int
    name: str


COLUMNS = [Column("id", "Id", lambda r: r.id, numeric=True),
           Column("name", "Name", lambda r: r.name)]


def make_items(path: Path, n: int) -> Path:
    """A head demo database whose n users are the items: username `item NNNNN`, shuffled."""
    build_demo(path, users=n, state="head")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE users SET username = printf('item %05d', (id * 7919) % ?)", (n,))
    conn.commit()
    conn.close()
    return path


class Reads:
    """The worker's functions, counting what they were asked (any thread)."""

    def __init__(self) -> None:
        self.rows_asked: list[list[int]] = []
        self.fail_next = 0
        self.lock = threading.Lock()

    def rows(self, path: str, ids: Sequence[int]) -> list[Item]:
        with self.lock:
            self.rows_asked.append(list(ids))
            if self.fail_next:
                self.fail_next -= 1
                raise DatabaseLocked(f"{path} is locked by another program")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            marks = ",".join("?" * len(ids))
            got = {i: Item(i, n) for i, n in conn.execute(
                f"SELECT id, username FROM users WHERE id IN ({marks})", list(ids))}
        finally:
            conn.close()
        return [got[i] for i in ids if i in got]

    @staticmethod
    def ids(path: str, text: str = "", desc: bool = False, *, limit: int | None = None
            ) -> array[int]:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            sql = ("SELECT id FROM users WHERE username LIKE ? ORDER BY username"
                   + (" DESC" if desc else "") + ", id" + (f" LIMIT {limit}" if limit else ""))
            return array("q", [r[0] for r in conn.execute(sql, (f"%{text}%",))])
        finally:
            conn.close()

    @property
    def rows_read(self) -> int:
        return sum(len(a) for a in self.rows_asked)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_items(tmp_path_factory.mktemp("lazy") / "items.db", 1_000)


@pytest.fixture
def db(tmp_path: Path, built: Path) -> Path:
    return Path(shutil.copyfile(built, tmp_path / "items.db"))


@pytest.fixture
def session(qtbot: QtBot, db: Path) -> Iterator[Session]:
    s = Session(None, watch_files=False)
    with qtbot.waitSignal(s.opened, timeout=10_000):
        s.open(db)
    s.settle()
    yield s
    s.settle()
    assert s.close()
    s.shutdown()


def model_for(session: Session, reads: Reads, page: int = 100) -> LazyTableModel:
    model = LazyTableModel(session, COLUMNS, reads.rows, page_size=page, noun="items")
    model.tester = QAbstractItemModelTester(model, Mode.Warning)   # Qt warnings fail tests
    return model


def text(model: LazyTableModel, row: int, col: int = 1) -> str:
    return model.data(model.index(row, col))


def test_load_shows_the_first_page_then_extends_it_in_place(qtbot: QtBot, session: Session,
                                                            db: Path) -> None:
    reads = Reads()
    model = model_for(session, reads)
    selection = QItemSelectionModel(model)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    gate = threading.Event()

    def gated(path: str, *, limit: int | None = None) -> array[int]:
        if limit is None:
            gate.wait(10)               # every id only once the test has looked
        return Reads.ids(path, limit=limit)

    with qtbot.waitSignal(model.idsReplaced, timeout=10_000):
        model.load(gated)
    assert model.rowCount() == 100 and not model.complete
    assert text(model, 0) == "item 00000"
    selection.select(model.index(5, 0), QItemSelectionModel.SelectionFlag.Rows
                     | QItemSelectionModel.SelectionFlag.Select)
    with qtbot.waitSignal(model.idsCompleted, timeout=10_000) as done:
        gate.set()
    assert done.args == [1_000]
    assert model.rowCount() == 1_000 and inserted == [(100, 999)]
    assert [i.row() for i in selection.selectedRows()] == [5]      # no reset: kept
    assert list(model.ids) == list(Reads.ids(str(db)))
    assert reads.rows_read == 100


def test_placeholder_until_the_page_arrives_then_the_row(qtbot: QtBot, session: Session,
                                                        db: Path) -> None:
    reads = Reads()
    model = model_for(session, reads)
    model.set_ids(Reads.ids(str(db)))
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))
    assert model.data(model.index(550, 0)) == LOADING
    assert model.data(model.index(550, 1)) == ""
    assert model.data(model.index(550, 0), Qt.ItemDataRole.ForegroundRole) is not None
    assert model.row_at(550) is None
    loaded: list[tuple[int, int]] = []
    model.pageLoaded.connect(lambda a, n: loaded.append((a, n)))
    qtbot.waitUntil(lambda: model.row_at(550) is not None, timeout=10_000)
    assert (500, 100) in loaded and (500, 599) in changed
    want = model.id_at(550)
    assert text(model, 550) == f"item {(want * 7919) % 1000:05d}"
    assert model.row_at(550) == Item(want, text(model, 550))
    # page 5, and page 0 that the model tester looked at: nothing else
    assert sorted(k for a in reads.rows_asked for k in a) == sorted(
        [*model.ids[0:100], *model.ids[500:600]])


def test_a_fast_scroll_reads_only_the_pages_asked_for_last(qtbot: QtBot, session: Session,
                                                          db: Path) -> None:
    reads = Reads()
    model = model_for(session, reads, page=10)
    model.set_ids(Reads.ids(str(db)))
    for row in range(0, 1_000, 10):            # 100 pages passed in one turn of the loop
        model.data(model.index(row, 0))
    qtbot.waitUntil(lambda: model.data(model.index(990, 0)) != LOADING, timeout=10_000)
    session.settle()
    qtbot.wait(50)
    session.settle()
    asked = {i // 10 for ids in reads.rows_asked for i in
             (model.row_of(k) for k in ids)}
    # the last pages; page 0 is the model tester's own look at the first row
    assert asked - {0} == set(range(100 - MAX_WANTED_PAGES, 100))
    assert model.data(model.index(10, 1)) == ""             # scrolled past: still waiting
    model.data(model.index(10, 0))                           # the view comes back to it
    qtbot.waitUntil(lambda: model.data(model.index(10, 1)) != "", timeout=10_000)


def test_a_filter_replaces_the_ids_not_the_rows(qtbot: QtBot, session: Session,
                                                db: Path) -> None:
    reads = Reads()
    model = model_for(session, reads)
    with qtbot.waitSignal(model.idsCompleted, timeout=10_000):
        model.load(reads.ids)
    model.data(model.index(550, 0))
    qtbot.waitUntil(lambda: model.row_at(550) is not None, timeout=10_000)
    session.settle()
    read_before = reads.rows_read
    subset = model.ids[500:600][::-1]          # another filter and order over read rows
    model.set_ids(subset)
    assert [text(model, r) for r in range(100)] == [
        f"item {(k * 7919) % 1000:05d}" for k in subset]           # at once: no placeholder
    session.settle()
    assert reads.rows_read == read_before                            # and nothing read

    with qtbot.waitSignal(model.idsCompleted, timeout=10_000):
        model.load(reads.ids, "item 0000")
    assert [text(model, r) for r in range(model.rowCount())] == [
        f"item {i:05d}" for i in range(10)]
    with qtbot.waitSignal(model.idsCompleted, timeout=10_000):
        model.load(reads.ids, "", True)                 # sorted the other way
    assert text(model, 0) == "item 00999" and model.rowCount() == 1_000
    session.settle()


def test_no_quick_first_page_waits_for_every_id(qtbot: QtBot, session: Session,
                                               db: Path) -> None:
    reads = Reads()
    model = model_for(session, reads)
    with qtbot.waitSignal(model.idsCompleted, timeout=10_000):
        model.load(reads.ids)
    replaced: list[int] = []
    model.idsReplaced.connect(lambda: replaced.append(model.rowCount()))

    def slow_first(path: str, text: str, *, limit: int | None = None) -> array[int] | None:
        return None if limit is not None else Reads.ids(path, text)

    with qtbot.waitSignal(model.idsCompleted, timeout=10_000):
        model.load(slow_first, "item 0001")
    assert replaced == [0]                # the old filter's rows go at once...
    assert model.rowCount() == 10         # ...and every id comes in (inserted) with the rest
    assert [text(model, r) for r in range(10)] == [f"item {i:05d}" for i in range(10, 20)]
    session.settle()


def test_a_newer_load_wins(qtbot: QtBot, session: Session) -> None:
    reads = Reads()
    model = model_for(session, reads)
    gate = threading.Event()
    from wsadmin.ui.ops.op import DbOp

    session.run(DbOp(gate.wait, 10, label="hold the worker").quiet())
    model.load(reads.ids, "item 001")
    model.load(reads.ids, "item 0002")
    gate.set()
    qtbot.waitUntil(lambda: model.complete and model.rowCount() == 10, timeout=10_000)
    session.settle()
    assert [text(model, r) for r in range(10)] == [f"item {i:05d}" for i in range(20, 30)]
    assert len(reads.rows_asked) == 1          # the first load never ran


def test_an_edit_updates_its_row_in_place(qtbot: QtBot, session: Session, db: Path) -> None:
    reads = Reads()
    model = model_for(session, reads)
    with qtbot.waitSignal(model.idsCompleted, timeout=10_000):
        model.load(reads.ids)
    resets: list[bool] = []
    changed: list[tuple[int, int, int, int]] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.dataChanged.connect(lambda a, b: changed.append((a.row(), a.column(), b.row(),
                                                           b.column())))
    key = model.id_at(7)
    assert model.update_rows([Item(key, "renamed")]) == 1
    assert text(model, 7) == "renamed" and changed == [(7, 0, 7, 1)] and not resets
    conn = sqlite3.connect(db)
    conn.execute("UPDATE users SET username = 'from disk' WHERE id = ?", (key,))
    conn.execute("DELETE FROM users WHERE id = ?", (model.id_at(8),))
    conn.commit()
    conn.close()
    gone = model.id_at(8)
    op = model.refresh_rows([key, gone])
    assert op is not None
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    assert text(model, 7) == "from disk"
    assert model.data(model.index(8, 0)) == "(deleted)" and model.row_at(8) is None
    assert not resets


def test_a_busy_database_shows_why_and_retry_reads_again(qtbot: QtBot, session: Session,
                                                         db: Path) -> None:
    reads = Reads()
    model = model_for(session, reads)
    model.set_ids(Reads.ids(str(db)))
    reads.fail_next = 1
    with qtbot.waitSignal(model.loadFailed, timeout=10_000) as failed:
        model.data(model.index(0, 0))
    assert isinstance(failed.args[0], DatabaseLocked)
    assert model.data(model.index(0, 0)).startswith("Could not read: ")
    assert "locked by another program" in model.data(model.index(0, 0))
    session.settle()
    qtbot.wait(20)
    assert len(reads.rows_asked) == 1           # a failed page is not read in a loop
    model.retry()
    model.data(model.index(0, 0))
    qtbot.waitUntil(lambda: model.row_at(0) is not None, timeout=10_000)
    assert model.error is None


def million(qtbot: QtBot, session: Session, made: list[int]) -> LazyTableModel:
    def synthetic(_path: str, ids: Sequence[int]) -> list[Item]:
        made.extend(ids)
        return [Item(i, f"user {i}") for i in ids]

    return LazyTableModel(session, COLUMNS, synthetic, page_size=200)


def test_a_million_ids_in_a_view(qtbot: QtBot, session: Session) -> None:
    made: list[int] = []
    model = million(qtbot, session, made)
    view = QTableView()
    qtbot.addWidget(view)
    view.verticalHeader().setSectionResizeMode(view.verticalHeader().ResizeMode.Fixed)
    view.setModel(model)
    view.resize(600, 400)
    view.show()
    qtbot.waitExposed(view)
    started = time.perf_counter()
    model.set_ids(array("q", range(1, 1_000_001)))
    took = time.perf_counter() - started
    assert model.rowCount() == 1_000_000 and took < 2.0, took       # ~0.2 s here
    qtbot.waitUntil(lambda: model.row_at(0) is not None, timeout=10_000)
    assert model.data(model.index(0, 1)) == "user 1"
    view.scrollToBottom()
    qtbot.waitUntil(lambda: model.row_at(999_999) is not None, timeout=10_000)
    assert model.data(model.index(999_999, 1)) == "user 1000000"
    assert len(made) <= 3 * 200                  # the pages shown, none of those between
    assert model.row_of(1_000_000) == 999_999 and model.row_of(500_000) == 499_999
    changed: list[int] = []
    model.dataChanged.connect(lambda a, _b: changed.append(a.row()))
    assert model.update_rows([Item(500_000, "edited")]) == 1
    assert changed == [499_999] and model.data(model.index(499_999, 1)) == "edited"
    session.settle()


@pytest.mark.slow
def test_a_million_ids_under_the_model_tester(qtbot: QtBot, session: Session) -> None:
    """The tester walks every row after each reset (~100 s for a million)."""
    made: list[int] = []
    model = million(qtbot, session, made)
    tester = QAbstractItemModelTester(model, Mode.Warning)
    model.set_ids(array("q", range(1, 1_000_001)))
    qtbot.waitUntil(lambda: model.row_at(0) is not None, timeout=60_000)
    model.data(model.index(999_999, 0))
    qtbot.waitUntil(lambda: model.row_at(999_999) is not None, timeout=60_000)
    assert model.update_rows([Item(999_999, "edited")]) == 1
    assert model.data(model.index(999_998, 1)) == "edited"
    del tester
    session.settle()
