"""What the editors refuse, and when a database can be edited at all.

A value the operator typed that cannot be written raises FieldError, which
names the input (`field`) so the GUI shows the message beside it. A database
that is not at head is read-only for the editors: NotEditable names the
state and the command that brings it to head.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from wsadmin.db.common.errors import Refused
from wsadmin.db.schema import chain
from wsadmin.db.schema.states import Offer, State, command_for

if TYPE_CHECKING:
    from wsadmin.db.schema.status import Status


class FieldError(Refused):
    """An input the editors cannot write; `field` is the input's name (see FIELDS)."""

    def __init__(self, field: str, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.field = field


FIELDS: Final = (
    # users
    "user", "username", "email", "password", "global_role", "active", "current_workspace",
    "heir", "successor",
    # memberships
    "workspace", "member", "role",
    # workspaces
    "name", "creator", "max_dashboards", "max_members", "redis_host", "redis_port",
    "redis_enabled", "redis_password", "permissions",
    # moves and deletes
    "table", "ids", "target", "rows_to", "users_to", "links",
)
"""Every `field` a FieldError can carry, for the GUI to map onto its inputs."""


class NotEditable(Refused):
    """The database is not at head: the editors are read-only until `command` has run."""

    def __init__(self, editability: Editability, path: object = "DB") -> None:
        command = editability.command(path)
        super().__init__(editability.reason,
                         f"run `{command}` first" if command else "use the tool that made it")
        self.editability = editability


@dataclass(frozen=True)
class Editability:
    """Whether the editors may write, and if not why and which action fixes it."""

    editable: bool
    state: str
    reason: str
    """Empty when editable; else one sentence for the read-only banner."""
    action: str | None
    """`upgrade`, `adopt`, `repair` or `init`: the action (and CLI command) that brings
    the database to head; None when editable or when wsadmin cannot help."""

    def command(self, path: object = "DB") -> str | None:
        return command_for(Offer(self.action), path) if self.action else None


def editability(state: State, recorded: str | None, offer: Offer) -> Editability:
    """The editors write only at head: the backend's own shape, recorded as head."""
    if state is State.AT_REVISION and recorded == chain.HEAD_REVISION:
        return Editability(True, state.value, "", None)
    action = offer.value if command_for(offer) else None
    if state is State.AT_REVISION:
        reason = (f"the database is at revision {recorded}, not head: the editors write "
                  "only the head schema the backend runs on")
    elif state is State.UNVERSIONED_HEAD:
        reason = ("the database has the head schema but no revision recorded (unversioned "
                  "head): the editors are read-only until its revision is recorded")
    elif state in (State.FOREIGN, State.UNKNOWN_REVISION):
        reason = f"the database is {state.value.replace('_', ' ')}: wsadmin does not edit it"
    else:
        reason = (f"the database is {state.value.replace('_', ' ')}, not at head: the editors "
                  "are read-only until it is")
    return Editability(False, state.value, reason, action)


def editability_of(status: Status) -> Editability:
    """Editability of a `wsadmin.db.schema.status.inspect` result (the GUI's session status)."""
    return editability(status.state, status.current_revision, status.offer)
