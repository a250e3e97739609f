"""Health panel: the checks of SCHEMA.md on the open database, their findings and fixes.

Run checks (Ctrl+R, `run_action`) runs every check read-only on the session's
worker (session.health), with a bar over the checks and Cancel. The checks are
listed findings first, most severe first (file damage, then security, ...).
Selecting one shows its explanation with the backend's symptom, its sample in a
table and its SQL in a read-only monospace box with Copy. Fix… asks the window
for the fix dialog (`fixRequested(check_id)`), which applies on the worker and
re-runs the checks. Export writes the report as JSON or Markdown.
"""

from __future__ import annotations

import html
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.format import local_time, plural
from wsadmin.ui.models.health import ChecksModel, RowsModel, kind_color, kind_words
from wsadmin.ui.ops.core import Cancelled, Step
from wsadmin.ui.ops.health import export_report, fix_choices, symptom_of
from wsadmin.ui.ops.op import Change, DbOp
from wsadmin.ui.widgets.actions import make_action, set_tip
from wsadmin.ui.widgets.check_detail import CheckDetail
from wsadmin.ui.widgets.errors import error_text
from wsadmin.ui.widgets.labels import heading_label, muted_label

if TYPE_CHECKING:
    from PySide6.QtGui import QShowEvent

    from wsadmin.ui.session import Session
    from wsadmin.ui.widgets.icons import StdIcons

RUN_TIP = "Run every health check on the database, read-only"
EXPORTS = {"json": ("JSON", "json", "JSON (*.json)"),
           "markdown": ("Markdown", "md", "Markdown (*.md)")}


def _table(parent: QWidget, name: str, model: Any) -> QTableView:
    table = QTableView(parent)
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setShowGrid(False)
    table.verticalHeader().setDefaultSectionSize(26)
    table.horizontalHeader().setHighlightSections(False)
    table.horizontalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return table


