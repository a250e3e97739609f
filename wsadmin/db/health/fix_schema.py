"""Fixes for the schema's state: adopt / repair are other commands; leftovers are dropped."""

from __future__ import annotations

import sqlite3
from typing import Final

from wsadmin.db.health.fix_plan import Fix, Params, Plan, PlanFunc, Planner, scalar
from wsadmin.db.health.model import Facts
from wsadmin.db.schema.facts import WORKSPACE_TABLES
from wsadmin.db.schema.shape import ALEMBIC_VERSION, LEFTOVER_PREFIX
from wsadmin.db.schema.states import State
from wsadmin.db.sqlite.introspect import quote_ident

FOR_STATE: Final = {"adopt": State.UNVERSIONED_HEAD, "repair": State.RECORDED_AHEAD_OF_SHAPE}


def by_command(command: str) -> PlanFunc:
    """A fix that is another wsadmin command: its plan only says which, and whether it fits."""
    def plan(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
        state = facts.classification.state if facts.classification is not None else None
        notes = [f"run `wsadmin {command} DB`: it previews what it records and runs, backs "
                 "up, verifies and audits like an upgrade"]
        fits = FOR_STATE[command]
        if state is not fits:
            other = next((c for c, s in FOR_STATE.items() if s is state), None)
            notes.append(f"this database is in state {state.value if state else '?'}, not "
                         f"{fits.value}" + (f": run `wsadmin {other} DB` instead" if other
                                            else ""))
        return Plan([], notes=notes, command=f"wsadmin {command} DB")
    return plan


def _rows(conn: sqlite3.Connection, table: str) -> int:
    return int(scalar(conn, f"SELECT COUNT(*) FROM {quote_ident(table)}"))


def plan_drop_leftovers(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    """Drop `_alembic_tmp_*` copies whose table still exists, and the empty workspace tables
    a failed fresh install leaves; never a table that may hold the only copy of rows."""
    p = Planner(conn, facts)
    for table in sorted(t for t in facts.tables if t.startswith(LEFTOVER_PREFIX)):
        original = table[len(LEFTOVER_PREFIX):]
        if original in facts.tables:
            p.drop(table, _rows(conn, table), f"a copy of {original}, which is intact")
        else:
            p.note(f"{table} is kept: {original} is missing, so it may hold the only copy of "
                   "its rows (restore the pre-upgrade backup instead)", 1)
    state = facts.classification.state if facts.classification is not None else None
    if state is State.HALF_INITIALISED:
        names = sorted(facts.tables & WORKSPACE_TABLES)
        full = [t for t in names if _rows(conn, t)]
        if full:
            p.note(f"the workspace tables are kept: {', '.join(full)} hold(s) rows (restore a "
                   "backup instead)", len(names))
        else:
            for table in names:
                p.drop(table, 0, "left empty by a fresh install whose first migration failed")
            p.note("then `wsadmin init DB` creates the whole schema")
        if ALEMBIC_VERSION in facts.tables and not full:
            p.note("the empty alembic_version table is left for init")
    return p.plan()


SCHEMA_FIXES: Final = {
    "revision_mismatch": (
        Fix("adopt", "Adopt: record head (wsadmin adopt)",
            "For head tables without a recorded revision (the backend's init_db): after a "
            "backup, record revision head without changing any table. Run `wsadmin adopt DB`.",
            by_command("adopt"), command="adopt"),
        Fix("repair", "Repair: record what is there, then upgrade (wsadmin repair)",
            "For a recorded revision whose tables are not all there: after a backup, record the "
            "highest revision whose shape is fully present, then upgrade through wsadmin's "
            "revisions. Run `wsadmin repair DB`.", by_command("repair"), command="repair"),
    ),
    "half_upgrade": (
        Fix("drop_leftovers", "Drop the leftover tables",
            "After a backup, drops the _alembic_tmp_* copies of an interrupted rebuild whose "
            "table is intact, or the empty workspace tables of a failed fresh install. A copy "
            "whose table is missing, or workspace tables holding rows, are kept.",
            plan_drop_leftovers),
    ),
}
