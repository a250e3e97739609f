"""What undoing each revision discards, priced with the downgrade's own predicates.

For 002, a REUSED `default` workspace (SCHEMA.md: one that existed before 002,
i.e. not named `Default Workspace`, or present in the pre-upgrade backup) would
be deleted with its older memberships: the cost says so, so that the rollback
plan can recommend restoring the pre-upgrade backup instead.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wsadmin.db import revisions
from wsadmin.db.common.errors import Refused
from wsadmin.db.contract import (
    DEFAULT_NAME,
    DEFAULT_SLUG,
    WORKSPACE_COLUMN,
    WORKSPACE_SCOPED_TABLES,
)
from wsadmin.db.sqlite.connect import connect_ro
from wsadmin.db.sqlite.introspect import table_names


@dataclass
class DowngradeCost:
    """What undoing one revision discards."""

    revision: str                           # the revision undone
    target: str | None                      # where it lands (None: legacy)
    deleted_rows: dict[str, int | None]     # table -> rows deleted (None: table dropped)
    discards: dict[str, int]                # operator words -> count
    reused_default: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def lossless(self) -> bool:
        return not any(self.discards.values()) and not self.reused_default


def _count(conn: sqlite3.Connection, sql: str, *params: Any) -> int:
    return int(conn.execute(sql, params).fetchone()[0])


def default_workspace(conn: sqlite3.Connection) -> tuple[int, str] | None:
    row = conn.execute("SELECT id, name FROM workspaces WHERE slug = ? ORDER BY id LIMIT 1",
                       (DEFAULT_SLUG,)).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def downgrade_cost(conn: sqlite3.Connection, revision: str,
                   pre_upgrade_backup: Path | None = None) -> DowngradeCost:
    """What undoing `revision` (the current one) discards, with the downgrade's predicates."""
    ids = revisions.ids()
    target = ids[ids.index(revision) - 1] if ids.index(revision) > 0 else None
    tables = set(table_names(conn))
    if revision == "001":
        deleted: dict[str, int | None] = {"workspaces": None, "workspace_members": None}
        discards = {
            "workspaces": _count(conn, "SELECT COUNT(*) FROM workspaces")
            if "workspaces" in tables else 0,
            "memberships": _count(conn, "SELECT COUNT(*) FROM workspace_members")
            if "workspace_members" in tables else 0,
        }
        for table, column in WORKSPACE_COLUMN.items():
            key = "user assignments" if table == "users" else f"{table} assignments"
            discards[key] = _count(conn, f"SELECT COUNT(*) FROM {table} "
                                         f"WHERE {column} IS NOT NULL")
        return DowngradeCost(revision, target, deleted, discards)
    if revision == "002":
        found = default_workspace(conn)
        if found is None:
            return DowngradeCost(revision, target, {}, {},
                                 notes=["there is no `default` workspace: only the "
                                        "constraints and indexes are removed"])
        d, name = found
        members = _count(conn, "SELECT COUNT(*) FROM workspace_members WHERE workspace_id = ?",
                         d)
        discards = {"workspaces": 1, "memberships": members,
                    "user assignments": _count(conn, "SELECT COUNT(*) FROM users "
                                                     "WHERE current_workspace_id = ?", d)}
        for table in WORKSPACE_SCOPED_TABLES:
            discards[f"{table} assignments"] = _count(
                conn, f"SELECT COUNT(*) FROM {table} WHERE workspace_id = ?", d)
        cost = DowngradeCost(revision, target, {"workspaces": 1, "workspace_members": members},
                             discards)
        before = _default_in_backup(pre_upgrade_backup)
        reused = name != DEFAULT_NAME or (before is not None and before[0])
        if reused:
            cost.reused_default = True
            older = before[1] if before is not None and before[0] else None
            cost.notes.append(
                f"the `default` workspace ({name!r}, id {d}) existed before 002 "
                "(002 reused it): the downgrade DELETES it with all "
                f"{members:,} of its memberships"
                + (f" ({older:,} of them older than 002)" if older is not None else "")
                + " and takes every user and row out of it, including those that were in "
                "it before the upgrade")
            cost.notes.append("restore the pre-upgrade backup instead: it loses nothing that "
                              "existed before the upgrade")
        return cost
    raise Refused(f"wsadmin does not know how to price a downgrade of {revision}")


def _default_in_backup(backup: Path | None) -> tuple[bool, int] | None:
    """(had a `default` workspace, its memberships) in a backup taken before 002."""
    if backup is None:
        return None
    try:
        conn = connect_ro(backup, immutable=True)
    except Exception:
        return None
    try:
        if "workspaces" not in table_names(conn):
            return (False, 0)
        found = default_workspace(conn)
        if found is None:
            return (False, 0)
        return (True, _count(conn, "SELECT COUNT(*) FROM workspace_members "
                                   "WHERE workspace_id = ?", found[0]))
    except sqlite3.Error:
        return None
    finally:
        conn.close()
