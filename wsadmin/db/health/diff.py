"""Before/after: run the checks, run an operation, run them again, compare."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from wsadmin.db.health.model import CheckResult, CheckStatus, HealthReport

T = TypeVar("T")


@dataclass(frozen=True)
class CheckChange:
    id: str
    before: CheckStatus
    after: CheckStatus
    before_count: int
    after_count: int

    @property
    def worse(self) -> bool:
        if self.after is CheckStatus.ERROR:
            return self.before is not CheckStatus.ERROR
        return self.after is CheckStatus.FINDINGS and self.after_count > _problems(
            self.before, self.before_count)

    @property
    def better(self) -> bool:
        if self.before is CheckStatus.ERROR:
            return self.after is not CheckStatus.ERROR
        return self.before is CheckStatus.FINDINGS and _problems(
            self.after, self.after_count) < self.before_count

    def describe(self) -> str:
        def one(status: CheckStatus, count: int) -> str:
            return f"{count} finding(s)" if status is CheckStatus.FINDINGS else status.value
        return f"{self.id}: {one(self.before, self.before_count)} -> " \
               f"{one(self.after, self.after_count)}"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "before": self.before.value, "after": self.after.value,
                "before_count": self.before_count, "after_count": self.after_count,
                "better": self.better, "worse": self.worse}


def _problems(status: CheckStatus, count: int) -> int:
    return count if status is CheckStatus.FINDINGS else 0


@dataclass(frozen=True)
class HealthDiff:
    before: HealthReport
    after: HealthReport
    changes: list[CheckChange] = field(default_factory=list)

    @property
    def better(self) -> list[CheckChange]:
        return [c for c in self.changes if c.better]

    @property
    def worse(self) -> list[CheckChange]:
        return [c for c in self.changes if c.worse]

    @property
    def ok(self) -> bool:
        """Nothing got worse."""
        return not self.worse

    def summary(self) -> str:
        parts = []
        if self.better:
            parts.append("better: " + "; ".join(c.describe() for c in self.better))
        if self.worse:
            parts.append("WORSE: " + "; ".join(c.describe() for c in self.worse))
        return " | ".join(parts) or "no check changed"

    def to_json(self) -> dict[str, Any]:
        return {"better": [c.to_json() for c in self.better],
                "worse": [c.to_json() for c in self.worse],
                "changes": [c.to_json() for c in self.changes]}


def compare(before: HealthReport, after: HealthReport) -> HealthDiff:
    """Every check present in both reports whose status or count changed."""
    after_by_id: dict[str, CheckResult] = {r.id: r for r in after.checks}
    changes = []
    for b in before.checks:
        a = after_by_id.get(b.id)
        if a is None:
            continue
        if (a.status, a.count) != (b.status, b.count):
            changes.append(CheckChange(b.id, b.status, a.status, b.count, a.count))
    return HealthDiff(before, after, changes)


def around(path: str | Path, operation: Callable[[], T], *,
           only: Sequence[str] | None = None, full_integrity: bool = False
           ) -> tuple[T, HealthDiff]:
    """Run the checks, `operation()`, the checks again; return its result and the diff.

    If the operation raises, so does this (the checks after are not run).
    """
    from wsadmin.db.health.runner import run_checks

    before = run_checks(path, only=only, full_integrity=full_integrity)
    result = operation()
    after = run_checks(path, only=only, full_integrity=full_integrity)
    return result, compare(before, after)
