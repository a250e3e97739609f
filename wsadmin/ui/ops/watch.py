"""Following the open database's file and its backup folders on disk.

The backend writing the database, a backup made from the command line, a
backup deleted by hand: each calls back once a burst of changes has settled
(REREAD_DEBOUNCE_MS), so that the session re-reads what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Slot

REREAD_DEBOUNCE_MS = 400      # a burst of writes on disk gives one re-read


class DiskWatch(QObject):
    def __init__(self, on_file: Callable[[], None], on_folders: Callable[[], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.enabled = True
        self._file: Path | None = None
        self._folders: tuple[str, ...] = ()
        self._watcher: QFileSystemWatcher | None = None     # made on first use
        self._timers: dict[QTimer, Callable[[], None]] = {}
        self._file_timer = self._debounce(on_file)
        self._folder_timer = self._debounce(on_folders)

    def _debounce(self, fn: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(REREAD_DEBOUNCE_MS)
        timer.timeout.connect(fn)
        self._timers[timer] = fn
        return timer

    def follow(self, file: Path | None, folders: tuple[str, ...] | None = None) -> None:
        """Watch `file` and (when given) these folders; None: stop watching the file."""
        self._file = file
        if folders is not None:
            self._folders = folders
        self._apply()

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        self._apply()

    def stop(self) -> None:
        """Watch nothing and forget any change waiting to be reported."""
        self._file, self._folders = None, ()
        for timer in self._timers:
            timer.stop()
        self._apply()

    def flush(self) -> bool:
        """Report now a change still waiting for its burst to end; True if there was one."""
        ran = False
        for timer, fn in self._timers.items():
            if timer.isActive():
                timer.stop()
                fn()
                ran = True
        return ran

    def _apply(self) -> None:
        wanted: set[str] = set()
        if self.enabled:
            if self._file is not None and self._file.exists():
                wanted.add(str(self._file))
            wanted |= {f for f in self._folders if Path(f).is_dir()}
        if self._watcher is None and not wanted:
            return
        watcher = self._watcher_()
        watched = set(watcher.files()) | set(watcher.directories())
        if watched - wanted:
            watcher.removePaths(sorted(watched - wanted))
        if wanted - watched:
            watcher.addPaths(sorted(wanted - watched))

    def _watcher_(self) -> QFileSystemWatcher:
        if self._watcher is None:
            self._watcher = QFileSystemWatcher(self)
            self._watcher.fileChanged.connect(self._file_changed)
            self._watcher.directoryChanged.connect(self._folder_changed)
        return self._watcher

    @Slot(str)
    def _file_changed(self, _path: str) -> None:
        self._apply()     # editors and some tools replace the file: watch the new one
        self._file_timer.start()

    @Slot(str)
    def _folder_changed(self, _path: str) -> None:
        self._folder_timer.start()
