"""Closing during an operation waits for it; the window stays responsive meanwhile."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from tests.ui.helpers import open_and_wait, table_counts
from wsadmin.db.migrate import pipeline
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.ops.op import DbOp
from wsadmin.ui.settings import Settings

DemoDb = Callable[..., Path]


def answer_close_question(qtbot: QtBot, button_text: str, seen: list[str]) -> None:
    """Click a button of the close question as soon as it is shown (it is modal)."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        for button in box.buttons():
            if button.text() == button_text:
                button.click()
                return
        raise AssertionError(f"no button {button_text!r}")

    QTimer.singleShot(0, click)


def blocking_job(gate: threading.Event, log: list[str]) -> str:
    log.append("started")
    gate.wait(20)
    log.append("finished")
    return "done"


def test_close_during_an_operation_waits_for_it(window: MainWindow, qtbot: QtBot,
                                               demo_db: DemoDb) -> None:
    open_and_wait(window, qtbot, demo_db("head"))
    gate, log, results = threading.Event(), [], []
    op = window.session.run(DbOp(blocking_job, gate, log, label="Upgrade to 002"))
    op.success(results.append)
    qtbot.waitUntil(lambda: log == ["started"], timeout=5000)
    asked: list[str] = []
    answer_close_question(qtbot, "Close when finished", asked)
    window.close()
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    assert "Upgrade to 002" in asked[0]
    qtbot.wait(200)
    assert window.isVisible(), "the window must stay while the operation runs"
    assert not op.done and log == ["started"], "the operation must not be interrupted"
    assert "Closing when" in window.status_bar.busy_label.text()
    gate.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert log == ["started", "finished"] and results == ["done"]
    assert not window.session.is_open and not window.session.busy_anywhere


def test_keep_working_cancels_the_close(window: MainWindow, qtbot: QtBot,
                                        demo_db: DemoDb) -> None:
    open_and_wait(window, qtbot, demo_db("head"))
    gate, log = threading.Event(), []
    window.session.run(DbOp(blocking_job, gate, log, label="Back up now"))
    qtbot.waitUntil(lambda: log == ["started"], timeout=5000)
    asked: list[str] = []
    answer_close_question(qtbot, "Keep working", asked)
    window.close()
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    gate.set()
    qtbot.waitUntil(lambda: log == ["started", "finished"], timeout=5000)
    window.session.settle()
    qtbot.wait(100)
    assert window.isVisible() and window.session.is_open


def test_quick_background_reads_delay_the_close_without_asking(
        window: MainWindow, qtbot: QtBot, demo_db: DemoDb) -> None:
    open_and_wait(window, qtbot, demo_db("head"))
    window.session.refresh()    # a few quick reads are queued now
    assert window.session.busy
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert QApplication.activeModalWidget() is None


def test_geometry_is_remembered(make_window: Callable[[], MainWindow], qtbot: QtBot) -> None:
    first = make_window()
    assert first.height() != 690
    first.resize(first.width(), 690)   # the offscreen screen is small: keep within it
    qtbot.waitUntil(lambda: first.height() == 690, timeout=2000)
    first.close()
    assert Settings().geometry() is not None
    second = make_window()
    assert second.height() == 690


def measure_timer_latency(qtbot: QtBot, until: Callable[[], bool], timeout_ms: int
                          ) -> tuple[float, int]:
    """Max gap between ticks of a 10 ms QTimer (beyond its interval) while waiting."""
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]
    worst = [0]
    ticks = [0]

    def tick() -> None:
        now = clock.elapsed()
        worst[0] = max(worst[0], now - last[0] - 10)
        last[0] = now
        ticks[0] += 1

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    try:
        qtbot.waitUntil(until, timeout=timeout_ms)
    finally:
        timer.stop()
    return worst[0], ticks[0]


def upgrade_latency(window: MainWindow, qtbot: QtBot, db: Path, timeout_ms: int
                    ) -> tuple[float, int, float]:

    open_and_wait(window, qtbot, db)
    steps: list[object] = []
    started = time.monotonic()
    op = window.session.run(DbOp(pipeline.run, str(db), "upgrade", "head",
                                 label="Back up and upgrade",
                                 backup_dir=str(db.parent / "backups")).progress(steps.append))
    worst, ticks = measure_timer_latency(qtbot, lambda: op.done, timeout_ms)
    assert op.ok, op.error
    print(f"\nupgrade of {db.name}: {time.monotonic() - started:.1f} s, "
          f"worst timer latency {worst} ms over {ticks} ticks")
    assert steps, "progress must reach the GUI thread during the upgrade"
    return worst, ticks, time.monotonic() - started


@pytest.mark.slow
def test_window_stays_responsive_during_an_upgrade(window: MainWindow, qtbot: QtBot,
                                                   demo_db: DemoDb) -> None:
    users = 60_000
    db = demo_db("legacy", users=users)
    worst, ticks, took = upgrade_latency(window, qtbot, db, 120_000)
    assert table_counts(db)["users"] == users
    assert worst < 100, f"the GUI thread froze for {worst} ms during the upgrade"
    assert ticks >= took * 1000 / 10 / 3, "the timer must keep firing throughout"


@pytest.mark.slow
def test_window_stays_responsive_during_a_million_user_upgrade(
        window: MainWindow, qtbot: QtBot, demo_db: DemoDb) -> None:
    db = demo_db("legacy", users=1_000_000)
    worst, _ticks, took = upgrade_latency(window, qtbot, db, 600_000)
    assert table_counts(db)["users"] == 1_000_000
    assert worst < 100, f"the GUI thread froze for {worst} ms during a {took:.0f} s upgrade"
