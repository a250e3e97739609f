"""Health checks as data: the records the GUI and the CLI render.

A check is a frozen record (id, title, explanation with the backend's
symptom, the SQL it runs, the tables and columns it needs, a severity, its
fixes) plus a function that runs it on a read-only connection. A result says
ok / findings / not_applicable / error, with the count SCHEMA.md defines and
a sample of readable columns (secret columns only as wsadmin.db.health.
secret_columns describes them).
"""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from wsadmin.db.schema.states import Classification

SAMPLE_LIMIT: Final = 20


class Severity(enum.StrEnum):
    """Most severe first; `rank` orders them (the GUI lists findings by it)."""

    DAMAGE = "damage"       # the file itself is damaged: nothing else can be trusted
    SECURITY = "security"   # one workspace's data (credentials included) reaches others
    CRITICAL = "critical"   # the backend fails (400s, 500s, invisible data)
    WARNING = "warning"     # wrong, but the backend keeps working for most people
    INFO = "info"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


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
    recorded: tuple[str, ...]          # rows of alembic_version (empty: none recorded)
    classification: Classification | None = None
    declared: Mapping[tuple[str, str], str] = field(default_factory=dict)  # declared types

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

    def length_of(self, table: str, column: str, default: int) -> int:
        """The length a column declares (`VARCHAR(100)` -> 100), else `default`."""
        declared = self.declared.get((table, column), "")
        inside = declared.partition("(")[2].partition(")")[0].split(",")[0].strip()
        return int(inside) if inside.isdigit() and int(inside) > 0 else default


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
    explanation: str          # what is wrong, and the backend's symptom (as measured)
    severity: Severity
    sql: str                  # what it runs on a head database, shown to the operator
    columns: tuple[str, ...]  # the sample's columns, in order
    run: CheckFunc
    requires: tuple[str, ...] = ()       # tables / table.columns it needs
    revisions: tuple[str, ...] | None = None  # where it applies (None: everywhere); informative
    fixes: tuple[Any, ...] = ()          # wsadmin.db.health.fix_plan.Fix records
    cost: int = 1     # relative time on a million users, to schedule the slow ones first
    symptom: str = ""                    # the backend's symptom alone (docs, GUI)

    @property
    def fix_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.fixes)


def _plain(value: Any) -> Any:
    """Sample values as JSON can carry them: a BLOB becomes its SQL literal."""
    if isinstance(value, bytes):
        return "x'" + value.hex() + "'"
    return value


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
    fixes: tuple[str, ...] = ()

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
            "sample": [{k: _plain(v) for k, v in row.items()} for row in self.sample],
            "sql": self.sql,
            "severity": self.severity.value,
            "explanation": self.explanation,
            "reason": self.reason or None,
            "fixes": list(self.fixes),
        }


@dataclass(frozen=True)
class HealthReport:
    database: str
    revision: str | None
    checks: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0
    state: str | None = None

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

    def by_severity(self) -> list[CheckResult]:
        """Findings first, most severe first (file damage, then security, ...)."""
        order = {CheckStatus.FINDINGS: 0, CheckStatus.ERROR: 1}
        return sorted(self.checks, key=lambda r: (order.get(r.status, 2), r.severity.rank))

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
            "state": self.state,
            "checks": [r.to_json() for r in self.checks],
        }
