"""The optional automatic help on two manual steps.

"Test login and dashboard access": given the backend's URL, call its
unauthenticated health routes; given a test account typed here, log in and
list the dashboards. The password field is cleared once the call is made and
nothing typed is stored (the state keeps status codes and counts only).

"Monitor logs for workspace-related errors": read the end of a log file for
lines mentioning workspaces, 400 or 500 (credentials in them redacted).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)


def _result_label(parent: QWidget, name: str) -> QLabel:
    label = QLabel("", parent)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.RichText)     # escaped text shows as text
    label.setWordWrap(True)
    label.hide()
    return label


class BackendProbeBox(QWidget):
    healthRequested = Signal(str)               # url
    loginRequested = Signal(str, str, str)      # url, username, password

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backendProbe")
        form = QFormLayout(self)
        form.setContentsMargins(0, 4, 0, 0)
        row = QHBoxLayout()
        self.url = QLineEdit(self)
        self.url.setObjectName("backendUrl")
        self.url.setPlaceholderText("http://127.0.0.1:8000 (optional)")
        self.health_button = QPushButton("Call the health routes", self)
        self.health_button.setObjectName("healthButton")
        self.health_button.clicked.connect(lambda: self.healthRequested.emit(self.url.text()))
        row.addWidget(self.url, 1)
        row.addWidget(self.health_button)
        form.addRow("Backend:", row)
        self.health_result = _result_label(self, "healthResult")
        form.addRow("", self.health_result)
        account = QHBoxLayout()
        self.username = QLineEdit(self)
        self.username.setObjectName("testUser")
        self.username.setPlaceholderText("test account")
        self.password = QLineEdit(self)
        self.password.setObjectName("testPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("password (not stored)")
        self.login_button = QPushButton("Test login", self)
        self.login_button.setObjectName("loginButton")
        self.login_button.clicked.connect(self._login)
        account.addWidget(self.username, 1)
        account.addWidget(self.password, 1)
        account.addWidget(self.login_button)
        form.addRow("Test account:", account)
        self.login_result = _result_label(self, "loginResult")
        form.addRow("", self.login_result)

    def _login(self) -> None:
        password = self.password.text()
        self.password.clear()       # held no longer than the call
        self.loginRequested.emit(self.url.text(), self.username.text(), password)

    def set_busy(self, busy: bool) -> None:
        for w in (self.health_button, self.login_button):
            w.setEnabled(not busy)

    def show_health(self, text: str, ok: bool) -> None:
        self._show(self.health_result, text, ok)

    def show_login(self, text: str, ok: bool) -> None:
        self._show(self.login_result, text, ok)

    @staticmethod
    def _show(label: QLabel, text: str, ok: bool) -> None:
        label.setText(html.escape(text))
        label.setStyleSheet("" if ok else "color: #c62828;")
        label.show()


class LogScanBox(QWidget):
    scanRequested = Signal(str)     # path

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("logScan")
        form = QFormLayout(self)
        form.setContentsMargins(0, 4, 0, 0)
        row = QHBoxLayout()
        self.path = QLineEdit(self)
        self.path.setObjectName("logPath")
        self.path.setPlaceholderText("the backend's log file (optional)")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        self.scan_button = QPushButton("Read the log", self)
        self.scan_button.setObjectName("scanButton")
        self.scan_button.clicked.connect(lambda: self.scanRequested.emit(self.path.text()))
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        row.addWidget(self.scan_button)
        form.addRow("Log file:", row)
        self.result = _result_label(self, "scanResult")
        form.addRow("", self.result)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The backend's log file")
        if path:
            self.path.setText(path)

    def set_busy(self, busy: bool) -> None:
        self.scan_button.setEnabled(not busy)

    def show_scan(self, summary: str, lines: list[str], ok: bool) -> None:
        text = html.escape(summary)
        if lines:
            text += "<br><code>" + "<br>".join(html.escape(x) for x in lines[-8:]) + "</code>"
        self.result.setText(text)
        self.result.setStyleSheet("" if ok else "color: #c62828;")
        self.result.show()
