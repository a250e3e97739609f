"""The state of one checklist run, written atomically after every step.

The file lives next to the audit log (`<data dir>/checklists/`), one per
database (named by the database's resolved path), so that reopening the
database after a crash, a kill or a closed window finds it and offers to
resume. It holds the decision, the steps done with their results and notes,
the backup used, the snapshots before and after, and the backend probe's
results: no password, no token, no row of the database (SCHEMA.md "Secrets").
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import wsadmin
from wsadmin.db.checklist.decision import Decision
from wsadmin.db.checklist.model import StepRecord, now
from wsadmin.db.checklist.paths import state_path
from wsadmin.db.common import audit
from wsadmin.db.common.text import json_safe
from wsadmin.db.sqlite.files import atomic_write_bytes, mode_no_wider_than

FORMAT: Final = 1
IN_PROGRESS, COMPLETED, ABORTED, ROLLED_BACK, ABANDONED = (
    "in_progress", "completed", "aborted", "rolled_back", "abandoned")
_MAX_BYTES: Final = 8 << 20


class StateUnreadable(ValueError):
    """The state file exists but is not a checklist state this wsadmin can read."""


@dataclass
class RunState:
    database: str                       # resolved path
    decision: Decision
    before: dict[str, Any]              # state, revision, counts
    steps: dict[str, StepRecord]
    id: str = field(default_factory=lambda: secrets.token_hex(8))
    operator: str = field(default_factory=audit.os_user)
    tool_version: str = wsadmin.__version__
    started: str = field(default_factory=now)
    updated: str = ""
    finished: str = ""
    outcome: str = IN_PROGRESS
    after: dict[str, Any] | None = None
    health_before: dict[str, dict[str, Any]] | None = None
    health_after: dict[str, dict[str, Any]] | None = None
    backup: str | None = None           # the pre-deployment backup (verified)
    rollback: dict[str, Any] | None = None
    rehearsal: dict[str, Any] | None = None
    backend_url: str | None = None      # without user or password
    log_file: str | None = None

    @property
    def unfinished(self) -> bool:
        return self.outcome == IN_PROGRESS

    def step(self, step_id: str) -> StepRecord:
        return self.steps[step_id]

    def resume_point(self) -> str | None:
        """The first step that is not settled (None: all are)."""
        for record in self.steps.values():
            if not record.status.settled:
                return record.id
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "id": self.id, "database": self.database,
            "operator": self.operator, "tool_version": self.tool_version,
            "started": self.started, "updated": self.updated, "finished": self.finished,
            "outcome": self.outcome, "decision": self.decision.to_json(),
            "before": self.before, "after": self.after,
            "health_before": self.health_before, "health_after": self.health_after,
            "backup": self.backup, "rollback": self.rollback, "rehearsal": self.rehearsal,
            "backend_url": self.backend_url, "log_file": self.log_file,
            "steps": [s.to_json() for s in self.steps.values()],
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> RunState:
        if raw.get("format") != FORMAT:
            raise StateUnreadable(f"checklist state format {raw.get('format')!r}, "
                                  f"not {FORMAT}")
        steps = {s["id"]: StepRecord.from_json(s) for s in raw.get("steps", [])}
        keep = {k: raw[k] for k in ("id", "operator", "tool_version", "started", "updated",
                                    "finished", "outcome", "after", "health_before",
                                    "health_after", "backup", "rollback", "rehearsal",
                                    "backend_url", "log_file") if k in raw}
        return cls(raw["database"], Decision.from_json(raw["decision"]), raw["before"],
                   steps, **keep)


def safe_url(url: str) -> str:
    """The backend's address as it may be stored: without a user or password in it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def save(state: RunState) -> Path:
    """Write the state atomically (temp file, fsync, rename), never wider than the
    database's permissions and never readable by others."""
    state.updated = now()
    path = state_path(state.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json_safe(json.dumps(state.to_json(), indent=1, ensure_ascii=False, default=str))
    mode = mode_no_wider_than(Path(state.database)) & 0o600
    atomic_write_bytes(path, data.encode("utf-8", "surrogateescape"), mode or 0o600)
    return path


def load(db: str | Path) -> RunState | None:
    """The last run's state for `db` (None: none). A damaged file raises StateUnreadable."""
    path = state_path(db)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateUnreadable(f"{path} cannot be read: {exc.strerror or exc}") from exc
    if len(raw) > _MAX_BYTES:
        raise StateUnreadable(f"{path} is larger than a checklist state can be")
    try:
        data = json.loads(raw.decode("utf-8", "surrogateescape"))
        if not isinstance(data, dict):
            raise StateUnreadable(f"{path} does not hold a checklist state")
        return RunState.from_json(data)
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, StateUnreadable):
            raise
        raise StateUnreadable(f"{path} is not a checklist state: {exc}") from exc


def unfinished(db: str | Path) -> RunState | None:
    """A run of `db` that neither completed nor was aborted or rolled back."""
    try:
        found = load(db)
    except StateUnreadable:
        return None
    return found if found is not None and found.unfinished else None


def abandon(db: str | Path) -> None:
    """The operator chose not to resume: the run stays on disk, no longer offered."""
    found = load(db)
    if found is not None and found.unfinished:
        found.outcome, found.finished = ABANDONED, now()
        save(found)
