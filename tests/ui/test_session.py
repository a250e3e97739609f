"""The session: one open database, `changed` after every operation, `settle()`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.builders import execute
from tests.ui.helpers import add_user
from wsadmin.db.common.errors import DatabaseLocked
from wsadmin.ui.ops.op import Change, DbOp
from wsadmin.ui.session import Session
from wsadmin.ui.settings import Settings

DemoDb = Callable[..., Path]


@pytest.fixture
def session(qtbot: QtBot) -> Session:
    s = Session(Settings(), watch_files=False)
    yield s
    try:
        s.settle(20_000)
    finally:
        s.close()
        s.shutdown()
        s.settle(5000)


def opened(session: Session, qtbot: QtBot, path: Path) -> None:
    with qtbot.waitSignal(session.opened, timeout=10_000):
        session.open(path)
    session.settle()


def test_a_write_emits_what_it_changed_once_the_state_is_read_again(
        session: Session, qtbot: QtBot, demo_db: DemoDb) -> None:
    db = demo_db("head", users=10)
    opened(session, qtbot, db)
    seen: list[tuple[Change, str]] = []
    session.changed.connect(lambda what: seen.append(
        (what, session.status.counts["users"] if session.status else "")))
    writing: list[bool] = []
    session.writingChanged.connect(writing.append)

    def add_one() -> None:
        execute(db, add_user(9001))

    op = session.run(DbOp(add_one, label="Add a user", changes=Change.STATUS))
    assert session.writing and writing == [True]
    session.settle()
    assert op.ok and writing == [True, False]
    assert seen == [(Change.STATUS | Change.AUDIT, 11)], \
        "one `changed`, after the status was read again"


def test_a_read_changes_nothing(session: Session, qtbot: QtBot, demo_db: DemoDb) -> None:
    opened(session, qtbot, demo_db("head", users=3))
    seen: list[object] = []
    session.changed.connect(seen.append)
    op = session.run(DbOp(lambda: 42, label="Read"))
    session.settle()
    assert op.result == 42 and seen == [] and not session.writing


def test_a_failure_nobody_handles_is_reported(session: Session, qtbot: QtBot,
                                              demo_db: DemoDb) -> None:
    opened(session, qtbot, demo_db("head", users=3))
    reported: list[BaseException] = []
    session.errorOccurred.connect(lambda exc, _title: reported.append(exc))

    def locked() -> None:
        raise DatabaseLocked("db is busy")

    session.run(DbOp(locked, label="Handled")).failure(lambda _exc: None)
    session.run(DbOp(locked, label="Not handled"))
    session.settle()
    assert [type(e) for e in reported] == [DatabaseLocked]


def test_settle_delivers_without_an_event_loop_and_times_out_honestly(
        session: Session, qtbot: QtBot, demo_db: DemoDb) -> None:
    opened(session, qtbot, demo_db("head", users=3))
    gate = threading.Event()
    results: list[object] = []
    session.run(DbOp(gate.wait, 10, label="Blocked")).success(results.append)
    with pytest.raises(TimeoutError, match="Blocked"):
        session.settle(100)
    gate.set()
    session.settle()
    assert results == [True] and not session.busy


def test_closing_clears_the_state_and_says_so(session: Session, qtbot: QtBot,
                                              demo_db: DemoDb) -> None:
    opened(session, qtbot, demo_db("head", users=3))
    assert session.catalog.loaded and session.status is not None
    seen: list[Change] = []
    session.changed.connect(seen.append)
    assert session.close()
    assert not session.is_open and session.status is None and session.path is None
    assert session.catalog.rows == () and not session.catalog.loaded
    assert seen and Change.DATABASE in seen[0]
    with pytest.raises(RuntimeError):
        session.run(DbOp(lambda: 1, label="too late"))
