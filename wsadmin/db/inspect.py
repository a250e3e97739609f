"""Where a database stands: classification and migration status, read-only."""

from __future__ import annotations

import enum
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wsadmin.db import revisions
from wsadmin.db.contract import (
    ALEMBIC_TMP_PREFIX,
    ALL_TABLES,
    LEGACY_TABLES,
    WORKSPACE_COLUMN,
    WORKSPACE_TABLES,
)
from wsadmin.db.sqlite.connect import read_without_side_files, translated_errors
from wsadmin.db.sqlite.files import check_file
from wsadmin.db.sqlite.introspect import column_names, journal_mode, quote_ident, table_names


class State(enum.StrEnum):
    FRESH = "fresh"                    # empty file or no tables: 001 creates everything
    LEGACY = "legacy"                  # legacy tables, no (or an empty) alembic_version
    CURRENT = "current"                # at a known revision
    UNKNOWN_REVISION = "unknown_revision"
    HALF_UPGRADED = "half_upgraded"
    FOREIGN = "foreign"                # SQLite, but not this application's schema


@dataclass(frozen=True)
class PendingRevision:
    revision: str
    description: str
    details: str


@dataclass(frozen=True)
class Status:
    path: str
    size: int
    journal_mode: str | None
    state: State
    current_revision: str | None
    head: str
    pending: list[PendingRevision]
    counts: dict[str, int]
    problems: list[str] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return self.state is State.CURRENT and not self.pending

    @property
    def summary(self) -> str:
        if self.state is State.CURRENT:
            if self.pending:
                return (f"at revision {self.current_revision}; "
                        f"{len(self.pending)} pending (head is {self.head})")
            return f"at revision {self.current_revision} (head): up to date"
        if self.state is State.FRESH:
            return "empty database: an upgrade creates the whole schema"
        if self.state is State.LEGACY:
            return "legacy database (no Alembic revision): an upgrade adds workspaces"
        if self.state is State.UNKNOWN_REVISION:
            return (f"at revision {self.current_revision!r}, which this wsadmin does not know "
                    f"(its head is {self.head})")
        if self.state is State.HALF_UPGRADED:
            return "half-upgraded: " + "; ".join(self.problems)
        return "not an app_metadata.db: " + "; ".join(self.problems)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["state"] = self.state.value
        data["up_to_date"] = self.up_to_date
        data["summary"] = self.summary
        return data


def recorded_revisions(conn: sqlite3.Connection, tables: list[str]) -> list[str]:
    if "alembic_version" not in tables:
        return []
    return [str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version")]


def expected_tables(rev: str | None) -> tuple[str, ...]:
    return LEGACY_TABLES if rev is None else ALL_TABLES


def schema_gaps(conn: sqlite3.Connection, rev: str | None, tables: list[str]) -> list[str]:
    """What is missing for `rev`'s schema to be there (None: legacy)."""
    gaps = [f"table {t} is missing" for t in expected_tables(rev) if t not in tables]
    if rev is not None:
        for table, column in WORKSPACE_COLUMN.items():
            if table in tables and column not in column_names(conn, table):
                gaps.append(f"column {table}.{column} is missing")
    return gaps


def count_rows(conn: sqlite3.Connection, tables: list[str]) -> dict[str, int]:
    return {
        t: int(conn.execute(f"SELECT COUNT(*) FROM {quote_ident(t)}").fetchone()[0])
        for t in ALL_TABLES
        if t in tables
    }


def classify(conn: sqlite3.Connection) -> tuple[State, str | None, list[str]]:
    """State, recorded revision and the problems found, for an open database."""
    tables = table_names(conn)
    problems: list[str] = []
    leftovers = [t for t in tables if t.startswith(ALEMBIC_TMP_PREFIX)]
    if leftovers:
        problems.append("leftover tables from an interrupted migration: " + ", ".join(leftovers))
    recorded = recorded_revisions(conn, tables)
    ours = [t for t in tables if t in ALL_TABLES]
    if len(recorded) > 1:
        return State.UNKNOWN_REVISION, ",".join(recorded), problems
    rev = recorded[0] if recorded else None
    if rev is not None and rev not in revisions.ids():
        return State.UNKNOWN_REVISION, rev, problems
    if rev is None:
        others = [t for t in tables if t not in ALL_TABLES and t != "alembic_version"]
        if not ours and not others and not leftovers:
            return State.FRESH, None, problems
        if not ours and not leftovers:
            found = ", ".join(others[:5])
            return State.FOREIGN, None, [f"it has none of the backend's tables ({found})"]
        missing = [t for t in LEGACY_TABLES if t not in tables]
        if missing and not leftovers and not any(t in tables for t in WORKSPACE_TABLES):
            gone = ", ".join(missing)
            return State.FOREIGN, None, [f"the backend's tables {gone} are missing"]
        if any(t in tables for t in WORKSPACE_TABLES):
            problems.append("workspace tables exist but no revision is recorded")
    problems.extend(schema_gaps(conn, rev, tables))
    if problems:
        return State.HALF_UPGRADED, rev, problems
    return (State.LEGACY if rev is None else State.CURRENT), rev, problems


def inspect(path: str | Path) -> Status:
    """Classify the database at `path` and report its migration status, read-only.

    Raises DatabaseMissing, NotADatabase or CorruptDatabase for files that are
    not SQLite databases at all; every SQLite database gets a Status.
    """
    facts = check_file(path)
    head = revisions.head()
    if facts.empty:
        return Status(str(facts.path), 0, None, State.FRESH, None, head,
                      _pending(None), {})

    def read(conn: sqlite3.Connection) -> tuple[str, State, str | None, list[str], dict[str, int]]:
        mode = journal_mode(conn)
        state, rev, problems = classify(conn)
        counts = count_rows(conn, table_names(conn)) if state is not State.FOREIGN else {}
        return mode, state, rev, problems, counts

    with translated_errors(facts.path, "read"):
        mode, state, rev, problems, counts = read_without_side_files(facts.path, read)
    if facts.wal_mode:
        mode = "wal"    # an immutable read (no -wal/-shm) reports "delete"
    pending: list[PendingRevision] = []
    if state in (State.FRESH, State.LEGACY, State.CURRENT):
        pending = _pending(rev)
    return Status(str(facts.path), facts.size, mode, state, rev, head, pending, counts, problems)


def _pending(rev: str | None) -> list[PendingRevision]:
    return [PendingRevision(r.id, r.title, r.details) for r in revisions.pending_after(rev)]
