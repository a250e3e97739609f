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
    args = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--debug"]
    path = args[0] if args else None
    # Modules that do not need Qt first: PySide6 reads the source of every module
    # imported after it (to look for its `__feature__` imports).
    import wsadmin.db.inspect  # noqa: F401

    logging.basicConfig(level=logging.INFO if "--debug" in sys.argv else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        QApplication.setApplicationName("wsadmin")
        QApplication.setOrganizationName("wsadmin")
        QApplication.setApplicationDisplayName("wsadmin")
        QApplication.setDesktopFileName("wsadmin")
        app = QApplication([sys.argv[0]])
    from wsadmin.ui.main_window import MainWindow

    # Quick start: a database given is read on the worker while the first screen is
    # painted; what that screen does not need is built right after it has been shown
    # (MainWindow.finish_startup).
    window = MainWindow(defer_views=True, open_path=path)
    if os.environ.get(READY_ENV):
        _exit_when_ready(window, path is not None)
    window.show_first_screen()
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

        # On the next event-loop turn, as the baseline of bench/startup.py does after
        # show(): the window has been shown and its Overview filled.
        QTimer.singleShot(0, leave)

    if with_db:
        window.statusChanged.connect(ready)  # type: ignore[attr-defined]
    else:
        ready()


if __name__ == "__main__":
    raise SystemExit(main())
