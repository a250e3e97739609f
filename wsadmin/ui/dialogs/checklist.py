"""The guided deployment checklist: a QWizard over the runbook's three phases.

Pages: the decision (the runbook's tree on this database), the rehearsal on a
temporary copy, pre-deployment, deployment and post-deployment (every item of
the runbook's checklist, wsadmin.db.checklist.steps), and the report. Every
call runs on the session's worker, one at a time; the wizard never blocks the
window. The run's state is saved after every step (by the core), so closing
the wizard, a crash or a kill leaves a run that reopening the database offers
to resume (checklist_resume.ResumeOffer); a change that completed is never run again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from wsadmin.ui.dialogs.checklist_pages import DecisionPage, FinalPage, RehearsalPage
from wsadmin.ui.dialogs.checklist_phase import PhasePage
from wsadmin.ui.dialogs.checklist_run import ChecklistRun
from wsadmin.ui.ops import checklist as ops

if TYPE_CHECKING:
    from wsadmin.ui.session import Session


class ChecklistWizard(ChecklistRun):
    """The run (checklist_run) with its pages: decision, rehearsal, the three phases, report."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.decision_page = DecisionPage(self)
        self.rehearsal_page = RehearsalPage(self)
        self.phase_pages = {phase: PhasePage(self, phase) for phase in ops.Phase}
        self.final_page = FinalPage(self)
        self.setPage(self.DECISION, self.decision_page)
        self.setPage(self.REHEARSAL, self.rehearsal_page)
        for page_id, phase in zip((self.PRE, self.DEPLOY, self.POST), ops.Phase, strict=True):
            self.setPage(page_id, self.phase_pages[phase])
        self.setPage(self.FINAL, self.final_page)

    def show_opening(self, opening: ops.Opening) -> None:
        self.decision_page.show_opening(opening)

    def show_report(self, run: ops.RunState) -> None:
        self.final_page.show_run(run)
