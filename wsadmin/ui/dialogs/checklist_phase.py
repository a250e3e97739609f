"""One phase of the runbook's checklist (pre-deployment, deployment, post-deployment).

Entering the page runs its automatic steps one after the other on the
session's worker, each panel showing what it does, its sub-steps while it
runs, and its result. A failed step stops the queue and offers Retry, Roll
back… (the rollback service's loss report first) or Abort, and for a check
"Go on anyway" with a note; a one-click fix is previewed, applied (backup
first) and the step's checks run again. Manual parts are confirmed with a
note; the login and log steps have their optional probes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget, QWizardPage

from wsadmin.ui.dialogs import checklist_run
from wsadmin.ui.dialogs.checklist_manual import BackendProbeBox, LogScanBox
from wsadmin.ui.dialogs.checklist_panel import StepPanel, rich
from wsadmin.ui.dialogs.checklist_run import ChecklistRun
from wsadmin.ui.ops import checklist as ops
from wsadmin.ui.ops.op import Change, DbOp

WRITES = Change.STATUS | Change.BACKUPS | Change.AUDIT


class PhasePage(QWizardPage):
    def __init__(self, wizard: ChecklistRun, phase: ops.Phase) -> None:
        super().__init__(wizard)
        self.w = wizard
        self.phase = phase
        self.setTitle(f"{phase.heading}")
        self.setCommitPage(True)
        self.defs = [s for s in ops.STEPS if s.phase is phase]
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.note = QLabel("", self)
        self.note.setObjectName("phaseNote")
        self.note.setWordWrap(True)
        self.note.hide()
        outer.addWidget(self.note)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget(scroll)
        lay = QVBoxLayout(body)
        self.panels: dict[str, StepPanel] = {}
        for step in self.defs:
            panel = StepPanel(step, body)
            panel.retryRequested.connect(self.retry)
            panel.rollbackRequested.connect(lambda _s: self.w.roll_back())
            panel.abortRequested.connect(lambda _s: self.w.abort())
            panel.acceptRequested.connect(self.accept_failure)
            panel.fixRequested.connect(self.fix)
            panel.confirmChanged.connect(self.confirm)
            panel.noteChanged.connect(self.note_changed)
            lay.addWidget(panel)
            self.panels[step.id] = panel
        lay.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self.probe: BackendProbeBox | None = None
        self.logs: LogScanBox | None = None
        if "login" in self.panels:
            self.probe = BackendProbeBox(self.panels["login"])
            self.probe.healthRequested.connect(self.probe_health)
            self.probe.loginRequested.connect(self.probe_login)
            self.panels["login"].extra.addWidget(self.probe)
        if "logs" in self.panels:
            self.logs = LogScanBox(self.panels["logs"])
            self.logs.scanRequested.connect(self.scan)
            self.panels["logs"].extra.addWidget(self.logs)

    # ---- running the queue -----------------------------------------------------------

    def initializePage(self) -> None:
        decision = self.w.opening.decision if self.w.opening else None
        if decision is not None and "migrate" in self.panels and \
                decision.expected_workspaces is not None:
            self.note.setText(f"<b>Expected after the migration:</b> "
                              f"{decision.expected_workspaces} workspace(s) "
                              f"({rich(decision.expected_why)}).")
            self.note.show()
        self.w.started(self.refresh_and_run)

    def refresh_and_run(self) -> None:
        self.refresh()
        self.run_next()

    def refresh(self) -> None:
        checklist = self.w.checklist
        if checklist is None:
            return
        for step_id, panel in self.panels.items():
            panel.show_record(checklist.state.steps[step_id],
                              can_roll_back=checklist.state.backup is not None)
        self.completeChanged.emit()

    def run_next(self) -> None:
        checklist = self.w.checklist
        if checklist is None or self.w.busy or self.w.ended:
            return
        for step in self.defs:
            record = checklist.state.steps[step.id]
            if not step.automatic:
                continue
            if record.status is ops.Status.FAILED:
                return              # the operator decides: retry, go on, roll back, abort
            if not record.status.settled:
                self.run_step(step.id)
                return
        self.completeChanged.emit()

    def run_step(self, step_id: str) -> None:
        checklist = self.w.checklist
        assert checklist is not None
        panel = self.panels[step_id]
        panel.set_running()
        op = DbOp(ops.run_step, checklist, step_id, label=f"Checklist: {panel.step.title}",
                  changes=WRITES if step_id == "migrate" else Change.AUDIT)
        op.progress(panel.progress).success(self._step_done).failure(self._step_broke)
        if step_id == "backup":     # copying can stop anywhere; nothing is changed
            op.cancellable()
        self.w.submit(op, cancellable=step_id == "backup")
        self.completeChanged.emit()

    def _step_done(self, record: ops.StepRecord) -> None:
        self.refresh()
        self.w.stepFinished.emit(record.id)
        if record.status is not ops.Status.FAILED:
            self.w.after(self.run_next)

    def _step_broke(self, exc: BaseException) -> None:
        # A bug (not a failed step: those come back as results): shown, and the record
        # as the core saved it offers Retry.
        self.refresh()
        self.w.show_error(exc)

    def retry(self, step_id: str) -> None:
        if not self.w.busy:
            self.run_step(step_id)

    # ---- the operator's part --------------------------------------------------------

    def _checklist_op(self, fn: Any, *args: Any, label: str, then: Any = None,
                      changes: Change = Change.NOTHING) -> None:
        checklist = self.w.checklist
        assert checklist is not None
        op = DbOp(fn, checklist, *args, label=label, changes=changes)
        op.success(then or (lambda _r: self.refresh())).failure(self.w.show_error)
        self.w.submit(op)

    def accept_failure(self, step_id: str, note: str) -> None:
        if note.strip() and not self.w.busy:
            self._checklist_op(ops.accept, step_id, note, label="Go on past a failed check",
                               then=lambda _r: self.w.after(self.refresh_and_run))

    def confirm(self, step_id: str, confirmed: bool, note: str) -> None:
        self._checklist_op(ops.confirm, step_id, confirmed, note,
                           label="Record a confirmation")

    def note_changed(self, step_id: str, note: str) -> None:
        self._checklist_op(ops.note, step_id, note, label="Record a note")

    def fix(self, step_id: str, check_id: str, fix_id: str) -> None:
        if self.w.busy or self.w.checklist is None:
            return

        def previewed(found: ops.FixPreview) -> None:
            if found.empty:     # e.g. a CSV upload whose chart is gone has no parent to follow
                checklist_run.tell(self, "Nothing to apply", found.text + "\n\nIf what the "
                                   "check found is acceptable, say why and go on; otherwise "
                                   "fix it by hand.")
                return
            if checklist_run.ask(self, "Apply the fix?", found.text + "\n\nA verified "
                                 "backup is taken first. Apply it?"):
                self._checklist_op(ops.apply_fix, step_id, check_id, fix_id,
                                   label=f"Fix {check_id}", changes=WRITES,
                                   then=lambda _r: self.w.after(lambda: self.run_step(
                                       step_id)))

        op = DbOp(ops.preview_fix, self.w.path, check_id, fix_id,
                  label=f"Preview the fix of {check_id}")
        self.w.submit(op.success(lambda found: self.w.after(lambda: previewed(found)))
                      .failure(self.w.show_error))

    def probe_health(self, url: str) -> None:
        if self.probe is None or not url.strip():
            return
        box = self.probe
        box.set_busy(True)

        def answered(text: str) -> None:
            box.set_busy(False)
            box.show_health(text, text.startswith("healthy"))

        self._checklist_op(ops.probe_health, url, label="Call the backend's health routes",
                           then=answered)

    def probe_login(self, url: str, username: str, password: str) -> None:
        if self.probe is None or not url.strip() or not username:
            return
        box = self.probe
        box.set_busy(True)

        def answered(text: str) -> None:
            box.set_busy(False)
            box.show_login(text, "worked" in text)

        self._checklist_op(ops.probe_login, url, username, password,
                           label="Log in to the backend with the test account",
                           then=answered)

    def scan(self, path: str) -> None:
        if self.logs is None or not path.strip():
            return
        box = self.logs
        box.set_busy(True)

        def read(found: ops.LogScan) -> None:
            box.set_busy(False)
            box.show_scan(found.summary(), found.lines, not found.matches)

        self._checklist_op(ops.scan, path, label="Read the backend's log", then=read)

    # ---- navigation -------------------------------------------------------------------

    def isComplete(self) -> bool:
        checklist = self.w.checklist
        if checklist is None or self.w.busy:
            return False
        return all(checklist.state.steps[s.id].status.settled for s in self.defs
                   if s.automatic)

    def nextId(self) -> int:
        return self.w.next_after(self.phase)
