"""The core's records and errors the GUI uses, named in one place.

Views, dialogs and widgets import these names from here rather than from
wsadmin.db's modules, so that when the core's layout changes only this file
and the other ops modules follow it. Importing this module is cheap: it loads
nothing the first screen does not need (the records of a status, not the shapes
and SQL that make one: `inspect` imports those when it runs).
"""

from __future__ import annotations

from pathlib import Path

from wsadmin.db.common.errors import ForeignDatabase, Refused, WsadminError
from wsadmin.db.common.progress import (
    Cancelled,
    CancelToken,
    Reporter,
    Step,
    StepState,
    step_line,
)
from wsadmin.db.common.text import printable
from wsadmin.db.schema.chain import REVISION_IDS, REVISIONS, Revision
from wsadmin.db.schema.status_types import MISSING, Offer, PendingRevision, State, Status


def inspect(path: str | Path) -> Status:
    """wsadmin.db.schema.status.inspect: where the database at `path` stands."""
    from wsadmin.db.schema.status import inspect as read_status

    return read_status(path)


def revision_chain() -> tuple[Revision, ...]:
    """wsadmin's six revisions, oldest first, with their operator words."""
    return REVISIONS


def revision_ids() -> tuple[str, ...]:
    return REVISION_IDS

__all__ = [
    "MISSING",
    "CancelToken",
    "Cancelled",
    "ForeignDatabase",
    "Offer",
    "PendingRevision",
    "Refused",
    "Reporter",
    "Revision",
    "State",
    "Status",
    "Step",
    "StepState",
    "WsadminError",
    "inspect",
    "printable",
    "revision_chain",
    "revision_ids",
    "step_line",
]
