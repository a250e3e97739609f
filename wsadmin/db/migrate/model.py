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
from wsadmin.db.schema import chain

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
    highest_present: str | None = None
    """The highest revision whose tables are all there (chain.BASE: legacy); Status's."""
    drops: list[str] = field(default_factory=list)
    """The tables a repair drops (leftovers, a failed fresh install's empty tables)."""

    @property
    def can_run(self) -> bool:
        return not any(f.blocking for f in self.findings)

    def does(self) -> str:
        """What the run does, in a few words (the dry run's first line)."""
        if self.action == "adopt" and self.to_revision:
            return "records head; changes no table"
        first = ""
        if self.action == "repair":
            drops = f"drops {', '.join(self.drops)}; " if self.drops else ""
            present = (None if self.state == "half_initialised" else self.highest_present)
            first = drops + ("records no revision" if point(present) == "legacy"
                             else f"records {present}") + ("; then " if self.revisions else "")
        verb = "undoes" if self.action == "downgrade" else "applies"
        applies = f"{verb} {', '.join(self.revisions)}" if self.revisions else ""
        return first + applies or "nothing to do"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["findings"] = [f.to_json() for f in self.findings]
        data["can_run"] = self.can_run
        return data

    def render(self) -> str:
        """Text for a terminal: every value that came from outside (paths, messages) goes
        through printable(), so a newline in a file name cannot start a fake line."""
        start = start_words(self.state, self.from_revision, self.highest_present)
        lines = [f"database:  {printable(self.database)} ({self.size:,} bytes, journal mode "
                 f"{self.journal_mode or '-'})",
                 f"{self.action + ':':<11}{start} -> {self.to_revision or 'base'}  "
                 f"({self.does()})"]
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


def point(revision: str | None) -> str:
    """A revision as the operator reads it: `legacy` for none (chain.BASE)."""
    return "legacy" if revision in (None, chain.BASE) else revision


def start_words(state: str, recorded: str | None, highest_present: str | None) -> str:
    """Where a change starts, the FROM of `FROM -> TO`: the recorded revision where the
    tables agree with it, else the state (and where its tables really are). A missing or
    empty `alembic_version` is not `legacy` unless the tables are legacy too."""
    if state in ("legacy", "at_revision", "stuck_at_001", ""):
        return point(recorded)
    if state == "recorded_ahead_of_shape":
        return f"{point(highest_present)} (its tables; {recorded} is recorded)"
    return state + (f" ({recorded} recorded)" if recorded else "")


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
