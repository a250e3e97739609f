"""Entry point of the desktop app: `wsadmin`, `wsadmin gui [DB]`, `wsadmin-gui [DB]`.

Start-up stays quick: nothing here (nor in the main window's imports) loads
SQLAlchemy or Alembic; they are imported by the services that need them, on
the worker, when the operator asks for an upgrade. A database named on the
command line is read on the worker while the main window is imported and
built, so that the window's first frame can show its status.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QObject

    from wsadmin.ui.crash import CrashHandler
    from wsadmin.ui.main_window import MainWindow

READY_ENV = "WSADMIN_EXIT_WHEN_READY"


def main(argv: Sequence[str] | None = None) -> int:
    args = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--debug"]
    path = args[0] if args else None
    if path is not None:
        # First of all, before Qt: a child process reads the database's status on another
        # core while this one imports Qt and builds the window (ops/early_read.py).
        from wsadmin.ui.ops import early_read

        early_read.start(path)
    from PySide6.QtWidgets import QApplication

    from wsadmin.ui.crash import RedactingFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if "--debug" in sys.argv else logging.WARNING,
                        handlers=[handler])
    app = QApplication.instance()
    if app is None:
        QApplication.setApplicationName("wsadmin")
        QApplication.setOrganizationName("wsadmin")
        QApplication.setApplicationDisplayName("wsadmin")
        QApplication.setDesktopFileName("wsadmin")
        app = QApplication([sys.argv[0]])
        # Only an application we made gets our hooks: a host that made the QApplication
        # (pytest-qt, a script embedding the window) keeps its own.
        install_crash_handler(app)
    opening = None
    if path is not None:
        from wsadmin.ui.ops.opening import start_opening

        opening = start_opening(path)
    from wsadmin.ui.main_window import MainWindow

    window = MainWindow(defer_views=True, open_path=path, opening=opening)
    if os.environ.get(READY_ENV):
        _exit_when_ready(window, path is not None)
    window.show_first_screen()
    return int(app.exec())


def install_crash_handler(app: QObject) -> CrashHandler:
    """A bug nobody caught: the crash dialog and crash.log (wsadmin.ui.crash); a known
    error that escaped: the usual one-line error dialog."""
    from PySide6.QtWidgets import QApplication

    from wsadmin.ui.crash import CrashHandler

    def show_known(exc: BaseException) -> None:
        # The error dialogs' module is imported by the first failure, not at start-up.
        from wsadmin.ui.widgets.errors import show_error

        show_error(QApplication.activeWindow(), exc)

    handler = CrashHandler(show_known, app)
    handler.install()
    return handler


def _exit_when_ready(window: MainWindow, with_db: bool) -> None:
    """For bench/startup.py and smoke tests: print "wsadmin: ready" (with a database: its
    file name and the revision shown) and leave as soon as the window is shown (with a
    database: once its Overview has been filled)."""
    from PySide6.QtCore import QTimer

    session = window.session

    def ready(*_args: object) -> None:
        def leave() -> None:
            status = session.status
            shown = "" if status is None else (f" {Path(status.path).name} at revision "
                                               f"{window.overview.revision_value.text()}")
            print(f"wsadmin: ready{shown}", flush=True)
            os._exit(0)

        # On the next event-loop turn, as the baseline of bench/startup.py does after
        # show(): the window has been shown and its Overview filled.
        QTimer.singleShot(0, leave)

    if with_db:
        session.opened.connect(ready)
        session.openFailed.connect(ready)
    else:
        ready()


if __name__ == "__main__":
    raise SystemExit(main())
