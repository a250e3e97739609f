"""The JSON manifest beside each backup: what it holds (revision, tables, row
counts), its size and sha256, when and from where it was taken.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from wsadmin.db.backup.names import BACKUP_SUFFIX as BACKUP_SUFFIX
from wsadmin.db.backup.names import MANIFEST_SUFFIX as MANIFEST_SUFFIX
from wsadmin.db.backup.names import backup_path_for as backup_path_for
from wsadmin.db.backup.names import manifest_path_for
from wsadmin.db.backup.names import utc_stamp as utc_stamp
from wsadmin.db.sqlite.files import read_regular_file

MANIFEST_FORMAT: Final = 1
MANIFEST_MAX_BYTES: Final = 1 << 20     # a manifest is a few hundred bytes
EMPTY_SHA256: Final = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True)
class BackupInfo:
    path: str
    manifest_path: str
    source: str
    size: int
    sha256: str
    revision: str | None
    counts: dict[str, int]
    tables: list[str]
    journal_mode: str | None
    created_at: str
    tool_version: str
    user: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class ManifestUnreadable(ValueError):
    """A manifest file exists but is not a valid manifest."""


def load_manifest(backup: Path) -> dict[str, Any] | None:
    """The manifest beside `backup`; None when there is none; ManifestUnreadable if broken."""
    manifest = manifest_path_for(backup)
    try:
        text = read_regular_file(manifest, MANIFEST_MAX_BYTES)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ManifestUnreadable(f"its manifest cannot be read: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ManifestUnreadable("its manifest is not valid JSON") from exc
    if not isinstance(data, dict):
        raise ManifestUnreadable("its manifest is not a JSON object")
    missing = [k for k in ("sha256", "size", "counts", "tables", "revision") if k not in data]
    if missing:
        raise ManifestUnreadable("its manifest lacks " + ", ".join(missing))
    if not isinstance(data["counts"], dict) or not isinstance(data["tables"], list):
        raise ManifestUnreadable("its manifest's counts or tables are malformed")
    return data


def read_manifest(backup: Path) -> dict[str, Any] | None:
    """The manifest beside `backup`, or None when it is missing or unreadable."""
    try:
        return load_manifest(Path(backup))
    except ManifestUnreadable:
        return None
