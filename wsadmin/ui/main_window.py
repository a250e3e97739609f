"""The main window: assembles the session, the views, the dialogs and the actions.

The open database (runner, path, status, backups) is the session's
(`self.session`); views and dialogs follow it, never this window, which places
the views in the sidebar (`add_view`), their actions in the menus and toolbar,
and opens the dialogs they ask for (`...Requested` signals; dialogs.opener). A new panel goes
in `install_views()`: `self.add_view("health", "Health", HealthView(...), ...)`.
`views`, `named_actions` and `menus` map keys to views (in sidebar order: the
screenshots script iterates over them), QActions and menus; `log` is the log dock.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Start-up: the first screen (bench/startup.py) must not touch PySide6's `Qt` namespace
# (its first use creates Python enums for all ~90 of its enums, ~12 ms); see
# wsadmin.ui.widgets.qtprops. `Qt` is fine in code that runs later.
from PySide6.QtCore import QSize, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QWidget

from wsadmin.ui.dialogs.checklist_resume import ResumeOffer
from wsadmin.ui.dialogs.opener import DialogOpener
from wsadmin.ui.ops.op import DbOp
from wsadmin.ui.session import Session
from wsadmin.ui.settings import Settings
from wsadmin.ui.views.log_dock import LogDock
from wsadmin.ui.views.overview import OverviewView
from wsadmin.ui.widgets.actions import make_action
from wsadmin.ui.widgets.chrome import add_menus, add_toolbar
from wsadmin.ui.widgets.file_drop import FileDropTarget
from wsadmin.ui.widgets.icons import StdIcons, app_icon
from wsadmin.ui.widgets.qtprops import set_shortcut
from wsadmin.ui.widgets.recent_menu import RecentMenu
from wsadmin.ui.widgets.status_bar import StatusBar
from wsadmin.ui.widgets.view_switcher import ViewSwitcher

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent
    from PySide6.QtWidgets import QDialog

    from wsadmin.ui.dialogs.questions import CloseGuard
    from wsadmin.ui.ops.core import Status
    from wsadmin.ui.views.start_page import StartPage

MIN_SIZE = QSize(900, 600)
DEFAULT_SIZE = QSize(1280, 800)
# Quick start on a database: the first frame waits this long for its status (a slower one
# is shown "Reading…"), and finish_startup waits for it up to FINISH_AT_LATEST_MS.
FIRST_STATUS_WAIT_MS = 150
FINISH_AT_LATEST_MS = 300


class MainWindow(FileDropTarget, DialogOpener, QMainWindow):
    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None,
                 defer_views: bool = False, open_path: str | Path | None = None,
                 opening: DbOp[Status] | None = None) -> None:
        """`defer_views=True` (the app's quick start): what the first screen does not need
        (other views, the log's contents, icons, the start page, the backup catalog)
        comes in `finish_startup`, after the first paint (`show_first_screen`).
        `open_path`: open this database at once; `opening`: its inspection, submitted
        with ops.opening.start_opening before this module was even imported."""
        super().__init__(parent)
        self.settings = settings or Settings()
        self.session = Session(self.settings, self, background=not defer_views)
        self.startup_finished = not defer_views
        self.icons = StdIcons(self, deferred=defer_views)
        self.named_actions: dict[str, QAction] = {}
        self.menus: dict[str, Any] = {}
        self.last_dialog: QDialog | None = None
        self.guide: QDialog | None = None
        self._db_only: list[QAction] = []
        self._start_page: StartPage | None = None
        self._guard: CloseGuard | None = None        # made when first closing while busy
        self._opening_at_start, self._views_installed = open_path is not None, False
        if not defer_views:
            self.setWindowIcon(app_icon())
        self.setObjectName("mainWindow")
        self.setAccessibleName("wsadmin main window")
        self.setWindowTitle("wsadmin")
        self.setMinimumSize(MIN_SIZE)
        self.setAcceptDrops(True)       # a database file dropped on it opens (FileDropTarget)

        self.pages = QStackedWidget(self)
        self.db_page = ViewSwitcher(self.icons, self)
        self.sidebar, self.views = self.db_page.sidebar, self.db_page.views
        self.pages.addWidget(self.db_page)
        if open_path is None or not defer_views:
            self.pages.setCurrentWidget(self.start_page)
        self.setCentralWidget(self.pages)
        self.log = LogDock(self.session, self)
        if not defer_views:
            self.log.attach(self, restore=False)
            self.log.build()
        self._build_actions()
        self.status_bar = StatusBar(self)
        self.overview = OverviewView(self.session, self)
        self.overview.openView.connect(self.open_view)
        self.overview.changeRequested.connect(self.open_change)
        self.add_view("overview", "Overview", self.overview, icon="SP_FileDialogInfoView",
                      tooltip="Where this database stands")
        if not defer_views:
            self.install_views()
        s = self.session
        s.opened.connect(self._opened)
        s.openFailed.connect(self._open_failed)
        s.closed.connect(self._closed)
        s.openingChanged.connect(self._set_start_busy)
        s.busyChanged.connect(lambda _b: self._show_busy())
        s.errorOccurred.connect(lambda exc, title: self.show_error(exc, title or None))
        self.resume_offer = ResumeOffer(s, self, self.open_checklist, started=not defer_views)
        self._update_actions()
        self.settings.restore_window(self, DEFAULT_SIZE)
        if open_path is not None:
            s.open(open_path, started=opening)
            QTimer.singleShot(FINISH_AT_LATEST_MS, self._finish_first_screen)

    # ---- start-up ---------------------------------------------------------------------

    @property
    def start_page(self) -> StartPage:
        """The page shown while no database is open (built when first needed)."""
        if self._start_page is None:
            from wsadmin.ui.views.start_page import StartPage

            page = StartPage(self.settings, self)
            page.openRequested.connect(self.open_database)
            page.browseRequested.connect(self.open_dialog)
            page.demoRequested.connect(self.create_demo)
            page.initRequested.connect(self.initialise_new)
            page.set_busy(self.session.opening)
            self.pages.insertWidget(0, page)
            self._start_page = page
        return self._start_page

    def _set_start_busy(self, busy: bool) -> None:
        if self._start_page is not None:
            self._start_page.set_busy(busy)

    def show_first_screen(self) -> None:
        """Show the window (with `open_path`: with its status if it comes quickly); with
        `defer_views=True`, `finish_startup` follows the first paint."""
        if self._opening_at_start:
            self.session.finish_opening_early(FIRST_STATUS_WAIT_MS)
        self.show()
        if not self._opening_at_start:
            self._finish_first_screen()

    def _finish_first_screen(self) -> None:
        self._opening_at_start = False
        if not self.startup_finished:
            # A timer fires after the events already posted, the paint among them.
            QTimer.singleShot(0, self.finish_startup)

    def finish_startup(self) -> None:
        """Build what the quick start left out of the first screen (once)."""
        if self.startup_finished:
            return
        self.log.attach(self, restore=True)
        self.startup_finished = True
        self.setWindowIcon(app_icon())     # a theme lookup: not needed for the first paint
        self.icons.start()
        self.session.start_background()     # first: it adds the database to the recent list
        self.start_page   # noqa: B018 - built now rather than when a database is closed
        self.log.build()
        self.install_views()
        self.resume_offer.start()

    def install_views(self) -> None:
        """The views after the Overview, in sidebar order, with their actions (once)."""
        if self._views_installed:
            return
        self._views_installed = True
        from wsadmin.ui.views.backups import BackupsView
        from wsadmin.ui.views.migrations import MigrationsView

        self.migrations = MigrationsView(self.session, self.icons, self)
        self.add_view("migrations", "Migrations", self.migrations, icon="SP_ArrowUp",
                      tooltip="Revisions, Back up and upgrade, Roll back")
        self.migrations.changeRequested.connect(self.open_change)
        self.migrations.rollbackRequested.connect(self.open_rollback)
        self.backups = BackupsView(self.session, self.icons, self)
        self.add_view("backups", "Backups", self.backups, icon="SP_DriveHDIcon",
                      tooltip="Backups of this database: back up, verify, restore, prune")
        self.backups.restoreRequested.connect(self.open_rollback)
        self.backups.pruneRequested.connect(self.open_prune)
        upgrade, rollback = self.migrations.upgrade_action, self.migrations.rollback_action
        backup = self.backups.back_up_action
        upgrade.triggered.connect(lambda: self.show_view("migrations"))
        backup.triggered.connect(lambda: self.show_view("backups"))
        self.add_toolbar_action("rollback", rollback)
        self.add_toolbar_action("backup", backup)
        self.named_actions["upgrade"] = upgrade
        for action in (backup, upgrade, rollback):
            self.menus["database"].addAction(action)
        from wsadmin.ui.views.health import HealthView

        self.health = HealthView(self.session, self.icons, self)
        self.add_view("health", "Health", self.health, icon="SP_DialogApplyButton",
                      tooltip="The runbook's data checks, their findings and fixes")
        self.health.fixRequested.connect(self.open_fix)
        self.menus["database"].addAction(self.health.run_action)
        from wsadmin.ui.views.users import UsersView
        from wsadmin.ui.views.workspaces import WorkspacesView

        for key, title, view, icon in (
                ("users", "Users", UsersView(self.session, self), "SP_DirHomeIcon"),
                ("workspaces", "Workspaces", WorkspacesView(self.session, self),
                 "SP_DirIcon")):
            self.add_view(key, title, view, icon=icon, tooltip=f"Edit the {key}")
            view.changeRequested.connect(self.open_change)

    # ---- views and actions ----------------------------------------------------------------

    def add_view(self, key: str, title: str, widget: QWidget, icon: str | None = None,
                 tooltip: str | None = None) -> None:
        self.db_page.add(key, title, widget, icon, tooltip)

    def show_view(self, key: str) -> None:
        self.db_page.select(key)

    def open_view(self, key: str) -> None:
        if key in self.views:
            self.show_view(key)

    @property
    def current_view(self) -> str | None:
        return self.db_page.current if self.pages.currentWidget() is self.db_page else None

    def add_toolbar_action(self, key: str, action: QAction) -> QAction:
        if key in self.named_actions:
            raise ValueError(f"an action named {key!r} is already registered")
        self.named_actions[key] = action
        self.toolbar.insertAction(self._toolbar_tail, action)
        return action

    def _action(self, key: str, text: str, slot: Callable[[], object], *,
                db_only: bool = False, **kwargs: Any) -> QAction:
        action = make_action(self, key, text, slot, icons=self.icons, **kwargs)
        self.named_actions[key] = action
        if db_only:
            self._db_only.append(action)
        return action

    def _build_actions(self) -> None:
        a = self._action
        a("open", "&Open…", self.open_dialog, shortcut=QKeySequence.StandardKey.Open,
          tip="Open an app_metadata.db", icon="SP_DialogOpenButton")
        a("demo", "Create &demo database…", self.create_demo,
          tip="Create a demo database to try wsadmin on", icon="SP_FileIcon")
        a("init", "&Initialise a new database…", self.initialise_new,
          tip="Create the backend's schema in a new or empty file", icon="SP_FileIcon")
        a("close_db", "&Close database", self.close_database,
          shortcut=QKeySequence.StandardKey.Close, tip="Close this database", db_only=True)
        a("quit", "&Quit", self.close, shortcut=QKeySequence("Ctrl+Q"), tip="Quit wsadmin")
        a("refresh", "&Refresh", lambda: self.session.refresh(), shortcut=QKeySequence("F5"),
          tip="Read the database's status and its backups again", icon="SP_BrowserReload",
          db_only=True)
        a("checklist", "Deployment &checklist…", self.open_checklist, db_only=True,
          tip="Walk the runbook's deployment checklist on this database")
        a("guide", "wsadmin &user guide", self.open_user_guide, shortcut=QKeySequence("F1"),
          tip="Open the user guide", icon="SP_DialogHelpButton")
        a("about", "&About wsadmin", self.about, tip="Version and licence")
        self.named_actions["quit"].setMenuRole(QAction.MenuRole.QuitRole)
        self.named_actions["about"].setMenuRole(QAction.MenuRole.AboutRole)
        log_toggle = self.named_actions["log"] = self.log.toggleViewAction()
        log_toggle.setText("&Log")
        set_shortcut(log_toggle, QKeySequence("Ctrl+L"))
        log_toggle.setToolTip("Show or hide the log of this session (Ctrl+L)")
        self.icons.set(log_toggle, "SP_FileDialogDetailedView")

        self.recent_menu = RecentMenu(self.settings, self)
        self.recent_menu.openRequested.connect(self.open_database)
        n = self.named_actions
        self.menus = add_menus(self, (
            ("file", "&File", (n["open"], self.recent_menu, n["init"], n["demo"], None,
                               n["close_db"], None, n["quit"])),
            ("database", "&Database", (n["refresh"], n["checklist"])),
            ("view", "&View", (log_toggle,)),
            ("help", "&Help", (n["guide"], n["about"]))))
        self.toolbar, self._toolbar_tail = add_toolbar(self, (n["open"], n["refresh"]),
                                                       (log_toggle,))

    def _update_actions(self) -> None:
        for action in self._db_only:
            action.setEnabled(self.session.is_open)

    def _show_busy(self) -> None:
        busy, current = self.session.busy, self.session.current
        text = f"{current.label}…" if busy and current else ("Working…" if busy else "")
        self.status_bar.set_busy(busy, None if self.close_pending else text)

    # ---- opening and closing ------------------------------------------------------------

    def open_dialog(self) -> None:
        from wsadmin.ui.dialogs.questions import choose_database

        recent = self.settings.recent()
        path = choose_database(self, self.session.path.parent if self.session.path else
                               Path(recent[0].path).parent if recent else Path.home())
        if path:
            self.open_database(path)

    def open_database(self, path: str | Path) -> DbOp[Status] | None:
        """Open `path` (see Session.open); None while closing or opening already."""
        return None if self.close_pending else self.session.open(path)

    def _opened(self, path: str) -> None:
        name = Path(path).name
        self.setWindowTitle(f"{name} — wsadmin")
        self.status_bar.set_path(path)
        self.pages.setCurrentWidget(self.db_page)
        self.show_view("overview")
        self._update_actions()
        if self._opening_at_start:      # after this turn's paint and other answers to it
            QTimer.singleShot(0, self._finish_first_screen)

    def _open_failed(self, exc: BaseException) -> None:
        if not self.session.is_open:         # failed at start: off the "Reading…" Overview
            self.pages.setCurrentWidget(self.start_page)
        if self._opening_at_start:
            self._finish_first_screen()
        if self.isVisible():
            self.show_error(exc, "Cannot open this database")
        else:       # at start-up (show_first_screen): over the window, once it is shown
            QTimer.singleShot(0, lambda: self.show_error(exc, "Cannot open this database"))

    def _closed(self) -> None:
        self.setWindowTitle("wsadmin")
        self.status_bar.set_path(None)
        self.start_page.reload()
        self.pages.setCurrentWidget(self.start_page)
        self._update_actions()

    def close_database(self) -> bool:
        """Back to the start page. While an operation runs, the operator may choose to
        close when it has finished (returns False: not closed yet)."""
        if self.session.close():
            return True
        self._close_when_idle("database")
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.session.busy_anywhere:
            self._close_when_idle("window")
            event.ignore()
            return
        self.settings.save_window(self)
        self.session.close()
        event.accept()

    @property
    def close_pending(self) -> bool:
        return self._guard is not None and self._guard.pending is not None

    def _close_when_idle(self, what: str) -> None:
        if self._guard is None:
            from wsadmin.ui.dialogs.questions import CloseGuard

            self._guard = CloseGuard(self.session, self, lambda w: self.close() if w == "window"
                                     else self.close_database(),
                                     self.status_bar.busy_label.setText)
        self._guard.request(what)

    def file_dropped(self, path: str) -> None:
        self.open_database(path)
