"""What the backup-then-change pipeline plans and returns: preflight findings, the
plan of a dry run, the result, and the two ways it can fail (exit 1: as it
was; exit 4: not put back).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from wsadmin.db.backup.manifest import BackupInfo
from wsadmin.db.common.errors import (
    InUse,
    MigrationFailed,
    NotRestored,
    WsadminError,
)
from wsadmin.db.common.text import printable

DISK_FACTOR = 2


@dataclass(frozen=True)
class Finding:
    """Something preflight found. A finding with an `error` (the WsadminError class the
    refusal raises) blocks the run (exit 2); one without is a note."""

    error: type[WsadminError] | None
    message: str
    hint: str = ""

    @property
    def blocking(self) -> bool:
        return self.error is not None

    @property
    def forceable(self) -> bool:
        """--force overrides only another program holding the database."""
        return self.error is not None and issubclass(self.error, InUse)

    @property
    def kind(self) -> str:
        return self.error.__name__ if self.error is not None else "note"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "hint": self.hint,
                "blocking": self.blocking, "forceable": self.forceable}


@dataclass(frozen=True)
class PlannedStep:
    id: str
    label: str


@dataclass
class Plan:
    """What `run()` would do, computed without changing anything (--dry-run)."""

    database: str
    action: str
    from_revision: str | None
    to_revision: str | None
    revisions: list[str]
    steps: list[PlannedStep]
    backup_path: str | None
    counts: dict[str, int]
    size: int
    free_bytes: int | None
    journal_mode: str | None
    findings: list[Finding] = field(default_factory=list)
    state: str = ""

    @property
    def can_run(self) -> bool:
        return not any(f.blocking for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["findings"] = [f.to_json() for f in self.findings]
        data["can_run"] = self.can_run
        return data

    def render(self) -> str:
        """Text for a terminal: every value that came from outside (paths, messages) goes
        through printable(), so a newline in a file name cannot start a fake line."""
        lines = [f"database:  {printable(self.database)} ({self.size:,} bytes, journal mode "
                 f"{self.journal_mode or '-'})",
                 f"{self.action}:   {self.from_revision or 'legacy'} -> "
                 f"{self.to_revision or 'base'}"
                 + (f"  (applies {', '.join(self.revisions)})" if self.revisions
                    else "  (nothing to do)")]
        if self.counts:
            lines.append("rows:      " + ", ".join(f"{printable(t)} {n:,}"
                                                   for t, n in self.counts.items()))
        if self.backup_path:
            lines.append(f"backup:    {printable(self.backup_path)}")
        if self.free_bytes is not None:
            lines.append(f"free disk: {self.free_bytes:,} bytes "
                         f"(needs {DISK_FACTOR}x the database)")
        lines.append("steps:")
        lines += [f"  {i}. {s.label}  [{s.id}]" for i, s in enumerate(self.steps, 1)]
        for f in self.findings:
            mark = "REFUSED" if f.blocking else "note"
            lines.append(f"{mark}: {printable(f.message)}"
                         + (f" ({printable(f.hint)})" if f.hint else ""))
        lines.append("would run: yes" if self.can_run else "would run: no")
        return "\n".join(lines)


@dataclass
class PipelineResult:
    database: str
    action: str
    # upgraded | downgraded | adopted | repaired | initialised | nothing-to-do
    # | failed-unchanged | failed-restored | failed-not-restored
    outcome: str
    from_revision: str | None
    to_revision: str | None
    applied: list[str]
    backup: BackupInfo | None
    counts_before: dict[str, int]
    counts_after: dict[str, int]
    findings: list[Finding] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return not self.outcome.startswith("failed")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["backup"] = self.backup.path if self.backup else None
        data["findings"] = [f.to_json() for f in self.findings]
        return data


# What each action is called once done, and the verb of its plan.
DONE = {"upgrade": "upgraded", "downgrade": "downgraded", "adopt": "adopted",
        "repair": "repaired", "init": "initialised"}


class PipelineFailed(MigrationFailed):
    """The change failed after the backup; the database is as it was (exit 1)."""

    def __init__(self, message: str, result: PipelineResult, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.result = result


class PipelineNotRestored(PipelineFailed):
    """The change failed and the backup could not be put back (exit 4)."""

    exit_code = NotRestored.exit_code
