"""Shared by the editors' tests: the health tests' standard database, an edit runner,
and the health checks as the judge of every invariant an edit must keep.

The standard database (tests.unit.health.helpers): alice, bob, carol, dave registered
in that order (user n owns workspace n, `{name}s-workspace`); carol is also editor of
workspace 1; connection 1 -> data source 1 -> chart 1 (csv_data 1) on dashboard 1,
all in workspace 1, and the same chain with id 2 in workspace 2; carol has a viewer
permission on connection 1; workspace 1 has a redis password.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.unit.health import helpers as health
from tests.unit.health.helpers import HEAD, SECRET_PARTS, SECRETS, execute, query
from wsadmin.db.common import audit
from wsadmin.db.editors import Change, run_edit
from wsadmin.db.health.runner import run_checks

__all__ = ["HEAD", "SECRETS", "SECRET_PARTS", "apply", "audit_text", "build", "execute",
           "findings", "query"]


def build(tmp: Path, *sql: str) -> Path:
    """A copy of the standard head database, then `sql` run on it."""
    return health.build(tmp, HEAD, *sql)


def apply(db: Path, edit: Callable[[sqlite3.Connection], Change], **kw: Any) -> Change:
    return run_edit(db, "test.edit", edit, **kw).change


def findings(db: Path) -> dict[str, int]:
    """Checks with findings (id -> count): {} on the standard database."""
    report = run_checks(db)
    return {r.id: r.count for r in report.checks if r.status.value != "ok"}


def audit_text() -> str:
    path = audit.audit_path()
    return path.read_text(encoding="utf-8") if path.exists() else ""
