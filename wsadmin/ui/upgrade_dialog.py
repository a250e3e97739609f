"""Back up and upgrade: plan, confirm, progress with a tick per step, result.

The plan comes from the upgrade service's dry run (run on the runner, it
changes nothing); the operator sees the backup path, the revisions, the row
counts and the preflight findings, may ask for a rehearsal on a copy, and
confirms. The progress page shows the service's Step events; Cancel works
until the upgrade transaction starts. The result page says the new status,
or what failed and which backup the database was restored from.
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
from wsadmin.db.progress import Step
from wsadmin.ui.op_dialog import (
    OperationDialog,
    count_phrase,
    error_text,
    heading_label,
    muted_label,
)
from wsadmin.ui.step_list import Mark, StateIcon


@dataclass
class Check:
    ok: bool
    text: str
    blocking: bool = False


@dataclass
class PlanView:
    """What the confirmation page shows, taken from the plan service's answer."""

    path: str
    current: str | None
    target: str
    revisions: list[str]
    backup_path: str
    counts: dict[str, int]
    checks: list[Check] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(c.blocking and not c.ok for c in self.checks)


def default_steps(revs: list[str]) -> list[tuple[str, str]]:
    titles = {r.id: r.title for r in revisions.chain()}
    return [("preflight", "Check that the upgrade can run"),
            ("backup", "Back up the database"),
            ("verify", "Verify the backup"),
            *[(f"upgrade:{r}", f"Upgrade to {r}: {titles.get(r, '')}") for r in revs],
            ("post-verify", "Check the upgraded database")]


def load_plan(path: str) -> PlanView:
    """Runs on the worker: ask the upgrade service for its dry-run plan."""
    from wsadmin.db.backup import backup_path_for
    from wsadmin.db.migrate import plan_upgrade

    status, steps = plan_upgrade(path)
    target = steps[-1] if steps else (status.current_revision or "")
    checks = [Check(True, f"The database is at a known revision "
                          f"({status.current_revision or 'legacy, before 001'})", True)]
    backup = backup_path_for(Path(path), status.current_revision, Path(path).parent)
    return PlanView(path, status.current_revision, target, steps, str(backup),
                    dict(status.counts), checks, default_steps(steps))


def run_upgrade(path: str, *, rehearse: bool = False, progress: Any = None,
                cancel: Any = None) -> Any:
    """Runs on the worker: the backup-then-upgrade service."""
    from wsadmin.db.migrate import upgrade

    return upgrade(path, progress=progress, cancel=cancel)


def _rel(path: str, db: str) -> str:
    p, d = Path(path), Path(db)
    return p.name if p.parent == d.parent else str(p)


class CheckRow(QWidget):
    def __init__(self, check: Check, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)
        icon = StateIcon(self)
        icon.set_mark(Mark.DONE if check.ok else Mark.FAILED)
        lay.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QLabel(check.text, self)
        text.setObjectName("checkText")
        text.setWordWrap(True)
        lay.addWidget(text, 1)
        self.setAccessibleName(("OK: " if check.ok else "Problem: ") + check.text)


