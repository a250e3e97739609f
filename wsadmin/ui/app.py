"""Entry point of the desktop app: `wsadmin`, `wsadmin gui [DB]`, `wsadmin-gui [DB]`.

Start-up stays quick: nothing here (nor in the main window's imports) loads
SQLAlchemy or Alembic; they are imported by the services that need them, on
the worker, when the operator asks for an upgrade.
"""

from __future__ import annotations

import logging
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

    window = MainWindow()
    window.show()
    if args:
        path = args[0]
        QTimer.singleShot(0, lambda: window.open_database(path))
    return int(app.exec())


if __name__ == "__main__":
    raise SystemExit(main())
