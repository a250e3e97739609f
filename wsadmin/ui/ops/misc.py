"""Smaller calls the GUI makes on a worker: the audit log's lines, a demo database."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

_SHOWN_APART = ("time", "user", "database", "action", "outcome", "tool_version")


def audit_line(entry: Mapping[str, Any]) -> str:
    import json  # on the worker, not at start-up

    extra = {k: v for k, v in entry.items() if k not in _SHOWN_APART}
    tail = "  " + json.dumps(extra, ensure_ascii=False, default=str) if extra else ""
    return (f"{entry.get('time', '?')}  {entry.get('user', '?')}  {entry.get('action', '?')}"
            f"  {entry.get('outcome', '?')}{tail}")


def read_audit(path: str) -> list[str]:
    """The audit entries of one database, oldest first, one line each."""
    from wsadmin.db.common.audit import entries

    return [audit_line(e) for e in entries(path)]


# The demo states of wsadmin.db.schema.demo (one each of the states an operator meets),
# in the words the Create demo dialog offers them.
DEMO_STATES = (
    ("legacy", "Legacy (before revision 001): try the upgrade"),
    ("stuck_at_001", "Stuck at 001, where the backend's own 002 leaves it"),
    ("unversioned_head", "Made by the backend's init_db, no revision recorded: adopt"),
    ("recorded_ahead_of_shape", "Revision recorded ahead of its schema: repair"),
    ("half_initialised", "A failed fresh install (workspace tables only): repair"),
    ("mixed", "init_db run over a legacy database: repair"),
    ("001", "At revision 001, made by wsadmin's own chain"),
    ("head", "Up to date (head)"),
)


def build_demo(path: str, users: int, state: str) -> Path:
    from wsadmin.db.schema.demo import build_demo as build

    return build(path, users=users, state=state)
