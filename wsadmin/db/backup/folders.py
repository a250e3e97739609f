"""Where backups go: the configured backup folder, without Qt.

The value lives in `<data dir>/settings.json` under the key "backup_dir" (the
GUI's settings module reads and writes the same key); the environment variable
WSADMIN_BACKUP_DIR overrides it, for scripts and tests.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from wsadmin.db.common.audit import data_dir
from wsadmin.db.sqlite.files import atomic_write_bytes

ENV_VAR = "WSADMIN_BACKUP_DIR"
SETTINGS_FILE = "settings.json"
KEY = "backup_dir"


def settings_path() -> Path:
    return data_dir() / SETTINGS_FILE


def _load() -> dict[str, Any]:
    try:
        data = json.loads(settings_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def configured_backup_dir() -> Path | None:
    """The operator's backup folder, or None when backups go beside the database."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    value = _load().get(KEY)
    return Path(value).expanduser() if isinstance(value, str) and value else None


def set_configured_backup_dir(folder: str | Path | None) -> None:
    """Store (or with None, forget) the backup folder, keeping other settings."""
    data = _load()
    if folder is None:
        data.pop(KEY, None)
    else:
        data[KEY] = str(Path(folder).expanduser().absolute())
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, json.dumps(data, indent=2).encode(), 0o600)


def default_backup_folder(db: str | Path) -> Path:
    """The configured backup folder if there is one, else the database's own folder."""
    return configured_backup_dir() or Path(db).absolute().parent
