"""The entry points open the window quickly, without SQLAlchemy or Alembic."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.ui.helpers import open_and_wait
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.settings import Settings

DemoDb = Callable[..., Path]
BIN = Path(sys.executable).parent


def run_app(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, WSADMIN_HOME=str(home), WSADMIN_EXIT_WHEN_READY="1",
               QT_QPA_PLATFORM="offscreen")
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=60,
                          check=False)


@pytest.mark.parametrize("launcher", ["wsadmin gui", "wsadmin-gui", "python -m wsadmin gui"])
def test_launchers_open_the_window_on_a_database(launcher: str, demo_db: DemoDb,
                                                 tmp_path: Path) -> None:
    db = demo_db("001")
    first, *rest = launcher.split()
    cmd = [sys.executable, *rest] if first == "python" else [str(BIN / first), *rest]
    done = run_app([*cmd, str(db)], tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert "wsadmin: ready" in done.stdout
    recent = (tmp_path / "home" / "settings.ini").read_text()
    assert db.name in recent, "the database was opened (it is in the recent list)"


def test_plain_wsadmin_opens_the_start_page(tmp_path: Path) -> None:
    done = run_app([str(BIN / "wsadmin")], tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert "wsadmin: ready" in done.stdout


def test_startup_does_not_import_sqlalchemy_or_alembic(demo_db: DemoDb,
                                                       tmp_path: Path) -> None:
    db = demo_db("002")
    done = run_app([sys.executable, "-X", "importtime", "-m", "wsadmin", "gui", str(db)],
                   tmp_path / "home")
    assert "wsadmin: ready" in done.stdout
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "wsadmin.ui.main_window" in imported
    assert not {m for m in imported if m.split(".")[0] in ("sqlalchemy", "alembic")}


def test_deferred_views_learn_about_the_open_database(qtbot: QtBot, demo_db: DemoDb) -> None:
    window = MainWindow(Settings(), defer_views=True)
    qtbot.addWidget(window)
    window.show()
    try:
        assert list(window.views) == ["overview"]
        open_and_wait(window, qtbot, demo_db("002"))
        seen: list[object] = []
        window.statusChanged.connect(seen.append)
        window.install_views()
        window.install_views()           # once only
        assert seen == [window.status], "late views get the current status"
        assert len(window.views) >= 1 and all(isinstance(v, QWidget)
                                              for v in window.views.values())
    finally:
        runner = window.runner
        if runner is not None:
            runner.wait_idle(10_000)
            qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
        window.close()
