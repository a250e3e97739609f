"""The Overview of an open database: revision, contents, file, last backup, health.

Follows the session: the status (and why it could not be read) on
`changed(STATUS)`, the newest backup of the session's catalog on
`changed(BACKUPS)`. The cards sit in two columns, or in one when the view is
too narrow for two (a 900x600 window). `openView(key)` asks the window to
show another view ("migrations", "backups", "health").
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.format import human_size, local_time, rich_text
from wsadmin.ui.ops.backups import BackupRow, Check
from wsadmin.ui.ops.core import State, Status, WsadminError
from wsadmin.ui.ops.health import health_words
from wsadmin.ui.ops.offers import pending_words, primary
from wsadmin.ui.ops.op import Change
from wsadmin.ui.widgets.badges import Badge, Tone, state_badge
from wsadmin.ui.widgets.cards import Card
from wsadmin.ui.widgets.paint import PROBLEM_COLOR, mute, rgb, set_text_color
from wsadmin.ui.widgets.qtprops import make_selectable

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent

    from wsadmin.ui.session import Session

# (table, label) in the order the Contents card shows them: the backend's tables an
# operator counts (SCHEMA.md); "—" for one this database does not have.
COUNTED = (("users", "Users"), ("workspaces", "Workspaces"),
           ("workspace_members", "Memberships"), ("dashboards", "Dashboards"),
           ("charts", "Charts"), ("connections", "Connections"),
           ("data_sources", "Data sources"), ("csv_data", "CSV data rows"),
           ("logs", "Log entries"))
MARGIN, SPACING = 28, 16
TWO_COLUMNS_FROM = 800      # px of the view's width (a 900 px window leaves ~700)
SCROLLBAR = 16


def revision_text(status: Status) -> str:
    """The Revision card's big value: the recorded revision, or what stands for it."""
    if status.state is State.LEGACY:
        return "legacy"
    if status.state is State.EMPTY:
        return "empty"
    if status.state is State.UNKNOWN_REVISION and status.recorded_rows:
        return ", ".join(status.recorded_rows)
    return status.current_revision or "none recorded"


def backup_words(row: BackupRow) -> str:
    """How the Last backup card says what is known of a backup's verification."""
    if row.check is Check.FAILED:
        return "FAILS verification"
    if not row.has_manifest:
        return ("checked on its own, not verified against the database (no manifest)"
                if row.check is Check.VERIFIED else "not verified (no manifest)")
    return "verified when made" + (" and checked again" if row.check is Check.VERIFIED else "")


