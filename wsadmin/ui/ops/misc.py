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


def build_demo(path: str, users: int, state: str) -> Path:
    from wsadmin.db.schema.demo import build_demo as build

    return build(path, users=users, state=state)
