"""The checklist's records: phases, a step's definition, and what running it gave.

A step is a record (id, phase, the runbook's words, whether it runs by itself,
whether the operator confirms something by hand) plus a run function; the GUI's
wizard and `wsadmin checklist` render the same records. A result is plain data
that goes into the run's state file and the report as it is.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


class Phase(enum.StrEnum):
    PRE = "pre"
    DEPLOY = "deploy"
    POST = "post"

    @property
    def heading(self) -> str:
        return {"pre": "Pre-deployment", "deploy": "Deployment",
                "post": "Post-deployment"}[self.value]


class Status(enum.StrEnum):
    """Where a step stands. `accepted`: it failed and the operator went on, with a note."""

    PENDING = "pending"
    RUNNING = "running"
    OK = "ok"
    SKIPPED = "skipped"
    FAILED = "failed"
    ACCEPTED = "accepted"
    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not_confirmed"

    @property
    def settled(self) -> bool:
        """The step needs nothing more before the checklist may go on."""
        return self not in (Status.PENDING, Status.RUNNING, Status.FAILED)

    @property
    def words(self) -> str:
        return {"pending": "not run", "running": "interrupted", "ok": "ok",
                "skipped": "skipped", "failed": "FAILED",
                "accepted": "failed, accepted by the operator", "confirmed": "confirmed",
                "not_confirmed": "not confirmed"}[self.value]


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class StepResult:
    """What one run of a step's automatic part did and found."""

    status: Status
    summary: str                                    # one line, the operator's words
    details: list[str] = field(default_factory=list)  # what it did, line by line
    data: dict[str, Any] = field(default_factory=dict)  # numbers for the report (JSON)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status.value}


@dataclass
class StepRecord:
    """A step as the run knows it: its last result, the operator's part, its times."""

    id: str
    status: Status = Status.PENDING
    summary: str = ""
    details: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    started: str = ""
    finished: str = ""
    attempts: int = 0
    confirmed: bool | None = None       # the manual part: None until asked
    note: str = ""                      # the operator's note
    extra: dict[str, Any] = field(default_factory=dict)  # backend probe, log scan

    def apply(self, result: StepResult) -> None:
        self.status, self.summary = result.status, result.summary
        self.details, self.data = list(result.details), dict(result.data)
        self.finished = now()

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status.value}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> StepRecord:
        fields = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        fields["status"] = Status(fields.get("status", "pending"))
        return cls(**fields)


@dataclass(frozen=True)
class StepDef:
    id: str
    phase: Phase
    title: str          # the runbook's checklist item, word for word
    runbook: str        # the command the runbook gives for it ("" when it gives none)
    does: str           # what wsadmin does for it
    # The automatic part, called with a context.Context (typed Any here: the context
    # holds the run state, which is made of these records).
    run: Callable[[Any], StepResult] | None = None
    manual: str = ""    # what the operator confirms by hand ("" when nothing)
    can_go_on: bool = False     # a failure may be accepted (a check, never a change)

    @property
    def automatic(self) -> bool:
        return self.run is not None

    @property
    def kind(self) -> str:
        if self.run is not None and self.manual:
            return "automatic + manual"
        return "automatic" if self.run is not None else "manual"
