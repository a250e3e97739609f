"""The Overview of an open database: revision, contents, file, last backup, health.

Follows the session: the status (and why it could not be read) on
`changed(STATUS)`, the newest backup of the session's catalog on
`changed(BACKUPS)`. The cards sit in two columns, or in one when the view is
too narrow for two (a 900x600 window). `openView(key)` asks the window to
show another view ("migrations", "backups", "health").
"""

from __future__ import annotations

import datetime as dt
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

from wsadmin.ui.format import human_size, local_time
from wsadmin.ui.ops.backups import BackupRow, Check
from wsadmin.ui.ops.core import Offer, State, Status, WsadminError
from wsadmin.ui.ops.health import health_words
from wsadmin.ui.ops.op import Change
from wsadmin.ui.widgets.badges import Badge, Tone
from wsadmin.ui.widgets.cards import Card
from wsadmin.ui.widgets.paint import PROBLEM_COLOR, mute, rgb, set_text_color
from wsadmin.ui.widgets.qtprops import make_selectable

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent

    from wsadmin.ui.session import Session

# (table, label) in the order the Contents card shows them.
COUNTED = (("users", "Users"), ("workspaces", "Workspaces"), ("dashboards", "Dashboards"),
           ("charts", "Charts"), ("connections", "Connections"), ("logs", "Log entries"))
MARGIN, SPACING = 28, 16
TWO_COLUMNS_FROM = 800      # px of the view's width (a 900 px window leaves ~700)
SCROLLBAR = 16


# The Revision card's headline for each state (SCHEMA.md "States"), and its tone.
STATE_BADGE = {
    State.UNKNOWN_REVISION: ("Unknown revision", Tone.DANGER),
    State.FOREIGN: ("Not the backend's database", Tone.DANGER),
    State.HALF_UPGRADED: ("Needs repair: interrupted migration", Tone.DANGER),
    State.RECORDED_AHEAD_OF_SHAPE: ("Needs repair: revision ahead of schema", Tone.DANGER),
    State.HALF_INITIALISED: ("Needs repair: half-initialised", Tone.DANGER),
    State.MIXED: ("Needs repair: mixed schema", Tone.DANGER),
    State.UNVERSIONED_HEAD: ("Adopt: no revision recorded", Tone.ATTENTION),
    State.EMPTY: ("Empty: initialise it", Tone.ATTENTION),
    State.STUCK_AT_001: ("Stuck at 001: upgrade", Tone.ATTENTION),
}


def revision_state(status: Status) -> tuple[str, str]:
    """The Revision card's headline state and its tone."""
    if status.state in STATE_BADGE:
        return STATE_BADGE[status.state]
    if status.pending:
        return "Upgrade available", Tone.ATTENTION
    return "Up to date", Tone.OK


def revision_text(status: Status) -> str:
    if status.state is State.LEGACY:
        return "legacy"
    if status.state is State.EMPTY:
        return "empty"
    return status.current_revision or "none"


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

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("overview")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.columns = 2
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

    # ---- cards --------------------------------------------------------------------------

    def _build_revision_card(self, body: QWidget) -> None:
        card = self.revision_card = Card("Schema revision", body)
        rev_row = QHBoxLayout()
        self.revision_value = card.big_label()
        self.revision_value.setAccessibleName("Current revision")
        self.head_label = card.detail_label()
        mute(self.head_label)
        rev_row.addWidget(self.revision_value)
        rev_row.addSpacing(14)
        rev_row.addWidget(self.head_label)       # box layouts centre vertically
        rev_row.addStretch(1)
        self.revision_state = self.badge = Badge(card)
        rev_row.addWidget(self.revision_state)
        card.layout_.addLayout(rev_row)
        self.pending_label = card.detail_label()
        self.pending_label.setAccessibleName("Pending revisions")
        card.layout_.addWidget(self.pending_label)
        self.migrations_link = QPushButton("Open Migrations", card)
        self.migrations_link.setToolTip("See every revision and upgrade from there")
        self.migrations_link.clicked.connect(lambda: self.openView.emit("migrations"))
        card.layout_.addLayout(_on_the_left(self.migrations_link))
        card.layout_.addStretch(1)

    def _build_contents_card(self, body: QWidget) -> None:
        card = self.contents_card = Card("Contents", body)
        counts = QGridLayout()
        counts.setHorizontalSpacing(18)
        counts.setVerticalSpacing(4)
        self.count_labels: dict[str, QLabel] = {}
        for i, (table, title) in enumerate(COUNTED):
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
        state_text, tone = revision_state(status)
        self.revision_state.set_state(state_text, tone)
        self.revision_value.setText(revision_text(status))
        self.head_label.setText(f"head is {status.head}")
        self.pending_label.setText(self._pending_text(status))
        for table, label in self.count_labels.items():
            count = status.counts.get(table)
            label.setText("—" if count is None else f"{count:,}")
            label.setToolTip("" if count is not None else
                             "This table does not exist at this revision")
        self.size_value.setText(human_size(status.size))
        self.journal_value.setText((status.journal_mode or "—").upper())
        try:
            mtime = path.stat().st_mtime
            self.modified_value.setText(
                dt.datetime.fromtimestamp(mtime).strftime("%Y-%m-%d %H:%M:%S"))
        except OSError:
            self.modified_value.setText("—")
        self.problem_label.hide()

    @staticmethod
    def _pending_text(status: Status) -> str:
        if status.offer is not Offer.UPGRADE and not status.up_to_date:
            return f"{status.summary}\nThe backend: {status.symptom}"
        if status.pending:
            return f"{len(status.pending)} pending:\n" + "\n".join(
                f"  {p.revision}  {p.description.rstrip('.')}" for p in status.pending)
        return "All revisions are applied."

    def show_backup(self) -> None:
        """The newest backup of the session's catalog, as the Backups view lists it."""
        if not self.session.catalog.loaded:
            self.backup_value.setText("—")
            self.backup_detail.setText("Looking for backups…")
            return
        newest = self.session.catalog.newest()
        if newest is None:
            self.backup_value.setText("None yet")
            self.backup_detail.setText("Back up before every upgrade; wsadmin's upgrade "
                                       "does it for you.")
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
