"""The main window: assembles panels and actions, owns the open database's runner.

How panels plug in
==================

Views (one panel a module) are registered in `MainWindow._install_views()`, the
one function other modules' authors edit here::

    from wsadmin.ui.backups_view import BackupsView
    self.add_view("backups", "Backups", BackupsView(self), icon="SP_DriveHDIcon",
                  tooltip="Backups of this database")

* `add_view(key, title, widget, icon=None, tooltip=None)` adds a page to the
  sidebar and the view stack (in call order); `show_view(key)` switches to it;
  `views` maps keys to widgets (scripts/screenshots.py iterates over it).
  `icon` (here and in `make_action`) is a QIcon or the name of a standard icon
  of the style (`QStyle.StandardPixmap`), set once the first frame is shown.
* A view talks to the database only through `self.runner` (a
  `wsadmin.ui.worker.DbRunner`; None while no database is open) or, simpler,
  `self.run(fn, *args, label=..., on_success=...)`, which also reports
  failures with `wsadmin.ui.errors.show_error` and logs to the log dock.
* Signals a view can follow: `databaseOpened(str path)` (the runner exists),
  `statusChanged(Status)` (after every refresh, including the first one after
  opening), `databaseClosed()` (the runner is gone). `self.status` is the last
  Status and `self.path` the open database's path (a `pathlib.Path`).
* After a view changes the database it calls `self.refresh()` (F5 does the
  same): the status is re-read on the worker and `statusChanged` fires.
* Toolbar buttons: `add_toolbar_action(key, action, db_only=True)` puts a
  QAction on `self.toolbar` (after the standard ones) and in `self.named_actions`
  (a dict key -> QAction; QWidget.actions() is Qt's own list);
  `db_only` actions are disabled while no database is open. `self.menus`
  holds the "file", "database", "view" and "help" menus for menu entries.
* `self.settings` is the one `wsadmin.ui.settings.Settings`; `self.log` is
  the log dock (`self.log.add_message(title, text)` for a line of your own;
  operations run through the runner are logged automatically, with their
  progress steps in the same words as the CLI).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Start-up: the first screen (bench/startup.py) must not touch PySide6's `Qt` namespace
# (its first use creates Python enums for all ~90 of its enums, ~12 ms); see
# wsadmin.ui.qtprops. `Qt` is fine in code that runs later.
from PySide6.QtCore import QFileSystemWatcher, QSize, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from wsadmin.db.inspect import Status, inspect
from wsadmin.ui.log_dock import LogDock
from wsadmin.ui.opening import start_opening
from wsadmin.ui.overview import OverviewView
from wsadmin.ui.qtprops import VIEW_KEY_ROLE, set_enum_property, set_shortcut
from wsadmin.ui.settings import Settings
from wsadmin.ui.worker import DbRunner, Operation

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QMessageBox, QStyle

    from wsadmin.ui.start_page import StartPage

log = logging.getLogger("wsadmin.ui")

DB_FILTERS = "SQLite databases (*.db *.sqlite *.sqlite3);;All files (*)"
MIN_SIZE = QSize(900, 600)
DEFAULT_SIZE = QSize(1280, 800)
REFRESH_DEBOUNCE_MS = 400
LOG_HEIGHT = 210
ICON_SIZE = QSize(20, 20)       # toolbar and sidebar
ASK_AFTER_MS = 300      # closing during an operation: ask only if it is still running then
USER_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "user-guide.md"
# Quick start with a database (`open_path`): show_first_screen waits this long for its
# status, so that the first frame shows it; a database slower to read is shown with
# "Reading…" first, and finish_startup then waits for it up to FINISH_AT_LATEST_MS.
FIRST_STATUS_WAIT_MS = 150
FINISH_AT_LATEST_MS = 300


class MainWindow(QMainWindow):
    statusChanged = Signal(object)      # wsadmin.db.inspect.Status
    databaseOpened = Signal(str)        # path
    databaseClosed = Signal()

    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None,
                 defer_views: bool = False, open_path: str | Path | None = None,
                 opening: Operation | None = None) -> None:
        """`defer_views=True` (the app's quick start): what the first screen does not need
        (the other views, the log dock's contents and place, the start page when a
        database is being opened, the last-backup lookup) is built by `finish_startup`,
        called after the first screen has been painted (`show_first_screen`).

        `open_path`: open this database at once, on the Overview. `opening`: its
        inspection, already submitted with `wsadmin.ui.opening.start_opening` (the app
        does so before importing this module, so that the worker reads the database
        while the window is built); without it, the inspection starts here.
        `show_first_screen` waits for it briefly (FIRST_STATUS_WAIT_MS) so that the first
        frame shows the status, or the start page and the error; a slower database is
        shown as being read until its status arrives."""
        super().__init__(parent)
        self.settings = settings or Settings()
        self.runner: DbRunner | None = None
        self.status: Status | None = None
        self.path: Path | None = None
        self.views: dict[str, QWidget] = {}
        self.named_actions: dict[str, QAction] = {}
        self.menus: dict[str, Any] = {}
        self._db_only: list[QAction] = []
        self._opening: DbRunner | None = None
        self._retired: list[DbRunner] = []     # runners of closed databases, still draining
        self._after_idle: str | None = None     # "close_window" / "close_db" once idle
        self._close_box: QMessageBox | None = None
        self._refresh_queued = False
        self._start_page: StartPage | None = None
        self._log_attached = False
        self._when_started: list[Callable[[], object]] = []   # see _after_startup
        self._blank: QIcon | None = None
        self._opening_at_start = open_path is not None
        self._open_op: Operation | None = None
        self.startup_finished = not defer_views
        if not defer_views:
            self.setWindowIcon(app_icon())

        self.setObjectName("mainWindow")
        self.setWindowTitle("wsadmin")
        self.setMinimumSize(MIN_SIZE)
        self.setAcceptDrops(True)
        self.setAccessibleName("wsadmin main window")

        self.pages = QStackedWidget(self)
        self.db_page = db_page = QWidget(self)
        db_layout = QHBoxLayout(db_page)
        db_layout.setContentsMargins(0, 0, 0, 0)
        db_layout.setSpacing(0)
        self.sidebar = QListWidget(db_page)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setAccessibleName("Views")
        self.sidebar.setFixedWidth(190)
        self.sidebar.setIconSize(ICON_SIZE)
        self.sidebar.setFrameShape(QListWidget.Shape.NoFrame)
        self.sidebar.setSpacing(2)
        self.stack = QStackedWidget(db_page)
        self.stack.setObjectName("viewStack")
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        db_layout.addWidget(self.sidebar)
        db_layout.addWidget(self.stack, 1)
        self.pages.addWidget(db_page)
        if open_path is None or not defer_views:
            self.pages.setCurrentWidget(self.start_page)
        self.setCentralWidget(self.pages)

        self.log = LogDock(self)
        if not defer_views:
            self._attach_log()
            self.log.build()

        self._build_actions()
        self._build_status_bar()

        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._file_changed)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(REFRESH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._auto_refresh)

        self.overview = OverviewView(self)
        self.add_view("overview", "Overview", self.overview, icon="SP_FileDialogInfoView",
                      tooltip="Where this database stands")
        self._views_installed = False
        if not defer_views:
            self.install_views()
        self._update_actions()
        self._restore_geometry()
        if open_path is not None:
            self.overview.show_opening(Path(open_path).expanduser())
            self.open_database(open_path, started=opening)
            QTimer.singleShot(FINISH_AT_LATEST_MS, self._finish_first_screen)

    @property
    def start_page(self) -> StartPage:
        """The page shown while no database is open (built when first needed)."""
        if self._start_page is None:
            from wsadmin.ui.start_page import StartPage

            page = StartPage(self.settings, self)
            page.openRequested.connect(self.open_database)
            page.browseRequested.connect(self.open_dialog)
            page.demoRequested.connect(self.create_demo)
            page.set_busy(self._opening is not None)
            self.pages.insertWidget(0, page)
            self._start_page = page
        return self._start_page

    def _set_start_busy(self, busy: bool) -> None:
        if self._start_page is not None:
            self._start_page.set_busy(busy)

    def _attach_log(self) -> None:
        """Dock the log at the bottom (hidden unless the saved window state shows it)."""
        if self._log_attached:
            return
        self._log_attached = True
        from PySide6.QtCore import Qt

        if self.startup_finished or not self.restoreDockWidget(self.log):
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.log)
            self.resizeDocks([self.log], [LOG_HEIGHT], Qt.Orientation.Vertical)
            self.log.hide()

    def show_first_screen(self) -> None:
        """Show the window (with `open_path`: with its status if it comes quickly, see
        __init__); with `defer_views=True`, `finish_startup` follows the first paint."""
        if self._opening_at_start and self._opening is not None and self._open_op is not None:
            self._opening.finish_early(self._open_op, FIRST_STATUS_WAIT_MS)
        self.show()
        if not self._opening_at_start:
            self._finish_first_screen()

    @Slot()
    def _finish_first_screen(self) -> None:
        self._opening_at_start = False
        if not self.startup_finished:
            # A timer fires after the events already posted, the paint among them.
            QTimer.singleShot(0, self.finish_startup)

    def finish_startup(self) -> None:
        """Build what the quick start left out of the first screen (see __init__); once."""
        if self.startup_finished:
            return
        self._attach_log()
        self.startup_finished = True
        self.setWindowIcon(app_icon())     # a theme lookup: not needed for the first paint
        while self._when_started:
            self._when_started.pop(0)()
        self.start_page   # noqa: B018 - built now rather than when a database is closed
        self.log.build()
        if not self._views_installed:
            self.install_views()        # announces the status to every view, the Overview too
        elif self.status is not None:
            self.overview.lookup_backup()

    def install_views(self) -> None:
        """Register the views of `_install_views` (once). With `defer_views=True` the app
        calls this just after the first Overview has been shown, for a quick start; a
        database already open is then announced to the new views by `statusChanged`."""
        if self._views_installed:
            return
        self._views_installed = True
        self._install_views()
        self._update_actions()
        if self.status is not None:
            self.statusChanged.emit(self.status)

    # ---- the function other panels' authors edit ------------------------------------

    def _install_views(self) -> None:
        """Register the views of other modules here (see the module docstring).

        The Overview is already registered (first); add further views in the
        order they should appear in the sidebar, and their toolbar actions.
        """
        from wsadmin.ui import backups_view, migrations_view

        self.migrations = migrations_view.install(self)
        self.backups = backups_view.install(self)

    # ---- registry --------------------------------------------------------------------

    def add_view(self, key: str, title: str, widget: QWidget, icon: QIcon | str | None = None,
                 tooltip: str | None = None) -> None:
        """`icon`: a QIcon, or the name of one of the style's standard icons
        ("SP_DriveHDIcon"), which a quick start sets after the first frame."""
        if key in self.views:
            raise ValueError(f"a view named {key!r} is already registered")
        self.views[key] = widget
        item = QListWidgetItem(icon if isinstance(icon, QIcon) else QIcon(), title)
        if isinstance(icon, str):
            self._set_std_icon(item, icon)
        item.setData(VIEW_KEY_ROLE, key)
        item.setSizeHint(QSize(0, 36))
        if tooltip:
            item.setToolTip(tooltip)
        widget.setAccessibleName(title)
        self.sidebar.addItem(item)
        self.stack.addWidget(widget)
        if self.sidebar.currentRow() < 0:
            self.sidebar.setCurrentRow(0)

    def show_view(self, key: str) -> None:
        widget = self.views[key]
        self.sidebar.setCurrentRow(self.stack.indexOf(widget))

    @property
    def current_view(self) -> str | None:
        if self.pages.currentWidget() is not self.db_page:
            return None
        item = self.sidebar.currentItem()
        return None if item is None else str(item.data(VIEW_KEY_ROLE))

    def add_toolbar_action(self, key: str, action: QAction, db_only: bool = True) -> QAction:
        if key in self.named_actions:
            raise ValueError(f"an action named {key!r} is already registered")
        self.named_actions[key] = action
        self.toolbar.insertAction(self._toolbar_tail, action)
        if db_only:
            self._db_only.append(action)
            action.setEnabled(self.runner is not None)
        return action

    def std_icon(self, which: QStyle.StandardPixmap) -> QIcon:
        return self.style().standardIcon(which)

    def _set_std_icon(self, target: QAction | QListWidgetItem, name: str) -> None:
        """`target.setIcon(<the style's standard icon `name`>)`; during a quick start only
        in finish_startup, as the first use of QStyle from Python creates its ~12 enums
        (~4 ms) and the first screen can be shown without icons."""
        def apply() -> None:
            from PySide6.QtWidgets import QStyle

            target.setIcon(self.std_icon(getattr(QStyle.StandardPixmap, name)))

        if not self.startup_finished:
            target.setIcon(self._blank_icon())      # keeps the toolbar's height meanwhile
        self._after_startup(apply)

    def _blank_icon(self) -> QIcon:
        if self._blank is None:
            from PySide6.QtGui import QColor, QPixmap

            pixmap = QPixmap(ICON_SIZE)
            pixmap.fill(QColor(0, 0, 0, 0))
            self._blank = QIcon(pixmap)
        return self._blank

    def _after_startup(self, fn: Callable[[], object]) -> None:
        """Call `fn` now, or during a quick start once the first screen has been shown."""
        if self.startup_finished:
            fn()
        else:
            self._when_started.append(fn)

    # ---- actions, menus, status bar ---------------------------------------------------

    def make_action(self, key: str, text: str, slot: Callable[[], object], *,
                    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
                    tip: str = "", icon: QIcon | str | None = None) -> QAction:
        """An action named `action_<key>` whose tooltip shows its shortcut; not registered
        (views register theirs with add_toolbar_action or named_actions). `icon` as in
        add_view."""
        action = QAction(icon if isinstance(icon, QIcon) else QIcon(), text, self)
        if isinstance(icon, str):
            self._set_std_icon(action, icon)
        action.setObjectName(f"action_{key}")
        if shortcut is not None:
            # (not QKeySequence(<a QKeySequence>): that overload creates the `Qt` enums)
            set_shortcut(action, shortcut if isinstance(shortcut, QKeySequence)
                         else QKeySequence(shortcut))
        if tip:
            shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{tip} ({shown})" if shown else tip)
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _action(self, key: str, text: str, slot: Callable[[], object], *,
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
                tip: str = "", icon: QIcon | str | None = None, db_only: bool = False
                ) -> QAction:
        action = self.make_action(key, text, slot, shortcut=shortcut, tip=tip, icon=icon)
        self.named_actions[key] = action
        if db_only:
            self._db_only.append(action)
        return action

    def _build_actions(self) -> None:
        self._action("open", "&Open…", self.open_dialog, shortcut=QKeySequence.StandardKey.Open,
                     tip="Open an app_metadata.db", icon="SP_DialogOpenButton")
        self._action("demo", "Create &demo database…", self.create_demo,
                     tip="Create a demo database to try wsadmin on", icon="SP_FileIcon")
        self._action("close_db", "&Close database", self.close_database,
                     shortcut=QKeySequence.StandardKey.Close, tip="Close this database",
                     db_only=True)
        self._action("quit", "&Quit", self.close, shortcut=QKeySequence("Ctrl+Q"),
                     tip="Quit wsadmin")
        self._action("refresh", "&Refresh", self.refresh, shortcut=QKeySequence("F5"),
                     tip="Read the database's status again", icon="SP_BrowserReload",
                     db_only=True)
        self._action("guide", "wsadmin &user guide", self.open_user_guide,
                     shortcut=QKeySequence("F1"), tip="Open the user guide",
                     icon="SP_DialogHelpButton")
        self._action("about", "&About wsadmin", self.about, tip="Version and licence")
        self.named_actions["quit"].setMenuRole(QAction.MenuRole.QuitRole)
        self.named_actions["about"].setMenuRole(QAction.MenuRole.AboutRole)
        log_toggle = self.log.toggleViewAction()
        log_toggle.setText("&Log")
        set_shortcut(log_toggle, QKeySequence("Ctrl+L"))
        log_toggle.setToolTip("Show or hide the log of this session (Ctrl+L)")
        self._set_std_icon(log_toggle, "SP_FileDialogDetailedView")
        self.named_actions["log"] = log_toggle

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.named_actions["open"])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addAction(self.named_actions["demo"])
        file_menu.addSeparator()
        file_menu.addAction(self.named_actions["close_db"])
        file_menu.addSeparator()
        file_menu.addAction(self.named_actions["quit"])
        db_menu = bar.addMenu("&Database")
        db_menu.addAction(self.named_actions["refresh"])
        view_menu = bar.addMenu("&View")
        view_menu.addAction(log_toggle)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.named_actions["guide"])
        help_menu.addAction(self.named_actions["about"])
        self.menus = {"file": file_menu, "database": db_menu, "view": view_menu,
                      "help": help_menu}

        self.toolbar = QToolBar("Main toolbar", self)
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setIconSize(ICON_SIZE)
        set_enum_property(self.toolbar, "toolButtonStyle", "ToolButtonTextBesideIcon")
        self.toolbar.addAction(self.named_actions["open"])
        self.toolbar.addAction(self.named_actions["refresh"])
        self._toolbar_tail = self.toolbar.addSeparator()
        self.toolbar.addAction(log_toggle)
        self.addToolBar(self.toolbar)      # at the top

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.busy_label = QLabel("", self)
        self.busy_label.setAccessibleName("Current operation")
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setAccessibleName("Operation running")
        self.busy_bar.hide()
        self.path_label = QLabel("No database open", self)
        self.path_label.setAccessibleName("Open database")
        set_enum_property(self.path_label, "textInteractionFlags", "TextSelectableByMouse")
        bar.addWidget(self.path_label, 1)
        bar.addPermanentWidget(self.busy_label)
        bar.addPermanentWidget(self.busy_bar)

    def _update_actions(self) -> None:
        has_db = self.runner is not None
        for action in self._db_only:
            action.setEnabled(has_db)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        items = self.settings.recent()
        for item in items:
            act = self.recent_menu.addAction(f"{Path(item.path).name}  —  {item.path}")
            act.setEnabled(item.exists)
            act.triggered.connect(lambda _=False, p=item.path: self.open_database(p))
        if not items:
            self.recent_menu.addAction("No recent databases").setEnabled(False)

    # ---- opening and closing ------------------------------------------------------------

    @Slot()
    def open_dialog(self) -> None:
        start = str(self.path.parent) if self.path else ""
        if not start:
            recent = self.settings.recent()
            start = str(Path(recent[0].path).parent) if recent else str(Path.home())
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self, "Open an app_metadata.db", start, DB_FILTERS)
        if path:
            self.open_database(path)

    @Slot(str)
    def open_database(self, path: str | Path, started: Operation | None = None
                      ) -> Operation | None:
        """Inspect `path` on a new runner; show it on success, report the error and stay
        where we are (the start page, or the database already open) on failure.
        `started`: that inspection, already submitted with `start_opening`."""
        if self._opening is not None or self._after_idle is not None:
            return None
        target = Path(path).expanduser()
        op = started or start_opening(target)
        runner = op.runner
        runner.setParent(self)
        self._opening = runner
        self._set_start_busy(True)

        def opened(status: Status) -> None:
            self._opening = None
            self._set_start_busy(False)
            self._adopt(runner, target, status)

        def failed(exc: BaseException) -> None:
            self._opening = None
            self._set_start_busy(False)
            runner.shutdown()
            runner.deleteLater()
            if self.runner is None:         # failed at start: off the "Reading…" Overview
                self.pages.setCurrentWidget(self.start_page)
            if self._opening_at_start:
                self._finish_first_screen()

            def report() -> None:
                from wsadmin.ui import errors  # dialogs: imported on the first failure

                errors.show_error(self, exc, "Cannot open this database")

            if self.isVisible():
                report()
            else:       # at start-up (show_first_screen): over the window, once it is shown
                QTimer.singleShot(0, report)

        self.log.watch(runner)
        op.then(opened, failed)
        self._open_op = op
        return op

    def _adopt(self, runner: DbRunner, path: Path, status: Status) -> None:
        if self.runner is not None:
            self._release_runner()
        self.runner, self.path = runner, path
        runner.busyChanged.connect(self._busy_changed)
        self.watcher.addPath(str(path))
        self._after_startup(lambda: self.settings.add_recent(
            path, status.current_revision, status.state.value))
        self.setWindowTitle(f"{path.name} — wsadmin")
        self.path_label.setText(str(path))
        self.path_label.setToolTip(str(path))
        self.pages.setCurrentWidget(self.db_page)
        self.show_view("overview")
        self._update_actions()
        self.databaseOpened.emit(str(path))
        self._set_status(status)
        if self._opening_at_start:
            self._finish_first_screen()

    def _release_runner(self) -> None:
        """Let go of the open database's runner. It stops once its queue has drained;
        a runner still busy (another database was opened meanwhile) is kept as
        retired until its thread has ended, and closing the window waits for it."""
        runner = self.runner
        if runner is None:
            return
        self.runner = None
        for watched in self.watcher.files():
            self.watcher.removePath(watched)
        runner.busyChanged.disconnect(self._busy_changed)
        self._retire(runner)

    def _retire(self, runner: DbRunner) -> None:
        runner.request_stop()
        if not runner.busy:
            runner.shutdown()            # idle: the thread ends at once
            runner.deleteLater()
            return
        self._retired.append(runner)
        runner.busyChanged.connect(self._busy_changed)

        def ended() -> None:
            if runner in self._retired:
                self._retired.remove(runner)
            runner.shutdown()
            runner.deleteLater()

        runner.stopped.connect(ended)

    @Slot()
    def close_database(self) -> bool:
        """Back to the start page. While an operation runs, the operator may choose to
        close when it has finished (returns False: not closed yet)."""
        if self.runner is None:
            return True
        if self.runner.busy:
            self._close_after_operations("close_db")
            return False
        self._release_runner()
        self.status = None
        self.path = None
        self._debounce.stop()
        self.setWindowTitle("wsadmin")
        self.path_label.setText("No database open")
        self.path_label.setToolTip("")
        self.start_page.reload()
        self.pages.setCurrentWidget(self.start_page)
        self._update_actions()
        self.databaseClosed.emit()
        return True

    # ---- status -----------------------------------------------------------------------

    @Slot()
    def refresh(self) -> Operation | None:
        """Re-read the status on the worker; `statusChanged` fires with the result."""
        if self.runner is None or self.path is None:
            return None
        self._refresh_queued = False
        runner, path = self.runner, self.path

        def done(status: Status) -> None:
            if self.runner is runner:
                self._set_status(status)

        def failed(exc: BaseException) -> None:
            if self.runner is runner:
                self.overview.show_problem(exc)
                from wsadmin.ui import errors

                if not errors.is_known(exc):
                    errors.show_error(self, exc)

        return runner.submit(inspect, path, label="Refresh status",
                             on_success=done, on_failure=failed)

    def _set_status(self, status: Status) -> None:
        self.status = status
        self._after_startup(lambda: self.settings.update_recent(
            status.path, status.current_revision, status.state.value))
        self.statusChanged.emit(status)

    @Slot(str)
    def _file_changed(self, path: str) -> None:
        # Editors and some tools replace the file: watch the new one.
        if self.path is not None and str(self.path) not in self.watcher.files() \
                and self.path.exists():
            self.watcher.addPath(str(self.path))
        self._debounce.start()

    @Slot()
    def _auto_refresh(self) -> None:
        if self.runner is None:
            return
        if self.runner.busy:
            self._refresh_queued = True   # once the running operation is over
            return
        self.refresh()

    # ---- running operations -------------------------------------------------------------

    def run(self, fn: Callable[..., Any], *args: Any, label: str,
            on_success: Callable[[Any], object] | None = None,
            on_failure: Callable[[BaseException], object] | None = None,
            show_errors: bool = True, **kwargs: Any) -> Operation:
        """Submit `fn` to the open database's runner; failures are shown in the error
        dialog (unless show_errors=False) after `on_failure` ran."""
        if self.runner is None:
            raise RuntimeError("no database is open")

        def failed(exc: BaseException) -> None:
            if on_failure is not None:
                on_failure(exc)
            if show_errors:
                from wsadmin.ui import errors

                errors.show_error(self, exc)

        return self.runner.submit(fn, *args, label=label, on_success=on_success,
                                  on_failure=failed, **kwargs)

    @Slot(bool)
    def _busy_changed(self, _busy: bool) -> None:
        runner = self.runner
        busy = runner is not None and runner.busy
        current = runner.current if runner is not None else None
        self.busy_bar.setVisible(busy)
        if self._after_idle is None:
            self.busy_label.setText(f"{current.label}…" if busy and current else
                                    ("Working…" if busy else ""))
        if self._busy_runners():
            return
        after, self._after_idle = self._after_idle, None
        if after is not None and self._close_box is not None:
            self._close_box.done(0)
        if after == "close_window":
            QTimer.singleShot(0, self.close)
        elif after == "close_db":
            self.busy_label.setText("")
            QTimer.singleShot(0, self.close_database)
        elif self._refresh_queued:
            self.refresh()

    def _busy_runners(self) -> list[DbRunner]:
        return [r for r in (self.runner, self._opening, *self._retired)
                if r is not None and r.busy]

    def _close_after_operations(self, what: str) -> None:
        """Close (the window or the database) once the runners are idle. Quick reads just
        delay it; if a real operation is still running after ASK_AFTER_MS, wsadmin asks
        whether to close when it has finished. An operation is never interrupted."""
        if self._after_idle is not None:
            if what == "close_window":
                self._after_idle = what
            return
        self._after_idle = what
        from PySide6.QtCore import Qt

        for r in self._busy_runners():
            r.busyChanged.connect(self._busy_changed, Qt.ConnectionType.UniqueConnection)
        QTimer.singleShot(ASK_AFTER_MS, self._confirm_waiting)

    @Slot()
    def _confirm_waiting(self) -> None:
        busy = self._busy_runners()
        if self._after_idle is None or not busy or self._close_box is not None:
            return
        label = next((op.label for r in busy for op in r.operations if not op.quiet), None)
        if label is None:
            return      # background reads only: they end in a moment
        if self.ask_close_when_finished(label):
            if self._after_idle is not None:
                self.busy_label.setText(f"Closing when “{label}” has finished…")
        else:
            self._after_idle = None
            self._busy_changed(True)

    def ask_close_when_finished(self, label: str) -> bool:
        """The question asked when closing during an operation. If the operation ends
        while the question is open, the box closes by itself (answer: close)."""
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Question, "An operation is running",
                          f"“{label}” is still running.", parent=self)
        box.setObjectName("closeWhileBusy")
        box.setInformativeText("wsadmin never stops a database operation half-way. "
                               "It can close as soon as this one has finished.")
        wait = box.addButton("Close when finished", QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton("Keep working", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(wait)
        box.setEscapeButton(keep)
        self._close_box = box
        try:
            box.exec()
        finally:
            self._close_box = None
        return box.clickedButton() is not keep

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy_runners():
            self._close_after_operations("close_window")
            event.ignore()
            return
        self._save_geometry()
        self._release_runner()
        event.accept()

    # ---- geometry --------------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        geometry = self.settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(DEFAULT_SIZE)
        state = self.settings.window_state()
        if state is not None:
            self.restoreState(state)

    def _save_geometry(self) -> None:
        self.settings.set_geometry(self.saveGeometry())
        self.settings.set_window_state(self.saveState())
        self.settings.sync()

    # ---- drag and drop ---------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_file(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        if _dropped_file(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_file(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        # Open after the drop returns, so the drag source is not kept waiting.
        QTimer.singleShot(0, lambda: self.open_database(path))

    # ---- demo, help ------------------------------------------------------------------------

    @Slot()
    def create_demo(self) -> None:
        from wsadmin.ui.start_page import DemoDialog

        dialog = DemoDialog(self)
        if not dialog.exec():
            return
        path, users, state = dialog.values()
        runner = DbRunner(self)
        self.log.watch(runner)
        self._set_start_busy(True)

        def built(_result: object) -> None:
            runner.shutdown()
            runner.deleteLater()
            self._set_start_busy(False)
            self.open_database(path)

        def failed(exc: BaseException) -> None:
            runner.shutdown()
            runner.deleteLater()
            self._set_start_busy(False)
            from wsadmin.ui import errors

            errors.show_error(self, exc, "Cannot create the demo database")

        runner.submit(_build_demo, path, users, state, label=f"Create demo {Path(path).name}",
                      on_success=built, on_failure=failed)

    @Slot()
    def open_user_guide(self) -> bool:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        url = QUrl.fromLocalFile(str(USER_GUIDE))
        return bool(QDesktopServices.openUrl(url))

    @Slot()
    def about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        import wsadmin

        QMessageBox.about(self, "About wsadmin",
                          f"<b>wsadmin {wsadmin.__version__}</b><p>Inspect, back up, upgrade "
                          "and roll back the backend's app_metadata.db.</p><p>MIT licence.</p>")


def _build_demo(path: str, users: int, state: str) -> Path:
    from wsadmin.db.demo import build_demo  # imports Alembic: only when asked for

    return build_demo(path, users=users, state=state)


def _dropped_file(event: Any) -> str | None:
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile():
            return str(url.toLocalFile())
    return None


def app_icon() -> QIcon:
    svg = Path(__file__).resolve().parents[2] / "packaging" / "wsadmin.svg"
    icon = QIcon.fromTheme("wsadmin")
    if icon.isNull() and svg.exists():
        icon = QIcon(str(svg))
    return icon
