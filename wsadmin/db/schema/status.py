"""Where a database stands, read-only: its state (SCHEMA.md "States"), recorded
revision, what an upgrade or repair would run, and its row counts.

`inspect` is what `wsadmin status`, the window's Overview and every plan start
from. It never creates or changes the file: a missing path is an error
(DatabaseMissing), a file that is not SQLite too (NotADatabase,
CorruptDatabase); every SQLite database gets a Status, `foreign` and
`unknown_revision` included.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from wsadmin.db.schema import chain
from wsadmin.db.schema.compare import Severity
from wsadmin.db.schema.shape import HEAD, LEFTOVER_PREFIX, Shape
from wsadmin.db.schema.states import Classification, Offer, State, classify, classify_shape
from wsadmin.db.schema.status_types import MISSING as MISSING
from wsadmin.db.schema.status_types import PendingRevision as PendingRevision
from wsadmin.db.schema.status_types import Status as Status
from wsadmin.db.sqlite.connect import read_without_side_files, translated_errors
from wsadmin.db.sqlite.files import check_file
from wsadmin.db.sqlite.introspect import journal_mode, quote_ident, table_names

HEAD_ID = chain.HEAD_REVISION


def count_rows(conn: sqlite3.Connection, tables: list[str] | None = None) -> dict[str, int]:
    """Rows of each of the backend's tables present (head's 13, in name order)."""
    present = set(table_names(conn)) if tables is None else set(tables)
    return {t: int(conn.execute(f"SELECT COUNT(*) FROM {quote_ident(t)}").fetchone()[0])
            for t in sorted(HEAD.table_names & present)}


def pending_for(found: Classification) -> list[PendingRevision]:
    """The revisions the offered action runs: from the recorded revision for an
    upgrade, from the highest present shape for a repair, all six to initialise."""
    start: str | None
    if found.offer is Offer.UPGRADE:
        start = found.recorded or chain.BASE
    elif found.offer is Offer.REPAIR:
        start = found.highest_present or chain.BASE
        if found.state is State.HALF_INITIALISED:
            start = chain.BASE
    elif found.offer is Offer.INIT:
        start = chain.BASE
    else:
        return []
    return [PendingRevision(r.id, r.title, r.description) for r in chain.pending(start)]


def status_of(path: str, size: int, mode: str | None, found: Classification,
              counts: dict[str, int]) -> Status:
    breaking = [d.message for d in found.differences if d.severity is Severity.BREAKING]
    return Status(path, size, mode, found.state, found.recorded, HEAD_ID, pending_for(found),
                  counts, found.summary, found.symptom, found.offer, found.highest_present,
                  found.recorded_rows, found.differences, found.leftovers,
                  (*breaking, *(f"leftover table {t}" for t in found.leftovers)))


def inspect(path: str | Path) -> Status:
    """Classify the database at `path` and say what can be done with it, read-only."""
    facts = check_file(path)
    if facts.empty:
        return status_of(str(facts.path), 0, None, classify_shape(Shape(()), None), {})

    def read(conn: sqlite3.Connection) -> tuple[str, Classification, dict[str, int]]:
        found = classify(conn)
        counts = count_rows(conn) if found.state is not State.FOREIGN else {}
        return journal_mode(conn), found, counts

    with translated_errors(facts.path, "read"):
        mode, found, counts = read_without_side_files(facts.path, read)
    if facts.wal_mode:
        mode = "wal"    # an immutable read (no -wal/-shm) reports "delete"
    return status_of(str(facts.path), facts.size, mode, found, counts)


def leftover_tables(status: Status) -> list[str]:
    return [t for t in status.leftovers if t.startswith(LEFTOVER_PREFIX)]
