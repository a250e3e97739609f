"""What in the data stops a change before anything is written.

- 002 cannot give `default` a creator when rows need a workspace but there is
  no user at all (SCHEMA.md 002 step 7): one sentence with the counts.
- A repair of a half-initialised database drops the workspace tables a failed
  fresh install left, only when they are empty.
- A repair of a half-upgraded database drops `_alembic_tmp_*` tables; one whose
  original table is gone may hold the only copy of its rows: refused.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from wsadmin.db.common.errors import LeftoverTables, WrongAction
from wsadmin.db.migrate.model import Finding
from wsadmin.db.schema.default_workspace import NoOwnerForDefaultWorkspace, why_002_cannot_run
from wsadmin.db.schema.facts import WORKSPACE_TABLES
from wsadmin.db.schema.shape import LEFTOVER_PREFIX
from wsadmin.db.schema.states import State
from wsadmin.db.schema.status import Status
from wsadmin.db.sqlite.connect import read_without_side_files, translated_errors
from wsadmin.db.sqlite.introspect import quote_ident, table_names


def half_initialised_leftovers(status: Status) -> list[str]:
    """The workspace tables repair drops before initialising a half-initialised file."""
    if status.state is not State.HALF_INITIALISED:
        return []
    return sorted(t for t in status.counts if t in WORKSPACE_TABLES)


def data_refusals(path: Path, status: Status, steps: list[str]) -> list[Finding]:
    if status.state is State.EMPTY:
        return []
    found: list[Finding] = []

    def read(conn: sqlite3.Connection) -> None:
        tables = set(table_names(conn))
        if "002" in steps:
            why = why_002_cannot_run(conn)
            if why:
                found.append(Finding(NoOwnerForDefaultWorkspace, why,
                                     NoOwnerForDefaultWorkspace.hint))
        full = [t for t in half_initialised_leftovers(status) if status.counts.get(t)]
        if full:
            found.append(Finding(
                WrongAction, "the half-initialised database's workspace tables hold rows ("
                + ", ".join(f"{t} {status.counts[t]:,}" for t in full) + "), so repair will "
                "not drop them", "restore a backup, or send the database to the backend's "
                "developers; nothing was changed"))
        for leftover in status.leftovers:
            original = leftover[len(LEFTOVER_PREFIX):]
            rows = conn.execute(f"SELECT COUNT(*) FROM {quote_ident(leftover)}").fetchone()[0]
            if original not in tables and rows:
                found.append(Finding(
                    LeftoverTables, f"{leftover} holds {rows:,} rows and {original} is gone: "
                    "it may be the only copy of them", "restore a backup taken before the "
                    "interrupted migration; nothing was changed"))

    with translated_errors(path, "read"):
        read_without_side_files(path, read)
    return found
