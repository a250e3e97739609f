"""Back up and upgrade, adopt, repair, initialise: plan, confirm, progress, result.

One dialog for the four actions the views offer (`status.offer`). The plan is
the pipeline's dry run for the action (changes nothing): the state and what
the backend does with it now, what adopt or repair records, what a repair
drops, the revisions, the backup it will write (in the folder the run writes
it, named by the time it is taken), the row counts and preflight's findings
such as "another process has this database open". An upgrade may be
rehearsed on a copy first. The progress page shows the pipeline's steps;
Cancel works until the change's transaction starts. The result page says the
new state, or what failed and what that changed: nothing, the new file was
removed, or the database was restored from the backup.

Initialising a database that is not the open one (File > Initialise a new
database…) plans and runs on a runner of its own (`Session.run_aside`) and
opens the new database when it succeeded.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QFrame, QLabel, QVBoxLayout, QWidget

from wsadmin.ui.dialogs.change_plan import (
    PROBLEM_STYLE,
    CheckRow,
    blocked_text,
    intro,
    plan_form,
)
from wsadmin.ui.dialogs.operation import NOTHING_CHANGED, OperationDialog
from wsadmin.ui.format import count_phrase
from wsadmin.ui.ops.core import Cancelled, Step
from wsadmin.ui.ops.migrate import (
    REHEARSAL_STEPS,
    ChangePlan,
    load_plan,
    pipeline_backup,
    run_change,
)
from wsadmin.ui.ops.offers import ADOPT, INIT, UPGRADE, WORDS
from wsadmin.ui.ops.op import Change, DbOp
from wsadmin.ui.widgets.errors import error_text
from wsadmin.ui.widgets.labels import heading_label, muted_label

if TYPE_CHECKING:
    from wsadmin.ui.session import Session

WRITES = Change.STATUS | Change.BACKUPS | Change.AUDIT
UNSAFE = ("clean", "adopt", "repair", "post-verify", "restore")


class ChangeDialog(OperationDialog):
    def __init__(self, session: Session, action: str = UPGRADE, parent: QWidget | None = None,
                 path: str | Path | None = None) -> None:
        self.words = WORDS[action]
        super().__init__(session, self.words.title, parent)
        target = Path(path) if path is not None else session.path
        assert target is not None, "nothing to change: no path and no open database"
        self.setObjectName(f"{action}Dialog")
        self.action = action
        self.path = str(target)
        self.name = target.name
        # A database that is not the open one (a new one to initialise) has its own runner.
        self.aside = session.path is None or Path(session.path) != target
        self.plan: ChangePlan | None = None
        self.plan_error: BaseException | None = None
        self._planning: DbOp[ChangePlan] | None = None
        self._plan_again = False
        self.resize(720, 620)

        heading = {UPGRADE: f"Upgrade {self.name}", ADOPT: f"Adopt {self.name}",
                   INIT: f"Initialise {self.name}"}.get(action, f"Repair {self.name}")
        self.plan_heading = heading_label(heading, self.plan_page)
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
        self.rehearse_box.setVisible(action == UPGRADE)
        self.plan_layout.addWidget(self.rehearse_box)

        self.confirm_button.setText(self.words.confirm)
        self.confirm_button.setToolTip(self.words.tip)
        self.replan(Change.STATUS)

    def submit(self, op: DbOp[Any]) -> DbOp[Any]:
        return self.session.run_aside(op) if self.aside else self.session.run(op)

    # -- plan page ----------------------------------------------------------------
    def replan(self, what: Change) -> None:
        if self._planning is not None:  # the plan under way may be out of date: again
            self._plan_again = True
            return
        self.confirm_button.setEnabled(False)
        self.rehearse_box.setEnabled(False)
        op = DbOp(load_plan, self.path, self.action,
                  label=f"Plan the {self.words.noun} of {self.name}")
        self._planning = op.success(self._plan_ready).failure(self._plan_failed)
        self.submit(op.ended(self._planned))

    def _planned(self, _op: DbOp[ChangePlan]) -> None:
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

    def _plan_ready(self, plan: ChangePlan) -> None:
        if self.closed or self.running or self._plan_again:
            return
        self.plan, self.plan_error = plan, None
        self.plan_status.setStyleSheet("")
        lay = self._fresh_body()
        self._fill_plan(plan, lay)
        self.plan_body.show()       # made while the dialog is shown: not shown by itself

    def _fill_plan(self, plan: ChangePlan, lay: QVBoxLayout) -> None:
        if not plan.has_work and not plan.blocked:
            self.plan_status.setText(f"{self.name} is already at the newest revision "
                                     f"({plan.current}); there is nothing to do.")
            self.confirm_button.hide()
            self.cancel_button.setText("Close")
            return
        self.confirm_button.show()
        self.cancel_button.setText("Cancel")
        if plan.has_work:
            self.plan_status.setText(intro(plan))
            lay.addLayout(plan_form(plan, self.plan_body))
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
            self.plan_status.setText(blocked_text(plan))
            self.plan_status.setStyleSheet(PROBLEM_STYLE)
        else:
            self.confirm_button.setToolTip(self.words.tip)
            self.confirm_button.setEnabled(True)
            self.rehearse_box.setEnabled(True)
            self.confirm_button.setFocus()

    def problems(self) -> list[str]:
        return [] if self.plan is None else [c.text for c in self.plan.checks if not c.ok]

    def _plan_failed(self, exc: BaseException) -> None:
        if self.closed or self.running or self._plan_again:
            return
        self.plan, self.plan_error = None, exc
        message, hint = error_text(exc)
        self._fresh_body()
        self.plan_status.setText(f"<b>The {self.words.noun} cannot start:</b> "
                                 f"{html.escape(message)}"
                                 + (f"<br>{html.escape(hint)}" if hint else "")
                                 + f"<br>{NOTHING_CHANGED}")
        self.plan_status.setStyleSheet(PROBLEM_STYLE)
        self.confirm_button.hide()
        self.cancel_button.setText("Close")

    # -- running ------------------------------------------------------------------
    def confirm(self) -> None:
        plan = self.plan
        if plan is None or plan.blocked or not plan.has_work or self.running:
            return
        rehearse = self.action == UPGRADE and self.rehearse_box.isChecked()
        steps = (REHEARSAL_STEPS if rehearse else []) + list(plan.steps)
        self.run(run_change, self.path, self.action, plan.backup_dir, rehearse=rehearse,
                 label=f"{self.words.title} {self.name}",
                 heading=f"{self.words.doing} {self.name}…", steps=steps, changes=WRITES,
                 note=f"You can cancel until the {self.words.noun} itself starts.")

    def unsafe_step(self, step: Step) -> bool:
        return step.id.startswith("upgrade:") or step.id in UNSAFE

    # -- result -------------------------------------------------------------------
    def on_success(self, result: Any) -> None:
        self.session.note_written_backups(pipeline_backup(result))
        if result.outcome == "nothing-to-do":
            self.show_result(True, "Nothing to do", html.escape(result.message) + "<br>"
                             + NOTHING_CHANGED)
            return
        heading, lines = self._success_words(result)
        counts = count_phrase(result.counts_after, zero="")
        if counts:
            lines.append(f"It now holds {html.escape(counts)}.")
        if result.backup is not None:
            lines.append(f"The state before the {self.words.noun} is kept in "
                         f"<b>{html.escape(str(result.backup.path))}</b>.")
        if self.action == INIT and self.aside:
            lines.append("It is opened now.")
            self.session.open(self.path)
        self.show_result(True, heading, "<br>".join(lines))

    def _success_words(self, result: Any) -> tuple[str, list[str]]:
        to = result.to_revision
        name = html.escape(self.name)
        if self.action == ADOPT:
            return (f"Adopted: revision {to} recorded",
                    [f"{name} now records revision {to} (head). No table was changed."])
        if self.action == INIT:
            return (f"Initialised at revision {to}",
                    [f"{name} now has the backend's schema at revision {to} (head)."])
        applied = ", ".join(result.applied)
        if self.action == UPGRADE:
            return (f"Upgraded to revision {to}",
                    [f"{name} went from {result.from_revision or 'legacy'} to {to}; "
                     f"revision {to} is the newest."])
        lines = [f"{name} is at revision {to} (head) now."]
        if self.plan is not None:
            lines.append(f"Before, it was: {html.escape(self.plan.summary)}")
            if self.plan.records:
                lines.append(f"Recorded first: {html.escape(self.plan.records)}.")
        lines.append(f"Then ran: {html.escape(applied)}.")
        return f"Repaired: now at revision {to}", lines

    def on_failure(self, exc: BaseException) -> None:
        message, hint = error_text(exc)
        result = getattr(exc, "result", None)
        outcome = getattr(result, "outcome", "")
        backup = getattr(getattr(result, "backup", None), "path", None)
        noun = self.words.noun
        body = [html.escape(message[:1].upper() + message[1:])]
        kept = f" The backup taken before it is kept in {html.escape(backup)}." if backup else ""
        if outcome == "failed-restored":
            heading = f"The {noun} failed — your database was restored"
            if backup and "restored from" not in message:
                body.append(f"<b>Your database was restored from {html.escape(backup)}</b>.")
            body.append(f"<b>The {noun} changed the database and it was put back from the "
                        f"backup:</b> it is as it was before.{kept}")
        elif outcome == "failed-unchanged":
            heading = f"The {noun} failed — your database is unchanged"
            if self.plan is not None and self.plan.new_file:
                heading = f"The {noun} failed — the new file was removed"
            body.append(f"{NOTHING_CHANGED}{kept}")
        elif outcome == "failed-not-restored":
            heading = f"The {noun} failed and the backup could not be put back"
            body.append(f"<b>The database was changed and may be damaged.</b> "
                        f"{html.escape(hint)}")
        else:
            heading = (f"The {noun} was cancelled" if isinstance(exc, Cancelled)
                       else f"The {noun} did not start")
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
