"""The plan page of an upgrade, adoption, repair or initialisation, in words.

What the database is now and what the backend does with it, what the action
records (adopt, repair), which tables it drops (repair), which revisions run,
the backup it takes (none for a new file), the rows now, and preflight's
findings, each with a tick, a note mark or a cross.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QWidget

from wsadmin.ui.format import count_phrase
from wsadmin.ui.ops.migrate import ChangePlan, Finding
from wsadmin.ui.ops.offers import ADOPT, INIT, REPAIR, WORDS
from wsadmin.ui.widgets.step_list import Mark, StateIcon

CHECK_MARKS = {"ok": Mark.DONE, "note": Mark.SKIPPED, "problem": Mark.FAILED}
PROBLEM_STYLE = "color: #c62828;"


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
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if not check.ok:
            self.label.setStyleSheet(PROBLEM_STYLE)
        lay.addWidget(self.label, 1)
        self.setAccessibleName({"ok": "OK: ", "note": "Note: ", "problem": "Problem: "}[
            check.kind] + check.text)


def intro(plan: ChangePlan) -> str:
    """The sentence above the plan: what the action does and how it stays safe."""
    name = html.escape(Path(plan.path).name)
    safe = ("The database is backed up and the backup verified before anything changes; "
            "everything runs in one transaction, and if any step fails the database is put "
            "back as it was.")
    if plan.action == ADOPT:
        return (f"Adopting records revision {plan.target} (head) in {name}: its tables are "
                "already what the backend's models create, so <b>no table is changed</b> "
                "and no revision runs. " + safe)
    if plan.action == REPAIR:
        drops = " drops the empty leftover tables," if plan.drops else ""
        return (f"Repair records the revision {name}'s schema is really at,{drops} then runs "
                f"wsadmin's revisions up to {plan.target} (head). " + safe)
    if plan.action == INIT:
        if plan.new_file:
            return (f"Initialising creates {name} with the backend's schema: the original "
                    f"tables, then the six revisions up to {plan.target} (head), in one "
                    "transaction. If any step fails, the new file is removed again.")
        return (f"Initialising creates the backend's schema in the empty file {name}: the "
                f"original tables, then the six revisions up to {plan.target} (head). " + safe)
    return (f"From {plan.current or 'legacy (before 001)'} to {plan.target}. " + safe)


def _label(text: str, name: str, parent: QWidget, *, rich: bool = True) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def plan_form(plan: ChangePlan, parent: QWidget) -> QFormLayout:
    """The facts of the plan, one row each."""
    form = QFormLayout()
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    form.setFormAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    form.setHorizontalSpacing(14)
    form.setVerticalSpacing(8)
    if plan.new_file:
        form.addRow("Now:", _label(f"{plan.path} does not exist yet.", "planState",
                                   parent, rich=False))
    else:
        form.addRow("Now:", _label(plan.summary, "planState", parent, rich=False))
        form.addRow("Backend symptom:", _label(plan.symptom, "planSymptom", parent,
                                               rich=False))
    if plan.records:
        form.addRow("Records:", _label(plan.records, "planRecords", parent, rich=False))
    if plan.drops:
        form.addRow("Drops:", _label(
            "the empty tables " + ", ".join(plan.drops) + " (left by an interrupted "
            "migration or a failed fresh install; refused if one holds rows)", "planDrops",
            parent, rich=False))
    if plan.revisions:
        revs = "<br>".join(f"<b>{html.escape(r)}</b> — {html.escape(plan.titles.get(r, ''))}"
                           for r in plan.revisions)
    else:
        revs = "none: no table is changed"
    form.addRow("Revisions:", _label(revs, "planRevisions", parent))
    if plan.backup_path:
        backup = _label(f"{html.escape(plan.backup_path)}<br><small>(the time in its name is "
                        "when it is taken)</small>", "planBackup", parent)
        backup.setToolTip(plan.backup_path)
    else:
        backup = _label("none: the file is new, there is nothing to back up", "planBackup",
                        parent, rich=False)
    form.addRow("Backup:", backup)
    if not plan.new_file:
        form.addRow("Rows now:", _label(count_phrase(plan.counts), "planCounts", parent,
                                        rich=False))
    return form


def blocked_text(plan: ChangePlan) -> str:
    return (f"<b>The {WORDS[plan.action].noun} cannot start.</b> Nothing was changed; fix "
            "the problem below and try again.")
