"""Migrations view: the project's revisions, where the open database stands, and
the two ways to change that: Back up and upgrade, Roll back.

Everything shown comes from the revisions' docstrings and the session's status
and backup catalog. The buttons (and the view's `upgrade_action` and
`rollback_action`, which the window puts in its menus and toolbar) ask the
window for the dialogs: `upgradeRequested()`, `rollbackRequested()`. Both
are disabled, with the reason in their tooltip, while a change is under way
or when there is nothing to do: Roll back when the database has no revision
to undo and no backup that could be restored.
"""

from __future__ import annotations

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

from wsadmin.ui.ops.core import Revision, State, Status, revision_chain, revision_ids
from wsadmin.ui.ops.op import Change
from wsadmin.ui.widgets.actions import make_action, set_tip
from wsadmin.ui.widgets.badges import Badge, Tone
from wsadmin.ui.widgets.cards import Panel
from wsadmin.ui.widgets.labels import heading_label, muted_label

if TYPE_CHECKING:
    from wsadmin.ui.session import Session
    from wsadmin.ui.widgets.icons import StdIcons

UPGRADABLE = (State.LEGACY, State.STUCK_AT_001, State.AT_REVISION)

PILLS = {   # revision state -> (words, tone, tooltip)
    "applied": ("Applied", Tone.OK, "This revision is already in the database"),
    "current": ("Applied · current", Tone.INFO, "The database is at this revision"),
    "pending": ("Pending", Tone.ATTENTION, "An upgrade applies this revision"),
    "unknown": ("Unknown", Tone.NEUTRAL,
                "The database's state is not one this tool can migrate"),
}
UPGRADE_TIP = "Back up the database, then upgrade it to the newest revision"
ROLLBACK_TIP = "Downgrade one revision or restore a backup; shows what each discards"


def revision_state(rev: str, status: Status | None) -> str:
    if status is None or status.state not in UPGRADABLE:
        return "unknown"
    ids = revision_ids()
    cur = -1 if status.current_revision is None else ids.index(status.current_revision)
    at = ids.index(rev)
    return "applied" if at < cur else "current" if at == cur else "pending"


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
            State.HALF_UPGRADED: "needs repair (an interrupted migration), so it cannot be "
                                 "downgraded"
            }.get(status.state, "cannot be downgraded")
    return f"Nothing to roll back to: the database {undo}, and it has no backup that could " \
           "be restored"


class RevisionCard(Panel):
    """One revision: id, name, state pill, what it does, what undoing it costs."""

    def __init__(self, rev: Revision, parent: QWidget | None = None) -> None:
        super().__init__(parent, (16, 12, 16, 14))
        self.revision = rev.id
        self.setObjectName(f"revision:{rev.id}")
        name, summary = rev.title, ""
        effect, undo = rev.description, rev.undo
        top = QHBoxLayout()
        top.setSpacing(10)
        badge = QLabel(rev.id, self)
        badge.setObjectName("revisionId")
        badge.setStyleSheet("font-family: monospace; font-weight: 700; color: palette(highlight);")
        heading = QLabel(name, self)
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
        self.summary = QLabel(summary, self)
        self.summary.setObjectName("revisionSummary")
        self.summary.setWordWrap(True)
        self.layout_.addWidget(self.summary)
        self.effect = muted_label(effect, self)
        self.effect.setObjectName("revisionEffect")
        self.layout_.addWidget(self.effect)
        self.undo = QLabel(f"<b>Rolling it back:</b> {undo[len('Undoing it '):]}" if undo
                           else "", self)
        self.undo.setObjectName("revisionUndo")
        self.undo.setWordWrap(True)
        self.undo.setVisible(bool(undo))
        self.layout_.addWidget(self.undo)
        self.state = ""
        self.set_state("unknown")
        self.setAccessibleName(f"Revision {rev.id}: {name}")

    def set_state(self, state: str) -> None:
        if state == self.state:
            return
        self.state = state
        words, tone, tip = PILLS[state]
        self.pill.set_state(words, tone)
        self.pill.setToolTip(tip)
        self.setAccessibleDescription(words)


