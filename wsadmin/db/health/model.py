"""Health checks as data: the records the GUI and the CLI render.

A check is a frozen record (id, title, explanation, the SQL it runs, the
revisions and tables it needs, a severity, its fixes) plus a function that
runs it on a read-only connection. A result says ok / findings /
not_applicable / error, with the count SCHEMA.md defines and a sample.
"""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

SAMPLE_LIMIT: Final = 20


class Severity(enum.StrEnum):
    CRITICAL = "critical"   # the backend fails (400s, lost data, corrupt file)
    WARNING = "warning"     # wrong but the backend keeps working for most people
    INFO = "info"


class CheckStatus(enum.StrEnum):
    OK = "ok"
    FINDINGS = "findings"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"


@dataclass(frozen=True)
class Facts:
    """What a run needs to know about the database before it runs any check."""

    path: str
    size: int
    tables: frozenset[str]
    columns: Mapping[str, tuple[str, ...]]
    recorded: tuple[str, ...]          # rows of alembic_version (empty: legacy)

    @property
    def revision(self) -> str | None:
        return self.recorded[0] if len(self.recorded) == 1 else None

    def has(self, requirement: str) -> bool:
        """`table` or `table.column` exists."""
        table, _, column = requirement.partition(".")
        if table not in self.tables:
            return False
        return not column or column in self.columns.get(table, ())

    def missing(self, requirements: Sequence[str]) -> list[str]:
        return [r for r in requirements if not self.has(r)]


@dataclass(frozen=True)
class RunOptions:
    full_integrity: bool = False
    sample_limit: int | None = SAMPLE_LIMIT   # None: every offending record (tests)


@dataclass(frozen=True)
class Outcome:
    """What a check function returns: the offending records and the SQL it ran."""

    count: int
    sample: list[dict[str, Any]]
    sql: str
    note: str = ""


class NotApplicable(Exception):
    """Raised by a check function that cannot apply to this database."""


CheckFunc = Callable[[sqlite3.Connection, Facts, RunOptions], Outcome]


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    explanation: str          # what is wrong, in the runbook's terms, with the backend's symptom
    severity: Severity
    sql: str                  # what it runs, shown to the operator (copyable)
    columns: tuple[str, ...]  # the sample's columns, in order
    run: CheckFunc
    requires: tuple[str, ...] = ()       # tables / table.columns it needs
    revisions: tuple[str, ...] | None = None  # where it applies (None: everywhere); informative
    fixes: tuple[Any, ...] = ()          # wsadmin.db.health.fixes.Fix records
    cost: int = 1                        # relative cost, to schedule the slow ones first

    @property
    def fix_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.fixes)


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    status: CheckStatus
    count: int
    sample: list[dict[str, Any]]
    sql: str
    severity: Severity
    explanation: str
    reason: str = ""
    seconds: float = 0.0
    columns: tuple[str, ...] = ()

    @property
    def problems(self) -> int:
        """Offending records, 0 when the check found nothing or could not apply."""
        return self.count if self.status is CheckStatus.FINDINGS else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status.value,
            "count": self.count,
            "sample": self.sample,
            "sql": self.sql,
            "severity": self.severity.value,
            "explanation": self.explanation,
            "reason": self.reason or None,
        }


@dataclass(frozen=True)
class HealthReport:
    database: str
    revision: str | None
    checks: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0

    def get(self, check_id: str) -> CheckResult:
        for r in self.checks:
            if r.id == check_id:
                return r
        raise KeyError(check_id)

    @property
    def errors(self) -> list[CheckResult]:
        return [r for r in self.checks if r.status is CheckStatus.ERROR]

    @property
    def findings(self) -> list[CheckResult]:
        return [r for r in self.checks if r.status is CheckStatus.FINDINGS]

    @property
    def clean(self) -> bool:
        return not self.errors and not self.findings

    @property
    def exit_code(self) -> int:
        """0 clean, 1 findings, 2 a check could not run."""
        if self.errors:
            return 2
        return 1 if self.findings else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "revision": self.revision,
            "checks": [r.to_json() for r in self.checks],
        }
