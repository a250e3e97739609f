"""Roll back: downgrade one revision, or restore a backup — with what each discards.

The rollback service answers (on the runner) with the two ways back and the
exact counts each one loses; the dialog shows them side by side, marks the
recommended one, and asks the operator to type the database's file name
before the destructive button is enabled. Both ways take a safety backup
first (the services do that); progress and result work like the upgrade's.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from wsadmin.db.progress import Cancelled, Step
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
    label: str                     # "2026-11-24 10:15:00 UTC · revision 001 · 3.2 MB"
    revision: str | None
    verified: bool | None          # None: checked when it is restored
    problems: list[str]
    changes: list[str]             # "users: 480 now, 500 in the backup (+20)" ...
    pre_upgrade: bool


@dataclass
class RollbackView:
    """What the dialog shows, taken from wsadmin.db.rollback.plan_rollback."""

    path: str
    current: str | None
    downgrade_to: str | None       # None: before 001
    can_downgrade: bool
    downgrade_reason: str          # why not, when it cannot
    downgrade_discards: dict[str, int]
    downgrade_notes: list[str]
    needs_accept_loss: bool        # the downgrade would delete data older than the revision
    backups: list[BackupChoice]    # the service's choice first
    recommended: str               # DOWNGRADE | RESTORE | ""
    why: str = ""                  # why that one is recommended


def _choice(opt: Any) -> BackupChoice:
    return BackupChoice(opt.path, opt.label + ("" if opt.verified is None else
                                               (" · verified" if opt.verified else
                                                " · FAILS verification")),
                        opt.revision, opt.verified, list(opt.problems), list(opt.changes),
                        bool(opt.pre_upgrade))


def load_rollback(path: str, backup: str | None = None) -> RollbackView:
    """Runs on the worker: the rollback service's plan (reads only)."""
    from wsadmin.db import rollback

    plan = rollback.plan_rollback(path, backup)
    cost = plan.downgrade.cost
    backups: list[BackupChoice] = []
    if plan.restore is not None:
        backups.append(_choice(plan.restore))
    seen = {Path(b.path).resolve() for b in backups}
    for opt in plan.backups:
        if Path(opt.path).resolve() not in seen:
            backups.append(_choice(opt))
    return RollbackView(
        path, plan.current_revision, cost.target if cost is not None else None,
        plan.downgrade.available and cost is not None, plan.downgrade.reason,
        {k: v for k, v in cost.discards.items() if v} if cost is not None else {},
        list(cost.notes) if cost is not None else [],
        bool(cost is not None and cost.reused_default), backups, plan.recommended, plan.why)


def load_choice(path: str, backup: str) -> BackupChoice:
    """Runs on the worker: verify one backup and compare it with the database."""
    from wsadmin.db import rollback

    plan = rollback.plan_rollback(path, backup)
    assert plan.restore is not None
    return _choice(plan.restore)


def run_downgrade(path: str, *, accept_loss: bool = False, progress: Any = None,
                  cancel: Any = None) -> Any:
    from wsadmin.db import rollback

    return rollback.downgrade_one(path, accept_loss=accept_loss, progress=progress,
                                  cancel=cancel)


