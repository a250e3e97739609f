"""Where a database's checklist run is kept: one state file a database, in wsadmin's
data folder, named after the database's resolved path. Light on purpose: every
open asks whether such a file exists (ui/ops/resume.py)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Final

from wsadmin.db.common import audit

FOLDER: Final = "checklists"


def state_path(db: str | Path) -> Path:
    resolved = str(Path(db).resolve())
    digest = hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(resolved).name)[:60] or "database"
    return audit.data_dir() / FOLDER / f"{name}-{digest}.json"
