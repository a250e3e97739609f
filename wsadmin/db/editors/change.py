"""What an edit changed: for the view to update its rows in place, and for the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from wsadmin.db.schema.registration import timestamp

MANY: Final = 1000
"""Past this many users touched, a Change says `refresh_all` instead of listing them."""


@dataclass(frozen=True)
class Change:
    """The outcome of one edit. Holds no secret: it goes into the audit log and --json."""

    action: str
    """`user.add`, `user.edit`, `workspace.move_rows`, ... (the audit entry's action)."""
    summary: str
    """One line for people: what was done."""
    counts: Mapping[str, int] = field(default_factory=dict)
    """Rows written, keyed `<verb> <table>` (`update users`, `insert workspace_members`)."""
    users: tuple[int, ...] = ()
    """Users whose row in a users view changed: re-read these rows (user_rows)."""
    workspaces: tuple[int, ...] = ()
    """Workspaces whose row in a workspaces view changed."""
    created: int | None = None
    """The id of the user or workspace this edit created."""
    deleted: int | None = None
    """The id of the user or workspace this edit deleted (drop it from the view's ids)."""
    refresh_all: bool = False
    """Too many rows changed to list: re-read every cached page (the ids stay valid)."""
    notes: tuple[str, ...] = ()
    """What the operator should know afterwards (a warning, a stale permission left)."""
    details: Mapping[str, Any] = field(default_factory=dict)
    """What the edit was asked to do, audit-safe: ids, names, roles, never a secret."""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "summary": self.summary, "counts": dict(self.counts),
                "users": list(self.users), "workspaces": list(self.workspaces),
                "created": self.created, "deleted": self.deleted,
                "refresh_all": self.refresh_all, "notes": list(self.notes),
                "details": dict(self.details)}


class Tally:
    """Collects what one edit writes, then becomes its Change."""

    def __init__(self, action: str, now: str | None = None) -> None:
        self.action = action
        self.now = now or timestamp()
        self.counts: dict[str, int] = {}
        self.users: set[int] = set()
        self.workspaces: set[int] = set()
        self.notes: list[str] = []

    def add(self, key: str, n: int) -> None:
        if n:
            self.counts[key] = self.counts.get(key, 0) + n

    def touch(self, *, users: tuple[int, ...] | list[int] = (),
              workspaces: tuple[int, ...] | list[int] = ()) -> None:
        self.users.update(users)
        self.workspaces.update(workspaces)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def change(self, summary: str, *, created: int | None = None, deleted: int | None = None,
               details: Mapping[str, Any] | None = None) -> Change:
        many = len(self.users) > MANY or len(self.workspaces) > MANY
        return Change(self.action, summary, dict(self.counts),
                      () if many else tuple(sorted(self.users)),
                      () if many else tuple(sorted(self.workspaces)),
                      created, deleted, many, tuple(self.notes), dict(details or {}))


def combine(action: str, changes: list[Change]) -> Change:
    """Several edits of one transaction as one Change (the command line's `user edit`
    with several options): counts added, rows and notes joined, details by action."""
    counts: dict[str, int] = {}
    for c in changes:
        for key, n in c.counts.items():
            counts[key] = counts.get(key, 0) + n
    done = [c for c in changes if c.counts]
    summary = "; ".join(c.summary for c in done) or "nothing to change"
    return Change(action, summary, counts,
                  tuple(sorted({u for c in changes for u in c.users})),
                  tuple(sorted({w for c in changes for w in c.workspaces})),
                  next((c.created for c in changes if c.created is not None), None),
                  next((c.deleted for c in changes if c.deleted is not None), None),
                  any(c.refresh_all for c in changes),
                  tuple(n for c in changes for n in c.notes),
                  {"steps": [{"action": c.action, **c.details} for c in changes]})
