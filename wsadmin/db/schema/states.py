"""Where a database stands (SCHEMA.md "States"), judged by its shape first.

`alembic_version` is a hint: the state comes from comparing the tables with
the shape of every revision (chain.shape_at), and the recorded revision only
decides between the states that agree with the shape. A revision R's shape is
*present* when comparing with it (later revisions' extras tolerated, see
compare.py) shows no breaking difference; for BASE (legacy) the derived
tables (facts.DERIVED_TABLES) may be missing too, because older backends may
not have had them. The revisions that are present form a run from BASE, so
the highest one is where a repair can record and upgrade from.

Decisions, in order:
1. no table (leftovers aside) and nothing recorded: `empty`;
2. tables that are neither the backend's core tables (facts.CORE_TABLES, a
   leftover `_alembic_tmp_<name>` standing in for <name>) nor only the
   workspace tables a failed fresh install leaves, or any table head does not
   have (a newer backend's, another program's): `foreign`;
3. several rows in alembic_version, or one this wsadmin does not know:
   `unknown_revision` (an empty alembic_version records nothing);
4. `_alembic_tmp_*` leftovers: `half_upgraded`;
5. nothing recorded: `half_initialised` (workspace tables, no users), else
   `unversioned_head` (head present), else `legacy` (BASE present and nothing
   of a later revision there), else `mixed` (BASE present, partly later:
   init_db over a legacy database, or an unstamped intermediate revision),
   else `foreign` (the backend's table names in no shape it ever had);
6. recorded R: `stuck_at_001` or `at_revision` when R's shape is present,
   else `recorded_ahead_of_shape` when some shape is (or there is nothing to
   keep: no table, or only a failed fresh install's), else `foreign`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from wsadmin.db.schema import chain
from wsadmin.db.schema.compare import Difference, Severity, compare, count
from wsadmin.db.schema.facts import CORE_TABLES, DERIVED_TABLES, WORKSPACE_TABLES
from wsadmin.db.schema.shape import (
    ALEMBIC_VERSION,
    HEAD,
    LEFTOVER_PREFIX,
    Shape,
    read_shape,
)
from wsadmin.db.schema.status_types import Offer as Offer
from wsadmin.db.schema.status_types import State as State
from wsadmin.db.schema.status_types import command_for as command_for
from wsadmin.db.schema.wording import summary_and_symptom

_OFFERS = {
    State.EMPTY: Offer.INIT,
    State.LEGACY: Offer.UPGRADE,
    State.AT_REVISION: Offer.UPGRADE,
    State.UNVERSIONED_HEAD: Offer.ADOPT,
    State.STUCK_AT_001: Offer.UPGRADE,
    State.RECORDED_AHEAD_OF_SHAPE: Offer.REPAIR,
    State.HALF_INITIALISED: Offer.REPAIR,
    State.MIXED: Offer.REPAIR,
    State.HALF_UPGRADED: Offer.REPAIR,
    State.UNKNOWN_REVISION: Offer.REFUSE,
    State.FOREIGN: Offer.REFUSE,
}


@dataclass(frozen=True)
class Classification:
    state: State
    recorded: str | None
    """The one revision alembic_version records, None when it records none."""
    recorded_rows: tuple[str, ...]
    """Every row of alembic_version as found (several mean unknown_revision)."""
    highest_present: str | None
    """chain.BASE or the highest revision whose shape is present; None: not even legacy."""
    reference: str | None
    """The shape `differences` are measured against: chain.BASE, a revision id, or None."""
    differences: tuple[Difference, ...]
    leftovers: tuple[str, ...]
    summary: str
    """Operator words: what this database is."""
    symptom: str
    """What the backend does with a database in this state."""
    offer: Offer

    def by_severity(self, severity: Severity) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if d.severity is severity)

    @property
    def breaking(self) -> tuple[Difference, ...]:
        return self.by_severity(Severity.BREAKING)

    @property
    def degraded(self) -> tuple[Difference, ...]:
        return self.by_severity(Severity.DEGRADED)

    @property
    def cosmetic(self) -> tuple[Difference, ...]:
        return self.by_severity(Severity.COSMETIC)

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "recorded": self.recorded,
            "recorded_rows": list(self.recorded_rows),
            "highest_present": self.highest_present,
            "reference": self.reference,
            "counts": {s.value: n for s, n in count(self.differences).items()},
            "differences": [
                {"severity": d.severity.value, "kind": d.kind, "table": d.table,
                 "column": d.column, "message": d.message} for d in self.differences],
            "leftovers": list(self.leftovers),
            "summary": self.summary,
            "symptom": self.symptom,
            "offer": self.offer.value,
        }


def read_recorded(conn: sqlite3.Connection) -> tuple[str, ...] | None:
    """alembic_version's rows; None without the table; ('?',) when it cannot be read.

    Alembic's table has one column, version_num; a table of that name without
    it was not written by Alembic, which makes the revision unknown.
    """
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                         (ALEMBIC_VERSION,)).fetchone()
    if found is None:
        return None
    try:
        rows = conn.execute(f"SELECT version_num FROM {ALEMBIC_VERSION}").fetchall()
    except sqlite3.OperationalError:
        return ("?",)
    return tuple("" if r[0] is None else str(r[0]) for r in rows)


def classify(conn: sqlite3.Connection) -> Classification:
    """Classify the database behind `conn` (reads only)."""
    return classify_shape(read_shape(conn), read_recorded(conn))


def _present(shape: Shape, rev_id: str) -> tuple[bool, list[Difference]]:
    diffs = compare(shape, chain.shape_at(rev_id), later=HEAD)
    blocking = [d for d in diffs if d.severity is Severity.BREAKING
                and not (rev_id == chain.BASE and d.kind == "missing_table"
                         and d.table in DERIVED_TABLES)]
    return not blocking, diffs


def classify_shape(shape: Shape, rows: tuple[str, ...] | None) -> Classification:
    """The state of a database with this shape and these alembic_version rows."""
    leftovers = tuple(sorted(n for n in shape.table_names if n.startswith(LEFTOVER_PREFIX)))
    names = shape.table_names - set(leftovers)
    stands_for = names | {n[len(LEFTOVER_PREFIX):] for n in leftovers}
    rows = rows or ()
    recorded = rows[0] if len(rows) == 1 and rows[0] in chain.REVISION_IDS else None
    half_init = "users" not in stands_for and bool(names) and names <= WORKSPACE_TABLES
    unknown = tuple(sorted(names - HEAD.table_names))

    present: dict[str, list[Difference]] = {}
    highest: str | None = None
    for rev_id in (chain.BASE, *chain.REVISION_IDS):
        ok, diffs = _present(shape, rev_id)
        present[rev_id] = diffs
        if ok:
            highest = rev_id

    def result(state: State, reference: str | None) -> Classification:
        diffs = present[reference] if reference is not None else []
        summary, symptom = summary_and_symptom(
            state.value, recorded=recorded, rows=rows, highest=highest,
            breaking=[d for d in diffs if d.severity is Severity.BREAKING],
            head_diffs=present[chain.HEAD_REVISION], leftovers=leftovers,
            unknown=unknown, missing_core=tuple(sorted(CORE_TABLES - stands_for)))
        offer = _OFFERS[state]
        if state is State.AT_REVISION and recorded == chain.HEAD_REVISION:
            offer = Offer.NOTHING
        return Classification(state, recorded, rows, highest, reference, tuple(diffs),
                              leftovers, summary, symptom, offer)

    if not names and not leftovers and not rows:
        return result(State.EMPTY, None)
    if stands_for and not stands_for.issuperset(CORE_TABLES) and not half_init:
        return result(State.FOREIGN, chain.HEAD_REVISION)
    if unknown:
        # A table the backend never had is breaking (SCHEMA.md); it is not any
        # revision's shape, so wsadmin cannot say what a change would do to it.
        return result(State.FOREIGN, chain.HEAD_REVISION)
    if len(rows) > 1 or (rows and recorded is None):
        return result(State.UNKNOWN_REVISION, chain.HEAD_REVISION)
    if leftovers:
        return result(State.HALF_UPGRADED, recorded or chain.HEAD_REVISION)
    if recorded is None:
        if half_init:
            return result(State.HALF_INITIALISED, chain.HEAD_REVISION)
        if highest == chain.HEAD_REVISION:
            return result(State.UNVERSIONED_HEAD, chain.HEAD_REVISION)
        if highest is None:
            return result(State.FOREIGN, chain.HEAD_REVISION)
        if highest == chain.BASE and not any(d.kind.startswith("later_")
                                              for d in present[chain.BASE]):
            return result(State.LEGACY, chain.BASE)
        return result(State.MIXED, chain.HEAD_REVISION)
    if recorded in present and not _blocks(present[recorded]):
        state = State.STUCK_AT_001 if recorded == "001" else State.AT_REVISION
        return result(state, recorded)
    if highest is None and names and not half_init:
        return result(State.FOREIGN, chain.HEAD_REVISION)
    return result(State.RECORDED_AHEAD_OF_SHAPE, recorded)


def _blocks(diffs: list[Difference]) -> bool:
    return any(d.severity is Severity.BREAKING for d in diffs)
