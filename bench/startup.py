"""Start-up time: `wsadmin gui DB` until the window shows the database's Overview,
over a bare PySide6 script that shows an empty QMainWindow, in the same run.

Both are fresh processes timed from launch to a "ready" line printed on the
next event-loop turn after the window is shown (for wsadmin: after the
Overview has been filled from the worker). Each is run REPEAT times,
alternating; the medians are compared. Target: ratio <= 1.5.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEAT = 9
USERS = 20_000

BASELINE = """
import os
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1280, 800)
window.show()
def leave():
    print("ready", flush=True)
    os._exit(0)
QTimer.singleShot(0, leave)
app.exec()
"""


def compile_project() -> bool:
    """Byte-compile wsadmin as installing it does (pip compiles a wheel's modules; an
    editable install writes __pycache__ on its first run), so that both processes load
    compiled modules: the baseline's PySide6 and standard library are compiled, and with
    PYTHONDONTWRITEBYTECODE=1 (set in some shells and CI) every start would otherwise
    compile wsadmin's sources again. Returns whether that variable is set."""
    import compileall

    import wsadmin

    compileall.compile_dir(Path(wsadmin.__file__).parent, quiet=1)
    return bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                            text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if "ready" in line:
            elapsed = time.perf_counter() - start
            break
    else:
        proc.wait()
        raise SystemExit(f"{cmd[:3]} ended without getting ready (exit {proc.returncode})")
    proc.wait()
    return elapsed


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="wsadmin-startup-") as tmp:
        work = Path(tmp)
        env = dict(os.environ)
        env["WSADMIN_HOME"] = str(work / "home")
        env["WSADMIN_EXIT_WHEN_READY"] = "1"
        if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
            env.setdefault("QT_QPA_PLATFORM", "offscreen")
        from wsadmin.db.schema.demo import build_demo

        db = build_demo(work / "app_metadata.db", users=USERS, state="legacy")
        if compile_project():
            print("(wsadmin byte-compiled first: PYTHONDONTWRITEBYTECODE is set)")
        project_cmd = [sys.executable, "-m", "wsadmin", "gui", str(db)]
        baseline_cmd = [sys.executable, "-c", BASELINE]
        timed(project_cmd, env)      # warm the OS file cache for both
        timed(baseline_cmd, env)
        project, baseline = [], []
        for _ in range(REPEAT):
            project.append(timed(project_cmd, env))
            baseline.append(timed(baseline_cmd, env))
    p, b = statistics.median(project), statistics.median(baseline)
    print(f"wsadmin gui DB ({USERS:,} users): " + ", ".join(f"{t:.3f}" for t in project))
    print("bare QMainWindow:            " + ", ".join(f"{t:.3f}" for t in baseline))
    print(f"startup: ratio={p / b:.2f} (project {p:.3f}s, baseline {b:.3f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
