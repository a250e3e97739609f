"""Roll back: downgrade one revision, or restore a backup — with what each discards.

The rollback service answers (on the runner) with the two ways back and the
exact counts each one loses; the dialog shows them side by side, marks the
recommended one, and asks the operator to type the database's file name
before the destructive button is enabled. Both ways take a safety backup
first (the services do that); progress and result work like the upgrade's.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from wsadmin.db.progress import Step
from wsadmin.ui.migrations_view import pill
from wsadmin.ui.op_dialog import (
    OperationDialog,
    TypedConfirm,
    count_phrase,
    error_text,
    heading_label,
    muted_label,
)

DOWNGRADE, RESTORE = "downgrade", "restore"


@dataclass
class BackupChoice:
    path: str
    label: str                     # "2026-11-24 10:15 UTC · revision 001 · 3.2 MB"
    revision: str | None
    changes: list[str]             # "users: 480 now, 500 in the backup (+20)" ...
    discards: dict[str, int] = field(default_factory=dict)


@dataclass
class RollbackView:
    """What the dialog shows, taken from the rollback service's plan."""

    path: str
    current: str | None
    downgrade_to: str | None       # None: before 001
    can_downgrade: bool
    downgrade_reason: str          # why not, when it cannot
    downgrade_discards: dict[str, int]
    downgrade_notes: list[str]
    backups: list[BackupChoice]
    recommended: str               # DOWNGRADE | RESTORE | ""
    why: str = ""                  # why that one is recommended


def load_rollback(path: str) -> RollbackView:
    """Runs on the worker: the rollback service's plan (interim: availability only)."""
    from wsadmin.db import revisions
    from wsadmin.db.inspect import inspect

    status = inspect(path)
    cur = status.current_revision
    ids = revisions.ids()
    can = cur is not None and cur in ids
    prev = ids[ids.index(cur) - 1] if can and cur is not None and ids.index(cur) > 0 else None
    return RollbackView(path, cur, prev, can, "" if can else "the database has no revision",
                        {}, [], [], DOWNGRADE if can else "")


def run_downgrade(path: str, target: str | None, *, progress: Any = None,
                  cancel: Any = None) -> Any:
    from wsadmin.db.migrate import downgrade

    return downgrade(path, target or "base", progress=progress, cancel=cancel)


def run_restore(path: str, backup: str, *, progress: Any = None, cancel: Any = None) -> Any:
    from wsadmin.db.restore import restore_backup

    return restore_backup(path, backup, progress=progress, cancel=cancel)


def _rev(rev: str | None) -> str:
    return rev if rev is not None else "legacy (before 001)"


class OptionCard(QFrame):
    """A radio button with its explanation and the counts it discards."""

    def __init__(self, key: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"{key}Card")
        self.setStyleSheet(f"QFrame#{key}Card {{ border: 1px solid palette(mid); "
                           "border-radius: 6px; background: palette(base); }")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 12)
        lay.setSpacing(6)
        top = QHBoxLayout()
        self.radio = QRadioButton(title, self)
        self.radio.setObjectName(f"{key}Option")
        font = self.radio.font()
        font.setBold(True)
        self.radio.setFont(font)
        top.addWidget(self.radio)
        top.addStretch(1)
        self.badge = pill("recommended", self)
        self.badge.hide()
        top.addWidget(self.badge)
        lay.addLayout(top)
        self.body = QVBoxLayout()
        self.body.setContentsMargins(26, 0, 0, 0)
        self.body.setSpacing(4)
        lay.addLayout(self.body)

    def add_text(self, text: str, name: str = "", muted: bool = False) -> QLabel:
        label = muted_label(text, self) if muted else QLabel(text, self)
        label.setWordWrap(True)
        if name:
            label.setObjectName(name)
        self.body.addWidget(label)
        return label


