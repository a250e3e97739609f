"""The Overview of an open database: revision, contents, file, last backup, health.

Fed by `MainWindow.statusChanged(Status)`; the last backup is looked up on the
worker (reading backup manifests, no SQL) after each status change.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from PySide6.QtCore import Slot
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from wsadmin.db.inspect import State, Status
from wsadmin.ui.qtprops import make_selectable

if TYPE_CHECKING:
    from PySide6.QtGui import QBrush, QPaintEvent

    from wsadmin.ui.main_window import MainWindow

# (table, label) in the order the Contents card shows them.
COUNTED = (("users", "Users"), ("workspaces", "Workspaces"), ("dashboards", "Dashboards"),
           ("connections", "Connections"), ("saved_queries", "Saved queries"))


# The Overview is drawn with the palette and small paintEvents rather than style
# sheets: the first style sheet of the app costs ~3.5 ms of start-up (a style object
# for every widget under it), and palette colours follow light and dark themes.
PROBLEM_COLOR = "#b3261e"
CARD_RADIUS = 6.0


def rgb(hex_color: str) -> QColor:
    """QColor of "#rrggbb" (not QColor(str): its overloads take Qt enums, whose first
    use costs ~12 ms; see wsadmin.ui.qtprops)."""
    return QColor(int(hex_color[1:3], 16), int(hex_color[3:5], 16), int(hex_color[5:7], 16))


def mute(label: QLabel) -> None:
    """Secondary text (captions, paths): drawn in the palette's placeholder colour."""
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)


def set_text_color(widget: QWidget, color: QColor) -> None:
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.WindowText, color)
    widget.setPalette(palette)


def rounded(widget: QWidget, fill: QBrush, border: QBrush | None, radius: float) -> None:
    """Paint `widget`'s background as a rounded rectangle (from its paintEvent). Brushes
    come from palettes, and painting goes through paths: QBrush(QColor), setBrush and
    setPen(QColor) would create the `Qt` enums on the first paint (~12 ms)."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter, QPainterPath, QPen

    path = QPainterPath()
    path.addRoundedRect(QRectF(widget.rect()).adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
    painter = QPainter(widget)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.fillPath(path, fill)
    if border is not None:
        painter.strokePath(path, QPen(border, 1.0))
    painter.end()


class Tone:
    OK = "ok"
    ATTENTION = "attention"
    DANGER = "danger"
    NEUTRAL = "neutral"


def revision_state(status: Status) -> tuple[str, str]:
    """The Revision card's headline state and its tone."""
    if status.state is State.UNKNOWN_REVISION:
        return "Unknown revision", Tone.DANGER
    if status.state is State.HALF_UPGRADED:
        return "Half-upgraded", Tone.DANGER
    if status.state is State.FOREIGN:
        return "Not an app_metadata.db", Tone.DANGER
    if status.pending:
        return "Upgrade available", Tone.ATTENTION
    return "Up to date", Tone.OK


def revision_text(status: Status) -> str:
    if status.state is State.LEGACY:
        return "legacy"
    if status.state is State.FRESH:
        return "empty"
    return status.current_revision or "none"


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value):,} bytes" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


class LastBackup(NamedTuple):      # (not a dataclass: ~0.9 ms to define at start-up)
    path: str
    created_at: str
    revision: str | None
    verified: bool
    size: int


def find_last_backup(db: str) -> LastBackup | None:
    """Runs on the worker: the newest backup of `db` in the backup catalog (its folder
    and the configured backup folder). wsadmin writes a manifest only after verifying
    a backup, so "verified" means verified when it was made."""
    from wsadmin.db.backup_catalog import list_backups

    entries = list_backups(db)
    if not entries:
        return None
    newest = max(entries, key=lambda e: (e.created_at, e.mtime_ns))
    return LastBackup(newest.path, newest.created_at, newest.revision,
                      bool(newest.has_manifest and newest.verified is not False), newest.size)


def local_time(iso: str) -> str:
    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso or "unknown time"
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


