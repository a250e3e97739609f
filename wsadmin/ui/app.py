"""Entry point of the desktop app: `wsadmin`, `wsadmin gui [DB]`, `wsadmin-gui [DB]`.

Start-up stays quick: nothing here (nor in the main window's imports) loads
SQLAlchemy or Alembic; they are imported by the services that need them, on
the worker, when the operator asks for an upgrade.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    args = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--debug"]
    logging.basicConfig(level=logging.INFO if "--debug" in sys.argv else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    app = QApplication.instance()
    if app is None:
        QApplication.setApplicationName("wsadmin")
        QApplication.setOrganizationName("wsadmin")
        QApplication.setApplicationDisplayName("wsadmin")
        QApplication.setDesktopFileName("wsadmin")
        app = QApplication([sys.argv[0]])
    from wsadmin.ui.main_window import MainWindow

    # The views beyond the Overview are built right after the first screen is up.
    window = MainWindow(defer_views=True)
    window.show()
    if args:
        path = args[0]

        def open_first() -> None:
            op = window.open_database(path)
            if op is None:
                window.install_views()
                return
            op.finished.connect(lambda _ok: QTimer.singleShot(0, window.install_views))

        QTimer.singleShot(0, open_first)
    else:
        QTimer.singleShot(0, window.install_views)
    if os.environ.get(READY_ENV):
        _exit_when_ready(window, bool(args))
    return int(app.exec())


READY_ENV = "WSADMIN_EXIT_WHEN_READY"


def _exit_when_ready(window: object, with_db: bool) -> None:
    """For bench/startup.py and smoke tests: print "wsadmin: ready" and leave as soon as
    the window is shown (with a database: once its Overview has been filled)."""
    from PySide6.QtCore import QTimer

    def ready(*_args: object) -> None:
        def leave() -> None:
            print("wsadmin: ready", flush=True)
            os._exit(0)

        QTimer.singleShot(0, leave)     # after the filled Overview has been painted

    if with_db:
        window.statusChanged.connect(ready)  # type: ignore[attr-defined]
    else:
        ready()


if __name__ == "__main__":
    raise SystemExit(main())
