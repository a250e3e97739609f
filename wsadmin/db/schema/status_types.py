"""The records a database's status is made of, without the shapes they are judged by.

`wsadmin.db.schema.status.inspect` makes a `Status` by comparing a database with
every revision's shape (states.py, compare.py, chain.py); what it returns, and
what the GUI's first screen shows, needs none of that machinery. These records
live here so that reading one (the window's Overview, the status the app reads
in a child process at start-up) imports only this module. states.py, compare.py
and status.py re-export them under their old names.
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple

MISSING = "missing"     # the state id the GUI and the checklist use for a path with no file


class State(enum.StrEnum):
    EMPTY = "empty"
    LEGACY = "legacy"
    AT_REVISION = "at_revision"
    UNVERSIONED_HEAD = "unversioned_head"
    STUCK_AT_001 = "stuck_at_001"
    RECORDED_AHEAD_OF_SHAPE = "recorded_ahead_of_shape"
    HALF_INITIALISED = "half_initialised"
    MIXED = "mixed"
    HALF_UPGRADED = "half_upgraded"
    UNKNOWN_REVISION = "unknown_revision"
    FOREIGN = "foreign"


class Offer(enum.StrEnum):
    """What wsadmin offers to do (SCHEMA.md "what wsadmin offers")."""

    UPGRADE = "upgrade"
    ADOPT = "adopt"
    REPAIR = "repair"
    INIT = "init"
    NOTHING = "nothing"
    REFUSE = "refuse"


def command_for(offer: Offer, path: object = "DB") -> str | None:
    """The command that takes a database with this offer to head (`wsadmin upgrade DB`),
    None when there is none (at head: nothing to do; refused: wsadmin cannot help). Every
    refusal that names what to run instead asks this, so all of them agree with `status`."""
    if offer in (Offer.NOTHING, Offer.REFUSE):
        return None
    return f"wsadmin {offer.value} {path}"


class Severity(enum.StrEnum):
    BREAKING = "breaking"
    DEGRADED = "degraded"
    COSMETIC = "cosmetic"


class Difference(NamedTuple):
    severity: Severity
    kind: str
    """Stable id: missing_table, missing_column, nullable, missing_unique, ..."""
    table: str
    message: str
    """Operator words, one sentence without a final period."""
    column: str | None = None


class PendingRevision(NamedTuple):     # (read at GUI start-up: a NamedTuple is cheap)
    revision: str
    description: str
    details: str


class Status(NamedTuple):
    path: str
    size: int
    journal_mode: str | None
    state: State
    current_revision: str | None
    """The one revision alembic_version records (None: none, or not one we know)."""
    head: str
    pending: list[PendingRevision]
    """What the offered action would run to reach head, in order."""
    counts: dict[str, int]
    summary: str
    symptom: str
    offer: Offer
    highest_present: str | None = None
    recorded_rows: tuple[str, ...] = ()
    differences: tuple[Difference, ...] = ()
    leftovers: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    """Breaking differences from the shape it is measured against, in words."""

    @property
    def up_to_date(self) -> bool:
        return self.state is State.AT_REVISION and self.current_revision == self.head

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path, "size": self.size, "journal_mode": self.journal_mode,
            "state": self.state.value, "summary": self.summary, "symptom": self.symptom,
            "offer": self.offer.value, "up_to_date": self.up_to_date,
            "current_revision": self.current_revision,
            "recorded_rows": list(self.recorded_rows), "head": self.head,
            "highest_present": self.highest_present,
            "pending": [p._asdict() for p in self.pending],
            "counts": dict(self.counts), "problems": list(self.problems),
            "leftovers": list(self.leftovers),
            "differences": [{"severity": d.severity.value, "kind": d.kind, "table": d.table,
                             "column": d.column, "message": d.message}
                            for d in self.differences],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Status:
        """The Status `to_json` described (`wsadmin status --json` reads back the same)."""
        return cls(
            data["path"], data["size"], data["journal_mode"], State(data["state"]),
            data["current_revision"], data["head"],
            [PendingRevision(**p) for p in data["pending"]], dict(data["counts"]),
            data["summary"], data["symptom"], Offer(data["offer"]), data["highest_present"],
            tuple(data["recorded_rows"]),
            tuple(Difference(Severity(d["severity"]), d["kind"], d["table"], d["message"],
                             d["column"]) for d in data["differences"]),
            tuple(data["leftovers"]), tuple(data["problems"]))
