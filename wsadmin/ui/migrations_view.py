"""Migrations view: the project's revisions, where the open database stands, and
the two buttons that change that: Back up and upgrade, Roll back.

Everything shown comes from wsadmin.db.revisions (the migration files'
docstrings) and the main window's current Status; the buttons open the
upgrade and rollback dialogs, which run the services on the window's runner.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from wsadmin.db import revisions
from wsadmin.db.inspect import State, Status

UPGRADABLE = (State.FRESH, State.LEGACY, State.CURRENT)

PILL_STYLES = {
    "applied": ("Applied", "#e8f5e9", "#1b5e20"),
    "current": ("Applied · current", "#e3f2fd", "#0d47a1"),
    "pending": ("Pending", "#fff8e1", "#8a5a00"),
    "unknown": ("Unknown", "#eeeeee", "#424242"),
    "recommended": ("Recommended", "#e8f5e9", "#1b5e20"),
}


def split_title(title: str) -> tuple[str, str]:
    """'Workspace schema: add workspaces.' -> ('Workspace schema', 'Add workspaces.')."""
    name, sep, rest = title.partition(":")
    if not sep:
        return title.rstrip("."), ""
    rest = rest.strip()
    return name.strip(), rest[:1].upper() + rest[1:]


def split_details(details: str) -> tuple[str, str]:
    """The docstring's effect, and its 'Undoing it ...' sentence(s) apart."""
    marker = "Undoing it"
    at = details.find(marker)
    if at < 0:
        return details, ""
    return details[:at].strip(), details[at:].strip()


def pill(kind: str, parent: QWidget | None = None) -> QLabel:
    label = QLabel(parent)
    label.setObjectName("pill")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    set_pill(label, kind)
    return label


def set_pill(label: QLabel, kind: str) -> None:
    text, bg, fg = PILL_STYLES[kind]
    label.setText(text)
    label.setProperty("kind", kind)
    label.setStyleSheet(f"QLabel#pill {{ background: {bg}; color: {fg}; border-radius: 9px;"
                        " padding: 2px 10px; font-weight: 600; }")
    label.adjustSize()


def revision_state(rev: str, status: Status | None) -> str:
    if status is None or status.state not in UPGRADABLE:
        return "unknown"
    ids = revisions.ids()
    cur = -1 if status.current_revision is None else ids.index(status.current_revision)
    at = ids.index(rev)
    if at < cur:
        return "applied"
    if at == cur:
        return "current"
    return "pending"


class RevisionCard(QFrame):
    """One revision: id, name, state pill, what it does, what undoing it costs."""

    def __init__(self, rev: revisions.Revision, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.revision = rev.id
        self.setObjectName(f"revision:{rev.id}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(f"QFrame#revision\\:{rev.id} {{ border: 1px solid palette(mid);"
                           " border-radius: 6px; background: palette(base); }")
        name, summary = split_title(rev.title)
        effect, undo = split_details(rev.details)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 14)
        lay.setSpacing(6)
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
        self.pill = pill("unknown", self)
        top.addWidget(self.pill, 0, Qt.AlignmentFlag.AlignVCenter)
        lay.addLayout(top)

        self.summary = QLabel(summary, self)
        self.summary.setObjectName("revisionSummary")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.effect = QLabel(effect, self)
        self.effect.setObjectName("revisionEffect")
        self.effect.setWordWrap(True)
        self.effect.setStyleSheet("color: palette(placeholder-text);")
        lay.addWidget(self.effect)
        self.undo = QLabel(f"<b>Rolling it back:</b> {undo[len('Undoing it '):]}" if undo
                           else "", self)
        self.undo.setObjectName("revisionUndo")
        self.undo.setWordWrap(True)
        self.undo.setVisible(bool(undo))
        lay.addWidget(self.undo)
        self.state = ""
        self.set_state("unknown")
        self.setAccessibleName(f"Revision {rev.id}: {name}")

    def set_state(self, state: str) -> None:
        if state == self.state:
            return
        self.state = state
        set_pill(self.pill, state)
        self.pill.setToolTip({
            "applied": "This revision is already in the database",
            "current": "The database is at this revision",
            "pending": "An upgrade applies this revision",
            "unknown": "The database's state is not one this tool can migrate",
        }[state])
        self.setAccessibleDescription(PILL_STYLES[state][0])