class Card(QFrame):
    """A titled box with a big value line and smaller detail lines."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setAccessibleName(title)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(19, 15, 19, 17)   # inside a 1 px border
        self.layout_.setSpacing(6)
        self.title = QLabel(title.upper(), self)
        self.title.setObjectName("cardTitle")
        tfont = QFont(self.title.font())
        tfont.setPointSizeF(tfont.pointSizeF() * 0.85)
        tfont.setWeight(QFont.Weight.DemiBold)
        tfont.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
        self.title.setFont(tfont)
        mute(self.title)
        self.layout_.addWidget(self.title)

    def paintEvent(self, _event: QPaintEvent) -> None:
        palette = self.palette()
        rounded(self, palette.brush(QPalette.ColorRole.Base),
                palette.brush(QPalette.ColorRole.Mid), CARD_RADIUS)

    def big_label(self, text: str = "") -> QLabel:
        label = QLabel(text, self)
        font = QFont(label.font())
        font.setPointSizeF(font.pointSizeF() * 1.9)
        font.setWeight(QFont.Weight.DemiBold)
        label.setFont(font)
        make_selectable(label)
        return label

    def detail_label(self, text: str = "") -> QLabel:
        label = QLabel(text, self)
        label.setWordWrap(True)
        make_selectable(label)
        return label


class Badge(QLabel):
    """A small coloured state pill ("Up to date", "Upgrade available", ...)."""

    COLORS: ClassVar[dict[str, tuple[str, str]]] = {
        Tone.OK: ("#1e7d32", "#e3f3e5"), Tone.ATTENTION: ("#8a5300", "#fff1d6"),
        Tone.DANGER: ("#b3261e", "#fde7e5"), Tone.NEUTRAL: ("#44474e", "#eceef2")}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("badge")
        self.tone = Tone.NEUTRAL
        self._fill = rgb(self.COLORS[Tone.NEUTRAL][1])
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.setContentsMargins(10, 3, 10, 3)
        font = QFont(self.font())
        font.setWeight(QFont.Weight.DemiBold)
        self.setFont(font)

    def set_state(self, text: str, tone: str) -> None:
        fg, bg = self.COLORS[tone]
        self.tone = tone
        self._fill = rgb(bg)
        set_text_color(self, rgb(fg))
        self.setText(text)
        self.setAccessibleName(f"State: {text}")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, self._fill)
        rounded(self, palette.brush(QPalette.ColorRole.Window), None, self.height() / 2)
        super().paintEvent(event)


def _on_the_left(widget: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(widget)
    row.addStretch(1)
    return row


class OverviewView(QScrollArea):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setObjectName("overview")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.last_backup: LastBackup | None = None
        body = QWidget(self)
        body.setObjectName("overviewBody")
        outer = QVBoxLayout(body)
        outer.setContentsMargins(28, 22, 28, 22)
        outer.setSpacing(16)

        # Header: database name, path, state badge.
        header = QHBoxLayout()
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
        make_selectable(self.path_label)
        mute(self.path_label)
        names.addWidget(self.name_label)
        names.addWidget(self.path_label)
        header.addLayout(names, 1)
        outer.addLayout(header)

        self.problem_label = QLabel("", body)
        self.problem_label.setObjectName("problem")
        self.problem_label.setWordWrap(True)
        set_text_color(self.problem_label, rgb(PROBLEM_COLOR))
        self.problem_label.hide()
        outer.addWidget(self.problem_label)

        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(16)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        # Revision card.
        self.revision_card = Card("Schema revision", body)
        rev_row = QHBoxLayout()
        self.revision_value = self.revision_card.big_label()
        self.revision_value.setAccessibleName("Current revision")
        self.head_label = self.revision_card.detail_label()
        mute(self.head_label)
        rev_row.addWidget(self.revision_value)
        rev_row.addSpacing(14)
        rev_row.addWidget(self.head_label)       # box layouts centre vertically
        rev_row.addStretch(1)
        self.revision_card.layout_.addLayout(rev_row)
        self.revision_state = Badge(self.revision_card)
        self.badge = self.revision_state
        rev_row.addWidget(self.revision_state)
        self.pending_label = self.revision_card.detail_label()
        self.pending_label.setAccessibleName("Pending revisions")
        self.revision_card.layout_.addWidget(self.pending_label)
        self.migrations_link = QPushButton("Open Migrations", self.revision_card)
        self.migrations_link.setToolTip("See every revision and upgrade from there")
        self.migrations_link.clicked.connect(lambda: self._goto("migrations"))
        self.migrations_link.setVisible(False)
        self.revision_card.layout_.addLayout(_on_the_left(self.migrations_link))
        self.revision_card.layout_.addStretch(1)
        grid.addWidget(self.revision_card, 0, 0)

        # Contents card.
        self.contents_card = Card("Contents", body)
        counts = QGridLayout()
        counts.setHorizontalSpacing(18)
        counts.setVerticalSpacing(4)
        self.count_labels: dict[str, QLabel] = {}
        for i, (table, title) in enumerate(COUNTED):
            value = self.contents_card.big_label("—")
            value.setAccessibleName(title)
            value.setObjectName(f"count_{table}")
            caption = QLabel(title, self.contents_card)
            mute(caption)
            row, col = divmod(i, 3)
            counts.addWidget(value, row * 2, col)
            counts.addWidget(caption, row * 2 + 1, col)
            self.count_labels[table] = value
        counts.setColumnStretch(0, 1)
        counts.setColumnStretch(1, 1)
        counts.setColumnStretch(2, 1)
        self.contents_card.layout_.addLayout(counts)
        self.contents_card.layout_.addStretch(1)
        grid.addWidget(self.contents_card, 0, 1)

        # File card.
        self.file_card = Card("File", body)
        file_form = QGridLayout()
        file_form.setHorizontalSpacing(14)
        file_form.setVerticalSpacing(6)
        self.size_value = self.file_card.detail_label()
        self.size_value.setAccessibleName("File size")
        self.journal_value = self.file_card.detail_label()
        self.journal_value.setAccessibleName("Journal mode")
        self.modified_value = self.file_card.detail_label()
        self.modified_value.setAccessibleName("Last modified")
        file_rows = (("Size", self.size_value), ("Journal mode", self.journal_value),
                     ("Modified", self.modified_value))
        for row, (cap_text, field) in enumerate(file_rows):
            cap = QLabel(cap_text, self.file_card)
            mute(cap)
            file_form.addWidget(cap, row, 0)
            file_form.addWidget(field, row, 1)
        file_form.setColumnStretch(1, 1)
        self.file_card.layout_.addLayout(file_form)
        self.file_card.layout_.addStretch(1)
        grid.addWidget(self.file_card, 1, 0)

        # Last backup card.
        self.backup_card = Card("Last backup", body)
        self.backup_value = self.backup_card.big_label("—")
        self.backup_value.setAccessibleName("Last backup time")
        self.backup_detail = self.backup_card.detail_label("")
        self.backup_detail.setAccessibleName("Last backup details")
        self.backups_link = QPushButton("Open Backups", self.backup_card)
        self.backups_link.setToolTip("List, verify and restore backups")
        self.backups_link.clicked.connect(lambda: self._goto("backups"))
        self.backups_link.setVisible(False)
        self.backup_card.layout_.addWidget(self.backup_value)
        self.backup_card.layout_.addWidget(self.backup_detail)
        self.backup_card.layout_.addLayout(_on_the_left(self.backups_link))
        self.backup_card.layout_.addStretch(1)
        grid.addWidget(self.backup_card, 1, 1)

        # Health card (filled in by the [GUI editors] issue).
        self.health_card = Card("Health", body)
        self.health_label = self.health_card.detail_label(
            "The runbook's data checks (users without a workspace, duplicate slugs, "
            "workspaces without an admin, ...) run with `wsadmin check DB`; "
            "their view in this window comes with the editors.")
        self.health_link = QLabel('<a href="health">About the checks…</a>', self.health_card)
        self.health_link.setObjectName("healthLink")
        self.health_link.setToolTip("Open the health view (when available) or the user guide")
        self.health_link.linkActivated.connect(lambda _href: self._goto("health"))
        self.health_card.layout_.addWidget(self.health_label)
        self.health_card.layout_.addWidget(self.health_link)
        grid.addWidget(self.health_card, 2, 0, 1, 2)

        outer.addLayout(grid)
        outer.addStretch(1)
        self.setWidget(body)

        window.statusChanged.connect(self.show_status)

    # ---- filling -------------------------------------------------------------------------

    def show_opening(self, path: Path) -> None:
        """While the first status of `path` is being read."""
        self.name_label.setText(path.name)
        self.path_label.setText(str(path))
        self.revision_state.set_state("Reading…", Tone.NEUTRAL)
        self.revision_value.setText("—")

    @Slot(object)
    def show_status(self, status: Status) -> None:
        path = Path(status.path)
        self.name_label.setText(path.name)
        self.path_label.setText(str(path))
        state_text, tone = revision_state(status)
        self.revision_state.set_state(state_text, tone)
        self.revision_value.setText(revision_text(status))
        self.head_label.setText(f"head is {status.head}")
        if status.state is State.HALF_UPGRADED or status.problems:
            self.pending_label.setText("\n".join(f"• {p}" for p in status.problems))
        elif status.state is State.UNKNOWN_REVISION:
            self.pending_label.setText(
                "This wsadmin does not know this revision: the database was migrated by a "
                "newer or different tool. Upgrade and rollback are disabled.")
        elif status.pending:
            self.pending_label.setText(
                f"{len(status.pending)} pending:\n" + "\n".join(
                    f"  {p.revision}  {p.description.rstrip('.')}" for p in status.pending))
        else:
            self.pending_label.setText("All revisions are applied.")
        # During a quick start the other views come right after the first frame: show
        # their links already, so that the cards keep their size.
        coming = not self.window_.startup_finished
        self.migrations_link.setVisible("migrations" in self.window_.views or coming)
        self.backups_link.setVisible("backups" in self.window_.views or coming)
        if self.last_backup is None and not self.backup_detail.text():
            self.backup_detail.setText("Looking for backups…")
        for table, label in self.count_labels.items():
            count = status.counts.get(table)
            label.setText("—" if count is None else f"{count:,}")
            label.setToolTip("" if count is not None else
                             "This table does not exist at this revision")
        self.size_value.setText(human_size(status.size))
        self.journal_value.setText((status.journal_mode or "—").upper()
                                   if status.journal_mode else "—")
        try:
            mtime = path.stat().st_mtime
            self.modified_value.setText(
                dt.datetime.fromtimestamp(mtime).strftime("%Y-%m-%d %H:%M:%S"))
        except OSError:
            self.modified_value.setText("—")
        self.problem_label.hide()
        self.health_link.setVisible(True)
        self.lookup_backup()

    def lookup_backup(self) -> None:
        """Find the last backup on the worker. Not before the window's start-up has
        finished: the first screen is shown without waiting for (or sharing the CPU with)
        it, and MainWindow.finish_startup asks again."""
        window = self.window_
        if window.runner is None or window.path is None or not window.startup_finished:
            return
        runner = window.runner

        def found(backup: LastBackup | None) -> None:
            if window.runner is runner:      # not a late answer about a closed database
                self.show_backup(backup)

        op = runner.submit(find_last_backup, str(window.path), label="Find the last backup",
                           on_success=found, on_failure=lambda _exc: found(None))
        op.quiet = True

    def show_backup(self, backup: LastBackup | None) -> None:
        self.last_backup = backup
        if backup is None:
            self.backup_value.setText("None yet")
            self.backup_detail.setText("Back up before every upgrade; wsadmin's upgrade "
                                       "does it for you.")
            return
        self.backup_value.setText(local_time(backup.created_at))
        verified = "verified when made" if backup.verified else "not verified"
        self.backup_detail.setText(f"revision {backup.revision or 'legacy'} · "
                                   f"{human_size(backup.size)} · {verified}\n"
                                   f"{Path(backup.path).name}")
        self.backup_detail.setToolTip(backup.path)

    def show_problem(self, exc: BaseException) -> None:
        from wsadmin.db.errors import WsadminError
        from wsadmin.ui.errors import is_known

        text = exc.one_line() if isinstance(exc, WsadminError) else str(exc)
        self.problem_label.setText(("Cannot read the database: " if is_known(exc) else
                                    "wsadmin hit a bug reading the database: ") + text)
        self.problem_label.show()
        self.badge.set_state("Unavailable", Tone.DANGER)

    def _goto(self, key: str) -> None:
        if key in self.window_.views:
            self.window_.show_view(key)
        elif key == "health":
            self.window_.open_user_guide()
