"""Create demo database: where, how many users, at which revision."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.ops.misc import DEMO_STATES


class DemoDialog(QDialog):
    """Where to create a demo database, how many users, at which revision."""

    STATES = DEMO_STATES

    def __init__(self, parent: QWidget | None = None, folder: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Create a demo database")
        self.setObjectName("demoDialog")
        self.setMinimumWidth(520)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.path_edit = QLineEdit(self)
        self.path_edit.setAccessibleName("Demo database path")
        start = Path(folder) if folder else Path.home()
        self.path_edit.setText(str(_free_name(start / "demo_app_metadata.db")))
        browse = QPushButton("Browse…", self)
        browse.setToolTip("Choose where to create the demo database")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow("&File:", row)
        self.users_spin = QSpinBox(self)
        self.users_spin.setRange(0, 1_000_000)
        self.users_spin.setSingleStep(1000)
        self.users_spin.setValue(2000)
        self.users_spin.setGroupSeparatorShown(True)
        self.users_spin.setAccessibleName("Number of users")
        self.users_spin.setToolTip("A million users take about ten seconds")
        form.addRow("&Users:", self.users_spin)
        self.state_combo = QComboBox(self)
        self.state_combo.setAccessibleName("Schema state")
        for key, text in self.STATES:
            self.state_combo.addItem(text, key)
        form.addRow("&Schema:", self.state_combo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.path_edit.textChanged.connect(
            lambda text: ok.setEnabled(bool(text.strip())))
        layout = QVBoxLayout(self)
        note = QLabel("The demo database holds made-up users, dashboards, charts, "
                      "connections and logs, in the state you choose (each is one an operator "
                      "can meet). wsadmin never overwrites a file.", self)
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Create the demo database as",
                                              self.path_edit.text(),
                                              "SQLite databases (*.db *.sqlite *.sqlite3)")
        if path:
            self.path_edit.setText(path)

    def values(self) -> tuple[str, int, str]:
        return (self.path_edit.text().strip(), self.users_spin.value(),
                str(self.state_combo.currentData()))


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}_{n}{path.suffix}")
    return candidate

