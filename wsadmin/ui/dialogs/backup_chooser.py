"""The parts of the rollback dialog's plan page: an option card, and the chooser of
the backup to restore.

The chooser lists the session's backup catalog (the Backups view's list):
newest first, each with what is known of its verification; a backup that fails
verification is flagged and cannot be chosen. Choosing one that has not been
checked yet checks it on the worker and says what restoring it undoes; the
verdict goes back to the catalog. `fill()` follows the catalog.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from wsadmin.ui.format import human_size, local_time
from wsadmin.ui.ops.backups import BackupRow, Check
from wsadmin.ui.ops.op import DbOp
from wsadmin.ui.ops.rollback import RestoreChoice, load_restore_choice
from wsadmin.ui.widgets.badges import Badge, Tone
from wsadmin.ui.widgets.cards import Panel
from wsadmin.ui.widgets.labels import muted_label

if TYPE_CHECKING:
    from wsadmin.ui.session import Session

PATH_ROLE = Qt.ItemDataRole.UserRole
LIST_ROWS = 5
CHECK_WORDS = {Check.VERIFIED: "verified", Check.FAILED: "FAILS verification",
               Check.UNCHECKED: "checked before it is restored",
               Check.CHECKING: "being checked"}


def backup_label(row: BackupRow, pre_upgrade: bool = False) -> str:
    """"2026-11-24 10:15:00 · revision 001 · 3.2 MiB · verified"."""
    parts = [local_time(row.created), f"revision {row.revision_label}", human_size(row.size),
             CHECK_WORDS[row.check]]
    if pre_upgrade:
        parts.append("taken by the last upgrade")
    return " · ".join(parts)


def discard_phrase(discards: dict[str, int]) -> str:
    """{'workspaces rows (the table is dropped)': 1} -> '1 workspaces rows (the table is
    dropped)': the rollback service's own words for each loss, with its count."""
    return "; ".join(f"{n:,} {what}" for what, n in discards.items()) or "nothing"


def key(path: str) -> str:
    return str(Path(path).resolve())


class OptionCard(Panel):
    """A radio button with its explanation and the counts it discards."""

    def __init__(self, name: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, (14, 10, 14, 12))
        self.key = name
        self.setObjectName(f"{name}Card")
        top = QHBoxLayout()
        self.radio = QRadioButton(title, self)
        self.radio.setObjectName(f"{name}Option")
        font = self.radio.font()
        font.setBold(True)
        self.radio.setFont(font)
        top.addWidget(self.radio)
        top.addStretch(1)
        self.badge = Badge(self, small=True)
        self.badge.set_state("Recommended", Tone.OK)
        self.badge.hide()
        top.addWidget(self.badge)
        self.layout_.addLayout(top)
        self.body = QVBoxLayout()
        self.body.setContentsMargins(26, 0, 0, 0)
        self.body.setSpacing(4)
        self.layout_.addLayout(self.body)

    def add_text(self, text: str, name: str = "", muted: bool = False) -> QLabel:
        label = muted_label(text, self) if muted else QLabel(text, self)
        label.setWordWrap(True)
        if name:
            label.setObjectName(name)
        self.body.addWidget(label)
        return label


class BackupChooser(QWidget):
    changed = Signal()      # another backup is selected, or more is known about it

    def __init__(self, session: Session, db: str, only: str | None,
                 parent: QWidget | None = None) -> None:
        """`only`: offer just this backup (opened from the Backups view on it)."""
        super().__init__(parent)
        self.session, self.db, self.only = session, db, only
        self.choices: dict[str, RestoreChoice] = {}      # backups checked, by resolved path
        self.preferred: str | None = only                 # the plan's pick, or `only`
        self._checking: set[str] = set()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.list = QListWidget(self)
        self.list.setObjectName("backupList")
        self.list.setAccessibleName("Backup to restore")
        self.list.setToolTip("The backup whose contents replace the database's; newest first")
        self.list.setFixedHeight(LIST_ROWS * self.list.fontMetrics().height() * 3 // 2 + 6)
        self.changes = QLabel("", self)
        self.changes.setObjectName("restoreChanges")
        self.changes.setWordWrap(True)
        self.changes.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.list)
        lay.addWidget(self.changes)
        self.list.currentRowChanged.connect(self._selected_changed)

    def learn(self, choice: RestoreChoice, prefer: bool = False) -> None:
        """A backup checked elsewhere (the rollback plan's pick)."""
        self.choices[key(choice.path)] = choice
        if prefer and self.only is None:
            self.preferred = choice.path
        self.session.note_verdicts([choice.verdict])

    @property
    def rows(self) -> list[BackupRow]:
        rows = list(self.session.catalog.rows)
        if self.only is not None:
            rows = [r for r in rows if key(r.path) == key(self.only)]
        return rows

    @property
    def usable(self) -> bool:
        return any(r.restorable for r in self.rows)

    def fill(self) -> None:
        """The catalog's backups, newest first; the selection stays on the same backup
        when it can, else the preferred one, else the newest that can be restored."""
        rows = self.rows
        keep = self.selected_path()
        self.list.blockSignals(True)
        self.list.clear()
        for row in rows:
            info = self.choices.get(key(row.path))
            item = QListWidgetItem(backup_label(row, bool(info and info.pre_upgrade)))
            item.setData(PATH_ROLE, row.path)
            item.setToolTip(row.path + ("" if row.restorable else
                                        "\nIt fails verification: it cannot be restored."))
            if not row.restorable:
                item.setFlags(Qt.ItemFlag.NoItemFlags)      # shown, flagged, not choosable
            self.list.addItem(item)
        usable = [i for i, r in enumerate(rows) if r.restorable]
        wanted = [i for p in (keep, self.preferred) if p for i in usable
                  if key(rows[i].path) == key(p)]
        self.list.setCurrentRow((wanted or usable or [-1])[0])
        self.list.blockSignals(False)
        self.list.setVisible(bool(rows))
        self._selected_changed()

    def labels(self) -> list[str]:
        """What the list shows, top to bottom."""
        return [self.list.item(i).text() for i in range(self.list.count())]

    def selected_path(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(PATH_ROLE)) if item is not None else None

    def select(self, path: str) -> bool:
        """Choose `path` (False when it is not offered or cannot be restored)."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            if key(str(item.data(PATH_ROLE))) == key(path) and item.flags():
                self.list.setCurrentRow(i)
                return True
        return False

    def selected_row(self) -> BackupRow | None:
        path = self.selected_path()
        return self.session.catalog.row(path) if path else None

    def selected_choice(self) -> RestoreChoice | None:
        """The selected backup once it has been checked (None before)."""
        path = self.selected_path()
        return self.choices.get(key(path)) if path else None

    def blocker(self) -> str:
        """Why the selected backup cannot be restored ("" when it can)."""
        row, info = self.selected_row(), self.selected_choice()
        if row is None:
            return "Choose a backup to restore"
        if not row.restorable or (info is not None and not info.verified):
            return "This backup fails verification; choose another one"
        return ""

    def _selected_changed(self, _index: int = -1) -> None:
        path, row = self.selected_path(), self.selected_row()
        if not self.rows:
            self.changes.setText(f"{html.escape(self.only)} is not a backup of this database."
                                 if self.only else "No backup of this database was found.")
        elif path is None or row is None:
            self.changes.setText("Every backup of this database fails verification.")
        else:
            self.changes.setText(self._describe(path, row))
        self.changed.emit()

    def _describe(self, path: str, row: BackupRow) -> str:
        info = self.choices.get(key(path))
        if row.check is Check.FAILED or (info is not None and not info.verified):
            problems = info.verdict.problems if info is not None else row.problems
            return ("<span style='color:#c62828'><b>This backup fails verification:</b> "
                    + html.escape("; ".join(problems[:3])) + "</span>")
        if info is None:
            self._check(path)
            return "Checking this backup and comparing it with the database…"
        if info.changes:
            return "<br>".join(["<b>Restoring it undoes every change since it was taken:</b>"]
                               + [f"&nbsp;&nbsp;{html.escape(c)}" for c in info.changes])
        return "The database holds as many rows as this backup: nothing is lost."

    def _check(self, path: str) -> None:
        if key(path) in self._checking:
            return
        self._checking.add(key(path))

        def checked(choice: RestoreChoice) -> None:
            self._checking.discard(key(path))
            if isValid(self):           # not closed with its dialog meanwhile
                self.learn(choice)
                if self.selected_path() == path:
                    self._selected_changed()

        op = DbOp(load_restore_choice, self.db, path, label=f"Check {Path(path).name}")
        op.success(checked).failure(lambda _exc: self._checking.discard(key(path)))
        self.session.run(op)
