"""Closing while an operation runs: wait for it, and ask when it is a long one.

`CloseGuard.request(what)` closes (the window, or the database) once nothing
runs any more. Quick reads just delay it; if a real operation still runs
after ASK_AFTER_MS, the operator is asked whether to close when it has
finished or to keep working. An operation is never interrupted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox, QWidget

    from wsadmin.ui.session import Session

ASK_AFTER_MS = 300


class CloseGuard(QObject):
    def __init__(self, session: Session, window: QWidget,
                 close: Callable[[str], object], say: Callable[[str], object]) -> None:
        """`close(what)` closes for real; `say(text)` shows what the window waits for."""
        super().__init__(window)
        self.session, self.window = session, window
        self._close, self._say = close, say
        self.pending: str | None = None         # "window" / "database" once idle
        self.box: QMessageBox | None = None

    def request(self, what: str) -> None:
        if self.pending is not None:
            self.pending = "window" if what == "window" else self.pending
            return
        self.pending = what
        self.session.when_idle(self._idle)
        QTimer.singleShot(ASK_AFTER_MS, self._ask)

    def _idle(self) -> None:
        what, self.pending = self.pending, None
        if what is None:
            return      # the operator chose to keep working
        if self.box is not None:
            self.box.done(0)
        self._say("")
        QTimer.singleShot(0, lambda: self._close(what))

    def _ask(self) -> None:
        labels = self.session.pending_labels()
        if self.pending is None or self.box is not None or not labels:
            return      # nothing left, or background reads only: they end in a moment
        if self.ask(labels[0]):
            if self.pending is not None:
                self._say(f"Closing when “{labels[0]}” has finished…")
        else:
            self.pending = None
            self._say("")

    def ask(self, label: str) -> bool:
        """Close when it has finished (True), or keep working? If the operation ends
        while the question is open, the box closes by itself (answer: close)."""
        from PySide6.QtWidgets import QMessageBox  # the window is built without it

        box = QMessageBox(QMessageBox.Icon.Question, "An operation is running",
                          f"“{label}” is still running.", parent=self.window)
        box.setObjectName("closeWhileBusy")
        box.setInformativeText("wsadmin never stops a database operation half-way. "
                               "It can close as soon as this one has finished.")
        wait = box.addButton("Close when finished", QMessageBox.ButtonRole.AcceptRole)
        stay = box.addButton("Keep working", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(wait)
        box.setEscapeButton(stay)
        self.box = box
        try:
            box.exec()
        finally:
            self.box = None
        return box.clickedButton() is not stay


def about_box(parent: QWidget | None) -> QMessageBox:
    """The About box: what wsadmin is, and the versions `wsadmin --version` prints."""
    from html import escape

    from PySide6.QtWidgets import QMessageBox

    from wsadmin.ui.widgets.icons import app_icon
    from wsadmin.versions import components

    (_, version), *others = components()
    rows = "".join(f"<tr><td>{escape(name)}</td><td>&nbsp;{escape(v)}</td></tr>"
                   for name, v in others)
    box = QMessageBox(parent)
    box.setObjectName("aboutDialog")
    box.setWindowTitle("About wsadmin")
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setText(f"<b>wsadmin {escape(version)}</b><p>Inspect, back up, upgrade and roll back "
                f"the backend's app_metadata.db.</p><table>{rows}</table><p>MIT licence.</p>")
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    return box


def show_about(parent: QWidget) -> None:
    about_box(parent).exec()


DB_FILTERS = "SQLite databases (*.db *.sqlite *.sqlite3);;All files (*)"


def choose_new_database(parent: QWidget, folder: Path) -> str:
    """Where to initialise a new database: a new file, or an empty one ("" to cancel).
    The plan that follows refuses a file that already holds a database."""
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getSaveFileName(
        parent, "Initialise a new database", str(folder / "app_metadata.db"), DB_FILTERS,
        options=QFileDialog.Option.DontConfirmOverwrite)
    return str(path)


def choose_database(parent: QWidget, folder: Path) -> str:
    """The file dialog of Open…; "" when the operator cancels."""
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getOpenFileName(parent, "Open an app_metadata.db", str(folder),
                                          DB_FILTERS)
    return str(path)
