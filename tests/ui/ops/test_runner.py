"""DbRunner: one worker thread, in order, results on the GUI thread, never freezing."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from wsadmin.db.common.errors import DatabaseLocked
from wsadmin.db.common.progress import Cancelled, CancelToken, Step, StepState
from wsadmin.ui.ops.runner import DbRunner


def gui_thread() -> QThread:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert app is not None
    return app.thread()


def test_operations_run_in_order_on_one_worker_thread(qtbot: QtBot, runner: DbRunner) -> None:
    ran: list[tuple[int, str]] = []
    results: list[tuple[int, bool]] = []

    def work(i: int) -> int:
        time.sleep(0.01 * (5 - i))   # later ones are quicker: order must still hold
        ran.append((i, threading.current_thread().name))
        return i * 10

    def ok(value: int) -> None:
        results.append((value, QThread.currentThread() is gui_thread()))

    for i in range(5):
        runner.submit(work, i, label=f"op {i}", on_success=ok)
    qtbot.waitUntil(lambda: len(results) == 5, timeout=5000)
    assert [i for i, _ in ran] == [0, 1, 2, 3, 4]
    assert {name for _, name in ran} == {"wsadmin-db"}
    assert results == [(0, True), (10, True), (20, True), (30, True), (40, True)]


def test_progress_reaches_the_gui_thread_in_order(qtbot: QtBot, runner: DbRunner) -> None:
    seen: list[tuple[str, StepState, bool]] = []

    def work(*, progress: object) -> str:
        assert callable(progress)
        for n in range(3):
            progress(Step(f"s{n}", f"Step {n}", StepState.RUNNING))
            progress(Step(f"s{n}", f"Step {n}", StepState.DONE))
        return "finished"

    def on_progress(step: Step) -> None:
        seen.append((step.id, step.state, QThread.currentThread() is gui_thread()))

    with qtbot.waitSignal(runner.operationFinished, timeout=5000) as blocker:
        op = runner.submit(work, label="steps", with_progress=True, on_progress=on_progress)
    assert blocker.args == [op]
    assert op.done and op.ok and op.result == "finished"
    assert [(i, s) for i, s, _ in seen] == [(f"s{n}", st) for n in range(3)
                                           for st in (StepState.RUNNING, StepState.DONE)]
    assert all(on_gui for _, _, on_gui in seen)


def test_known_error_goes_to_on_failure_without_logging_a_bug(
        qtbot: QtBot, runner: DbRunner, caplog: pytest.LogCaptureFixture) -> None:
    failures: list[BaseException] = []

    def work() -> None:
        raise DatabaseLocked("x.db is busy")

    with qtbot.waitSignal(runner.operationFinished, timeout=5000) as blocker:
        runner.submit(work, label="locked", on_failure=failures.append,
                      on_success=lambda _v: pytest.fail("must not succeed"))
    assert blocker.args[0].label == "locked" and blocker.args[0].ok is False
    assert len(failures) == 1 and isinstance(failures[0], DatabaseLocked)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.allow_warning_logs
def test_a_bug_is_logged_with_its_traceback_and_delivered(
        qtbot: QtBot, runner: DbRunner, caplog: pytest.LogCaptureFixture) -> None:
    failures: list[BaseException] = []

    def broken() -> None:
        {}["missing"]

    with qtbot.waitSignal(runner.operationFinished, timeout=5000):
        runner.submit(broken, label="broken", on_failure=failures.append)
    assert isinstance(failures[0], KeyError)
    assert failures[0].__traceback__ is not None
    bug_records = [r for r in caplog.records if r.name == "wsadmin.ui" and r.exc_info]
    assert bug_records and "broken" in bug_records[0].getMessage()


def test_cancel_before_start_skips_the_call(qtbot: QtBot, runner: DbRunner) -> None:
    gate = threading.Event()
    called: list[str] = []
    failures: list[BaseException] = []
    runner.submit(gate.wait, 5, label="blocker")
    queued = runner.submit(lambda: called.append("ran"), label="queued",
                           on_failure=failures.append)
    queued.cancel()
    gate.set()
    qtbot.waitUntil(lambda: queued.done, timeout=5000)
    assert called == []
    assert queued.ok is False and isinstance(failures[0], Cancelled)


def test_cancel_token_reaches_a_running_operation(qtbot: QtBot, runner: DbRunner) -> None:
    started = threading.Event()
    failures: list[BaseException] = []

    def long_job(*, cancel: CancelToken) -> None:
        started.set()
        for _ in range(500):
            cancel.raise_if_cancelled()
            time.sleep(0.01)

    op = runner.submit(long_job, label="long", with_cancel=True, on_failure=failures.append)
    assert started.wait(5)
    op.cancel()
    qtbot.waitUntil(lambda: op.done, timeout=5000)
    assert isinstance(failures[0], Cancelled)


def test_busy_changes_once_per_batch_and_wait_idle(qtbot: QtBot, runner: DbRunner) -> None:
    changes: list[bool] = []
    runner.busyChanged.connect(changes.append)
    gate = threading.Event()
    runner.submit(gate.wait, 5, label="first")
    runner.submit(lambda: None, label="second")
    assert runner.busy and changes == [True]
    assert runner.wait_idle(50) is False          # still blocked
    gate.set()
    assert runner.wait_idle(5000) is True
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    assert changes == [True, False]


def test_shutdown_drains_the_queue_and_refuses_more(qtbot: QtBot) -> None:
    r = DbRunner()
    done: list[int] = []
    for i in range(3):
        r.submit(lambda i=i: (time.sleep(0.02), done.append(i)), label=f"op {i}")
    assert r.shutdown(5000) is True
    assert done == [0, 1, 2] and not r.alive
    with pytest.raises(RuntimeError):
        r.submit(lambda: None, label="late")
    qtbot.waitUntil(lambda: not r.busy, timeout=5000)   # deliveries still arrive
    r.deleteLater()


@pytest.mark.allow_warning_logs
def test_a_failing_callback_does_not_break_the_runner(qtbot: QtBot, runner: DbRunner) -> None:
    def bad_callback(_value: object) -> None:
        raise RuntimeError("callback bug")

    runner.submit(lambda: 1, label="one", on_success=bad_callback)
    with qtbot.waitSignal(runner.busyChanged, timeout=5000) as blocker:
        pass
    assert blocker.args == [False]
    after: list[int] = []
    runner.submit(lambda: 2, label="two", on_success=after.append)
    qtbot.waitUntil(lambda: after == [2], timeout=5000)


def test_finish_early_delivers_everything_once_in_order(qtbot: QtBot, runner: DbRunner) -> None:
    events: list[str] = []

    def work(*, progress: object) -> int:
        assert callable(progress)
        progress(Step("s", "Step", StepState.DONE))
        return 7

    runner.operationStarted.connect(lambda op: events.append(f"started {op.label}"))
    runner.operationFinished.connect(lambda op: events.append(f"finished {op.ok}"))
    op = runner.submit(work, label="early", with_progress=True,
                       on_progress=lambda step: events.append(f"step {step.id}"),
                       on_success=lambda value: events.append(f"result {value}"))
    assert runner.finish_early(op, 5000)
    # Delivered now, without the event loop, in the order the worker emitted.
    assert events == ["started early", "step s", "result 7", "finished True"]
    assert op.done and op.ok and not runner.busy
    qtbot.wait(50)                     # the queued copies arrive and are dropped
    assert events == ["started early", "step s", "result 7", "finished True"]


def test_finish_early_gives_up_after_its_timeout(qtbot: QtBot, runner: DbRunner) -> None:
    release = threading.Event()
    results: list[str] = []
    op = runner.submit(lambda: release.wait(10) and "late", label="slow",
                       on_success=results.append)
    assert not runner.finish_early(op, 50)
    assert not op.done and results == []
    release.set()
    qtbot.waitUntil(lambda: results == ["late"], timeout=5000)   # the normal delivery


def test_finish_early_skips_what_the_event_loop_already_delivered(
        qtbot: QtBot, runner: DbRunner) -> None:
    release = threading.Event()
    events: list[str] = []
    runner.operationStarted.connect(lambda op: events.append(f"started {op.label}"))
    runner.operationFinished.connect(lambda op: events.append(f"finished {op.ok}"))
    op = runner.submit(lambda: release.wait(10) and 3, label="half",
                       on_success=lambda value: events.append(f"result {value}"))
    qtbot.waitUntil(lambda: events == ["started half"], timeout=5000)
    release.set()
    assert runner.finish_early(op, 5000)
    assert events == ["started half", "result 3", "finished True"]
    assert runner.finish_early(op, 0), "an operation already delivered"
    qtbot.wait(50)
    assert events == ["started half", "result 3", "finished True"]


def test_deliver_ended_hands_over_finished_operations_in_order(
        qtbot: QtBot, runner: DbRunner) -> None:
    release = threading.Event()
    events: list[str] = []
    first = runner.submit(lambda: 1, label="one", on_success=lambda v: events.append(f"r{v}"))
    second = runner.submit(lambda: release.wait(10) and 2, label="two",
                           on_success=lambda v: events.append(f"r{v}"))
    assert runner.wait_idle(50) is False           # "two" is still running
    assert runner.deliver_ended() == 1, "stops at the operation still running"
    assert events == ["r1"] and first.done and not second.done
    release.set()
    assert runner.wait_idle(5000)
    assert runner.deliver_ended() == 1
    assert events == ["r1", "r2"] and not runner.busy
    qtbot.wait(50)                                  # the queued copies are dropped
    assert events == ["r1", "r2"]
