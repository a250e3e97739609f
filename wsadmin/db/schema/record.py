"""Repair's first half: record what the schema really is, so the chain can run.

A database whose recorded revision is ahead of its shape (the backend's no-op
002, a hand `alembic stamp`) makes `alembic upgrade` skip the work that is
missing. Because every wsadmin revision ensures its own shape, recording the
highest revision whose shape is fully present and then upgrading converges to
head (SCHEMA.md "States": repair). The caller owns the transaction, backs up
first and audits; this module only decides and writes alembic_version.
"""

from __future__ import annotations

import sqlite3

from wsadmin.db.common.errors import Refused
from wsadmin.db.schema import chain
from wsadmin.db.schema.backend_tooling import stamp
from wsadmin.db.schema.states import State, classify

_REFUSED = {State.FOREIGN, State.UNKNOWN_REVISION, State.HALF_UPGRADED}


def highest_present(conn: sqlite3.Connection) -> str | None:
    """The revision repair would record; None when nothing (before 001) should be."""
    found = classify(conn)
    if found.state in _REFUSED:
        raise Refused(f"cannot repair a database in state {found.state.value}: "
                      f"{found.summary}", "see `wsadmin status` for what it is")
    if found.highest_present in (None, chain.BASE):
        return None
    return found.highest_present


def record_highest_present(conn: sqlite3.Connection) -> str | None:
    """Write the highest present revision to alembic_version (empty it when that is
    before 001); what was recorded. Reads and writes only alembic_version."""
    revision = highest_present(conn)
    stamp(conn, *(() if revision is None else (revision,)))
    return revision