def _on_the_left(widget: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(widget)
    row.addStretch(1)
    return row


class OverviewView(QScrollArea):
    openView = Signal(str)
    changeRequested = Signal(str)      # the action its state calls for (ops.offers)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("overview")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.columns = 2
        self._offered: str | None = None
        body = QWidget(self)
        body.setObjectName("overviewBody")
        outer = QVBoxLayout(body)
        outer.setContentsMargins(MARGIN, 22, MARGIN, 22)
        outer.setSpacing(SPACING)

        names = QVBoxLayout()
        names.setSpacing(2)
        self.name_label = QLabel("", body)
        nfont = QFont(self.name_label.font())
        nfont.setPointSizeF(nfont.pointSizeF() * 1.6)
        nfont.setWeight(QFont.Weight.DemiBold)
        self.name_label.setFont(nfont)
        self.name_label.setObjectName("dbName")
        self.path_label = QLabel("", body)
        self.path_label.setObjectName("dbPath")
        self.path_label.setWordWrap(True)
        make_selectable(self.path_label)
        mute(self.path_label)
        names.addWidget(self.name_label)
        names.addWidget(self.path_label)
        outer.addLayout(names)

        self.problem_label = QLabel("", body)
        self.problem_label.setObjectName("problem")
        self.problem_label.setWordWrap(True)
        set_text_color(self.problem_label, rgb(PROBLEM_COLOR))
        self.problem_label.hide()
        outer.addWidget(self.problem_label)

        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(SPACING)
        self.grid.setVerticalSpacing(SPACING)
        self._build_revision_card(body)
        self._build_contents_card(body)
        self._build_file_card(body)
        self._build_backup_card(body)
        self._build_health_card(body)
        self._place_cards()
        outer.addLayout(self.grid)
        outer.addStretch(1)
        self.setWidget(body)

        session.changed.connect(self._changed)
        session.openingChanged.connect(self._opening_changed)
        session.writingChanged.connect(lambda _w: self._show_offer())

    # ---- cards --------------------------------------------------------------------------

    def _build_revision_card(self, body: QWidget) -> None:
        card = self.revision_card = Card("Schema revision", body)
        self.revision_state = self.badge = Badge(card)
        card.layout_.addLayout(_on_the_left(self.revision_state))
        rev_row = QHBoxLayout()
        self.revision_value = card.big_label()
        self.revision_value.setAccessibleName("Current revision")
        self.head_label = card.detail_label()
        mute(self.head_label)
        rev_row.addWidget(self.revision_value)
        rev_row.addSpacing(14)
        rev_row.addWidget(self.head_label, 1)       # box layouts centre vertically
        card.layout_.addLayout(rev_row)
        self.summary_label = card.detail_label()
        self.summary_label.setObjectName("stateSummary")
        self.summary_label.setAccessibleName("State")
        self.symptom_label = card.detail_label()
        self.symptom_label.setObjectName("backendSymptom")
        self.symptom_label.setAccessibleName("What the backend does now")
        self.pending_label = card.detail_label()
        self.pending_label.setAccessibleName("Pending revisions")
        mute(self.pending_label)
        for label in (self.summary_label, self.symptom_label, self.pending_label):
            card.layout_.addWidget(label)
        self.offer_button = QPushButton("", card)
        self.offer_button.setObjectName("offerButton")
        bold = self.offer_button.font()        # a font, not a style sheet: no CSS to parse
        bold.setWeight(QFont.Weight.DemiBold)   # at start-up for one button
        self.offer_button.setFont(bold)
        self.offer_button.clicked.connect(self._ask_change)
        self.offer_button.hide()
        self.migrations_link = QPushButton("Open Migrations", card)
        self.migrations_link.setToolTip("See every revision and what it does")
        self.migrations_link.clicked.connect(lambda: self.openView.emit("migrations"))
        buttons = _on_the_left(self.offer_button)
        buttons.insertWidget(1, self.migrations_link)
        card.layout_.addLayout(buttons)
        card.layout_.addStretch(1)

    def _build_contents_card(self, body: QWidget) -> None:
        card = self.contents_card = Card("Contents", body)
        counts = QGridLayout()
        counts.setHorizontalSpacing(18)
        counts.setVerticalSpacing(4)
        self.count_labels: dict[str, QLabel] = {}
        for i, (table, title) in enumerate(COUNTED):      # three columns
            value = card.big_label("—")
            value.setAccessibleName(title)
            value.setObjectName(f"count_{table}")
            caption = QLabel(title, card)
            mute(caption)
            row, col = divmod(i, 3)
            counts.addWidget(value, row * 2, col)
            counts.addWidget(caption, row * 2 + 1, col)
            counts.setColumnStretch(col, 1)
            self.count_labels[table] = value
        card.layout_.addLayout(counts)
        card.layout_.addStretch(1)

    def _build_file_card(self, body: QWidget) -> None:
        card = self.file_card = Card("File", body)
        form = QGridLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(6)
        self.size_value = card.detail_label()
        self.size_value.setAccessibleName("File size")
        self.journal_value = card.detail_label()
        self.journal_value.setAccessibleName("Journal mode")
        self.modified_value = card.detail_label()
        self.modified_value.setAccessibleName("Last modified")
        rows = (("Size", self.size_value), ("Journal mode", self.journal_value),
                ("Modified", self.modified_value))
        for row, (caption_text, field) in enumerate(rows):
            caption = QLabel(caption_text, card)
            mute(caption)
            form.addWidget(caption, row, 0)
            form.addWidget(field, row, 1)
        form.setColumnStretch(1, 1)
        card.layout_.addLayout(form)
        card.layout_.addStretch(1)

    def _build_backup_card(self, body: QWidget) -> None:
        card = self.backup_card = Card("Last backup", body)
        self.backup_value = card.big_label("—")
        self.backup_value.setAccessibleName("Last backup time")
        self.backup_detail = card.detail_label("")
        self.backup_detail.setAccessibleName("Last backup details")
        self.backups_link = QPushButton("Open Backups", card)
        self.backups_link.setToolTip("List, verify and restore backups")
        self.backups_link.clicked.connect(lambda: self.openView.emit("backups"))
        card.layout_.addWidget(self.backup_value)
        card.layout_.addWidget(self.backup_detail)
        card.layout_.addLayout(_on_the_left(self.backups_link))
        card.layout_.addStretch(1)

    def _build_health_card(self, body: QWidget) -> None:
        card = self.health_card = Card("Health", body)
        self.health_label = card.detail_label("")       # session.health's last result
        self.health_label.setObjectName("healthResult")
        self.health_link = QPushButton("Open Health", card)
        self.health_link.setObjectName("healthLink")
        self.health_link.setToolTip("Run the checks, see their findings and fix them")
        self.health_link.clicked.connect(lambda: self.openView.emit("health"))
        card.layout_.addWidget(self.health_label)
        card.layout_.addLayout(_on_the_left(self.health_link))

    def show_health(self) -> None:
        text, problem = health_words(self.session.health)
        self.health_label.setText(text)
        set_text_color(self.health_label, rgb(PROBLEM_COLOR) if problem
                       else self.palette().windowText().color())

    @property
    def cards(self) -> list[Card]:
        return [self.revision_card, self.contents_card, self.file_card, self.backup_card,
                self.health_card]

    def _place_cards(self) -> None:
        """Two columns (the health card across both), or one column, top to bottom."""
        for card in self.cards:
            self.grid.removeWidget(card)
        if self.columns == 2:
            for i, card in enumerate(self.cards[:4]):
                self.grid.addWidget(card, i // 2, i % 2)
            self.grid.addWidget(self.health_card, 2, 0, 1, 2)
        else:
            for i, card in enumerate(self.cards):
                self.grid.addWidget(card, i, 0)
        for col in (0, 1):
            self.grid.setColumnStretch(col, 1 if col < self.columns else 0)

    def columns_for(self, width: int) -> int:
        """Two columns from TWO_COLUMNS_FROM px (the window's smallest size, 900x600, has
        one), and only when two of the widest card fit side by side (large fonts)."""
        widest = max(card.minimumSizeHint().width() for card in self.cards[:4])
        fits = 2 * widest + SPACING + 2 * MARGIN <= width
        return 2 if fits and width >= TWO_COLUMNS_FROM else 1

    def resizeEvent(self, event: QResizeEvent) -> None:
        # The view's width less a scroll bar's, not viewport(): the first call of that
        # makes PySide6 set up ~80 enums of QtWidgets (a few ms of the first frame).
        columns = self.columns_for(event.size().width() - SCROLLBAR)
        if columns != self.columns:
            self.columns = columns
            self._place_cards()
        super().resizeEvent(event)

    # ---- following the session ----------------------------------------------------------

    def _opening_changed(self, opening: bool) -> None:
        if opening and self.session.path is None and self.session.opening_path is not None:
            self.show_opening(self.session.opening_path)

    def _changed(self, what: Change) -> None:
        if what & (Change.STATUS | Change.DATABASE):
            if self.session.problem is not None:
                self.show_problem(self.session.problem)
            elif self.session.status is not None:
                self.show_status(self.session.status)
        if what & (Change.BACKUPS | Change.DATABASE) and self.session.is_open:
            self.show_backup()
        if what & (Change.HEALTH | Change.DATABASE | Change.STATUS | Change.DATA):
            self.show_health()

    def show_opening(self, path: Path) -> None:
        """While the first status of `path` is being read."""
        self.name_label.setText(path.name)
        self.path_label.setText(str(path))
        self.revision_state.set_state("Reading…", Tone.NEUTRAL)
        self.revision_value.setText("—")

    def show_status(self, status: Status) -> None:
        path = Path(status.path)
        self.name_label.setText(path.name)
        self.path_label.setText(str(path))
        self.revision_state.set_state(*state_badge(status))
        self.revision_value.setText(revision_text(status))
        self.head_label.setText(f"head is {status.head}")
        self.summary_label.setText(status.summary)
        self.symptom_label.setText(f"<b>Backend symptom:</b> {rich_text(status.symptom)}")
        self.pending_label.setText(pending_words(status))
        for table, label in self.count_labels.items():
            count = status.counts.get(table)
            label.setText("—" if count is None else f"{count:,}")
            label.setToolTip("" if count is not None else
                             "This database has no such table (yet)")
        self.size_value.setText(human_size(status.size))
        self.journal_value.setText((status.journal_mode or "—").upper())
        try:
            mtime = path.stat().st_mtime
            self.modified_value.setText(
                time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(mtime)))
        except OSError:
            self.modified_value.setText("—")
        self.problem_label.hide()
        self._show_offer()

    def _show_offer(self) -> None:
        """The action the state calls for, as in the Migrations view (hidden when none)."""
        status = self.session.status
        offer = primary(status, self.session.writing)
        shown = status is not None and self.session.problem is None and (
            offer.action is not None or self.session.writing)
        self.offer_button.setVisible(shown)
        self.offer_button.setText(offer.text)
        self.offer_button.setEnabled(offer.action is not None)
        self.offer_button.setToolTip(offer.tip)
        self.offer_button.setAccessibleName(offer.text.rstrip("…"))
        self._offered = offer.action

    def _ask_change(self) -> None:
        if self._offered is not None:
            self.changeRequested.emit(self._offered)

    def show_backup(self) -> None:
        """The newest backup of the session's catalog, as the Backups view lists it."""
        if not self.session.catalog.loaded:
            self.backup_value.setText("—")
            self.backup_detail.setText("Looking for backups…")
            return
        newest = self.session.catalog.newest()
        if newest is None:
            self.backup_value.setText("None yet")
            self.backup_detail.setText("wsadmin backs the database up before every change "
                                       "it makes.")
            self.backup_detail.setToolTip("")
            return
        self.backup_value.setText(local_time(newest.created, seconds=False))
        self.backup_detail.setText(f"revision {newest.revision_label} · "
                                   f"{human_size(newest.size)} · {backup_words(newest)}\n"
                                   f"{newest.name}")
        self.backup_detail.setToolTip(newest.path)

    def show_problem(self, exc: BaseException) -> None:
        known = isinstance(exc, WsadminError)
        text = exc.one_line() if isinstance(exc, WsadminError) else str(exc)
        self.problem_label.setText(("Cannot read the database: " if known else
                                    "wsadmin hit a bug reading the database: ") + text)
        self.problem_label.show()
        self.badge.set_state("Unavailable", Tone.DANGER)
        self._show_offer()
