"""The one settings module: every remembered preference goes through `Settings`.

Wraps QSettings (native format per platform). When $WSADMIN_HOME is set (tests,
portable installs) the settings live in `$WSADMIN_HOME/settings.ini` instead, so
a test never reads or writes the operator's real settings.

Keys: recent databases (path, last known revision and state, when opened),
main window geometry and state; the last backup folder is kept where the CLI
keeps it (wsadmin.db.backup.folders). Widgets never call QSettings themselves.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QByteArray, QSettings

if TYPE_CHECKING:
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QMainWindow

MAX_RECENT = 10

_RECENT = "recent/databases"
_GEOMETRY = "window/geometry"
_WINDOW_STATE = "window/state"


# Records read at start-up are NamedTuples: a frozen dataclass costs ~0.7 ms to define.
class RecentDatabase(NamedTuple):
    path: str
    revision: str | None = None     # last known revision (None: none recorded)
    state: str | None = None        # last known State value (SCHEMA.md "States")
    opened_at: float = 0.0          # time.time() when last opened

    @property
    def exists(self) -> bool:
        return Path(self.path).is_file()

    @property
    def revision_text(self) -> str:
        """The last known state in a few words (states of SCHEMA.md; "fresh" and
        "current" are what earlier versions stored)."""
        state, rev = self.state or "", self.revision
        words = {"": "not opened yet", "legacy": "legacy (no revision)", "empty": "empty",
                 "fresh": "empty", "unversioned_head": "head schema, no revision recorded",
                 "stuck_at_001": "stuck at revision 001", "half_initialised": "half-initialised",
                 "mixed": "mixed schema, no revision recorded",
                 "half_upgraded": f"half-upgraded ({rev or 'no revision'})",
                 "recorded_ahead_of_shape": f"revision {rev} recorded, schema behind it",
                 "unknown_revision": f"unknown revision {rev}",
                 "foreign": "not an app_metadata.db"}
        return words.get(state, f"revision {rev}")


class Settings:
    def __init__(self, qsettings: QSettings | None = None) -> None:
        if qsettings is None:
            home = os.environ.get("WSADMIN_HOME")
            if home:
                qsettings = QSettings(str(Path(home) / "settings.ini"), QSettings.Format.IniFormat)
            else:
                qsettings = QSettings("wsadmin", "wsadmin")
        self._s = qsettings

    @property
    def file_name(self) -> str:
        return self._s.fileName()

    def sync(self) -> None:
        self._s.sync()

    # ---- recent databases ----------------------------------------------------------

    def recent(self) -> list[RecentDatabase]:
        import json  # (not at start-up: ~2 ms)

        raw = self._s.value(_RECENT, "[]")
        try:
            items = json.loads(str(raw))
        except ValueError:
            return []
        out: list[RecentDatabase] = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                out.append(RecentDatabase(
                    path=item["path"], revision=item.get("revision"), state=item.get("state"),
                    opened_at=float(item.get("opened_at") or 0.0)))
        return out

    def _store_recent(self, items: list[RecentDatabase]) -> None:
        # No sync() here: it fsyncs (~10 ms). QSettings writes soon after on its own, and
        # the main window syncs on close; other Settings objects of this process see
        # the value at once (Qt shares one cache per file).
        import json

        self._s.setValue(_RECENT, json.dumps([i._asdict() for i in items[:MAX_RECENT]]))

    def add_recent(self, path: str | Path, revision: str | None = None,
                   state: str | None = None) -> None:
        """Put `path` first in the recent list, with its last known revision and state."""
        key = str(Path(path).resolve())
        rest = [r for r in self.recent() if r.path != key]
        self._store_recent([RecentDatabase(key, revision, state, time.time()), *rest])

    def update_recent(self, path: str | Path, revision: str | None, state: str | None) -> None:
        """Refresh the last known revision of a database without reordering the list."""
        key = str(Path(path).resolve())
        items = self.recent()
        for i, item in enumerate(items):
            if item.path == key:
                if (item.revision, item.state) == (revision, state):
                    return
                items[i] = RecentDatabase(key, revision, state, item.opened_at)
                self._store_recent(items)
                return

    def remove_recent(self, path: str | Path) -> None:
        key = str(Path(path).resolve()) if Path(path).is_absolute() else str(path)
        self._store_recent([r for r in self.recent() if r.path not in (key, str(path))])

    def clear_recent(self) -> None:
        self._store_recent([])

    # ---- window ---------------------------------------------------------------------

    def geometry(self) -> QByteArray | None:
        return _bytes(self._s.value(_GEOMETRY))

    def set_geometry(self, data: QByteArray) -> None:
        self._s.setValue(_GEOMETRY, data)

    def window_state(self) -> QByteArray | None:
        return _bytes(self._s.value(_WINDOW_STATE))

    def set_window_state(self, data: QByteArray) -> None:
        self._s.setValue(_WINDOW_STATE, data)

    def restore_window(self, window: QMainWindow, default: QSize) -> None:
        """Geometry and dock/toolbar state as saved; `default` size the first time."""
        geometry = self.geometry()
        if geometry is None or not window.restoreGeometry(geometry):
            window.resize(default)
        state = self.window_state()
        if state is not None:
            window.restoreState(state)

    def save_window(self, window: QMainWindow) -> None:
        self.set_geometry(window.saveGeometry())
        self.set_window_state(window.saveState())
        self.sync()

    # ---- backups --------------------------------------------------------------------

    # The backup folder is shared with the CLI (wsadmin.db.backup.folders, a JSON file in
    # the data dir), so both tools put backups in the same place.

    def last_backup_folder(self) -> str | None:
        from wsadmin.db.backup.folders import configured_backup_dir

        folder = configured_backup_dir()
        return str(folder) if folder is not None else None

    def set_last_backup_folder(self, folder: str | Path | None) -> None:
        from wsadmin.db.backup.folders import set_configured_backup_dir

        set_configured_backup_dir(folder)


def _bytes(value: Any) -> QByteArray | None:
    if isinstance(value, QByteArray) and not value.isEmpty():
        return value
    if isinstance(value, bytes | bytearray) and value:
        return QByteArray(bytes(value))
    return None
