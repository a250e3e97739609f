"""Roll back: downgrade one revision, or restore a backup — with what each discards.

The rollback service answers (on the session's worker) with the downgrade and
its exact cost, the backup it would restore and which way it recommends. The
backups offered are the session's catalog, the same list as the Backups view:
newest first, each with what is known of its verification; one that fails
verification is shown as such and cannot be chosen. Choosing a backup checks
it and says what restoring it undoes. The list follows the catalog while the
dialog is open. The destructive button needs the database's file name typed
(Enter confirms once it matches). Both ways take a safety backup first; a
failure says what was changed, or that nothing was.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.dialogs.backup_chooser import BackupChooser, OptionCard, discard_phrase
from wsadmin.ui.dialogs.operation import NOTHING_CHANGED, OperationDialog
from wsadmin.ui.format import count_phrase, revision_name
from wsadmin.ui.ops.core import Cancelled, Step
from wsadmin.ui.ops.migrate import pipeline_backup
from wsadmin.ui.ops.op import Change, DbOp
from wsadmin.ui.ops.rollback import (
    DOWNGRADE,
    RESTORE,
    RollbackPlan,
    load_rollback_plan,
    restore_backups,
    run_downgrade,
    run_restore,
)
from wsadmin.ui.widgets.errors import error_text
from wsadmin.ui.widgets.labels import heading_label, muted_label
from wsadmin.ui.widgets.typed_confirm import TypedConfirm

if TYPE_CHECKING:
    from wsadmin.ui.session import Session

WRITES = Change.STATUS | Change.BACKUPS | Change.AUDIT


class RollbackDialog(OperationDialog):
    replan_on = Change.STATUS | Change.BACKUPS

    def __init__(self, session: Session, parent: QWidget | None = None,
                 backup: str | None = None) -> None:
        super().__init__(session, "Restore a backup" if backup else "Roll back", parent)
        assert session.path is not None
        self.setObjectName("rollbackDialog")
        self.path = str(session.path)
        self.only_backup = backup
        self.name = Path(self.path).name
        self.plan: RollbackPlan | None = None
        self._planning: DbOp[RollbackPlan] | None = None
        self._plan_again = False
        self.choice = ""
        self.resize(720, 620)

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
        self.typed.submitted.connect(self._submitted)

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
        self.down_card: OptionCard | None = None
        self.restore_card: OptionCard | None = None
        self.replan(Change.STATUS)

    # -- plan page ----------------------------------------------------------------
    def replan(self, what: Change) -> None:
        if not what & (Change.STATUS | Change.DATABASE):
            self._fill_backups()        # only the backups changed: the list follows them
            return
        if self._planning is not None:  # the plan under way may be out of date: again
            self._plan_again = True
            return
        op = DbOp(load_rollback_plan, self.path, self.only_backup,
                  label=f"Plan the rollback of {self.name}")
        self._planning = op.success(self._ready).failure(self._plan_failed)
        self.session.run(op.ended(self._planned))

    def _planned(self, _op: DbOp[RollbackPlan]) -> None:
        self._planning = None
        if self._plan_again and not self.closed and not self.running:
            self._plan_again = False
            self.replan(Change.STATUS)

    def _ready(self, plan: RollbackPlan) -> None:
        if self.closed or self.running or self._plan_again:
            return
        self.plan = plan
        self.down_card = self.restore_card = None
        old = self.plan_body
        self.plan_body = QWidget(self.plan_page)
        self.plan_layout.replaceWidget(old, self.plan_body)
        self.accept_loss.setParent(self.plan_page)
        old.deleteLater()
        lay = QVBoxLayout(self.plan_body)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)
        self.plan_status.setStyleSheet("")
        self.plan_status.setText(
            f"The database is at {revision_name(plan.current)}. Choose a way back; either "
            "one first takes a safety backup of the database as it is now.")
        self.down_card = self._downgrade_card(plan)
        lay.addWidget(self.down_card)
        restore_card = self._restore_card()
        lay.addWidget(restore_card)
        self.group = QButtonGroup(self.plan_body)
        for card in (self.down_card, restore_card):
            self.group.addButton(card.radio)
            card.radio.toggled.connect(self._choice_changed)
        if plan.why:
            why = muted_label("<b>Why this recommendation:</b> "
                              + html.escape(plan.why[:1].upper() + plan.why[1:]) + ".",
                              self.plan_body)
            why.setObjectName("recommendationWhy")
            lay.addWidget(why)
        lay.addStretch(1)
        self.restore_card = restore_card
        if plan.chosen is not None:
            self.chooser.learn(plan.chosen, prefer=True)
        self._fill_backups()
        if plan.recommended in (DOWNGRADE, RESTORE) and self.only_backup is None:
            card = self.down_card if plan.recommended == DOWNGRADE else restore_card
            card.badge.show()
            card.badge.setToolTip(plan.why or "The way back that discards the least")
            card.radio.setChecked(True)
        if self.only_backup is not None:
            self.down_card.hide()
            if restore_card.radio.isEnabled():
                restore_card.radio.setChecked(True)
        self.plan_body.show()       # made while the dialog is shown: not shown by itself

    def _downgrade_card(self, plan: RollbackPlan) -> OptionCard:
        down = OptionCard(DOWNGRADE, f"Downgrade one revision ({revision_name(plan.current)} "
                                     f"→ {revision_name(plan.downgrade_to)})", self.plan_body)
        if not plan.can_downgrade:
            down.radio.setEnabled(False)
            down.add_text(html.escape(plan.downgrade_reason or "not possible"),
                          "downgradeReason", muted=True)
            return down
        down.add_text("Undoes the newest revision with its own downgrade; rows that "
                      "existed before it stay.", muted=True)
        down.add_text(f"<b>Discards:</b> {html.escape(discard_phrase(plan.downgrade_discards))}",
                      "downgradeDiscards")
        for note in plan.downgrade_notes:
            label = down.add_text(html.escape(note[:1].upper() + note[1:]), "downgradeNote")
            if plan.needs_accept_loss:
                label.setStyleSheet("color: #c62828;")
        if plan.needs_accept_loss:
            down.body.addWidget(self.accept_loss)
            self.accept_loss.show()
        return down

    def _restore_card(self) -> OptionCard:
        rest = OptionCard(RESTORE, "Restore a backup", self.plan_body)
        self.chooser = BackupChooser(self.session, self.path, self.only_backup, rest)
        rest.body.addWidget(self.chooser)
        self.chooser.changed.connect(self._update_button)
        return rest

    def _fill_backups(self) -> None:
        if self.restore_card is not None:
            self.chooser.fill()
            self.restore_card.radio.setEnabled(self.chooser.usable)
            self._no_way_back()

    def _no_way_back(self) -> None:
        plan = self.plan
        if plan is None or self.restore_card is None:
            return
        if plan.can_downgrade or self.restore_card.radio.isEnabled():
            self.typed.setEnabled(True)
            self.confirm_button.show()
            return
        self.plan_status.setText("There is no way back: the database has no revision to "
                                 f"undo and no backup that could be restored. {NOTHING_CHANGED}")
        self.typed.setEnabled(False)
        self.confirm_button.hide()

    def _choice_changed(self, _checked: bool) -> None:
        if self.down_card is not None and self.down_card.radio.isChecked():
            self.choice = DOWNGRADE
            self.confirm_button.setText(
                f"Downgrade to {revision_name(self.plan.downgrade_to if self.plan else None)}")
        elif self.restore_card is not None and self.restore_card.radio.isChecked():
            self.choice = RESTORE
            self.confirm_button.setText("Restore this backup")
        self._update_button()

    def _update_button(self) -> None:
        ok = bool(self.choice) and self.typed.matched and not self.session.writing
        tip = "" if self.typed.matched else f"Type {self.name} above to enable this button"
        if ok and self.choice == DOWNGRADE and self.plan is not None \
                and self.plan.needs_accept_loss and not self.accept_loss.isChecked():
            ok, tip = False, "Tick the box that accepts the loss, or restore a backup instead"
        if ok and self.choice == RESTORE and self.chooser.blocker():
            ok, tip = False, self.chooser.blocker()
        self.confirm_button.setEnabled(ok)
        self.confirm_button.setToolTip(tip)

    def _submitted(self) -> None:
        if self.confirm_button.isEnabled() and self.confirm_button.isVisible():
            self.confirm()

    def _plan_failed(self, exc: BaseException) -> None:
        if self.closed or self.running:
            return
        message, hint = error_text(exc)
        self.plan_status.setObjectName("planError")
        self.plan_status.setStyleSheet("color: #c62828;")
        self.plan_status.setText(f"<b>Cannot roll back:</b> {html.escape(message)}"
                                 + (f"<br>{html.escape(hint)}" if hint else "")
                                 + f"<br>{NOTHING_CHANGED}")
        self.confirm_button.hide()
        self.typed.setEnabled(False)
        self.cancel_button.setText("Close")

    # -- running ------------------------------------------------------------------
    def confirm(self) -> None:
        plan = self.plan
        if plan is None or not self.typed.matched or not self.choice or self.running:
            return
        if not self.confirm_button.isEnabled():
            return
        if self.choice == DOWNGRADE:
            cur = plan.current
            self.run(run_downgrade, self.path, label=f"Downgrade {self.name}",
                     accept_loss=plan.needs_accept_loss and self.accept_loss.isChecked(),
                     heading=f"Downgrading {self.name} to {revision_name(plan.downgrade_to)}…",
                     steps=[("preflight", "Check the database can be changed safely"),
                            ("backup", "Back up the database"),
                            ("verify", "Verify the backup"),
                            (f"downgrade:{cur}", f"Undo {cur}"),
                            ("post-verify", "Verify the result before committing")],
                     changes=WRITES, note="You can cancel until the downgrade itself starts.")
            return
        backup = self.chooser.selected_path()
        if backup is None:
            return
        self.run(run_restore, self.path, backup, label=f"Restore {self.name}",
                 heading=f"Restoring {self.name}…",
                 steps=[("check-backup", "Verify the backup to restore"),
                        ("safety-backup", "Safety backup of the database"),
                        ("safety-verify", "Verify the safety backup"),
                        ("restore", f"Copy {Path(backup).name} into the database"),
                        ("verify-restore", "Verify the restored database")],
                 changes=WRITES, note="You can cancel until the copy into the database starts.")

    def unsafe_step(self, step: Step) -> bool:
        return step.id.startswith("downgrade:") or step.id in (
            "post-verify", "restore", "verify-restore")

    # -- result -------------------------------------------------------------------
    def on_success(self, result: Any) -> None:
        if self.choice == DOWNGRADE:
            self.session.note_written_backups(pipeline_backup(result))
            lines = [f"{html.escape(self.name)} went from {revision_name(result.from_revision)} "
                     f"to {revision_name(result.to_revision)}. It now holds "
                     f"{html.escape(count_phrase(result.counts_after))}."]
            if result.backup is not None:
                lines.append("The state before the downgrade is kept in "
                             f"<b>{html.escape(str(result.backup.path))}</b>.")
            self.show_result(True, f"Downgraded to {revision_name(result.to_revision)}",
                             "<br>".join(lines))
            return
        self.session.note_written_backups(restore_backups(result))
        lines = [f"{html.escape(self.name)} now holds what "
                 f"{html.escape(Path(result.backup).name)} held (revision "
                 f"{revision_name(result.revision)}): "
                 f"{html.escape(count_phrase(result.counts_after))}."]
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
        body.append(self._what_changed(exc, outcome))
        self.show_result(False, heading, "<br><br>".join(body))

    def _what_changed(self, exc: BaseException, outcome: str) -> str:
        """The last words of a failure: what was changed, or that nothing was."""
        done = self.done_steps()
        if self.choice == DOWNGRADE:
            backup = getattr(getattr(getattr(exc, "result", None), "backup", None), "path", "")
            kept = f" The backup taken before it is kept in {html.escape(str(backup))}." \
                if backup else ""
            if backup:
                self.session.note_written_backups([str(backup)])
            if outcome == "failed-restored":
                return ("<b>The downgrade changed the database and it was put back from the "
                        f"backup:</b> it is as it was before.{kept}")
            if outcome == "failed-not-restored":
                return ("<b>The database was changed and could not be put back</b>; restore "
                        f"the backup.{kept}")
            if outcome == "failed-unchanged" or "verify" in done:
                return f"The database was not changed.{kept}"
            return NOTHING_CHANGED
        safety = self.steps.detail("safety-backup") if "safety-verify" in done else ""
        if safety:
            self.session.note_written_backups([safety])
        if "restore" in done:
            return ("<b>The database was changed:</b> the backup was copied into it, but the "
                    "result could not be verified. The state before the restore is kept in "
                    f"the safety backup {html.escape(safety)}; restore that one.")
        if safety:
            return ("The database was not changed. The only file written is the safety "
                    f"backup {html.escape(safety)}.")
        return NOTHING_CHANGED
