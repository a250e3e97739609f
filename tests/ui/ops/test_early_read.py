"""The start-up's status read in a child process (wsadmin.ui.ops.early_read).

Each case runs in a fresh interpreter: the test process has Qt and threads already,
and a process like that is never forked (the first test shows it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from wsadmin.db.schema.demo import build_demo
from wsadmin.ui.ops import early_read

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the child is forked on Linux only")

PRELUDE = """
import json, os, sys, time
from pathlib import Path
from wsadmin.ui.ops import early_read

def no_child_left():
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False
"""


def run(code: str, tmp_path: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "WSADMIN_HOME": str(tmp_path / "home")})
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build_demo(tmp_path / "app_metadata.db", users=50, state="legacy")


def test_a_process_with_qt_or_threads_is_not_forked(db: Path) -> None:
    assert "PySide6.QtCore" in sys.modules
    assert early_read.start(db) is False
    assert early_read.take(db) is None


def test_the_childs_status_is_the_one_read_here(db: Path, tmp_path: Path) -> None:
    result = run(f"""
        from wsadmin.db.schema import status as status_module
        db = {str(db)!r}
        started = early_read.start(db)
        took = early_read.take(db)
        print(json.dumps({{"started": started, "same": took == status_module.inspect(db),
                          "state": took.state.value, "users": took.counts.get("users"),
                          "reaped": no_child_left()}}))
    """, tmp_path)
    assert result == {"started": True, "same": True, "state": "legacy", "users": 50,
                      "reaped": True}


def test_a_file_the_child_cannot_read_leaves_the_error_to_the_opening(tmp_path: Path
                                                                       ) -> None:
    text = tmp_path / "notes.db"
    text.write_text("not a database\n")
    result = run(f"""
        started = early_read.start({str(text)!r})
        print(json.dumps({{"started": started, "took": early_read.take({str(text)!r}),
                          "reaped": no_child_left()}}))
    """, tmp_path)
    assert result == {"started": True, "took": None, "reaped": True}
    assert text.read_text() == "not a database\n"


def test_another_path_or_a_second_take_gets_nothing(db: Path, tmp_path: Path) -> None:
    result = run(f"""
        early_read.start({str(db)!r})
        other = early_read.take("/elsewhere/app_metadata.db")
        again = early_read.take({str(db)!r})
        print(json.dumps({{"other": other, "again": again, "reaped": no_child_left()}}))
    """, tmp_path)
    assert result == {"other": None, "again": None, "reaped": True}


def test_a_child_still_reading_after_the_wait_is_killed(db: Path, tmp_path: Path) -> None:
    # The child is a fork: it runs the slow inspect patched in before start().
    result = run(f"""
        from wsadmin.db.schema import status as status_module
        real = status_module.inspect
        status_module.inspect = lambda path: (time.sleep(30), real(path))[1]
        early_read.start({str(db)!r})
        began = time.monotonic()
        took = early_read.take({str(db)!r}, wait_s=0.3)
        print(json.dumps({{"took": took, "seconds": time.monotonic() - began,
                          "reaped": no_child_left()}}))
    """, tmp_path)
    assert result["took"] is None and result["reaped"] is True
    assert isinstance(result["seconds"], float) and result["seconds"] < 5


def test_an_answer_that_is_not_a_status_is_not_used(db: Path, tmp_path: Path) -> None:
    result = run(f"""
        from wsadmin.db.schema import status as status_module
        import types
        status_module.inspect = lambda path: types.SimpleNamespace(
            to_json=lambda: {{"state": "at_revision"}})
        early_read.start({str(db)!r})
        print(json.dumps({{"took": early_read.take({str(db)!r}), "reaped": no_child_left()}}))
    """, tmp_path)
    assert result == {"took": None, "reaped": True}


def test_the_window_shows_the_childs_status_without_loading_the_shapes(db: Path,
                                                                        tmp_path: Path
                                                                        ) -> None:
    """`wsadmin gui DB`: the first screen shows the database's revision, and the window's
    process never loaded what reading a status needs (the child did)."""
    result = run(f"""
        import wsadmin.ui.app as app
        parent, real_exit = os.getpid(), os._exit

        def leave(code):
            if os.getpid() == parent:
                heavy = sorted(m for m in sys.modules if m in (
                    "sqlite3", "wsadmin.db.schema.shape", "wsadmin.db.schema.states",
                    "wsadmin.db.schema.status", "wsadmin.db.schema.compare"))
                print(json.dumps({{"heavy": heavy, "reaped": no_child_left()}}), flush=True)
            real_exit(code)

        os._exit = leave
        os.environ.update(QT_QPA_PLATFORM="offscreen", WSADMIN_EXIT_WHEN_READY="1")
        app.main([{str(db)!r}])
    """, tmp_path)
    assert result == {"heavy": [], "reaped": True}
