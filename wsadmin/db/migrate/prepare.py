"""What adopt and repair do before (or instead of) running revisions, inside the
change's one transaction (SCHEMA.md "States": what wsadmin offers).

- adopt (unversioned_head): record head; no table is touched.
- repair: drop `_alembic_tmp_*` leftovers of an interrupted rebuild (refused in
  preflight when one may hold the only copy of its rows), drop the empty
  workspace tables a failed fresh install left, then record the highest
  revision whose shape is fully present, so that the ensuring revisions run
  from there to head.
"""

from __future__ import annotations

import sqlite3

from wsadmin.db.schema import chain
from wsadmin.db.schema.backend_tooling import stamp
from wsadmin.db.schema.record import record_highest_present
from wsadmin.db.schema.shape import LEFTOVER_PREFIX
from wsadmin.db.schema.states import State
from wsadmin.db.schema.status import Status
from wsadmin.db.sqlite.introspect import quote_ident, table_names


def tables_repair_drops(status: Status) -> list[str]:
    """Leftovers, and the workspace tables of a half-initialised file (empty: preflight
    refuses otherwise)."""
    from wsadmin.db.migrate.data_checks import half_initialised_leftovers

    return sorted([*status.leftovers, *half_initialised_leftovers(status)])


def adopt(conn: sqlite3.Connection) -> str:
    stamp(conn, chain.HEAD_REVISION)
    return f"recorded {chain.HEAD_REVISION} (head); no table was changed"


def repair(conn: sqlite3.Connection, status: Status) -> str:
    dropped = tables_repair_drops(status)
    present = set(table_names(conn))
    for name in dropped:
        if name in present:
            conn.execute(f"DROP TABLE {quote_ident(name)}")
    leftovers = [t for t in table_names(conn) if t.startswith(LEFTOVER_PREFIX)]
    assert not leftovers, leftovers
    if status.state is State.HALF_INITIALISED:
        stamp(conn)
        recorded = None
    else:
        recorded = record_highest_present(conn)
    where = f"recorded {recorded}" if recorded else "recorded no revision (legacy)"
    return where + (f"; dropped {', '.join(dropped)}" if dropped else "")