class RollbackDialog(OperationDialog):
    def __init__(self, window: Any, path: str, parent: QWidget | None = None,
                 backup: str | None = None) -> None:
        super().__init__(window, "Restore a backup" if backup else "Roll back", parent)
        self.setObjectName("rollbackDialog")
        self.path = path
        self.only_backup = backup
        self.name = Path(path).name
        self.view: RollbackView | None = None
        self.choice = ""
        self.resize(700, 600)

        self.plan_heading = heading_label(
            f"Restore a backup into {self.name}" if backup else f"Roll back {self.name}",
            self.plan_page)
        self.plan_layout.addWidget(self.plan_heading)
        self.plan_status = muted_label("Working out what each way back discards "
                                       "(nothing is changed)…", self.plan_page)
        self.plan_status.setObjectName("planStatus")
        self.plan_layout.addWidget(self.plan_status)
        self.plan_body = QWidget(self.plan_page)
        self.plan_layout.addWidget(self.plan_body, 1)
        self.typed = TypedConfirm(self.name, "confirm", self.plan_page)
        self.typed.setEnabled(False)
        self.plan_layout.addWidget(self.typed)
        self.typed.matchedChanged.connect(lambda _m: self._update_button())

        self.confirm_button.setText("Roll back")
        self.confirm_button.setEnabled(False)
        self.confirm_button.setDefault(False)
        self.cancel_button.setDefault(True)
        self.group = QButtonGroup(self)
        self.runner.submit(load_rollback, path, label=f"plan rollback of {self.name}",
                           on_success=self._ready, on_failure=self._plan_failed)

    # -- plan page ----------------------------------------------------------------
    def _ready(self, view: RollbackView) -> None:
        self.view = view
        lay = QVBoxLayout(self.plan_body)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)
        self.plan_status.setText(
            f"The database is at {_rev(view.current)}. Choose a way back; either one first "
            "takes a safety backup of the database as it is now.")

        down = OptionCard(DOWNGRADE, f"Downgrade one revision ({_rev(view.current)} → "
                                     f"{_rev(view.downgrade_to)})", self.plan_body)
        self.down_card = down
        if view.can_downgrade:
            down.add_text("Undoes the newest revision with its own downgrade; rows that "
                          "existed before it stay.", muted=True)
            lost = count_phrase(view.downgrade_discards, zero="nothing")
            down.add_text(f"<b>Discards:</b> {html.escape(lost)}", "downgradeDiscards")
            for note in view.downgrade_notes:
                down.add_text(html.escape(note), muted=True)
        else:
            down.radio.setEnabled(False)
            down.add_text(html.escape(view.downgrade_reason or "not possible"),
                          "downgradeReason", muted=True)
        lay.addWidget(down)

        rest = OptionCard(RESTORE, "Restore a backup", self.plan_body)
        self.restore_card = rest
        self.backup_combo = QComboBox(rest)
        self.backup_combo.setObjectName("backupCombo")
        self.backup_combo.setAccessibleName("Backup to restore")
        self.backup_combo.setToolTip("The backup whose contents replace the database's")
        for b in view.backups:
            self.backup_combo.addItem(b.label, b.path)
            self.backup_combo.setItemData(self.backup_combo.count() - 1, b.path,
                                          Qt.ItemDataRole.ToolTipRole)
        rest.body.addWidget(self.backup_combo)
        self.restore_changes = rest.add_text("", "restoreChanges")
        self.restore_changes.setTextFormat(Qt.TextFormat.RichText)
        if not view.backups:
            rest.radio.setEnabled(False)
            self.backup_combo.hide()
            self.restore_changes.setText("There is no verified backup of this database.")
        self.backup_combo.currentIndexChanged.connect(self._backup_changed)
        self._backup_changed()
        lay.addWidget(rest)

        for card in (down, rest):
            self.group.addButton(card.radio)
            card.radio.toggled.connect(self._choice_changed)
        if view.recommended in (DOWNGRADE, RESTORE):
            card = down if view.recommended == DOWNGRADE else rest
            card.badge.show()
            card.badge.setToolTip(view.why or "The way back that discards the least")
            card.radio.setChecked(True)
        if view.why:
            why = muted_label(html.escape(view.why), self.plan_body)
            why.setObjectName("recommendationWhy")
            lay.addWidget(why)
        if self.only_backup is not None:
            self._restore_only(self.only_backup)
        lay.addStretch(1)
        if not view.can_downgrade and not view.backups:
            self.plan_status.setText("There is no way back: the database has no revision to "
                                     "undo and no verified backup.")
            self.confirm_button.hide()
            return
        self.typed.setEnabled(True)

    def _restore_only(self, backup: str) -> None:
        """Opened from the Backups view on one backup: only the restore choice, on it."""
        assert self.view is not None
        self.down_card.hide()
        self.restore_card.badge.hide()
        at = self.backup_combo.findData(backup)
        if at < 0:
            self.restore_card.radio.setEnabled(False)
            self.restore_changes.setText(f"{html.escape(backup)} is not a verified backup of "
                                         "this database; it cannot be restored.")
            self.backup_combo.hide()
            return
        self.backup_combo.setCurrentIndex(at)
        self.restore_card.radio.setChecked(True)

    def _backup_changed(self, _index: int = -1) -> None:
        choice = self.selected_backup()
        if choice is None:
            return
        lines = [f"<b>Discards:</b> {html.escape(count_phrase(choice.discards, zero='nothing'))}"
                 " added since the backup"] if choice.discards else []
        lines += [html.escape(c) for c in choice.changes] or [
            "The database holds the same rows as this backup."]
        self.restore_changes.setText("<br>".join(lines))

    def selected_backup(self) -> BackupChoice | None:
        if self.view is None or not self.view.backups:
            return None
        index = max(0, self.backup_combo.currentIndex())
        return self.view.backups[index]

    def _choice_changed(self, _checked: bool) -> None:
        if self.down_card.radio.isChecked():
            self.choice = DOWNGRADE
            self.confirm_button.setText(f"Downgrade to {_rev(self.view.downgrade_to)}"
                                        if self.view else "Downgrade")
        elif self.restore_card.radio.isChecked():
            self.choice = RESTORE
            self.confirm_button.setText("Restore this backup")
        self._update_button()

    def _update_button(self) -> None:
        self.confirm_button.setEnabled(bool(self.choice) and self.typed.matched)
        self.confirm_button.setToolTip(
            "" if self.typed.matched else f"Type {self.name} above to enable this button")

    def _plan_failed(self, exc: BaseException) -> None:
        message, hint = error_text(exc)
        self.plan_status.setObjectName("planError")
        self.plan_status.setStyleSheet("color: #c62828;")
        self.plan_status.setText(f"<b>Cannot roll back:</b> {html.escape(message)}"
                                 + (f"<br>{html.escape(hint)}" if hint else ""))
        self.confirm_button.hide()
        self.cancel_button.setText("Close")

    # -- running ------------------------------------------------------------------
    def confirm(self) -> None:
        if self.view is None or not self.typed.matched or not self.choice:
            return
        if self.choice == DOWNGRADE:
            target = self.view.downgrade_to
            self.run(run_downgrade, self.path, target, label=f"downgrade {self.name}",
                     heading=f"Downgrading {self.name} to {_rev(target)}…",
                     steps=[("backup", "Back up the database"),
                            ("verify", "Verify the backup"),
                            (f"downgrade:{self.view.current}",
                             f"Undo {self.view.current}")],
                     note="You can cancel until the downgrade itself starts.")
        else:
            backup = self.selected_backup()
            if backup is None:
                return
            self.run(run_restore, self.path, backup.path, label=f"restore {self.name}",
                     heading=f"Restoring {self.name}…",
                     steps=[("check-backup", "Verify the backup to restore"),
                            ("safety-backup", "Safety backup of the database"),
                            ("safety-verify", "Verify the safety backup"),
                            ("restore", f"Copy {Path(backup.path).name} into the database"),
                            ("verify-restore", "Verify the restored database")],
                     note="You can cancel until the copy into the database starts.")

    def unsafe_step(self, step: Step) -> bool:
        return step.id.startswith("downgrade:") or step.id in ("restore", "verify-restore")

    # -- result -------------------------------------------------------------------
    def on_success(self, result: Any) -> None:
        if self.choice == DOWNGRADE:
            after = getattr(result, "after", None)
            backup = getattr(result, "backup", None)
            lines = [html.escape(after.summary[:1].upper() + after.summary[1:]) + "."
                     if after is not None else ""]
            if backup is not None:
                lines.append("The state before the downgrade is kept in "
                             f"<b>{html.escape(str(backup.path))}</b>.")
            target = getattr(result, "to_revision", None)
            self.show_result(True, f"Downgraded to {_rev(target)}", "<br>".join(lines))
        else:
            lines = [f"The database now holds what {html.escape(str(result.backup))} held "
                     f"(revision {_rev(result.revision)}): "
                     f"{html.escape(count_phrase(result.counts_after))}."]
            if result.safety_backup is not None:
                lines.append("The state before the restore is kept in "
                             f"<b>{html.escape(str(result.safety_backup.path))}</b>.")
            self.show_result(True, "Backup restored", "<br>".join(lines))

    def on_failure(self, exc: BaseException) -> None:
        message, hint = error_text(exc)
        body = html.escape(message) + (f"<br><br>{html.escape(hint)}" if hint else "")
        verb = "downgrade" if self.choice == DOWNGRADE else "restore"
        heading = (f"The {verb} was cancelled" if type(exc).__name__ == "Cancelled"
                   else f"The {verb} failed")
        self.show_result(False, heading, body)
