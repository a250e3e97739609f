"""Fix one health check: choose a fix, see its preview, back up and apply, see the result.

The plan page lists the check's fixes (SCHEMA.md "Health checks"); the chosen
one is previewed read-only on the session's worker: the rows each step changes
(counts and a sample), what it leaves and why, and the backup written first.
Apply runs on the worker: a verified backup, one transaction that must change
exactly the planned rows (audited), then every check again; the new report
replaces the health panel's, and the result page says what got better or
worse. Cancel works until the transaction starts. A fix that is another
action of the window (adopt, repair) says where to find it.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.dialogs.operation import NOTHING_CHANGED, OperationDialog
from wsadmin.ui.models.health import RowsModel
from wsadmin.ui.ops.core import Cancelled, Step
from wsadmin.ui.ops.health import FixOutcome, FixPlan, apply_fix_now, fix_choices, load_fix_plan
from wsadmin.ui.ops.op import Change, DbOp
from wsadmin.ui.widgets.errors import error_text
from wsadmin.ui.widgets.labels import heading_label, muted_label

if TYPE_CHECKING:
    from wsadmin.ui.session import Session

WRITES = Change.STATUS | Change.BACKUPS | Change.AUDIT | Change.DATA
PARAM_WORDS = {"user": ("User", "username or id of an active user (required)"),
               "workspace": ("Workspace", "slug or id; empty: every workspace without one")}
COMMAND_WORDS = {"adopt": "Adopt", "repair": "Repair"}


class FixDialog(OperationDialog):
    replan_on = Change.STATUS | Change.DATA

    def __init__(self, session: Session, check_id: str, parent: QWidget | None = None) -> None:
        super().__init__(session, "Fix a health check", parent)
        assert session.path is not None
        self.setObjectName("fixDialog")
        self.path = str(session.path)
        self.check_id = check_id
        self.before = session.health.report
        result = next((r for r in self.before.checks if r.id == check_id), None) \
            if self.before is not None else None
        self.choices = fix_choices(check_id)
        self.plan: FixPlan | None = None
        self._planning: DbOp[FixPlan] | None = None
        self._plan_again = False
        self.resize(780, 620)

        title = result.title if result is not None else check_id
        self.plan_heading = heading_label(f"Fix: {title}", self.plan_page)
        self.plan_heading.setObjectName("planHeading")
        self.plan_layout.addWidget(self.plan_heading)
        found = (f"{result.count:,} found when the checks ran. " if result is not None
                 and result.status.value == "findings" else "")
        self.intro = muted_label(found + "Choose a fix; nothing changes until you apply it.",
                                 self.plan_page)
        self.plan_layout.addWidget(self.intro)

        self.group = QButtonGroup(self)
        options = QVBoxLayout()
        options.setSpacing(2)
        for i, choice in enumerate(self.choices):
            radio = QRadioButton(choice.title, self.plan_page)
            radio.setObjectName(f"fix:{choice.id}")
            radio.setToolTip(choice.description)
            self.group.addButton(radio, i)
            options.addWidget(radio)
            words = muted_label(choice.description, self.plan_page)
            words.setContentsMargins(24, 0, 0, 6)
            options.addWidget(words)
        self.plan_layout.addLayout(options)
        self.params_form = QFormLayout()
        self.params: dict[str, QLineEdit] = {}
        for name in sorted({p for c in self.choices for p in c.params}):
            label, tip = PARAM_WORDS.get(name, (name, ""))
            edit = QLineEdit(self.plan_page)
            edit.setObjectName(f"param:{name}")
            edit.setPlaceholderText(tip)
            edit.editingFinished.connect(lambda: self.replan(Change.DATA))
            self.params[name] = edit
            self.params_form.addRow(f"{label}:", edit)
        self.plan_layout.addLayout(self.params_form)

        self.plan_status = muted_label("", self.plan_page)
        self.plan_status.setObjectName("planStatus")
        self.plan_status.setTextFormat(Qt.TextFormat.RichText)
        self.plan_layout.addWidget(self.plan_status)
        self.steps_tabs = QTabWidget(self.plan_page)
        self.steps_tabs.setObjectName("previewSteps")
        self.plan_layout.addWidget(self.steps_tabs, 1)
        self.backup_label = QLabel("", self.plan_page)
        self.backup_label.setObjectName("planBackup")
        self.backup_label.setWordWrap(True)
        self.backup_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plan_layout.addWidget(self.backup_label)

        self.confirm_button.setText("Back up and apply")
        self.confirm_button.setToolTip("Back up, verify the backup, apply in one transaction, "
                                       "then run every check again")
        self.group.idToggled.connect(self._chosen)
        if self.choices:
            self.group.button(0).setChecked(True)
        else:
            self.plan_status.setText("This check has no automatic fix.")
            self.confirm_button.hide()

    # -- plan page ----------------------------------------------------------------
    @property
    def choice(self) -> Any | None:
        i = self.group.checkedId()
        return self.choices[i] if 0 <= i < len(self.choices) else None

    def choose(self, fix_id: str) -> None:
        for i, c in enumerate(self.choices):
            if c.id == fix_id:
                self.group.button(i).setChecked(True)

    def param_values(self) -> dict[str, str]:
        choice = self.choice
        wanted = choice.params if choice is not None else ()
        return {k: e.text().strip() for k, e in self.params.items()
                if k in wanted and e.text().strip()}

    def _chosen(self, _id: int, checked: bool) -> None:
        if checked:
            choice = self.choice
            for name, edit in self.params.items():
                edit.setEnabled(choice is not None and name in choice.params)
            self.replan(Change.DATA)

    def replan(self, what: Change) -> None:
        choice = self.choice
        if choice is None:
            return
        if self._planning is not None:
            self._plan_again = True
            return
        self.plan = None
        self.confirm_button.setEnabled(False)
        self.steps_tabs.clear()
        self.backup_label.setText("")
        if choice.command is not None:
            words = COMMAND_WORDS.get(choice.command, choice.command)
            self.plan_status.setText(
                f"<b>This fix is the {words} action</b> of the Overview and the Migrations "
                f"view: it records a revision after a backup, with its own preview. Close this "
                f"window and use {words} there.")
            self.confirm_button.hide()
            return
        self.confirm_button.show()
        if "user" in choice.params and "user" not in self.param_values():
            self.plan_status.setText("Give the user to make admin, then press Enter.")
            return
        self.plan_status.setText("Preparing the preview (nothing is changed)…")
        op = DbOp(load_fix_plan, self.path, self.check_id, choice.id, self.param_values(),
                  label=f"Preview the fix {self.check_id} / {choice.id}")
        self._planning = op.success(self._plan_ready).failure(self._plan_failed)
        self.session.run(op.quiet().ended(self._planned))

    def _planned(self, _op: DbOp[FixPlan]) -> None:
        self._planning = None
        if self._plan_again and not self.closed and not self.running:
            self._plan_again = False
            self.replan(Change.DATA)

    def _plan_ready(self, plan: FixPlan) -> None:
        choice = self.choice
        if self.closed or self.running or self._plan_again or choice is None \
                or plan.preview.fix_id != choice.id:
            return
        self.plan = plan
        p = plan.preview
        lines = [html.escape(p.description)]
        if p.empty:
            lines.append("<b>Nothing to change</b> with this fix now.")
        else:
            lines.append(f"<b>{p.total:,} change(s)</b>: " + "; ".join(
                html.escape(s.summary) for s in p.steps) + ".")
        if p.skipped:
            lines.append(f"{p.skipped:,} left as they are (see the notes).")
        lines += [f"Note: {html.escape(n)}" for n in p.notes]
        self.plan_status.setText("<br>".join(lines))
        for step in p.steps:
            self.steps_tabs.addTab(self._step_table(step), f"{step.table} ({step.count:,})")
        self.backup_label.setText(
            f"<b>Backup first:</b> {html.escape(str(Path(plan.backup_folder) / plan.backup_name))}"
            " (verified before anything changes; the time in its name is when it is taken)")
        self.confirm_button.setEnabled(not p.empty and not self.session.writing)
        if not p.empty:
            self.confirm_button.setText(f"Back up and apply {p.total:,} change(s)")

    def _step_table(self, step: Any) -> QTableView:
        model = RowsModel(self)
        model.set_rows(list(step.sample[0]) if step.sample else [], step.sample)
        table = QTableView(self)
        table.setObjectName(f"preview:{step.table}")
        table.setModel(model)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.horizontalHeader().setStretchLastSection(True)
        table.resizeColumnsToContents()
        table.setToolTip(f"{step.summary}: first {len(step.sample)} of {step.count:,}")
        return table

    def _plan_failed(self, exc: BaseException) -> None:
        if self.closed or self.running or self._plan_again:
            return
        message, hint = error_text(exc)
        self.plan_status.setText(f"<span style='color:#c62828'><b>No preview:</b> "
                                 f"{html.escape(message)}</span>"
                                 + (f"<br>{html.escape(hint)}" if hint else ""))

    # -- running ------------------------------------------------------------------
    def confirm(self) -> None:
        plan, choice = self.plan, self.choice
        if plan is None or choice is None or plan.preview.empty or self.running:
            return
        self.run(apply_fix_now, self.path, self.check_id, choice.id, self.param_values(),
                 plan.backup_folder, self.before,
                 label=f"Fix {self.check_id} / {choice.id}", heading=f"Fixing: {choice.title}",
                 steps=[("backup", "Back up the database"), ("verify", "Verify the backup"),
                        ("fix", f"Apply: {choice.title}"),
                        ("checks", "Run the health checks again")],
                 changes=WRITES, note="You can cancel until the fix itself starts.")

    def unsafe_step(self, step: Step) -> bool:
        return step.id in ("fix", "checks")

    # -- result -------------------------------------------------------------------
    def on_success(self, outcome: FixOutcome) -> None:
        result = outcome.result
        if result.backup is not None:
            self.session.note_written_backups([str(result.backup.path)])
        if outcome.run is not None:
            self.session.health.adopt(outcome.run)
        done = result.preview
        lines = [f"{done.total:,} change(s) in one transaction: " + "; ".join(
            html.escape(s.summary) for s in done.steps) + "."]
        if result.backup is not None:
            lines.append("The state before the fix is kept in "
                         f"<b>{html.escape(str(result.backup.path))}</b>.")
        after = outcome.run.report.get(self.check_id) if outcome.run is not None else None
        if after is not None:
            now = (f"{after.count:,} still found" if after.status.value == "findings"
                   else after.status.value.replace("_", " "))
            lines.append(f"<b>{html.escape(after.title)}</b> now: {now}.")
        if outcome.diff is not None:
            if outcome.diff.better:
                lines.append("Better: " + html.escape("; ".join(
                    c.describe() for c in outcome.diff.better)))
            if outcome.diff.worse:
                lines.append("<b style='color:#c62828'>Worse:</b> " + html.escape("; ".join(
                    c.describe() for c in outcome.diff.worse)))
        if outcome.recheck_error:
            lines.append(f"The checks could not run again: {html.escape(outcome.recheck_error)}"
                         " — run them from the health panel.")
        clean = after is not None and after.status.value != "findings"
        self.show_result(True, "Fixed" if clean else "Applied", "<br>".join(lines))

    def on_failure(self, exc: BaseException) -> None:
        message, hint = error_text(exc)
        body = [html.escape(message[:1].upper() + message[1:])]
        if hint and not isinstance(exc, Cancelled):
            body.append(html.escape(hint))
        kept = ""
        if "verify" in self.done_steps():
            detail = self.steps.detail("backup") if "backup" in self.steps.ids() else ""
            kept = (" The backup written before stopping is kept"
                    + (f": {html.escape(detail)}." if detail else "."))
        body.append(NOTHING_CHANGED + kept)
        heading = "Fix cancelled" if isinstance(exc, Cancelled) else "The fix was not applied"
        self.show_result(False, heading, "<br><br>".join(body))
