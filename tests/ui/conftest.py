"""Fixtures for the GUI tests: offscreen Qt, a main window that is always closed
with its runner threads stopped, demo databases, and a capture of error dialogs.

Strictness comes from the project's pytest config (warnings are errors, Qt
warnings fail a test) and from `no_leaked_runner_threads` below.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.ops.runner import DbRunner
from wsadmin.ui.settings import Settings
from wsadmin.ui.widgets.errors import ErrorDialog

RUNNER_THREAD = "wsadmin-db"
HERE = Path(__file__).parent

# Noise of the offscreen platform plugin itself, not of wsadmin.
OFFSCREEN_NOISE = ("This plugin does not support propagateSizeHints",
                   "This plugin does not support raise")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE))


def runner_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == RUNNER_THREAD]


@pytest.fixture(autouse=True)
def no_leaked_runner_threads() -> Iterator[None]:
    """Every test must stop the worker threads it started."""
    before = set(runner_threads())
    yield
    leaked = [t for t in runner_threads() if t not in before]
    for t in leaked:
        t.join(5)
    still = [t for t in leaked if t.is_alive()]
    assert not still, f"{len(still)} DbRunner thread(s) left running"
    assert not leaked, f"{len(leaked)} DbRunner thread(s) were not shut down by the test"


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[DbRunner]:
    r = DbRunner()
    yield r
    try:
        assert r.wait_idle(10_000), "an operation was still running at the end of the test"
        qtbot.waitUntil(lambda: not r.busy, timeout=5000)
    finally:
        r.request_stop()    # even after a failure: a live runner thread would hang pytest
    r.shutdown()
    r.deleteLater()


@pytest.fixture
def make_window(qtbot: QtBot) -> Iterator[Callable[[], MainWindow]]:
    """Main windows that are closed (runners stopped) after the test.

    pytest-qt closes and deletes the widgets given to `qtbot.addWidget` before fixtures
    are torn down; a window deleted while a background read (a re-read after the file
    changed, a backup's verification) was still on its way would take its session with
    it and leave a runner thread running. So the session is settled in pytest-qt's
    `before_close_func`, before that close."""

    def finish(window: MainWindow) -> None:
        try:
            window.session.settle(20_000)
        finally:
            # Even when the test failed with an operation still running: its runner must
            # stop once that operation ends, or its thread would keep pytest from exiting.
            window.close()
            window.session.shutdown()

    def make() -> MainWindow:
        window = MainWindow(Settings())
        qtbot.addWidget(window, before_close_func=finish)
        window.show()
        qtbot.waitExposed(window)
        return window

    yield make


@pytest.fixture
def window(make_window: Callable[[], MainWindow]) -> MainWindow:
    return make_window()


@dataclass
class ShownError:
    title: str
    text: str
    hint: str
    details: str
    has_copy_button: bool
    exc: BaseException


@pytest.fixture
def shown_errors(monkeypatch: pytest.MonkeyPatch) -> list[ShownError]:
    """Error dialogs are built for real, but `exec` records them instead of blocking."""
    shown: list[ShownError] = []

    def fake_exec(self: ErrorDialog) -> int:
        shown.append(ShownError(self.windowTitle(), self.text(), self.informativeText(),
                                self.detailedText(), self.copy_button is not None, self.exc))
        return 0

    monkeypatch.setattr(ErrorDialog, "exec", fake_exec)
    return shown


@pytest.fixture(scope="session")
def built_demos(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], Path]:
    """Demo databases built once per (state, users) for the whole run."""
    return {}


@pytest.fixture
def demo_db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory,
            built_demos: dict[tuple[str, int], Path]) -> Callable[..., Path]:
    """`demo_db(state, users=...)` gives a demo database of wsadmin.db.schema.demo in one
    of its states (legacy, 001, head, unversioned_head, stuck_at_001,
    recorded_ahead_of_shape, half_initialised, mixed), a file of the test's own.

    Each (state, users) is built once by the project's service and copied: a build
    fills 100,000 timestamps whatever its size (seconds), the copy is a new file with
    the same bytes, closed and with no journal, so nothing else differs."""
    from wsadmin.db.schema.demo import build_demo

    def make(state: str = "head", users: int = 60, name: str | None = None) -> Path:
        path = tmp_path / (name or f"demo_{state}.db")
        if path.exists():
            raise FileExistsError(f"{path} exists: give this demo another name")
        built = built_demos.get((state, users))
        if built is None:
            folder = tmp_path_factory.mktemp("demo-builds")
            built = build_demo(folder / f"{state}-{users}.db", users=users, state=state)
            built_demos[(state, users)] = built
        shutil.copyfile(built, path)
        return path

    return make
