"""The wizard's first and last pages and the rehearsal: decision, rehearsal, report.

Decision: the runbook's decision tree on the open database (which path, why,
where the runbook is wrong for this backend, the expected workspace count;
for a database wsadmin must not touch, the diagnostics to send). Rehearsal:
every automatic step on a temporary copy, before the real database is touched.
Report: the run's outcome and its report, saved as Markdown, HTML or PDF.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWizardPage,
)

from wsadmin.ui.dialogs.checklist_panel import rich as _rich
from wsadmin.ui.dialogs.checklist_pdf import write_pdf
from wsadmin.ui.ops import checklist as ops
from wsadmin.ui.ops.core import Step
from wsadmin.ui.ops.op import DbOp
from wsadmin.ui.widgets.step_list import StepList

if TYPE_CHECKING:
    from wsadmin.ui.dialogs.checklist_run import ChecklistRun

RED = "color: #c62828;"
GREEN = "color: #2e7d32;"
AMBER = "color: #b45f06;"
_GAP = " style='margin-top: 0; margin-bottom: 6px;'"    # paragraphs a little apart


def _label(text: str, name: str, parent: QWizardPage) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.RichText)     # escaped text shows as text
    label.setWordWrap(True)
    return label


class DecisionPage(QWizardPage):
    def __init__(self, wizard: ChecklistRun) -> None:
        super().__init__(wizard)
        self.w = wizard
        self.setTitle("Which path this database takes")
        self.setSubTitle("The runbook's decision tree, answered from the database's schema "
                         "(nothing is changed on this page).")
        lay = QVBoxLayout(self)
        self.banner = _label("", "resumeBanner", self)
        self.banner.hide()
        self.start_over = QPushButton("Start over", self)
        self.start_over.setObjectName("startOverButton")
        self.start_over.hide()
        self.start_over.clicked.connect(self.w.start_over)
        top = QHBoxLayout()
        top.addWidget(self.banner, 1)
        top.addWidget(self.start_over)
        lay.addLayout(top)
        self.verdict = _label("Reading the database…", "decisionText", self)
        lay.addWidget(self.verdict)
        self.tree = QLabel("", self)
        self.tree.setObjectName("runbookTree")
        self.tree.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        lay.addWidget(self.tree)
        self.deviations = _label("", "deviations", self)
        lay.addWidget(self.deviations)
        self.diagnostics = QPlainTextEdit(self)
        self.diagnostics.setObjectName("diagnostics")
        self.diagnostics.setReadOnly(True)
        self.diagnostics.hide()
        lay.addWidget(self.diagnostics, 1)
        self.copy_button = QPushButton("Copy the diagnostics", self)
        self.copy_button.setObjectName("copyDiagnostics")
        self.copy_button.hide()
        self.copy_button.clicked.connect(self._copy)
        lay.addWidget(self.copy_button)
        self.rehearse_box = QCheckBox("Rehearse every automatic step on a temporary copy first",
                                      self)
        self.rehearse_box.setObjectName("rehearseBox")
        self.rehearse_box.setChecked(True)
        lay.addWidget(self.rehearse_box)
        lay.addStretch(1)

    def initializePage(self) -> None:
        self.w.open_run()

    def show_opening(self, opening: ops.Opening) -> None:
        d = opening.decision
        resumed = opening.resumed
        if resumed is not None:
            run = resumed.state
            done = sum(1 for r in run.steps.values() if r.status.settled)
            nxt = run.resume_point()
            where = ops.steps_title(nxt) if nxt else "the report"
            self.banner.setText(
                f"<b>Resuming the checklist started {html.escape(run.started)} by "
                f"{html.escape(run.operator)}</b>: {done} of {len(run.steps)} steps done; it "
                f"goes on at “{html.escape(where)}”. A change that completed is not run "
                "again.")
        self.banner.setVisible(resumed is not None)
        self.start_over.setVisible(resumed is not None)
        colour = RED if d.stops else ""
        expected = ("" if d.expected_workspaces is None else
                    f"<p{_GAP}><b>Workspaces expected afterwards:</b> "
                    f"{d.expected_workspaces} ({_rich(d.expected_why)})</p>")
        self.verdict.setText(
            f"<p{_GAP}><b>State:</b> {_rich(d.state)} — {_rich(d.summary)}</p>"
            f"<p{_GAP}><span style='{colour}'><b>Path:</b> {_rich(d.path_words)}.</span> "
            f"{_rich(d.why)}</p><p{_GAP}><b>Following the runbook:</b> "
            f"{_rich(d.runbook_says)}.</p>{expected}")
        self.tree.setText("<pre>" + "\n".join(
            ("<b>→ " + html.escape(line) + "</b>") if i in d.branch else
            "  " + html.escape(line) for i, line in enumerate(ops.RUNBOOK_TREE)) + "</pre>")
        self.deviations.setText(
            "<b>Where the runbook is wrong for this backend:</b><ul>" + "".join(
                f"<li>{_rich(x)}</li>" for x in d.deviations) + "</ul>"
            if d.deviations else "")
        self.diagnostics.setVisible(d.diagnostics is not None)
        self.copy_button.setVisible(d.diagnostics is not None)
        if d.diagnostics is not None:
            self.diagnostics.setPlainText(json.dumps(d.diagnostics, indent=2, default=str))
        self.rehearse_box.setVisible(not d.stops)
        # A rehearsal is for before the real database is touched: not again once it
        # ran, and not once the change is done (it would rehearse nothing).
        moot = resumed is not None and (resumed.state.rehearsal is not None or
                                        resumed.state.steps["migrate"].status.settled)
        self.rehearse_box.setChecked(not moot)
        self.rehearse_box.setEnabled(not moot)
        self.completeChanged.emit()

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.diagnostics.toPlainText())

    def isComplete(self) -> bool:
        opening = self.w.opening
        return opening is not None and not opening.decision.stops and not self.w.busy

    def nextId(self) -> int:
        # Never -1: QWizard decides Next or Finish when the page is shown, before the
        # decision is known. A database to leave alone just never completes the page.
        if self.rehearse_box.isChecked() and self.rehearse_box.isEnabled():
            return self.w.REHEARSAL
        return self.w.resume_page()


class RehearsalPage(QWizardPage):
    def __init__(self, wizard: ChecklistRun) -> None:
        super().__init__(wizard)
        self.w = wizard
        self.result: ops.Rehearsal | None = None
        self.setTitle("Rehearsal on a temporary copy")
        self.setSubTitle("Every automatic step runs on a copy first; the real database is "
                         "only read.")
        self.setCommitPage(True)
        lay = QVBoxLayout(self)
        self.steps = StepList(self)
        self.steps.set_steps([(s.id, s.title) for s in ops.STEPS if s.automatic])
        lay.addWidget(self.steps)
        self.outcome = _label("", "rehearsalOutcome", self)
        lay.addWidget(self.outcome)
        self.go_on = QCheckBox("Go on with the real database anyway", self)
        self.go_on.setObjectName("goOnAnyway")
        self.go_on.hide()
        self.go_on.toggled.connect(lambda _b: self.completeChanged.emit())
        lay.addWidget(self.go_on)
        lay.addStretch(1)

    def initializePage(self) -> None:
        if self.result is None and not self.w.busy:
            self.w.started(self._rehearse)

    def _rehearse(self) -> None:
        checklist = self.w.checklist
        assert checklist is not None
        op = DbOp(ops.rehearse_copy, checklist, label="Rehearse the checklist on a copy")
        op.progress(self._step).cancellable().success(self._done).failure(self._failed)
        self.w.submit(op, cancellable=True)

    def _failed(self, exc: BaseException) -> None:
        self.steps.fail_running(str(exc))
        self.outcome.setText("<b>The rehearsal stopped</b>: " + html.escape(str(exc)))
        self.outcome.setStyleSheet(RED)

    def _step(self, step: Step) -> None:
        self.steps.update_step(step)

    def _done(self, result: ops.Rehearsal) -> None:
        self.result = result
        self.steps.skip_pending()
        if result.ok:
            self.outcome.setText("<b>The rehearsal passed</b>: every automatic step passed "
                                 "on a copy. The real database has not been touched yet.")
            self.outcome.setStyleSheet(GREEN)
        else:
            # A failed check does not stop the rehearsal: name every step that failed.
            failed = [r["title"] for r in result.results if r["status"] == "failed"]
            where = (f" at “{ops.steps_title(result.stopped_at)}”" if result.stopped_at
                     else ": " + ", ".join(f"“{t}” failed" for t in failed) if failed
                     else "")
            self.outcome.setText(f"<b>The rehearsal did not pass{html.escape(where)}</b>. The "
                                 "real database has not been touched: close the wizard, or go on "
                                 "knowing what will happen.")
            self.outcome.setStyleSheet(RED)
            self.go_on.show()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return (self.result is not None and not self.w.busy
                and (self.result.ok or self.go_on.isChecked()))

    def nextId(self) -> int:
        return self.w.resume_page()


class FinalPage(QWizardPage):
    def __init__(self, wizard: ChecklistRun) -> None:
        super().__init__(wizard)
        self.w = wizard
        self.run: ops.RunState | None = None
        self.setTitle("Report")
        lay = QVBoxLayout(self)
        self.outcome = _label("Finishing…", "finalOutcome", self)
        lay.addWidget(self.outcome)
        self.report = QTextBrowser(self)
        self.report.setObjectName("reportView")
        lay.addWidget(self.report, 1)
        row = QHBoxLayout()
        self.save_buttons: dict[str, QPushButton] = {}
        for kind, text in (("md", "Save as Markdown…"), ("html", "Save as HTML…"),
                           ("pdf", "Save as PDF…")):
            button = QPushButton(text, self)
            button.setObjectName(f"save:{kind}")
            button.setEnabled(False)
            button.clicked.connect(lambda _c=False, k=kind: self._save_as(k))
            row.addWidget(button)
            self.save_buttons[kind] = button
        row.addStretch(1)
        lay.addLayout(row)
        self.saved = _label("", "savedReport", self)
        lay.addWidget(self.saved)

    def initializePage(self) -> None:
        if self.run is None and not self.w.busy:
            self.w.finish_run(self.show_run)

    def show_run(self, run: ops.RunState) -> None:
        self.run = run
        def count(status: str) -> int:
            return sum(1 for r in run.steps.values() if r.status.value == status)

        failed, accepted = count("failed"), count("accepted")
        unconfirmed = sum(1 for r in run.steps.values()
                          if ops.STEP_BY_ID[r.id].manual and not r.confirmed)
        words = {"completed": "The checklist is complete", "aborted": "The checklist was "
                 "aborted", "rolled_back": "The deployment was rolled back"}.get(
            run.outcome, run.outcome)
        tail = (f"; {failed} step(s) failed" if failed else
                f"; {accepted} check(s) failed and were accepted with a note" if accepted
                else "; every automatic step passed" if run.outcome == "completed" else "")
        if unconfirmed:
            tail += f"; {unconfirmed} manual confirmation(s) not given"
        self.outcome.setText(f"<b>{html.escape(words)}</b>{html.escape(tail)}. "
                             f"Backup before the deployment: "
                             f"{html.escape(run.backup or 'none')}")
        self.outcome.setStyleSheet(RED if failed or run.outcome != "completed" else
                                   AMBER if accepted else GREEN)
        self.report.setHtml(ops.report_html(run))
        for button in self.save_buttons.values():
            button.setEnabled(True)
        self.completeChanged.emit()

    def _save_as(self, kind: str) -> None:
        name = f"{Path(self.w.path).stem}-checklist.{kind}"
        path, _ = QFileDialog.getSaveFileName(self, "Save the report",
                                              str(Path(self.w.path).parent / name))
        if path:
            self.save_report(path)

    def save_report(self, path: str) -> Path:
        assert self.run is not None
        target = Path(path)
        if target.suffix.lower() == ".pdf":
            write_pdf(ops.report_html(self.run), target, Path(self.run.database))
        else:
            ops.write_report(self.run, str(target))
        self.saved.setText(f"Saved {html.escape(str(target))}")
        return target

    def isComplete(self) -> bool:
        return self.run is not None and not self.w.busy