class UpgradeDialog(OperationDialog):
    def __init__(self, window: Any, path: str, parent: QWidget | None = None) -> None:
        super().__init__(window, "Back up and upgrade", parent)
        self.setObjectName("upgradeDialog")
        self.path = path
        self.plan: PlanView | None = None
        self.resize(680, 560)

        self.plan_heading = heading_label(f"Upgrade {Path(path).name}", self.plan_page)
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
            "Upgrade, downgrade and upgrade again a temporary copy first and stop if the "
            "round trip loses any row; the real database is touched only afterwards")
        self.rehearse_box.setAccessibleName("Rehearse on a copy first")
        self.plan_layout.addWidget(self.rehearse_box)

        self.confirm_button.setText("Back up and upgrade")
        self.confirm_button.setToolTip("Back up, verify the backup, then upgrade")
        self.confirm_button.setEnabled(False)
        self.rehearse_box.setEnabled(False)
        self.runner.submit(load_plan, path, label=f"plan upgrade of {Path(path).name}",
                           on_success=self._plan_ready, on_failure=self._plan_failed)

    # -- plan page ----------------------------------------------------------------
    def _plan_ready(self, plan: PlanView) -> None:
        self.plan = plan
        lay = QVBoxLayout(self.plan_body)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)
        if not plan.revisions:
            self.plan_status.setText(f"{Path(plan.path).name} is already at the newest "
                                     f"revision ({plan.current}); there is nothing to do.")
            self.confirm_button.hide()
            return
        from_ = plan.current or "legacy (before 001)"
        self.plan_status.setText(
            f"From {from_} to {plan.target}. The database is backed up and the backup "
            "verified before anything changes; if any step fails, the backup is restored.")
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(6)
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
        checks.setSpacing(4)
        for check in plan.checks:
            checks.addWidget(CheckRow(check, self.plan_body))
        lay.addLayout(checks)
        lay.addStretch(1)
        self.preflight_problems = [c.text for c in plan.checks if not c.ok]
        if plan.blocked:
            self.confirm_button.setEnabled(False)
            self.confirm_button.setToolTip("The preflight found a problem; see above")
            blocked = QLabel("<b>The upgrade cannot start:</b> "
                             + html.escape("; ".join(self.preflight_problems)), self.plan_body)
            blocked.setObjectName("planBlocked")
            blocked.setWordWrap(True)
            blocked.setStyleSheet("color: #c62828;")
            lay.insertWidget(lay.count() - 1, blocked)
        else:
            self.confirm_button.setEnabled(True)
            self.rehearse_box.setEnabled(True)
            self.confirm_button.setFocus()

    def _plan_failed(self, exc: BaseException) -> None:
        message, hint = error_text(exc)
        self.plan_status.setText(f"<b>The upgrade cannot start:</b> {html.escape(message)}"
                                 + (f"<br>{html.escape(hint)}" if hint else ""))
        self.plan_status.setStyleSheet("color: #c62828;")
        self.plan_status.setObjectName("planError")
        self.confirm_button.hide()
        self.cancel_button.setText("Close")

    # -- running ------------------------------------------------------------------
    def confirm(self) -> None:
        if self.plan is None or self.plan.blocked or not self.plan.revisions:
            return
        rehearse = self.rehearse_box.isChecked()
        steps = list(self.plan.steps)
        if rehearse:
            steps.insert(0, ("rehearse", "Rehearse on a temporary copy"))
        self.run(run_upgrade, self.path, rehearse=rehearse,
                 label=f"upgrade {Path(self.path).name}",
                 heading=f"Upgrading {Path(self.path).name}…", steps=steps,
                 note="You can cancel until the upgrade itself starts.")

    def unsafe_step(self, step: Step) -> bool:
        return step.id.startswith("upgrade:") or step.id in ("post-verify", "restore")

    # -- result -------------------------------------------------------------------
    def on_success(self, result: Any) -> None:
        after = getattr(result, "after", None)
        backup = getattr(result, "backup", None)
        to = getattr(result, "to_revision", None) or (self.plan.target if self.plan else "")
        lines = []
        if after is not None:
            lines.append(html.escape(after.summary[:1].upper() + after.summary[1:]) + ".")
            counts = count_phrase(after.counts, zero="")
            if counts:
                lines.append(f"Rows: {counts}.")
        if backup is not None:
            lines.append(f"Backup kept at <b>{html.escape(str(backup.path))}</b>.")
        self.show_result(True, f"Upgraded to revision {to}", "<br>".join(lines))

    def on_failure(self, exc: BaseException) -> None:
        message, hint = error_text(exc)
        restored_from = getattr(exc, "restored_from", None)
        lines = [html.escape(message)]
        if restored_from:
            lines.append(f"<b>Your database was restored from {html.escape(str(restored_from))}"
                         "</b>, so it is exactly as it was before the upgrade.")
        elif hint:
            lines.append(html.escape(hint))
        heading = ("Upgrade cancelled" if type(exc).__name__ == "Cancelled"
                   else "The upgrade failed")
        self.show_result(False, heading, "<br><br>".join(lines))