class MigrationsView(QWidget):
    """The revisions and the upgrade / rollback buttons.

    `window` is the main window (its `runner`, `status`, `statusChanged` and
    `refresh()`); the dialogs are opened from here.
    """

    upgradeRequested = Signal()
    rollbackRequested = Signal()

    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_ = window
        self.setObjectName("migrationsView")
        self.status: Status | None = None
        self.upgrade_action: Any = None       # the menu's entry, kept in step with the button
        self.last_dialog: QWidget | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 16)
        outer.setSpacing(14)

        head = QHBoxLayout()
        head.setSpacing(10)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        from wsadmin.ui.op_dialog import heading_label

        title = heading_label("Migrations", self, 1.5)
        title.setObjectName("viewTitle")
        self.summary = QLabel("No database open", self)
        self.summary.setObjectName("migrationSummary")
        self.summary.setWordWrap(True)
        titles.addWidget(title)
        titles.addWidget(self.summary)
        head.addLayout(titles, 1)

        self.rollback_button = QPushButton("Roll back…", self)
        self.rollback_button.setObjectName("rollbackButton")
        self.rollback_button.setToolTip(
            "Go back one revision, or restore a backup; shows what each way back discards")
        self.rollback_button.setAccessibleName("Roll back")
        self.rollback_button.clicked.connect(self.open_rollback)
        self.upgrade_button = QPushButton("Back up and upgrade", self)
        self.upgrade_button.setObjectName("upgradeButton")
        self.upgrade_button.setDefault(True)
        self.upgrade_button.setShortcut(QKeySequence("Ctrl+U"))
        self.upgrade_button.setAccessibleName("Back up and upgrade")
        self.upgrade_button.setStyleSheet(
            "QPushButton#upgradeButton { padding: 6px 18px; font-weight: 600; }")
        self.upgrade_button.clicked.connect(self.open_upgrade)
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
        base = QLabel("<b>Before 001</b> — the legacy schema: users, dashboards, connections "
                      "and saved queries, no workspaces.", body)
        base.setObjectName("legacyBase")
        base.setWordWrap(True)
        base.setStyleSheet("color: palette(placeholder-text); padding: 0 4px;")
        col.addWidget(base)
        for rev in revisions.chain():
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

        self.footer = QLabel("", self)
        self.footer.setObjectName("migrationFooter")
        self.footer.setWordWrap(True)
        self.footer.setStyleSheet("color: palette(placeholder-text);")
        self.footer.setText("The upgrade backs the database up first, verifies the backup, "
                            "runs every revision in one transaction and checks the result; "
                            "if anything fails, the backup is restored automatically.")
        outer.addWidget(self.footer)

        status_changed = getattr(window, "statusChanged", None)
        if status_changed is not None:
            status_changed.connect(self._on_status_changed)
        closed = getattr(window, "databaseClosed", None)
        if closed is not None:
            closed.connect(lambda: self.set_status(None))
        self.set_status(getattr(window, "status", None))

    # -- state --------------------------------------------------------------------
    def _on_status_changed(self, *_args: object) -> None:
        self.set_status(getattr(self.window_, "status", None))

    def set_status(self, status: Status | None) -> None:
        self._set_status(status)
        if self.upgrade_action is not None:
            self.upgrade_action.setEnabled(self.upgrade_button.isEnabled())

    def _set_status(self, status: Status | None) -> None:
        self.status = status
        for rev_id, card in self.cards.items():
            card.set_state(revision_state(rev_id, status))
        up = self.upgrade_button
        if status is None:
            self.summary.setText("No database open")
            up.setEnabled(False)
            up.setToolTip("Open a database first")
            self.rollback_button.setEnabled(False)
            return
        self.rollback_button.setEnabled(True)
        self.summary.setText(self._summary_text(status))
        if status.state not in UPGRADABLE:
            up.setEnabled(False)
            up.setToolTip(f"Cannot upgrade: {status.summary}")
        elif not status.pending:
            up.setEnabled(False)
            up.setToolTip("The database is at the newest revision; nothing to upgrade")
        else:
            up.setEnabled(True)
            ids = ", ".join(p.revision for p in status.pending)
            up.setToolTip(f"Back up the database, verify the backup, then apply {ids} "
                          "(Ctrl+U); shows the plan first")

    @staticmethod
    def _summary_text(status: Status) -> str:
        where = ("has the legacy schema (before 001)" if status.current_revision is None
                 else f"is at revision {status.current_revision}")
        if status.state in (State.LEGACY, State.FRESH, State.CURRENT):
            if status.pending:
                n = len(status.pending)
                return (f"The database {where}; {n} revision{'s' if n > 1 else ''} "
                        f"pending (head is {status.head}).")
            return f"The database {where}, the newest: up to date."
        return status.summary[:1].upper() + status.summary[1:] + "."

    # -- actions ------------------------------------------------------------------
    def open_upgrade(self) -> None:
        if self.status is None or not self.upgrade_button.isEnabled():
            return
        from wsadmin.ui.upgrade_dialog import UpgradeDialog

        dialog = UpgradeDialog(self.window_, self.status.path, self)
        self.last_dialog = dialog
        self.upgradeRequested.emit()
        dialog.open()

    def open_rollback(self) -> None:
        if self.status is None:
            return
        from wsadmin.ui.rollback_dialog import RollbackDialog

        dialog = RollbackDialog(self.window_, self.status.path, self)
        self.last_dialog = dialog
        self.rollbackRequested.emit()
        dialog.open()


def install(window: Any) -> MigrationsView:
    """Add the Migrations view, its menu entries and the toolbar's Roll back button."""
    view = MigrationsView(window)
    window.add_view("migrations", "Migrations", view, icon="SP_ArrowUp",
                    tooltip="Revisions, Back up and upgrade, Roll back")

    def upgrade_now() -> None:
        window.show_view("migrations")
        view.open_upgrade()

    upgrade = window.make_action(
        "upgrade", "Back up and &upgrade…", upgrade_now, shortcut="Ctrl+U",
        tip="Back up the database, then upgrade it to the newest revision",
        icon="SP_ArrowUp")
    rollback = window.make_action(
        "rollback", "Roll &back…", view.open_rollback,
        tip="Downgrade one revision or restore a backup; shows what each discards",
        icon="SP_ArrowBack")
    window.add_toolbar_action("rollback", rollback)
    window.named_actions["upgrade"] = upgrade
    view.upgrade_action = upgrade
    view.set_status(view.status)
    menu = window.menus.get("database")
    if menu is not None:
        menu.addAction(upgrade)
        menu.addAction(rollback)
    view.upgrade_button.setShortcut(QKeySequence())
    return view
