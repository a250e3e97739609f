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
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    args = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--debug"]
    path = args[0] if args else None
    # Modules that do not need Qt first (see _spare_source_scans).
    import wsadmin.db.inspect
    import wsadmin.db.progress  # noqa: F401

    logging.basicConfig(level=logging.INFO if "--debug" in sys.argv else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    loaded_before_qt = list(sys.modules)
    from PySide6.QtWidgets import QApplication

    _spare_source_scans(loaded_before_qt)

    app = QApplication.instance()
    if app is None:
        QApplication.setApplicationName("wsadmin")
        QApplication.setOrganizationName("wsadmin")
        QApplication.setApplicationDisplayName("wsadmin")
        QApplication.setDesktopFileName("wsadmin")
        app = QApplication([sys.argv[0]])
    # Quick start: a database given is read on the worker while the main window is
    # imported and built, so that its first frame can show the database's status; what
    # that frame does not need is built right after it (MainWindow.finish_startup).
    opening = None
    switch_interval = sys.getswitchinterval()
    if path is not None:
        from wsadmin.ui.opening import start_opening

        # The worker needs the GIL back after each SQLite call; by default it waits up
        # to 5 ms for it while this thread builds the window.
        sys.setswitchinterval(STARTUP_SWITCH_INTERVAL)
        opening = start_opening(path)
    from wsadmin.ui.main_window import MainWindow

    window = MainWindow(defer_views=True, open_path=path, opening=opening)
    if os.environ.get(READY_ENV):
        _exit_when_ready(window, path is not None)
    window.show_first_screen()
    sys.setswitchinterval(switch_interval)
    return int(app.exec())


READY_ENV = "WSADMIN_EXIT_WHEN_READY"
STARTUP_SWITCH_INTERVAL = 0.0005    # seconds; Python's default is 0.005


def _spare_source_scans(modules: Sequence[str]) -> None:
    """Once PySide6 is loaded, every `import` statement hands the imported module to
    its `__feature__` support, which reads the module's whole source file (once per
    module) to see whether it mentions PySide6: ~6 ms of the start-up, most of it on
    standard-library modules imported long before (datetime, typing, threading, ...).
    Modules loaded before PySide6 cannot have selected a PySide6 feature, so their
    answer ("not a PySide6 module", -1) is recorded up front, and so is the answer for
    wsadmin's own widgets ("a PySide6 module without features", 0). Best effort: the
    table is PySide6's private state; without it nothing changes but the time."""
    try:
        from shibokensupport import feature

        answers = feature.pyside_feature_dict
    except (ImportError, AttributeError):
        return
    if isinstance(answers, dict):
        for name in modules:
            answers.setdefault(name, -1)
        ui = Path(__file__).parent
        for source in ui.glob("*.py"):
            answers.setdefault(f"{__package__}.{source.stem}", 0)


def _exit_when_ready(window: object, with_db: bool) -> None:
    """For bench/startup.py and smoke tests: print "wsadmin: ready" (with a database: its
    file name and the revision shown) and leave as soon as the window is shown (with a
    database: once its Overview has been filled)."""
    from PySide6.QtCore import QTimer

    def ready(status: object = None) -> None:
        shown = "" if status is None else (
            f" {Path(getattr(status, 'path', '')).name} {getattr(status, 'summary', '')}")

        def leave() -> None:
            print(f"wsadmin: ready{shown}", flush=True)
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
