"""Migrations view: the six revisions, where the open database stands, and the ways
to change that: the one action its state calls for, and Roll back.

At the top, the database's state (badge, summary) and what the backend does
with it now. Each revision card says what wsadmin's revision ensures, how the
backend's own revision with the same id differs, and what undoing it costs,
with a pill: applied, current, pending (the offered action runs it) or
unknown. The primary button follows `status.offer` (ops.offers): Back up and
upgrade, Adopt…, Repair…, Initialise…, or disabled with the reason (at head,
or a database wsadmin will not change); it asks the window for the plan
dialog with `changeRequested(action)`. Roll back asks with
`rollbackRequested()`; it is disabled when there is nothing to go back to.
Both are disabled, with the reason in their tooltip, while a change is under
way. `upgrade_action` (Ctrl+U) is the primary button's action, for the menus.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from wsadmin.ui.ops.core import Revision, State, Status, revision_chain
from wsadmin.ui.ops.offers import (
    APPLIED,
    CURRENT,
    PENDING,
    UNKNOWN,
    WORDS,
    primary,
    revision_pill,
)
from wsadmin.ui.ops.op import Change
from wsadmin.ui.widgets.actions import make_action, set_tip
from wsadmin.ui.widgets.badges import Badge, Tone, state_badge
from wsadmin.ui.widgets.cards import Panel
from wsadmin.ui.widgets.labels import heading_label, muted_label

if TYPE_CHECKING:
    from wsadmin.ui.session import Session
    from wsadmin.ui.widgets.icons import StdIcons

PILLS = {   # revision state -> (words, tone, tooltip)
    APPLIED: ("Applied", Tone.OK, "The database's schema has what this revision adds"),
    CURRENT: ("Applied · current", Tone.INFO, "The database is recorded at this revision"),
    PENDING: ("Pending", Tone.ATTENTION, "The offered action runs this revision"),
    UNKNOWN: ("Unknown", Tone.NEUTRAL,
              "The database's state is not one this tool can migrate"),
}
ROLLBACK_TIP = "Downgrade one revision or restore a backup; shows what each discards"
LEGACY_TABLES = ("<b>Before 001</b> — the legacy schema: users, dashboards, charts, "
                 "dashboard charts, connections, logs, settings and CSV data, no workspaces.")


def no_rollback_reason(session: Session) -> str:
    """Why there is nothing to roll back to ("" when there is a way back)."""
    status = session.status
    if status is None:
        return "Open a database first"
    if status.state in (State.UNKNOWN_REVISION, State.FOREIGN):
        return f"Cannot roll back: {status.summary}"
    can_downgrade = (status.state in (State.AT_REVISION, State.STUCK_AT_001)
                     and status.current_revision is not None)
    if can_downgrade or not session.catalog.loaded or session.catalog.restorable():
        return ""
    undo = {State.LEGACY: "has no revision to undo (it is legacy)",
            State.EMPTY: "is empty: there is no revision to undo",
            }.get(status.state, f"is {status.state.value.replace('_', ' ')}: its revisions "
                                "cannot be undone one by one")
    return f"Nothing to roll back to: the database {undo}, and it has no backup that could " \
           "be restored"


class RevisionCard(Panel):
    """One revision: id, title, state pill, what it ensures, how the backend's own
    revision differs, what undoing it costs."""

    def __init__(self, rev: Revision, parent: QWidget | None = None) -> None:
        super().__init__(parent, (16, 12, 16, 14))
        self.revision = rev.id
        self.setObjectName(f"revision:{rev.id}")
        top = QHBoxLayout()
        top.setSpacing(10)
        badge = QLabel(rev.id, self)
        badge.setObjectName("revisionId")
        badge.setStyleSheet("font-family: monospace; font-weight: 700; color: palette(highlight);")
        heading = QLabel(rev.title, self)
        heading.setObjectName("revisionName")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        heading.setFont(font)
        top.addWidget(badge)
        top.addWidget(heading)
        top.addStretch(1)
        self.pill = Badge(self, small=True)
        top.addWidget(self.pill, 0, Qt.AlignmentFlag.AlignVCenter)
        self.layout_.addLayout(top)
        self.effect = QLabel(rev.description, self)
        self.effect.setObjectName("revisionEffect")
        self.effect.setWordWrap(True)
        self.layout_.addWidget(self.effect)
        self.backend = muted_label(rev.backend_note, self)
        self.backend.setObjectName("revisionBackend")
        self.backend.setToolTip("How the backend's own revision with this id differs from "
                                "wsadmin's")
        self.layout_.addWidget(self.backend)
        undo = rev.undo.removeprefix("Undoing it ")
        self.undo = QLabel(f"<b>Rolling it back</b> {undo}" if undo else "", self)
        self.undo.setObjectName("revisionUndo")
        self.undo.setWordWrap(True)
        self.undo.setVisible(bool(undo))
        self.layout_.addWidget(self.undo)
        self.state = ""
        self.set_state(UNKNOWN)
        self.setAccessibleName(f"Revision {rev.id}: {rev.title}")

    def set_state(self, state: str) -> None:
        if state == self.state:
            return
        self.state = state
        words, tone, tip = PILLS[state]
        self.pill.set_state(words, tone)
        self.pill.setToolTip(tip)
        self.setAccessibleDescription(words)


class MigrationsView(QWidget):
    changeRequested = Signal(str)        # the action: upgrade, adopt, repair, init
    rollbackRequested = Signal()

    def __init__(self, session: Session, icons: StdIcons | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("migrationsView")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 16)
        outer.setSpacing(14)
        self.action = None if session.status is None else primary(session.status).action

        head = QHBoxLayout()
        head.setSpacing(10)
        titles = QVBoxLayout()
        titles.setSpacing(4)
        title_row = QHBoxLayout()
        title = heading_label("Migrations", self, 1.5)
        title.setObjectName("viewTitle")
        self.badge = Badge(self)
        self.badge.setObjectName("stateBadge")
        title_row.addWidget(title)
        title_row.addSpacing(8)
        title_row.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
        title_row.addStretch(1)
        self.summary = QLabel("No database open", self)
        self.summary.setObjectName("migrationSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.symptom = muted_label("", self)
        self.symptom.setObjectName("migrationSymptom")
        titles.addLayout(title_row)
        titles.addWidget(self.summary)
        titles.addWidget(self.symptom)
        head.addLayout(titles, 1)

        self.upgrade_action = make_action(self, "upgrade", WORDS["upgrade"].menu,
                                          self._ask_change, shortcut="Ctrl+U",
                                          tip=WORDS["upgrade"].tip, icon="SP_ArrowUp",
                                          icons=icons)
        self.rollback_action = make_action(self, "rollback", "Roll &back…", self._ask_rollback,
                                           tip=ROLLBACK_TIP, icon="SP_ArrowBack", icons=icons)
        self.rollback_button = QPushButton("Roll back…", self)
        self.rollback_button.setObjectName("rollbackButton")
        self.rollback_button.setAccessibleName("Roll back")
        self.rollback_button.clicked.connect(self.rollback_action.trigger)
        self.upgrade_button = QPushButton(WORDS["upgrade"].button, self)
        self.upgrade_button.setObjectName("primaryButton")
        self.upgrade_button.setDefault(True)
        self.upgrade_button.setStyleSheet(
            "QPushButton#primaryButton { padding: 6px 18px; font-weight: 600; }")
        self.upgrade_button.clicked.connect(self.upgrade_action.trigger)
        for b in (self.rollback_button, self.upgrade_button):
            b.setMinimumHeight(32)
            head.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(head)

        self.cards: dict[str, RevisionCard] = {}
        body = QWidget(self)
        body.setObjectName("revisionList")
        col = QVBoxLayout(body)
        col.setContentsMargins(0, 0, 8, 0)
        col.setSpacing(10)
        base = muted_label(LEGACY_TABLES, body)
        base.setObjectName("legacyBase")
        col.addWidget(base)
        for rev in revision_chain():
            card = RevisionCard(rev, body)
            self.cards[rev.id] = card
            col.addWidget(card)
        col.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setObjectName("revisionScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        self.footer = muted_label(
            "Every change backs the database up first, verifies the backup, runs in one "
            "transaction and checks the result; if anything fails, the backup is restored "
            "automatically.", self)
        self.footer.setObjectName("migrationFooter")
        outer.addWidget(self.footer)

        session.changed.connect(self._changed)
        session.writingChanged.connect(lambda _w: self.update_state())
        self.update_state()

    @property
    def status(self) -> Status | None:
        return self.session.status

    def _changed(self, what: Change) -> None:
        if what & (Change.STATUS | Change.BACKUPS | Change.DATABASE):
            self.update_state()

    def update_state(self) -> None:
        status = self.session.status
        for rev_id, card in self.cards.items():
            card.set_state(revision_pill(rev_id, status))
        if status is None:
            self.badge.hide()
            self.summary.setText("No database open")
            self.symptom.setText("")
        else:
            self.badge.set_state(*state_badge(status))
            self.badge.show()
            self.summary.setText(status.summary)
            self.symptom.setText(f"<b>Backend symptom:</b> {html.escape(status.symptom)}")
        offer = primary(status, self.session.writing)
        self.action = offer.action
        words = WORDS[offer.action] if offer.action else None
        self.upgrade_action.setText(words.menu if words else WORDS["upgrade"].menu)
        self.upgrade_button.setText(offer.text)
        self.upgrade_button.setAccessibleName(offer.text.rstrip("…"))
        self._enable(self.upgrade_action, self.upgrade_button,
                     "" if offer.action else offer.tip, offer.tip)
        self._enable(self.rollback_action, self.rollback_button, self._rollback_blocker(),
                     ROLLBACK_TIP)

    @staticmethod
    def _enable(action: QAction, button: QPushButton, why_not: str, tip: str) -> None:
        action.setEnabled(not why_not)
        button.setEnabled(not why_not)
        set_tip(action, why_not or tip)
        button.setToolTip(action.toolTip())

    def _rollback_blocker(self) -> str:
        if self.session.status is not None and self.session.writing:
            return "Wait for the change under way to end"
        return no_rollback_reason(self.session)

    def _ask_change(self) -> None:
        if self.upgrade_action.isEnabled() and self.action is not None:
            self.changeRequested.emit(self.action)

    def _ask_rollback(self) -> None:
        if self.rollback_action.isEnabled():
            self.rollbackRequested.emit()
