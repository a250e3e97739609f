"""The log dock: this session's operations, and the audit log of the open database.

"This session" lists every operation the session runs, with its finished
steps in the words the CLI prints (`  [ok] Back up the database: ...`) and
how it ended ("done", "Verified", "FAILED: ...", "error: ..."); routine
reads only when they fail or find a problem. "Audit log" shows the audit
entries of the open database, read again after every change (`changed(AUDIT)`).
Copy puts the visible tab's text on the clipboard; Save… writes it to a file.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.ops.core import Cancelled, Step, WsadminError, step_line
from wsadmin.ui.ops.op import Change, DbOp

if TYPE_CHECKING:
    from PySide6.QtGui import QShowEvent
    from PySide6.QtWidgets import QMainWindow, QPlainTextEdit, QTabWidget

    from wsadmin.ui.ops.runner import Operation
    from wsadmin.ui.session import Session

LOG_HEIGHT = 210
def outcome_line(exc: BaseException | None) -> str:
    if exc is None:
        return "done"
    if isinstance(exc, WsadminError):
        return f"error: {exc.one_line()}"
    if isinstance(exc, Cancelled):
        return f"cancelled: {exc}"
    return f"internal error: {type(exc).__name__}: {exc} (a bug in wsadmin)"


def _now() -> str:
    return time.strftime("%H:%M:%S")      # local time, as datetime.now() gives it


class LogDock(QDockWidget):
    """The dock starts as an empty shell (start-up does not need its contents); `build()`
    makes its widgets, on first use of one of them, when it is first shown, or when the
    main window has finished starting. Session lines that come before are kept."""

    def __init__(self, session: Session, parent: QMainWindow | None = None) -> None:
        super().__init__("Log", parent)
        self.db_session = session
        self.setObjectName("logDock")
        self.setAccessibleName("Log")
        self.hide()            # until the main window docks it
        self._built = False
        self._attached = False
        self._early_lines: list[str] = []
        self._audit_wanted = False
        session.operationStarted.connect(self._started)
        session.operationProgress.connect(self._progress)
        session.operationFinished.connect(self._finished)
        session.changed.connect(self._changed)

    def attach(self, window: QMainWindow, restore: bool) -> None:
        """Dock into `window` (once): at the bottom and hidden, unless `restore` and the
        window's saved state says where."""
        if self._attached:
            return
        self._attached = True
        from PySide6.QtCore import Qt  # not at import: see wsadmin.ui.widgets.qtprops

        if not restore or not window.restoreDockWidget(self):
            window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self)
            window.resizeDocks([self], [LOG_HEIGHT], Qt.Orientation.Vertical)
            self.hide()

    def build(self) -> None:
        if self._built:
            return
        self._built = True
        from PySide6.QtCore import Qt  # not at import: see wsadmin.ui.widgets.qtprops
        from PySide6.QtGui import QFont, QFontDatabase
        from PySide6.QtWidgets import QPlainTextEdit, QTabWidget

        self.setAllowedAreas(Qt.DockWidgetArea.BottomDockWidgetArea
                             | Qt.DockWidgetArea.RightDockWidgetArea)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 4, 6, 6)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)

        self._tabs = QTabWidget(body)
        self._tabs.setDocumentMode(True)
        self._session = QPlainTextEdit(body)
        self._session.setReadOnly(True)
        self._session.setFont(mono)
        self._session.setAccessibleName("Session log")
        self._session.setPlaceholderText("Operations of this session appear here.")
        self._session.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._audit = QPlainTextEdit(body)
        self._audit.setReadOnly(True)
        self._audit.setFont(mono)
        self._audit.setAccessibleName("Audit log")
        self._audit.setPlaceholderText("Changes wsadmin made to this database appear here.")
        self._audit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._tabs.addTab(self._session, "This session")
        self._tabs.addTab(self._audit, "Audit log")
        self._tabs.currentChanged.connect(self._tab_changed)

        buttons = QHBoxLayout()
        self._info = QLabel("", body)
        self._info.setObjectName("logInfo")
        self._reload_button = QPushButton("Reload", body)
        self._reload_button.setToolTip("Read the audit log again")
        self._reload_button.clicked.connect(self.reload_audit)
        self._copy_button = QPushButton("Copy", body)
        self._copy_button.setToolTip("Copy the log shown to the clipboard")
        self._copy_button.clicked.connect(self.copy)
        self._save_button = QPushButton("Save…", body)
        self._save_button.setToolTip("Save the log shown to a text file")
        self._save_button.clicked.connect(self.save)
        buttons.addWidget(self._info, 1)
        buttons.addWidget(self._reload_button)
        buttons.addWidget(self._copy_button)
        buttons.addWidget(self._save_button)
        layout.addWidget(self._tabs, 1)
        layout.addLayout(buttons)
        self.setWidget(body)
        self._tab_changed(0)
        for line in self._early_lines:
            self._session.appendPlainText(line)
        self._early_lines.clear()
        if self._audit_wanted:
            self.reload_audit()

    # The widgets of the body (built on first use).

    @property
    def tabs(self) -> QTabWidget:
        self.build()
        return self._tabs

    @property
    def session(self) -> QPlainTextEdit:
        self.build()
        return self._session

    @property
    def audit(self) -> QPlainTextEdit:
        self.build()
        return self._audit

    @property
    def info(self) -> QLabel:
        self.build()
        return self._info

    @property
    def reload_button(self) -> QPushButton:
        self.build()
        return self._reload_button

    @property
    def copy_button(self) -> QPushButton:
        self.build()
        return self._copy_button

    @property
    def save_button(self) -> QPushButton:
        self.build()
        return self._save_button

    def showEvent(self, event: QShowEvent) -> None:
        self.build()
        super().showEvent(event)

    def _append(self, text: str) -> None:
        if self._built:
            self._session.appendPlainText(text)
        else:
            self._early_lines.append(text)

    # ---- session ----------------------------------------------------------------------

    def add_message(self, title: str, text: str = "") -> None:
        line = f"{_now()}  {title}"
        self._append(line + (f"\n{text}" if text else ""))

    def _started(self, op: Operation) -> None:
        if not op.quiet:
            self._append(f"{_now()}  {op.label}…")

    def _progress(self, op: Operation, step: Step) -> None:
        line = step_line(step)
        if line is not None and not op.quiet:
            self._append(line)

    def _finished(self, op: Operation) -> None:
        if op.quiet and op.ok and not op.noteworthy:
            return
        outcome = op.summary if op.ok and op.summary else outcome_line(op.error)
        duration = op.duration
        took = f" ({duration:.1f} s)" if duration is not None and duration >= 0.05 else ""
        self._append(f"{_now()}  {op.label}: {outcome}{took}")

    # ---- audit --------------------------------------------------------------------------

    def _changed(self, what: Change) -> None:
        if what & Change.DATABASE and not self.db_session.is_open:
            self._audit_wanted = False
            if self._built:
                self._audit.setPlainText("")
        elif what & (Change.AUDIT | Change.DATABASE):
            self.reload_audit()

    @Slot()
    def reload_audit(self) -> None:
        if not self._built:
            self._audit_wanted = True     # read when the dock is built
            return
        path = self.db_session.path
        if not self.db_session.is_open or path is None:
            self.audit.setPlainText("")
            return
        from wsadmin.ui.ops.misc import read_audit  # not needed for the first frame

        op = DbOp(read_audit, str(path), label="Read the audit log").quiet()
        op.success(self._show_audit).failure(lambda exc: self.audit.setPlainText(
            f"Cannot read the audit log: {outcome_line(exc)}"))
        self.db_session.run(op)

    def _show_audit(self, lines: list[str]) -> None:
        self.audit.setPlainText("\n".join(lines))
        self._tab_changed(self.tabs.currentIndex())

    # ---- copy / save ---------------------------------------------------------------

    def current_text(self) -> str:
        editor = self.session if self.tabs.currentIndex() == 0 else self.audit
        return editor.toPlainText()

    @Slot()
    def copy(self) -> None:
        QApplication.clipboard().setText(self.current_text())
        self.info.setText("Copied to the clipboard.")

    @Slot()
    def save(self) -> None:
        name = "wsadmin-session.log" if self.tabs.currentIndex() == 0 else "wsadmin-audit.log"
        path_now = self.db_session.path
        folder = path_now.parent if path_now is not None else Path.home()
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(self, "Save the log", str(folder / name),
                                              "Log files (*.log *.txt);;All files (*)")
        if not path:
            return
        try:
            Path(path).write_text(self.current_text() + "\n", encoding="utf-8")
        except OSError as exc:
            from wsadmin.ui.widgets.errors import show_error

            show_error(self, WsadminError(f"could not save the log to {path}: "
                                          f"{exc.strerror or exc}", "choose another folder"))
            return
        self.info.setText(f"Saved to {path}")

    @Slot(int)
    def _tab_changed(self, index: int) -> None:
        self.reload_button.setVisible(index == 1)
        self.info.setText("")
