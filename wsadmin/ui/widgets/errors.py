"""Error dialogs: known errors vs bugs (DESIGN.md, after qutebrowser).

`show_error(parent, exc)`:

* a `WsadminError` (or `Cancelled`) gets a warning box with its one-line
  message and its hint, never a traceback;
* anything else is a bug: "wsadmin hit a bug", the exception's one line, and a
  "Copy details" button that puts the crash report (versions and traceback,
  secrets redacted: wsadmin.ui.crash) on the clipboard; `show_error` also
  appends the report to crash.log.

`error_text(exc)` gives the same (message, hint) for failures shown inside a
dialog's page instead.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from wsadmin.ui.crash import crash_report, is_known, record_crash, redact
from wsadmin.ui.ops.core import Cancelled, WsadminError


def error_text(exc: BaseException) -> tuple[str, str]:
    """(message, hint) in operator words for a failure shown inside a dialog page."""
    if isinstance(exc, WsadminError):
        return exc.message, exc.hint
    if isinstance(exc, Cancelled):
        return str(exc) or "Cancelled; nothing was changed.", ""
    return (f"wsadmin hit a bug: {type(exc).__name__}: {redact(str(exc))}",
            "This is a bug in wsadmin, not a problem with your database; the log has details.")


def details_text(exc: BaseException) -> str:
    """What "Copy details" puts on the clipboard: versions and the traceback, redacted."""
    return crash_report(exc)


def sentence(text: str) -> str:
    """A hint as a sentence: capital first letter, final full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")")) else text + "."


class ErrorDialog(QMessageBox):
    """The one dialog for every failure the GUI reports."""

    def __init__(self, parent: QWidget | None, exc: BaseException, title: str | None = None
                 ) -> None:
        super().__init__(parent)
        self.exc = exc
        self.copy_button: QPushButton | None = None
        self.setObjectName("errorDialog")
        if isinstance(exc, WsadminError):
            self.setIcon(QMessageBox.Icon.Warning)
            self.setWindowTitle(title or "wsadmin")
            self.setText(exc.message)
            self.setInformativeText(sentence(exc.hint))
        elif isinstance(exc, Cancelled):
            self.setIcon(QMessageBox.Icon.Information)
            self.setWindowTitle(title or "wsadmin")
            self.setText(str(exc) or "Cancelled; nothing was changed.")
        else:
            self.setIcon(QMessageBox.Icon.Critical)
            self.setWindowTitle(title or "wsadmin hit a bug")
            self.setText("wsadmin hit a bug")
            self.setInformativeText(
                f"{type(exc).__name__}: {redact(str(exc))}\n\nThis is a bug in wsadmin, not a "
                "problem with your database. Use Copy details and include the text in a bug "
                "report.")
            self.setDetailedText(details_text(exc))
            self.copy_button = self.addButton("Copy details", QMessageBox.ButtonRole.ActionRole)
            self.copy_button.setToolTip("Copy the traceback to the clipboard")
            # An ActionRole button would close the box; keep it open after copying.
            self.copy_button.clicked.disconnect()
            self.copy_button.clicked.connect(self.copy_details)
        self.setStandardButtons(QMessageBox.StandardButton.Close)
        self.setDefaultButton(QMessageBox.StandardButton.Close)
        self.setEscapeButton(QMessageBox.StandardButton.Close)
        self.setAccessibleName("Error")
        self.setAccessibleDescription(self.text())

    def copy_details(self) -> None:
        QApplication.clipboard().setText(details_text(self.exc))


def show_error(parent: QWidget | None, exc: BaseException, title: str | None = None) -> None:
    """Report `exc` to the operator in a modal dialog (Close always gets out); a bug is
    also appended to crash.log."""
    if not is_known(exc):
        record_crash(exc)
    ErrorDialog(parent, exc, title).exec()
