"""The core's records and errors the GUI uses, named in one place.

Views, dialogs and widgets import these names from here rather than from
wsadmin.db's modules, so that when the core's layout changes only this file
and the other ops modules follow it. Importing this module is cheap: it loads
nothing the first screen does not need.
"""

from __future__ import annotations

from wsadmin.db.common.errors import ForeignDatabase, Refused, WsadminError
from wsadmin.db.common.progress import (
    Cancelled,
    CancelToken,
    Reporter,
    Step,
    StepState,
    step_line,
)
from wsadmin.db.inspect import PendingRevision, State, Status, inspect
from wsadmin.db.revisions import Revision
from wsadmin.db.revisions import chain as revision_chain
from wsadmin.db.revisions import ids as revision_ids

__all__ = [
    "CancelToken",
    "Cancelled",
    "ForeignDatabase",
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
    "revision_chain",
    "revision_ids",
    "step_line",
]