class MigrationsView(QWidget):
    upgradeRequested = Signal()
    rollbackRequested = Signal()

    def __init__(self, session: Session, icons: StdIcons | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("migrationsView")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 16)
        outer.setSpacing(14)

        head = QHBoxLayout()
        head.setSpacing(10)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        title = heading_label("Migrations", self, 1.5)
        title.setObjectName("viewTitle")
        self.summary = QLabel("No database open", self)
        self.summary.setObjectName("migrationSummary")
        self.summary.setWordWrap(True)
        titles.addWidget(title)
        titles.addWidget(self.summary)
        head.addLayout(titles, 1)

        self.upgrade_action = make_action(self, "upgrade", "Back up and &upgrade…",
                                          self._ask_upgrade, shortcut="Ctrl+U",
                                          tip=UPGRADE_TIP, icon="SP_ArrowUp", icons=icons)
        self.rollback_action = make_action(self, "rollback", "Roll &back…", self._ask_rollback,
                                           tip=ROLLBACK_TIP, icon="SP_ArrowBack", icons=icons)
        self.rollback_button = QPushButton("Roll back…", self)
        self.rollback_button.setObjectName("rollbackButton")
        self.rollback_button.setAccessibleName("Roll back")
        self.rollback_button.clicked.connect(self.rollback_action.trigger)
        self.upgrade_button = QPushButton("Back up and upgrade", self)
        self.upgrade_button.setObjectName("upgradeButton")
        self.upgrade_button.setDefault(True)
        self.upgrade_button.setAccessibleName("Back up and upgrade")
        self.upgrade_button.setStyleSheet(
            "QPushButton#upgradeButton { padding: 6px 18px; font-weight: 600; }")
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
        base = muted_label("<b>Before 001</b> — the legacy schema: users, dashboards, "
                           "connections and saved queries, no workspaces.", body)
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
            "The upgrade backs the database up first, verifies the backup, runs every "
            "revision in one transaction and checks the result; if anything fails, the "
            "backup is restored automatically.", self)
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
            card.set_state(revision_state(rev_id, status))
        self.summary.setText("No database open" if status is None
                             else self._summary_text(status))
        self._enable(self.upgrade_action, self.upgrade_button, self._upgrade_blocker(),
                     f"{UPGRADE_TIP}; shows the plan first")
        self._enable(self.rollback_action, self.rollback_button, self._rollback_blocker(),
                     ROLLBACK_TIP)

    @staticmethod
    def _enable(action: QAction, button: QPushButton, why_not: str, tip: str) -> None:
        action.setEnabled(not why_not)
        button.setEnabled(not why_not)
        set_tip(action, why_not or tip)
        button.setToolTip(action.toolTip())

    def _upgrade_blocker(self) -> str:
        status = self.session.status
        if status is None:
            return "Open a database first"
        if self.session.writing:
            return "Wait for the change under way to end"
        if status.state not in UPGRADABLE:
            return f"Cannot upgrade: {status.summary}"
        if not status.pending:
            return "The database is at the newest revision; nothing to upgrade"
        return ""

    def _rollback_blocker(self) -> str:
        if self.session.status is not None and self.session.writing:
            return "Wait for the change under way to end"
        return no_rollback_reason(self.session)

    @staticmethod
    def _summary_text(status: Status) -> str:
        where = ("has the legacy schema (before 001)" if status.current_revision is None
                 else f"is at revision {status.current_revision}")
        if status.state in UPGRADABLE:
            if status.pending:
                n = len(status.pending)
                return (f"The database {where}; {n} revision{'s' if n > 1 else ''} "
                        f"pending (head is {status.head}).")
            return f"The database {where}, the newest: up to date."
        return status.summary[:1].upper() + status.summary[1:] + "."

    def _ask_upgrade(self) -> None:
        if self.upgrade_action.isEnabled():
            self.upgradeRequested.emit()

    def _ask_rollback(self) -> None:
        if self.rollback_action.isEnabled():
            self.rollbackRequested.emit()

