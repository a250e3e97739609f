"""Screenshots of the installed app's About and crash dialogs (docs/screenshots/).

Run with the interpreter of a venv where the wheel is installed, from outside
the checkout (`make dialog-screenshots` does both):

    QT_QPA_PLATFORM=offscreen VENV/bin/python packaging/dialog_screenshots.py OUT_DIR

The crash dialog comes from the app's own hook (wsadmin.ui.app.install_crash_handler):
a slot raises an exception whose message carries a password and a bcrypt hash, so
the picture also shows them redacted.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]


def main() -> int:
    out = Path(sys.argv[1]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["WSADMIN_HOME"] = tempfile.mkdtemp(prefix="wsadmin-dialogs-")

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    import wsadmin
    from wsadmin.ui.app import install_crash_handler
    from wsadmin.ui.dialogs.questions import about_box
    from wsadmin.ui.main_window import MainWindow

    if Path(wsadmin.__file__).resolve().is_relative_to(CHECKOUT):
        print("run me with an installed wsadmin, not the checkout's", file=sys.stderr)
        return 2
    QApplication.setApplicationName("wsadmin")
    app = QApplication([sys.argv[0]])
    handler = install_crash_handler(app)
    window = MainWindow()
    window.resize(1000, 700)
    window.show()

    def spin(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    spin(300)
    about = about_box(window)
    about.show()
    spin(300)
    about.grab().save(str(out / "about-dialog.png"))
    about.done(0)

    def refresh_workspace_counts() -> None:     # stands for any slot with a bug in it
        raise KeyError("workspace 7 for user alice (password=hunter2, "
                       "hash $2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW)")

    QTimer.singleShot(0, refresh_workspace_counts)
    spin(500)
    dialog = handler.dialog
    if dialog is None or not dialog.isVisible():
        print("the crash dialog did not appear", file=sys.stderr)
        return 1
    text = dialog.report_text()
    if "hunter2" in text or "R9h/cIPz0gi" in text:
        print("a secret reached the crash dialog", file=sys.stderr)
        return 1
    dialog.grab().save(str(out / "crash-dialog.png"))
    print(f"saved about-dialog.png and crash-dialog.png to {out} (wsadmin from "
          f"{Path(wsadmin.__file__).parent})")
    os._exit(0)     # as app.py's ready path: the picture is taken, skip the teardown


if __name__ == "__main__":
    raise SystemExit(main())
