"""Is there an unfinished deployment checklist run for this database?

Asked after every open (dialogs.checklist_resume), so the common answer (no
run was ever started) costs one stat: the checklist's modules are imported
only when its state file exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wsadmin.db.checklist.state import RunState


def unfinished_run(path: str | Path) -> RunState | None:
    from wsadmin.db.checklist.paths import state_path

    if not state_path(path).exists():
        return None
    from wsadmin.db.checklist.state import unfinished

    return unfinished(path)
