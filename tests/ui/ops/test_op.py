"""DbOp: the typed operation views build; callbacks, progress, cancel, describe."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot

from wsadmin.db.common.errors import DatabaseLocked
from wsadmin.db.common.progress import Cancelled, CancelToken, Step, StepState
from wsadmin.ui.ops.op import Change, DbOp
from wsadmin.ui.ops.runner import DbRunner


def test_callbacks_added_late_are_called_at_once(qtbot: QtBot, runner: DbRunner) -> None:
    seen: list[object] = []
    op = DbOp(lambda: 1, label="one").submit(runner)
    op.success(seen.append)
    qtbot.waitUntil(lambda: seen == [1], timeout=5000)
    failed = DbOp(lambda: (_ for _ in ()).throw(DatabaseLocked("locked")), label="two")
    failed.submit(runner)
    qtbot.waitUntil(lambda: failed.done, timeout=5000)
    failed.success(seen.append).failure(lambda exc: seen.append(type(exc).__name__))
    assert seen == [1, "DatabaseLocked"]
    assert op.ok and op.result == 1 and not failed.ok
    with pytest.raises(RuntimeError, match="it failed"):
        failed.result  # noqa: B018


def test_progress_and_cancel_reach_the_function(qtbot: QtBot, runner: DbRunner) -> None:
    started = threading.Event()
    steps: list[StepState] = []

    def job(*, progress: object, cancel: CancelToken) -> str:
        assert callable(progress)
        progress(Step("s", "Step", StepState.RUNNING))
        started.set()
        while True:
            cancel.raise_if_cancelled()

    op: DbOp[str] = DbOp(job, label="long")
    op.progress(lambda step: steps.append(step.state)).cancellable().submit(runner)
    assert started.wait(5)
    op.cancel()
    qtbot.waitUntil(lambda: op.done, timeout=5000)
    assert isinstance(op.error, Cancelled) and not op.ok
    assert steps == [StepState.RUNNING]
    with pytest.raises(RuntimeError):
        op.cancellable()      # after submit: too late to change what the function gets


def test_describe_words_the_result_for_the_log(qtbot: QtBot, runner: DbRunner) -> None:
    op = DbOp(lambda: 3, label="count").quiet().describe(
        lambda n: f"{n} problems", noteworthy=lambda n: n > 0).submit(runner)
    qtbot.waitUntil(lambda: op.done, timeout=5000)
    assert op.operation is not None
    assert op.operation.quiet and op.operation.summary == "3 problems"
    assert op.operation.noteworthy


@pytest.mark.allow_warning_logs
def test_ended_runs_even_when_a_callback_fails(qtbot: QtBot, runner: DbRunner) -> None:
    ended: list[bool] = []

    def broken(_value: object) -> None:
        raise RuntimeError("bug in a view")

    op = DbOp(lambda: 1, label="one", changes=Change.BACKUPS)
    op.success(broken).ended(lambda done: ended.append(done.ok)).submit(runner)
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    assert ended == [True], "the session's book-keeping must not be skipped"
    assert op.writes and DbOp(lambda: 0, label="read").writes is False