class HealthView(QWidget):
    fixRequested = Signal(str)          # check id
    exported = Signal(str)              # path

    def __init__(self, session: Session, icons: StdIcons | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.health = session.health
        self.setObjectName("healthView")
        self._selected: str | None = None
        self.export_op: DbOp[str] | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 16)
        outer.setSpacing(10)
        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(heading_label("Health", self, 1.5))
        self.summary = QLabel("No database open", self)
        self.summary.setObjectName("healthSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        titles.addWidget(self.summary)
        head.addLayout(titles, 1)
        self.run_action = make_action(self, "run_checks", "&Run checks", self.run_checks,
                                      shortcut="Ctrl+R", tip=RUN_TIP, icon="SP_BrowserReload",
                                      icons=icons)
        self.run_button = self._button("runChecksButton", "Run checks",
                                       lambda: self.run_action.trigger())
        self.run_button.setToolTip(self.run_action.toolTip())
        self.run_button.setDefault(True)
        self.export_button = self._button("exportButton", "Export", None)
        self.export_button.setToolTip("Save the report as JSON or Markdown")
        menu = QMenu(self.export_button)
        for fmt, (words, _ext, _filter) in EXPORTS.items():
            action = menu.addAction(f"{words}…")
            action.setObjectName(f"export_{fmt}")
            action.triggered.connect(partial(self.choose_export, fmt))
        self.export_button.setMenu(menu)
        head.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.run_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(head)
        outer.addLayout(self._progress_row())

        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.setObjectName("healthSplitter")
        self.checks_model = ChecksModel(self)
        self.checks = _table(split, "checksTable", self.checks_model)
        self.checks.setAccessibleName("Checks")
        self.checks.verticalHeader().hide()
        hh = self.checks.horizontalHeader()
        hh.setSectionResizeMode(ChecksModel.TITLE, QHeaderView.ResizeMode.Stretch)
        for col, width in ((ChecksModel.COUNT, 60), (ChecksModel.SEVERITY, 76)):
            hh.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.checks.setColumnWidth(col, width)
        self.checks.selectionModel().selectionChanged.connect(self._selection_changed)
        split.addWidget(self.checks)
        self.sample_model = RowsModel(self)
        self.detail = CheckDetail(self.sample_model, split)
        self.detail.fix_button.clicked.connect(self.request_fix)
        d = self.detail           # its parts, by the names the panel's callers know
        self.detail_title, self.detail_state, self.explanation = (
            d.detail_title, d.detail_state, d.explanation)
        self.symptom, self.reason, self.sql, self.copy_button = (
            d.symptom, d.reason, d.sql, d.copy_button)
        self.sample_box, self.sample_label, self.sample = d.sample_box, d.sample_label, d.sample
        self.fix_note, self.fix_button = d.fix_note, d.fix_button
        split.addWidget(self.detail)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([470, 590])
        outer.addWidget(split, 1)

        session.changed.connect(self._changed)
        session.writingChanged.connect(lambda _w: self._update_buttons())
        self.health.started.connect(self._started)
        self.health.progressed.connect(self._step)
        self.health.ended.connect(lambda _ok: self._show_progress(False))
        self._changed(Change.DATABASE)

    def _button(self, name: str, text: str, slot: Any) -> QPushButton:
        b = QPushButton(text, self)
        b.setObjectName(name)
        b.setMinimumHeight(30)
        b.setAccessibleName(text.rstrip("…"))
        if slot is not None:
            b.clicked.connect(slot)
        return b

    def _progress_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.progress_label = muted_label("", self)
        self.progress_label.setObjectName("checksProgressLabel")
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("checksProgress")
        self.progress_bar.setAccessibleName("Progress of the checks")
        self.progress_bar.setMaximumWidth(260)
        self.progress_bar.setTextVisible(False)
        self.cancel_button = self._button("cancelChecksButton", "Cancel", self.cancel)
        self.cancel_button.setToolTip("Stop the checks (they only read; nothing to undo)")
        row.addWidget(self.progress_label, 1)
        row.addWidget(self.progress_bar)
        row.addWidget(self.cancel_button)
        self._progress_widgets = (self.progress_label, self.progress_bar, self.cancel_button)
        for w in self._progress_widgets:
            w.setVisible(False)
        return row

    # ---- following the session ----------------------------------------------------------

    def _changed(self, what: Change) -> None:
        if what & (Change.HEALTH | Change.DATABASE):
            if what & Change.DATABASE:
                self._selected = None          # another database: its most severe first
            self.checks_model.set_report(self.health.report)
            if not (self._selected and self.select(self._selected)) and \
                    self.checks_model.rowCount():
                self.checks.selectRow(0)
            self._selection_changed()
        if what & (Change.HEALTH | Change.DATABASE | Change.STATUS | Change.DATA):
            self._set_summary()
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:
        """Shown for a database never checked in this window: check it (read-only)."""
        super().showEvent(event)
        h = self.health
        if self.session.is_open and h.last is None and h.error is None and not h.running:
            self.run_checks()

    def _set_summary(self) -> None:
        h = self.health
        if not self.session.is_open:
            self.summary.setText("No database open")
            return
        if h.error is not None and not isinstance(h.error, Cancelled):
            message, hint = error_text(h.error)
            self.summary.setText(f"<span style='color:#b3261e'><b>The checks could not run:"
                                 f"</b> {html.escape(message)}</span>"
                                 + (f" — {html.escape(hint)}" if hint else ""))
            return
        report = h.report
        if report is None:
            self.summary.setText("Not checked yet. Run checks (Ctrl+R) reads the database "
                                 "without changing it.")
            return
        found = report.findings
        first = found[0] if found else None
        if first is None:
            words = "<b style='color:#1e7d32'>No problems found</b>"
        else:
            severe = sorted(found, key=lambda r: r.severity.rank)[0]
            words = (f"<b style='color:{kind_color(severe)}'>{plural(len(found), 'check')}"
                     f" with findings</b> (most severe: {html.escape(severe.severity.value)})")
        ok = sum(1 for r in report.checks if r.status.value == "ok")
        na = sum(1 for r in report.checks if r.status.value == "not_applicable")
        tail = f", {plural(ok, 'check')} ok" + (f", {na} do not apply" if na else "")
        if report.errors:
            tail += f", <b>{plural(len(report.errors), 'check')} could not run</b>"
        assert h.last is not None
        when = local_time(h.last.when)
        stale = (" <b>The database has changed since: run the checks again.</b>"
                 if h.stale else "")
        cancelled = " (the last run was cancelled)" if isinstance(h.error, Cancelled) else ""
        self.summary.setText(f"{words}{tail}. Checked {html.escape(when)} in "
                             f"{report.seconds:.1f} s.{cancelled}{stale}")

    def _update_buttons(self) -> None:
        is_open, running = self.session.is_open, self.health.running
        can_run = is_open and not running
        self.run_action.setEnabled(can_run)
        self.run_button.setEnabled(can_run)
        set_tip(self.run_action, RUN_TIP if not running else "The checks are running")
        self.export_button.setEnabled(is_open and self.health.report is not None
                                      and self.export_op is None)
        r = self.selected()
        fixable = r is not None and r.status.value == "findings" and bool(r.fixes)
        self.fix_button.setEnabled(fixable and not self.session.writing and not running)
        if r is not None and r.status.value == "findings" and not r.fixes:
            self.fix_note.setText("No automatic fix: " + _no_fix_words(r.id))
        elif fixable and self.session.writing:
            self.fix_note.setText("Wait for the change under way to end.")
        else:
            self.fix_note.setText("")

    # ---- running --------------------------------------------------------------------------

    def run_checks(self) -> None:
        self.health.run()

    def cancel(self) -> None:
        self.health.cancel()
        self.cancel_button.setEnabled(False)
        self.progress_label.setText("Cancelling…")

    def _started(self) -> None:
        self._show_progress(True)
        self.progress_bar.setRange(0, 0)
        self.progress_label.setText("Running the checks…")
        self._update_buttons()

    def _step(self, step: Step) -> None:
        if step.fraction is not None:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(step.fraction * 1000))
        if step.detail and step.state.value == "running":
            self.progress_label.setText(f"Checked: {step.detail}")

    def _show_progress(self, on: bool) -> None:
        for w in self._progress_widgets:
            w.setVisible(on)
        self.cancel_button.setEnabled(on)
        if not on:
            self._update_buttons()

    # ---- selection and details ------------------------------------------------------------

    def selected(self) -> Any | None:
        rows = self.checks.selectionModel().selectedRows()
        return self.checks_model.result_at(rows[0].row()) if rows else None

    def select(self, check_id: str) -> bool:
        row = self.checks_model.row_of(check_id)
        if row >= 0:
            self.checks.selectRow(row)
        return row >= 0

    def _selection_changed(self, *_args: object) -> None:
        r = self.selected()
        self._selected = r.id if r is not None else self._selected
        self._show_detail(r)
        self._update_buttons()

    def _show_detail(self, r: Any | None) -> None:
        if r is None:
            self.detail.clear()
            return
        self.detail.show_result(r, kind_words(r), kind_color(r), symptom_of(r.id))

    def copy_sql(self) -> None:
        self.detail.copy_sql()

    def request_fix(self) -> None:
        r = self.selected()
        if r is not None and self.fix_button.isEnabled():
            self.fixRequested.emit(r.id)

    # ---- export ---------------------------------------------------------------------------

    def choose_export(self, fmt: str) -> None:
        last, path = self.health.last, self.session.path
        if last is None or path is None:
            return
        words, ext, name_filter = EXPORTS[fmt]
        stamp = last.when.astimezone().strftime("%Y%m%d-%H%M%S")
        suggested = str(Path(path).parent / f"{Path(path).name}.health-{stamp}.{ext}")
        target, _chosen = QFileDialog.getSaveFileName(
            self, f"Export the health report as {words}", suggested, name_filter)
        if target:
            self.export(target, fmt)

    def export(self, target: str, fmt: str) -> DbOp[str] | None:
        """Write the last report to `target` on the worker (the file, not the database)."""
        last = self.health.last
        if last is None or self.export_op is not None:
            return None
        op: DbOp[str] = DbOp(export_report, last, target, fmt,
                             label=f"Export the health report to {Path(target).name}")
        self.export_op = op

        def done(path: str) -> None:
            self.export_op = None
            self.progress_label.setText("")
            self.summary.setText(self.summary.text() + f"<br>Exported to "
                                 f"<b>{html.escape(path)}</b>.")
            self.exported.emit(path)
            self._update_buttons()

        def failed(exc: BaseException) -> None:
            self.export_op = None
            message, hint = error_text(exc)
            self.summary.setText(self.summary.text() + "<br><span style='color:#b3261e'>"
                                 f"<b>Export failed:</b> {html.escape(message)}</span>"
                                 + (f" — {html.escape(hint)}" if hint else ""))
            self._update_buttons()

        self.session.run(op.success(done).failure(failed))
        self._update_buttons()
        return op


def _no_fix_words(check_id: str) -> str:
    """Why a check with findings has no Fix (SCHEMA.md), in a few words."""
    if check_id == "unusable_password_hashes":
        return "reset each user's password in the Users editor."
    if check_id == "unencrypted_connection_configs":
        return "they need the backend's encryption key; re-save them through the backend."
    if not fix_choices(check_id):
        return "see the explanation and the SQL above."
    return ""
