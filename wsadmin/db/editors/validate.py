"""Checks of what an operator types, before anything is written.

Each raises FieldError naming the input, with the backend's own limits
(app/models/schemas.py: UserCreate, UserUpdate, WorkspaceCreate,
WorkspaceSettingsUpdate), so what wsadmin writes is what the backend's API
would have accepted. The GUI calls them as the operator types (read-only,
cheap: each is at most one indexed lookup); every edit calls them again
inside its transaction.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Final

from wsadmin.db.editors.common import scalar
from wsadmin.db.editors.errors import FieldError
from wsadmin.db.schema.registration import (
    PasswordRejected,
    hash_password,
    slugify,
    unique_slug,
)

USERNAME_LENGTH: Final = (3, 50)
EMAIL_MAX: Final = 100        # users.email VARCHAR(100)
NAME_LENGTH: Final = (1, 100)  # workspaces.name VARCHAR(100), WorkspaceCreate
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
SETTINGS_RANGES: Final = {"redis_port": (1, 65535), "max_dashboards": (1, 10000),
                          "max_members": (1, 1000)}
"""WorkspaceSettingsUpdate's bounds."""


def check_username(conn: sqlite3.Connection, username: str) -> str:
    low, high = USERNAME_LENGTH
    if not low <= len(username) <= high:
        raise FieldError("username", f"a username has {low} to {high} characters",
                         "the backend's login refuses shorter ones")
    if _CONTROL.search(username) or username != username.strip():
        raise FieldError("username", "a username cannot hold control characters or start or "
                         "end with a space", "type it again")
    if scalar(conn, "SELECT 1 FROM users WHERE username = ?", (username,)):
        raise FieldError("username", f"the username {username!r} is already taken",
                         "choose another one")
    return username


def check_email(conn: sqlite3.Connection, email: str, *, user_id: int | None = None) -> str:
    """A plausible address (the backend's EmailStr is stricter still), at most 100
    characters, no other user's (the backend's UNIQUE(email) compares exactly)."""
    if len(email) > EMAIL_MAX:
        raise FieldError("email", f"an email address has at most {EMAIL_MAX} characters")
    if _EMAIL.fullmatch(email) is None:
        raise FieldError("email", f"{email!r} is not an email address",
                         "give an address like name@example.com")
    taken = scalar(conn, "SELECT id FROM users WHERE email = ?", (email,))
    if taken is not None and taken != user_id:
        raise FieldError("email", f"the email {email!r} is already registered",
                         "choose another one")
    return email


def new_password_hash(password: str, confirm: str | None = None) -> str:
    """The bcrypt `$2b$12$` hash of a new password (~0.25 s: call it before the edit's
    transaction, not inside). `confirm`: the second typing, which must match."""
    if confirm is not None and confirm != password:
        raise FieldError("password", "the two passwords differ", "type the same one twice")
    try:
        return hash_password(password)
    except PasswordRejected as exc:
        raise FieldError("password", exc.message, exc.hint) from exc


def check_workspace_name(name: str) -> str:
    low, high = NAME_LENGTH
    if not low <= len(name) <= high or not name.strip():
        raise FieldError("name", f"a workspace name has {low} to {high} characters, not "
                         "only spaces", "the backend's API refuses other names")
    if _CONTROL.search(name):
        raise FieldError("name", "a workspace name cannot hold control characters")
    return name


def suggest_slug(conn: sqlite3.Connection, name: str) -> str:
    """The slug the backend would give a new workspace of this name, now."""
    return unique_slug(conn, slugify(name))


def check_setting(name: str, value: int) -> int:
    low, high = SETTINGS_RANGES[name]
    if isinstance(value, bool) or not low <= value <= high:
        raise FieldError(name, f"{name} must be between {low:,} and {high:,}")
    return value


def check_redis_host(host: str) -> str:
    if not host or len(host) > 255 or _CONTROL.search(host) or " " in host:
        raise FieldError("redis_host", "a redis host is a host name or address of 1 to 255 "
                         "characters without spaces")
    return host
