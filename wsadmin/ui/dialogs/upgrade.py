"""Back up and upgrade: plan, confirm, progress with a tick per step, result.

The plan is the pipeline's dry run (changes nothing): the backup it will
write (in the same folder the run writes it, named by the time it is taken),
the revisions, row counts and the preflight findings such as "another process
has this database open". The operator may ask for a rehearsal on a copy and
confirms; the progress page shows the pipeline's steps (preflight, backup,
verify, upgrade:<rev>, post-verify, restore); Cancel works until the upgrade
transaction starts. The result page says the new status, or what failed and
what that changed: nothing, or the database was restored from the backup.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.dialogs.operation import NOTHING_CHANGED, OperationDialog
from wsadmin.ui.format import count_phrase
from wsadmin.ui.ops.core import Cancelled, Step
from wsadmin.ui.ops.migrate import (
    REHEARSAL_STEPS,
    Finding,
    UpgradePlan,
    load_upgrade_plan,
    pipeline_backup,
    run_upgrade,
)
from wsadmin.ui.ops.op import Change, DbOp
from wsadmin.ui.widgets.errors import error_text
from wsadmin.ui.widgets.labels import heading_label, muted_label
from wsadmin.ui.widgets.step_list import Mark, StateIcon

if TYPE_CHECKING:
    from wsadmin.ui.session import Session

CHECK_MARKS = {"ok": Mark.DONE, "note": Mark.SKIPPED, "problem": Mark.FAILED}
WRITES = Change.STATUS | Change.BACKUPS | Change.AUDIT


class CheckRow(QWidget):
    """One preflight finding: a tick, an info mark or a cross, and its words."""

    def __init__(self, check: Finding, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"check:{check.kind}")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)
        icon = StateIcon(self)
        icon.set_mark(CHECK_MARKS[check.kind])
        lay.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        text = check.text[:1].upper() + check.text[1:]
        if check.hint and not check.ok:
            text += f" — {check.hint}"
        self.label = QLabel(text, self)
        self.label.setObjectName("checkText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if not check.ok:
            self.label.setStyleSheet("color: #c62828;")
        lay.addWidget(self.label, 1)
        self.setAccessibleName({"ok": "OK: ", "note": "Note: ", "problem": "Problem: "}[
            check.kind] + check.text)


class UpgradeDialog(OperationDialog):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, "Back up and upgrade", parent)
        assert session.path is not None
        self.setObjectName("upgradeDialog")
        self.path = str(session.path)
        self.name = Path(self.path).name
        self.plan: UpgradePlan | None = None
        self.plan_error: BaseException | None = None
        self._planning: DbOp[UpgradePlan] | None = None
        self._plan_again = False
        self.resize(700, 580)

        self.plan_heading = heading_label(f"Upgrade {self.name}", self.plan_page)
        self.plan_heading.setObjectName("planHeading")
        self.plan_layout.addWidget(self.plan_heading)
        self.plan_status = muted_label("Preparing the plan (nothing is changed)…",
                                       self.plan_page)
        self.plan_status.setObjectName("planStatus")
        self.plan_layout.addWidget(self.plan_status)
        self.plan_body = QWidget(self.plan_page)
        self.plan_layout.addWidget(self.plan_body, 1)

        self.rehearse_box = QCheckBox("Rehearse on a copy first", self.plan_page)
        self.rehearse_box.setObjectName("rehearseBox")
        self.rehearse_box.setToolTip(
            "Upgrade, downgrade and upgrade again a temporary copy first, and stop if the "
            "round trip does not preserve every row; only then touch the real database")
        self.rehearse_box.setAccessibleName("Rehearse on a copy first")
        self.plan_layout.addWidget(self.rehearse_box)

        self.confirm_button.setText("Back up and upgrade")
        self.confirm_button.setToolTip("Back up, verify the backup, then upgrade")
        self.replan(Change.STATUS)

    # -- plan page ----------------------------------------------------------------
    def replan(self, what: Change) -> None:
        if self._planning is not None:  # the plan under way may be out of date: again
            self._plan_again = True
            return
        self.confirm_button.setEnabled(False)
        self.rehearse_box.setEnabled(False)
        op = DbOp(load_upgrade_plan, self.path, label=f"Plan the upgrade of {self.name}")
        self._planning = op.success(self._plan_ready).failure(self._plan_failed)
        self.session.run(op.ended(self._planned))

    def _planned(self, _op: DbOp[UpgradePlan]) -> None:
        self._planning = None
        if self._plan_again and not self.closed and not self.running:
            self._plan_again = False
            self.replan(Change.STATUS)

    def _fresh_body(self) -> QVBoxLayout:
        """An empty plan body (a plan made again replaces the previous one)."""
        old = self.plan_body
        self.plan_body = QWidget(self.plan_page)
        self.plan_body.setObjectName("planBody")
        self.plan_layout.replaceWidget(old, self.plan_body)
        old.deleteLater()
        lay = QVBoxLayout(self.plan_body)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.setSpacing(10)
        return lay

    def _plan_ready(self, plan: UpgradePlan) -> None:
        if self.closed or self.running or self._plan_again:
            return
        self.plan, self.plan_error = plan, None
        self.plan_status.setStyleSheet("")
        lay = self._fresh_body()
        self._fill_plan(plan, lay)
        self.plan_body.show()       # made while the dialog is shown: not shown by itself

    def _fill_plan(self, plan: UpgradePlan, lay: QVBoxLayout) -> None:
        if not plan.revisions and not plan.blocked:
            self.plan_status.setText(f"{self.name} is already at the newest revision "
                                     f"({plan.current}); there is nothing to do.")
            self.confirm_button.hide()
            self.cancel_button.setText("Close")
            return
        self.confirm_button.show()
        self.cancel_button.setText("Cancel")
        if plan.revisions:
            from_ = plan.current or "legacy (before 001)"
            self.plan_status.setText(
                f"From {from_} to {plan.target}. The database is backed up and the backup "
                "verified before anything changes; all revisions run in one transaction, and "
                "if any step fails the database is put back as it was.")
            lay.addLayout(self._plan_form(plan))
            line = QFrame(self.plan_body)
            line.setFrameShape(QFrame.Shape.HLine)
            line.setFrameShadow(QFrame.Shadow.Sunken)
            lay.addWidget(line)
        lay.addWidget(QLabel("<b>Preflight</b>", self.plan_body))
        for check in plan.checks:
            lay.addWidget(CheckRow(check, self.plan_body))
        lay.addStretch(1)
        if plan.blocked:
            self.confirm_button.setToolTip("The preflight found a problem; see above")
            self.plan_status.setText("<b>The upgrade cannot start.</b> Nothing was changed; "
                                     "fix the problem below and try again.")
            self.plan_status.setStyleSheet("color: #c62828;")
        else:
            self.confirm_button.setEnabled(True)
            self.rehearse_box.setEnabled(True)
            self.confirm_button.setFocus()

    def _plan_form(self, plan: UpgradePlan) -> QFormLayout:
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setFormAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(8)
        revs = QLabel("<br>".join(f"<b>{r}</b> — {html.escape(plan.titles.get(r, ''))}"
                                  for r in plan.revisions), self.plan_body)
        revs.setObjectName("planRevisions")
        revs.setWordWrap(True)
        form.addRow("Revisions:", revs)
        backup = QLabel(f"{html.escape(plan.backup_path)}<br><small>(the time in its name is "
                        "when it is taken)</small>", self.plan_body)
        backup.setObjectName("planBackup")
        backup.setWordWrap(True)
        backup.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        backup.setToolTip(plan.backup_path)
        form.addRow("Backup:", backup)
        counts = QLabel(count_phrase(plan.counts), self.plan_body)
        counts.setObjectName("planCounts")
        counts.setWordWrap(True)
        form.addRow("Rows now:", counts)
        return form

    def problems(self) -> list[str]:
        return [] if self.plan is None else [c.text for c in self.plan.checks if not c.ok]

    def _plan_failed(self, exc: BaseException) -> None:
        if self.closed or self.running or self._plan_again:
            return
        self.plan, self.plan_error = None, exc
        message, hint = error_text(exc)
        self._fresh_body()
        self.plan_status.setText(f"<b>The upgrade cannot start:</b> {html.escape(message)}"
                                 + (f"<br>{html.escape(hint)}" if hint else "")
                                 + f"<br>{NOTHING_CHANGED}")
        self.plan_status.setStyleSheet("color: #c62828;")
        self.confirm_button.hide()
        self.cancel_button.setText("Close")

    # -- running ------------------------------------------------------------------
    def confirm(self) -> None:
        plan = self.plan
        if plan is None or plan.blocked or not plan.revisions or self.running:
            return
        rehearse = self.rehearse_box.isChecked()
        steps = (REHEARSAL_STEPS if rehearse else []) + list(plan.steps)
        self.run(run_upgrade, self.path, plan.backup_dir, rehearse=rehearse,
                 label=f"Upgrade {self.name}", heading=f"Upgrading {self.name}…",
                 steps=steps, changes=WRITES,
                 note="You can cancel until the upgrade itself starts.")

    def unsafe_step(self, step: Step) -> bool:
        return step.id.startswith("upgrade:") or step.id in ("clean", "post-verify", "restore")

    # -- result -------------------------------------------------------------------
    def on_success(self, result: Any) -> None:
        self.session.note_written_backups(pipeline_backup(result))
        if result.outcome == "nothing-to-do":
            self.show_result(True, "Nothing to do", html.escape(result.message) + "<br>"
                             + NOTHING_CHANGED)
            return
        lines = [f"{self.name} went from {result.from_revision or 'legacy'} to "
                 f"{result.to_revision}; revision {result.to_revision} is the newest."]
        counts = count_phrase(result.counts_after, zero="")
        if counts:
            lines.append(f"It now holds {html.escape(counts)}.")
        if result.backup is not None:
            lines.append("The state before the upgrade is kept in "
                         f"<b>{html.escape(str(result.backup.path))}</b>.")
        self.show_result(True, f"Upgraded to revision {result.to_revision}",
                         "<br>".join(lines))

    def on_failure(self, exc: BaseException) -> None:
        message, hint = error_text(exc)
        result = getattr(exc, "result", None)
        outcome = getattr(result, "outcome", "")
        backup = getattr(getattr(result, "backup", None), "path", None)
        body = [html.escape(message[:1].upper() + message[1:])]
        kept = f"The backup taken before it is kept in {html.escape(backup)}." if backup else ""
        if outcome == "failed-restored":
            heading = "The upgrade failed — your database was restored"
            if backup and "restored from" not in message:
                body.append(f"<b>Your database was restored from {html.escape(backup)}</b>.")
            body.append("The database is as it was before the upgrade. " + kept)
        elif outcome == "failed-unchanged":
            heading = "The upgrade failed — your database is unchanged"
            body.append(f"{NOTHING_CHANGED} {kept}")
        elif outcome == "failed-not-restored":
            heading = "The upgrade failed and the backup could not be put back"
            body.append(f"<b>The database was changed and may be damaged.</b> "
                        f"{html.escape(hint)}")
        else:
            heading = ("Upgrade cancelled" if isinstance(exc, Cancelled)
                       else "The upgrade did not start")
            if hint and not isinstance(exc, Cancelled):
                body.append(html.escape(hint))
            body.append(self._what_was_written())
        if backup:
            self.session.note_written_backups([backup])
        self.show_result(False, heading, "<br><br>".join(body))

    def _what_was_written(self) -> str:
        """Before the pipeline's transaction: at most a backup was written."""
        if "verify" in self.done_steps():
            detail = self.steps.detail("backup") if "backup" in self.steps.ids() else ""
            return ("The database was not changed; the backup written before stopping is "
                    f"kept{': ' + html.escape(detail) if detail else ''}.")
        return NOTHING_CHANGED
