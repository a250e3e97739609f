"""Render every view of the main window on demo databases to docs/screenshots/*.png.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [--out DIR]

Builds a 2,000-user legacy demo database (so an upgrade is pending) with one
verified backup, opens it at 1280x800, and saves: the start page, then every
view registered in the main window (MainWindow.views, in sidebar order, so
views added by other modules are included), the log dock, and the error
dialog for a file that is not a database. Settings and the audit log go to a
temporary WSADMIN_HOME, never the user's own.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1280, 800)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="wsadmin-shots-"))
    os.environ["WSADMIN_HOME"] = str(work / "home")
    os.environ["WSADMIN_BACKUP_DIR"] = str(work / "backups")
    args.out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    import wsadmin.ui  # noqa: F401  (installs the PySide6 fix first)
    from wsadmin.db import audit
    from wsadmin.db.backup import create_backup
    from wsadmin.db.demo import build_demo
    from wsadmin.ui.errors import ErrorDialog
    from wsadmin.ui.main_window import MainWindow
    from wsadmin.ui.settings import Settings

    app = QApplication.instance() or QApplication([sys.argv[0]])
    QApplication.setApplicationName("wsadmin")

    def wait_until(cond: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                raise TimeoutError("the window did not settle")
            loop = QEventLoop()
            QTimer.singleShot(20, loop.quit)
            loop.exec()

    def settle(window: MainWindow, extra_ms: int = 250) -> None:
        wait_until(lambda: window.runner is None or not window.runner.busy)
        loop = QEventLoop()
        QTimer.singleShot(extra_ms, loop.quit)
        loop.exec()

    def save(widget: QWidget, name: str) -> None:
        path = args.out / f"{name}.png"
        widget.grab().save(str(path))
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    data = work / "srv" / "backend"
    data.mkdir(parents=True)
    db = build_demo(data / "app_metadata.db", users=2000, state="legacy")
    (work / "srv" / "staging").mkdir(parents=True)
    staging = build_demo(work / "srv" / "staging" / "app_metadata.db", users=500, state="002")
    create_backup(db, work / "backups")
    audit.record("backup", db, "ok", message="backup before the upgrade")

    settings = Settings()
    settings.add_recent(work / "old" / "app_metadata.db", "001", "current")   # gone
    settings.add_recent(staging, "002", "current")
    settings.add_recent(db, None, "legacy")

    window = MainWindow(settings)
    window.resize(*SIZE)
    window.show()
    settle(window)
    save(window, "start-page")

    window.open_database(str(db))
    wait_until(lambda: window.status is not None)
    settle(window, 400)
    for key in list(window.views):
        window.show_view(key)
        settle(window, 400)
        save(window, key)

    window.show_view("overview")
    window.log.show()
    window.refresh()
    settle(window, 400)
    save(window, "log")
    window.log.hide()

    bad = work / "notes.db"
    bad.write_text("not a database\n" * 100)
    from wsadmin.db.inspect import inspect

    try:
        inspect(bad)
    except Exception as exc:   # the known error, rendered by the real dialog
        dialog = ErrorDialog(window, exc, "Cannot open this database")
        dialog.show()
        settle(window)
        save(dialog, "error-dialog")
        dialog.done(0)

    window.close()
    settle(window)
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
