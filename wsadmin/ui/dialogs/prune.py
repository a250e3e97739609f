"""Prune backups: keep the newest N; the catalog says what goes and why the others stay.

The plan verifies every backup (the session's catalog learns the verdicts) and
changes nothing; Remove deletes what the plan listed, by the same rules as
`wsadmin backups DB --prune --keep N`.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.format import human_size, plural
from wsadmin.ui.ops.backups import PrunePreview, plan_prune, prune
from wsadmin.ui.ops.op import Change, DbOp
from wsadmin.ui.widgets.errors import show_error
from wsadmin.ui.widgets.labels import heading_label, muted_label

if TYPE_CHECKING:
    from wsadmin.ui.session import Session


class PruneDialog(QDialog):
    pruned = Signal(list)       # the paths removed

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert session.path is not None
        self.session = session
        self.db = str(session.path)
        self.plan: PrunePreview | None = None
        self.closed = False
        self._noting = False        # the catalog learning this plan's verdicts
        self._pruning = False
        self.finished.connect(self._closed)
        self.setObjectName("pruneDialog")
        self.setWindowTitle("Prune backups")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumSize(620, 420)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 18, 20, 14)
        lay.setSpacing(10)
        lay.addWidget(heading_label("Prune backups", self))
        lay.addWidget(muted_label(
            "Removes old backups made by wsadmin, with their manifests. Never removed: the "
            "newest backup, the only good backup at a revision, the runbook's "
            f"{Path(self.db).name}.backup and backups wsadmin did not make.", self))
        row = QHBoxLayout()
        label = QLabel("&Keep the newest", self)
        self.keep = QSpinBox(self)
        self.keep.setObjectName("keepSpin")
        self.keep.setRange(0, 999)
        self.keep.setValue(5)
        self.keep.setAccessibleName("Number of backups to keep")
        self.keep.setToolTip("How many of the newest wsadmin backups to keep in any case")
        label.setBuddy(self.keep)
        row.addWidget(label)
        row.addWidget(self.keep)
        row.addWidget(QLabel("backups", self))
        row.addStretch(1)
        lay.addLayout(row)
        self.preview = QLabel("", self)
        self.preview.setObjectName("prunePreview")
        self.preview.setWordWrap(True)
        self.preview.setTextFormat(Qt.TextFormat.RichText)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(self.preview, 1)
        self.buttons = QDialogButtonBox(self)
        self.prune_button = QPushButton("Remove", self)
        self.prune_button.setObjectName("confirmButton")
        self.prune_button.setEnabled(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setDefault(True)
        self.cancel_button.setToolTip("Close without removing anything (Esc)")
        self.buttons.addButton(self.prune_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.prune_button.clicked.connect(self.do_prune)
        self.cancel_button.clicked.connect(self.reject)
        lay.addWidget(self.buttons)
        self.keep.valueChanged.connect(self.update_preview)
        session.changed.connect(self._session_changed)
        self.update_preview()

    def _closed(self, _result: int) -> None:
        if not self.closed:
            self.closed = True
            self.session.changed.disconnect(self._session_changed)

    def _session_changed(self, what: Change) -> None:
        """Backups appeared or went (the command line, a folder cleaned by hand): plan
        again, unless the change is this plan's own verdicts or the prune itself."""
        if (what & Change.BACKUPS and not self._noting and not self._pruning
                and self.session.is_open):
            self.update_preview()

    def update_preview(self) -> None:
        self.prune_button.setEnabled(False)
        self.plan = None
        keep = self.keep.value()

        def ready(plan: PrunePreview) -> None:
            self._noting = True
            try:
                self.session.note_verdicts(plan.verdicts)
            finally:
                self._noting = False
            if self.closed or keep != self.keep.value():
                return
            self.plan = plan
            self._show(plan)

        self.preview.setText("Checking every backup to work out what would be removed…")
        self.session.run(DbOp(plan_prune, self.db, keep, label="Plan the prune").success(ready))

    def _show(self, plan: PrunePreview) -> None:
        kept = [f"&nbsp;&nbsp;{html.escape(r.name)} — {html.escape(why)}"
                for r, why in plan.keep]
        if not plan.remove:
            self.preview.setText("<b>Nothing to remove.</b><br>" + "<br>".join(kept))
            self.prune_button.setText("Remove")
            return
        n = plural(len(plan.remove), "backup")
        lines = [f"<b>Removes {n}:</b>"]
        lines += [f"&nbsp;&nbsp;{html.escape(r.name)} ({r.revision_label}, "
                  f"{human_size(r.size)})" for r in plan.remove]
        lines += ["<b>Keeps:</b>", *kept]
        self.preview.setText("<br>".join(lines))
        self.prune_button.setText(f"Remove {n}")
        self.prune_button.setEnabled(not self.session.writing)

    def do_prune(self) -> None:
        if self.plan is None or not self.plan.remove:
            return
        self.prune_button.setEnabled(False)
        self.keep.setEnabled(False)
        self._pruning = True

        def done(removed: list[str]) -> None:
            self.pruned.emit(list(removed))
            if not self.closed:
                self.accept()

        def failed(exc: BaseException) -> None:
            self._pruning = False
            if not self.closed:
                show_error(self, exc, "Could not prune the backups")
                self.keep.setEnabled(True)
                self.update_preview()

        op = DbOp(prune, self.db, self.keep.value(), self.plan.entries, label="Prune backups",
                  changes=Change.BACKUPS | Change.AUDIT)
        self.session.run(op.success(done).failure(failed))