def run_restore(path: str, backup: str, *, progress: Any = None, cancel: Any = None) -> Any:
    from wsadmin.db import rollback

    return rollback.restore(path, backup, progress=progress, cancel=cancel)


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
        self.accept_loss = QCheckBox("I understand: delete that workspace and its "
                                     "memberships anyway", self.plan_page)
        self.accept_loss.setObjectName("acceptLossBox")
        self.accept_loss.setToolTip("Needed only for a downgrade that deletes data that "
                                    "existed before the revision")
        self.accept_loss.hide()
        self.accept_loss.toggled.connect(lambda _c: self._update_button())
        self.runner.submit(load_rollback, path, backup, label=f"Plan the rollback of {self.name}",
                           on_success=self._ready, on_failure=self._plan_failed)

    # -- plan page ----------------------------------------------------------------
    def _ready(self, view: RollbackView) -> None:
        if self.closed or self.view is not None:  # closed, or already built
            return
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
            lost = discard_phrase(view.downgrade_discards)
            down.add_text(f"<b>Discards:</b> {html.escape(lost)}", "downgradeDiscards")
            for note in view.downgrade_notes:
                label = down.add_text(html.escape(note[:1].upper() + note[1:]),
                                      "downgradeNote")
                if view.needs_accept_loss:
                    label.setStyleSheet("color: #c62828;")
            if view.needs_accept_loss:
                down.body.addWidget(self.accept_loss)
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
            self.restore_changes.setText("No backup of this database was found.")
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
            why = muted_label("<b>Why this recommendation:</b> "
                              + html.escape(view.why[:1].upper() + view.why[1:]) + ".",
                              self.plan_body)
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
        lines: list[str] = []
        if choice.verified is False:
            lines.append("<span style='color:#c62828'><b>This backup fails verification:</b> "
                         + html.escape("; ".join(choice.problems[:3])) + "</span>")
        elif choice.verified is None:
            lines.append("It is verified before anything is changed.")
        if choice.changes:
            lines.append("<b>Restoring it undoes every change since it was taken:</b>")
            lines += [f"&nbsp;&nbsp;{html.escape(c)}" for c in choice.changes]
        elif choice.verified is not None:
            lines.append("The database holds as many rows as this backup: nothing is lost.")
        self.restore_changes.setText("<br>".join(lines))
        self._update_button()

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
        ok = bool(self.choice) and self.typed.matched
        tip = "" if self.typed.matched else f"Type {self.name} above to enable this button"
        if ok and self.choice == DOWNGRADE and self.view is not None \
                and self.view.needs_accept_loss and not self.accept_loss.isChecked():
            ok, tip = False, "Tick the box that accepts the loss, or restore a backup instead"
        if ok and self.choice == RESTORE:
            backup = self.selected_backup()
            if backup is None or backup.verified is False:
                ok, tip = False, "This backup fails verification; choose another one"
        self.confirm_button.setEnabled(ok)
        self.confirm_button.setToolTip(tip)

    def _plan_failed(self, exc: BaseException) -> None:
        if self.closed:
            return
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
            target, cur = self.view.downgrade_to, self.view.current
            self.run(run_downgrade, self.path, label=f"Downgrade {self.name}",
                     accept_loss=self.view.needs_accept_loss and self.accept_loss.isChecked(),
                     heading=f"Downgrading {self.name} to {_rev(target)}…",
                     steps=[("preflight", "Check the database can be changed safely"),
                            ("backup", "Back up the database"),
                            ("verify", "Verify the backup"),
                            (f"downgrade:{cur}", f"Undo {cur}"),
                            ("post-verify", "Verify the result before committing")],
                     note="You can cancel until the downgrade itself starts.")
        else:
            backup = self.selected_backup()
            if backup is None:
                return
            self.run(run_restore, self.path, backup.path, label=f"Restore {self.name}",
                     heading=f"Restoring {self.name}…",
                     steps=[("check-backup", "Verify the backup to restore"),
                            ("safety-backup", "Safety backup of the database"),
                            ("safety-verify", "Verify the safety backup"),
                            ("restore", f"Copy {Path(backup.path).name} into the database"),
                            ("verify-restore", "Verify the restored database")],
                     note="You can cancel until the copy into the database starts.")

    def unsafe_step(self, step: Step) -> bool:
        return step.id.startswith("downgrade:") or step.id in (
            "post-verify", "restore", "verify-restore")

    # -- result -------------------------------------------------------------------
    def on_success(self, result: Any) -> None:
        if self.choice == DOWNGRADE:
            lines = [f"{html.escape(self.name)} went from {_rev(result.from_revision)} to "
                     f"{_rev(result.to_revision)}. It now holds "
                     f"{html.escape(count_phrase(result.counts_after))}."]
            if result.backup is not None:
                lines.append("The state before the downgrade is kept in "
                             f"<b>{html.escape(str(result.backup.path))}</b>.")
            self.show_result(True, f"Downgraded to {_rev(result.to_revision)}",
                             "<br>".join(lines))
        else:
            lines = [f"{html.escape(self.name)} now holds what "
                     f"{html.escape(Path(result.backup).name)} held (revision "
                     f"{_rev(result.revision)}): {html.escape(count_phrase(result.counts_after))}."]
            if result.safety_backup is not None:
                lines.append("The state before the restore is kept in "
                             f"<b>{html.escape(str(result.safety_backup.path))}</b>.")
            self.show_result(True, "Backup restored", "<br>".join(lines))

    def on_failure(self, exc: BaseException) -> None:
        message, hint = error_text(exc)
        outcome = getattr(getattr(exc, "result", None), "outcome", "")
        verb = "downgrade" if self.choice == DOWNGRADE else "restore"
        body = [html.escape(message[:1].upper() + message[1:])]
        if hint:
            body.append(html.escape(hint))
        if isinstance(exc, Cancelled):
            heading = f"The {verb} was cancelled"
        elif outcome == "failed-restored":
            heading = f"The {verb} failed — your database was restored"
        elif outcome == "failed-unchanged":
            heading = f"The {verb} failed — your database is unchanged"
        else:
            heading = f"The {verb} failed"
        self.show_result(False, heading, "<br><br>".join(body))


def discard_phrase(discards: dict[str, int]) -> str:
    """{'workspaces': 1, 'memberships': 40} -> '1 workspace, 40 memberships'."""
    parts = []
    for what, n in discards.items():
        words = what.split(" ")
        if n == 1 and words[-1].endswith("s"):
            words[-1] = words[-1][:-1]
        parts.append(f"{n:,} {' '.join(words).replace('_', ' ')}")
    return ", ".join(parts) or "nothing"
