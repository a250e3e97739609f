"""The crash dialog: the report of a bug nobody caught (wsadmin.ui.crash), readable and
selectable, with Copy and Close. Imported by the first crash, not at start-up."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class CrashDialog(QDialog):
    """The report, readable and selectable, with Copy and Close."""

    def __init__(self, report: str, saved: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle("wsadmin hit a bug")
        self.reports = [report]
        layout = QVBoxLayout(self)
        self.heading = QLabel("<b>wsadmin hit a bug</b>", self)
        self.explanation = QLabel(
            "Something unexpected went wrong inside wsadmin: a bug in wsadmin, not a "
            "problem with your database. Copy the report below and include it in a bug "
            "report; it holds no passwords, tokens or connection settings.", self)
        self.explanation.setWordWrap(True)
        self.saved = QLabel(saved, self)
        self.saved.setWordWrap(True)
        self.saved.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = QPlainTextEdit(report, self)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setAccessibleName("Crash report")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton("&Copy report", self)
        self.copy_button.setToolTip("Copy the versions and the traceback to the clipboard")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_report)
        buttons.rejected.connect(self.reject)
        for widget in (self.heading, self.explanation, self.saved, self.text, buttons):
            layout.addWidget(widget)
        self.resize(760, 480)

    def add_report(self, report: str, saved: str) -> None:
        """Another bug while this dialog is open: one dialog, every report in it."""
        self.reports.append(report)
        self.heading.setText(f"<b>wsadmin hit {len(self.reports)} bugs</b>")
        self.saved.setText(saved)
        self.text.setPlainText(self.report_text())

    def report_text(self) -> str:
        return ("\n" + "-" * 72 + "\n").join(self.reports)

    def copy_report(self) -> None:
        QApplication.clipboard().setText(self.report_text())
        self.copy_button.setText("Copied")
