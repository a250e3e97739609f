"""The window's status bar: the open database's path, and what is running."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar

from wsadmin.ui.widgets.qtprops import make_selectable


class StatusBar:
    """Fills `window.statusBar()` (the window's own: a subclass of QStatusBar would cost
    the first frame a few ms of PySide6 type set-up)."""

    def __init__(self, window: QMainWindow) -> None:
        bar = window.statusBar()
        self.busy_label = QLabel("", window)
        self.busy_label.setAccessibleName("Current operation")
        self.busy_bar = QProgressBar(window)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setAccessibleName("Operation running")
        self.busy_bar.hide()
        self.path_label = QLabel("No database open", window)
        self.path_label.setAccessibleName("Open database")
        make_selectable(self.path_label)
        bar.addWidget(self.path_label, 1)
        bar.addPermanentWidget(self.busy_label)
        bar.addPermanentWidget(self.busy_bar)

    def set_path(self, path: str | None) -> None:
        self.path_label.setText(path or "No database open")
        self.path_label.setToolTip(path or "")

    def set_busy(self, busy: bool, text: str | None = None) -> None:
        """Show the running indicator; `text` (None: leave it) says what runs."""
        self.busy_bar.setVisible(busy)
        if text is not None:
            self.busy_label.setText(text)
