"""Back up and upgrade: plan, confirm, progress with a tick per step, result.

The plan is the pipeline's dry run (wsadmin.db.safe_upgrade.plan, on the
runner; it changes nothing): backup path, revisions, row counts and the
preflight findings such as "another process has this database open". The
operator may ask for a rehearsal on a copy (safe_upgrade.rehearse) and
confirms; the progress page shows the pipeline's Step events (preflight,
backup, verify, upgrade:001, upgrade:002, post-verify, restore); Cancel works
until the upgrade transaction starts. The result page says the new status, or
what failed and whether the database was rolled back or restored from the
backup.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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

from wsadmin.db import revisions
from wsadmin.db.progress import Cancelled, Step
from wsadmin.ui.op_dialog import (
    OperationDialog,
    count_phrase,
    error_text,
    heading_label,
    human_size,
    muted_label,
)
from wsadmin.ui.step_list import Mark, StateIcon


@dataclass
class Check:
    kind: str            # "ok" | "note" | "problem"
    text: str
    hint: str = ""

    @property
    def ok(self) -> bool:
        return self.kind != "problem"


@dataclass
class PlanView:
    """What the confirmation page shows, taken from the pipeline's dry-run plan."""

    path: str
    current: str | None
    target: str | None
    revisions: list[str]
    backup_path: str
    counts: dict[str, int]
    checks: list[Check] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(not c.ok for c in self.checks)


REHEARSAL_STEPS = [("copy", "Rehearsal: copy the database to a temporary folder"),
                   ("rehearse-upgrade", "Rehearsal: upgrade the copy"),
                   ("rehearse-downgrade", "Rehearsal: downgrade the copy"),
                   ("rehearse-upgrade-again", "Rehearsal: upgrade the copy again"),
                   ("compare", "Rehearsal: compare every row")]


def load_plan(path: str) -> PlanView:
    """Runs on the worker: the pipeline's dry run (changes nothing)."""
    from wsadmin.db import safe_upgrade

    plan = safe_upgrade.plan(path, "upgrade")
    checks = [Check("problem" if f.blocking else "note", f.message, f.hint)
              for f in plan.findings]
    if plan.revisions and plan.can_run:
        codes = {f.code for f in plan.findings}
        ok = [Check("ok", "The database is at a revision this tool knows "
                          f"({plan.from_revision or 'legacy, before 001'})")]
        if "in_use" not in codes:
            ok.append(Check("ok", "No other program has the database open"))
        if plan.free_bytes is not None and "disk" not in codes:
            ok.append(Check("ok", f"Enough free disk space ({human_size(plan.free_bytes)} "
                                  f"free; the database is {human_size(plan.size)})"))
        checks = ok + checks
    return PlanView(path, plan.from_revision, plan.to_revision, list(plan.revisions),
                    plan.backup_path or "", dict(plan.counts), checks,
                    [(s.id, s.label) for s in plan.steps])


def run_upgrade(path: str, *, rehearse: bool = False, progress: Any = None,
                cancel: Any = None) -> Any:
    """Runs on the worker: optionally the rehearsal on a copy, then the pipeline."""
    from wsadmin.db import safe_upgrade
    from wsadmin.db.errors import Refused

    if rehearse:
        result = safe_upgrade.rehearse(path, progress=progress)
        if not result.ok:
            raise Refused("the rehearsal on a copy did not preserve every row: "
                          + "; ".join(result.differences[:3]),
                          "your database was not touched")
        if cancel is not None:
            cancel.raise_if_cancelled()
    return safe_upgrade.run(path, "upgrade", progress=progress, cancel=cancel)


CHECK_MARKS = {"ok": Mark.DONE, "note": Mark.SKIPPED, "problem": Mark.FAILED}


