"""The health panel's right side: one check's result in full.

Its title and state, the explanation with the backend's symptom, a reason or
note, the sample in a table, the SQL in a read-only monospace box with Copy,
and the Fix button with a note when there is no automatic fix.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.widgets.labels import heading_label, muted_label


class CheckDetail(QWidget):
    def __init__(self, sample_model: Any, parent: QWidget | None = None) -> None:
        """`sample_model`: a table model with `set_rows(columns, rows)` (models.health)."""
        super().__init__(parent)
        box = self
        self.setObjectName("checkDetail")
        lay = QVBoxLayout(box)
        lay.setContentsMargins(12, 0, 0, 0)
        lay.setSpacing(6)
        self.detail_title = heading_label("", box, 1.15)
        self.detail_title.setObjectName("checkTitle")
        self.detail_state = QLabel("", box)
        self.detail_state.setObjectName("checkState")
        self.explanation = QLabel("", box)
        self.explanation.setObjectName("checkExplanation")
        self.symptom = QLabel("", box)
        self.symptom.setObjectName("checkSymptom")
        self.reason = muted_label("", box)
        self.reason.setObjectName("checkReason")
        for label in (self.detail_state, self.explanation, self.symptom):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
        for label in (self.detail_title, self.detail_state, self.explanation, self.symptom,
                      self.reason):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            lay.addWidget(label)
        parts = QSplitter(Qt.Orientation.Vertical, box)
        self.sample_box = QWidget(parts)
        sl = QVBoxLayout(self.sample_box)
        sl.setContentsMargins(0, 6, 0, 0)
        self.sample_label = QLabel("Sample", self.sample_box)
        self.sample_label.setObjectName("sampleLabel")
        self.sample_model = sample_model
        self.sample = QTableView(self.sample_box)
        self.sample.setObjectName("sampleTable")
        self.sample.setModel(sample_model)
        self.sample.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sample.setAlternatingRowColors(True)
        self.sample.setWordWrap(False)
        self.sample.setAccessibleName("Sample of the findings")
        self.sample.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.sample.horizontalHeader().setStretchLastSection(True)
        sl.addWidget(self.sample_label)
        sl.addWidget(self.sample, 1)
        parts.addWidget(self.sample_box)
        sql_box = QWidget(parts)
        ql = QVBoxLayout(sql_box)
        ql.setContentsMargins(0, 6, 0, 0)
        sql_head = QHBoxLayout()
        sql_head.addWidget(QLabel("SQL (what the check runs)", sql_box), 1)
        self.copy_button = QPushButton("Copy", sql_box)
        self.copy_button.setObjectName("copySqlButton")
        self.copy_button.setToolTip("Copy the check's SQL to the clipboard")
        self.copy_button.clicked.connect(self.copy_sql)
        sql_head.addWidget(self.copy_button)
        ql.addLayout(sql_head)
        self.sql = QPlainTextEdit(sql_box)
        self.sql.setObjectName("checkSql")
        self.sql.setAccessibleName("SQL of the check")
        self.sql.setReadOnly(True)
        self.sql.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.sql.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        ql.addWidget(self.sql, 1)
        parts.addWidget(sql_box)
        parts.setSizes([260, 200])
        lay.addWidget(parts, 1)
        fix_row = QHBoxLayout()
        self.fix_note = muted_label("", box)
        self.fix_note.setObjectName("fixNote")
        self.fix_button = QPushButton("Fix…", box)
        self.fix_button.setObjectName("fixButton")
        self.fix_button.setMinimumHeight(30)
        self.fix_button.setToolTip("Preview the fixes for this check, then back up and apply")
        fix_row.addWidget(self.fix_note, 1)
        fix_row.addWidget(self.fix_button)
        lay.addLayout(fix_row)

    def clear(self) -> None:
        for label in (self.detail_title, self.detail_state, self.explanation, self.symptom,
                      self.reason):
            label.setText("")
        self.sample_model.set_rows([], [])
        self.sample_box.setVisible(False)
        self.sql.setPlainText("")
        self.copy_button.setEnabled(False)

    def show_result(self, r: Any, words: str, color: str, symptom: str) -> None:
        """A check's result; `words`/`color` say its kind, `symptom` the backend's."""
        self.detail_title.setText(r.title)
        state = html.escape(words)
        if r.status.value == "findings":
            state = (f"<b style='color:{color}'>{r.count:,} found</b> · severity "
                     f"<b>{html.escape(r.severity.value)}</b>")
        self.detail_state.setText(state + f" · <code>{html.escape(r.id)}</code>")
        self.explanation.setText(html.escape(r.explanation))
        self.symptom.setText(f"<b>Backend symptom:</b> {html.escape(symptom)}"
                             if symptom else "")
        self.symptom.setVisible(bool(symptom))
        self.reason.setText(r.reason)
        self.reason.setVisible(bool(r.reason))
        self.sample_box.setVisible(bool(r.sample))
        self.sample_model.set_rows(r.columns, r.sample)
        if r.sample:
            shown = (f"first {len(r.sample)} of {r.count:,}" if r.count > len(r.sample)
                     else f"all {r.count:,}")
            self.sample_label.setText(f"Sample ({shown})")
            self.sample.resizeColumnsToContents()
        self.sql.setPlainText(r.sql)
        self.copy_button.setEnabled(bool(r.sql))

    def copy_sql(self) -> None:
        QApplication.clipboard().setText(self.sql.toPlainText())

