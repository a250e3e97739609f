"""What a checklist step's run function works with (actions, verify): the database, the
run's state, where backups and scratch copies go, progress and cancellation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wsadmin.db.checklist.state import RunState
from wsadmin.db.common.progress import CancelToken, ProgressCallback


@dataclass
class Context:
    """What a step's run function works with."""

    db: Path
    state: RunState
    backup_dir: Path | None = None
    workdir: Path | None = None
    progress: ProgressCallback | None = None
    cancel: CancelToken | None = None