class CheckRow(QWidget):
    """One preflight finding: a tick, an info mark or a cross, and its words."""

    def __init__(self, check: Check, parent: QWidget | None = None) -> None:
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
    def __init__(self, window: Any, path: str, parent: QWidget | None = None) -> None:
        super().__init__(window, "Back up and upgrade", parent)
        self.setObjectName("upgradeDialog")
        self.path = path
        self.name = Path(path).name
        self.plan: PlanView | None = None
        self.plan_error: BaseException | None = None
        self.resize(700, 580)

        self.plan_heading = heading_label(f"Upgrade {self.name}", self.plan_page)
        self.plan_heading.setObjectName("planHeading")
        self.plan_layout.addWidget(self.plan_heading)
        self.plan_status = muted_label("Preparing the plan (nothing is changed)…",
                                       self.plan_page)
        self.plan_status.setObjectName("planStatus")
        self.plan_layout.addWidget(self.plan_status)
        self.plan_body = QWidget(self.plan_page)
        self.plan_body.setObjectName("planBody")
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
        self.confirm_button.setEnabled(False)
        self.rehearse_box.setEnabled(False)
        self.runner.submit(load_plan, path, label=f"Plan the upgrade of {self.name}",
                           on_success=self._plan_ready, on_failure=self._plan_failed)

    # -- plan page ----------------------------------------------------------------
    def _plan_ready(self, plan: PlanView) -> None:
        if self.closed or self.plan is not None:  # closed, or already built
            return
        self.plan = plan
        lay = QVBoxLayout(self.plan_body)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.setSpacing(10)
        if not plan.revisions and not plan.blocked:
            self.plan_status.setText(f"{self.name} is already at the newest revision "
                                     f"({plan.current}); there is nothing to do.")
            self.confirm_button.hide()
            self.cancel_button.setText("Close")
            return
        if plan.revisions:
            from_ = plan.current or "legacy (before 001)"
            self.plan_status.setText(
                f"From {from_} to {plan.target}. The database is backed up and the backup "
                "verified before anything changes; all revisions run in one transaction, and "
                "if any step fails the database is put back as it was.")
            form = QFormLayout()
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            form.setFormAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            form.setHorizontalSpacing(14)
            form.setVerticalSpacing(8)
            titles = {r.id: r.title for r in revisions.chain()}
            revs = QLabel("<br>".join(f"<b>{r}</b> — {html.escape(titles.get(r, ''))}"
                                      for r in plan.revisions), self.plan_body)
            revs.setObjectName("planRevisions")
            revs.setWordWrap(True)
            form.addRow("Revisions:", revs)
            backup = QLabel(html.escape(plan.backup_path), self.plan_body)
            backup.setObjectName("planBackup")
            backup.setWordWrap(True)
            backup.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            backup.setToolTip(plan.backup_path)
            form.addRow("Backup:", backup)
            counts = QLabel(count_phrase(plan.counts), self.plan_body)
            counts.setObjectName("planCounts")
            counts.setWordWrap(True)
            form.addRow("Rows now:", counts)
            lay.addLayout(form)
            line = QFrame(self.plan_body)
            line.setFrameShape(QFrame.Shape.HLine)
            line.setFrameShadow(QFrame.Shadow.Sunken)
            lay.addWidget(line)
        lay.addWidget(QLabel("<b>Preflight</b>", self.plan_body))
        checks = QVBoxLayout()
        checks.setSpacing(6)
        for check in plan.checks:
            checks.addWidget(CheckRow(check, self.plan_body))
        lay.addLayout(checks)
        lay.addStretch(1)
        if plan.blocked:
            self.confirm_button.setEnabled(False)
            self.confirm_button.setToolTip("The preflight found a problem; see above")
            self.plan_status.setText("<b>The upgrade cannot start.</b> Nothing was changed; "
                                     "fix the problem below and try again.")
            self.plan_status.setStyleSheet("color: #c62828;")
        else:
            self.confirm_button.setEnabled(True)
            self.rehearse_box.setEnabled(True)
            self.confirm_button.setFocus()

    def problems(self) -> list[str]:
        return [] if self.plan is None else [c.text for c in self.plan.checks if not c.ok]

    def _plan_failed(self, exc: BaseException) -> None:
        if self.closed:
            return
        self.plan_error = exc
        message, hint = error_text(exc)
        self.plan_status.setText(f"<b>The upgrade cannot start:</b> {html.escape(message)}"
                                 + (f"<br>{html.escape(hint)}" if hint else ""))
        self.plan_status.setStyleSheet("color: #c62828;")
        self.confirm_button.hide()
        self.cancel_button.setText("Close")

    # -- running ------------------------------------------------------------------
    def confirm(self) -> None:
        if self.plan is None or self.plan.blocked or not self.plan.revisions:
            return
        rehearse = self.rehearse_box.isChecked()
        steps = (REHEARSAL_STEPS if rehearse else []) + list(self.plan.steps)
        self.run(run_upgrade, self.path, rehearse=rehearse, label=f"Upgrade {self.name}",
                 heading=f"Upgrading {self.name}…", steps=steps,
                 note="You can cancel until the upgrade itself starts.")

    def unsafe_step(self, step: Step) -> bool:
        return step.id.startswith("upgrade:") or step.id in ("clean", "post-verify", "restore")

    # -- result -------------------------------------------------------------------
    def on_success(self, result: Any) -> None:
        lines = []
        if result.outcome == "nothing-to-do":
            self.show_result(True, "Nothing to do", html.escape(result.message))
            return
        lines.append(f"{self.name} went from {result.from_revision or 'legacy'} to "
                     f"{result.to_revision}; revision {result.to_revision} is the newest.")
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
        outcome = getattr(getattr(exc, "result", None), "outcome", "")
        backup = getattr(getattr(getattr(exc, "result", None), "backup", None), "path", None)
        body = [html.escape(message[:1].upper() + message[1:])]
        if outcome == "failed-restored":
            heading = "The upgrade failed — your database was restored"
            if backup and "restored from" not in message:
                body.append(f"<b>Your database was restored from {html.escape(backup)}</b>.")
        elif outcome == "failed-unchanged":
            heading = "The upgrade failed — your database is unchanged"
            if backup:
                body.append(f"The backup taken before it is kept in {html.escape(backup)}.")
        elif outcome == "failed-not-restored":
            heading = "The upgrade failed and the backup could not be put back"
            body.append(html.escape(hint))
        elif isinstance(exc, Cancelled):
            heading = "Upgrade cancelled"
        else:
            heading = "The upgrade did not start"
            if hint:
                body.append(html.escape(hint))
        self.show_result(False, heading, "<br><br>".join(body))
