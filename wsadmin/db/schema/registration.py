"""What the backend writes when a user registers or a workspace is created, as one service.

Fixes (`personal`), the users editor and the demo data all create users and
workspaces; they must leave exactly the rows the backend's own code leaves
(SCHEMA.md "Registration semantics"), or the backend answers 500 or leaks.
Checked against the backend's app/api/routes/auth.py:61-125 (register),
app/core/workspace_factory.py:21-121 (workspace, member, settings, slug) and
app/api/routes/workspaces.py:31-115 (POST /workspaces, same slug rule).

Every function works inside the caller's transaction on an open sqlite3
connection; the multi-row writes run in a SAVEPOINT so they land together or
not at all, and commit only when the caller commits (or at once when the
caller has no transaction open).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import bcrypt

from wsadmin.db.errors import Refused
from wsadmin.db.schema.facts import WORKSPACE_SETTINGS_DEFAULTS
from wsadmin.db.sqlite_engine import quote_ident

SLUG_RE: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
BCRYPT_RE: Final = re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}")
_SLUG_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
BCRYPT_ROUNDS: Final = 12
"""passlib's bcrypt default, which the backend uses (app/core/security.py:9)."""
MIN_PASSWORD: Final = 6
"""The backend's UserCreate.password min_length (app/models/schemas.py:37)."""
MAX_PASSWORD_BYTES: Final = 72
"""bcrypt reads no further; bcrypt 5 refuses longer passwords, passlib cuts them."""


class PasswordRejected(Refused):
    hint = f"choose a password of at least {MIN_PASSWORD} characters and at most 72 bytes"


class NameTaken(Refused):
    hint = "choose another one"


class NotRegistrable(Refused):
    hint = "upgrade the database first (`wsadmin upgrade DB`)"


def slugify(name: str) -> str:
    """The backend's slug of a workspace name (workspace_factory.py:111-112).

    Python's Unicode lower-casing comes first, as in the backend, so a few
    non-ASCII letters survive as ASCII ('İ' lowers to 'i' + a combining dot,
    the Kelvin sign to 'k'); every other character outside [a-z0-9-] is
    dropped. Only the ASCII space becomes '-'.
    """
    kept = "".join(c for c in name.lower().replace(" ", "-") if c in _SLUG_CHARS)
    return "-".join(part for part in kept.split("-") if part) or "workspace"


def valid_slug(slug: str) -> bool:
    """A slug the backend's rule could have produced: `^[a-z0-9]+(-[a-z0-9]+)*$`."""
    return SLUG_RE.fullmatch(slug) is not None


def unique_slug(conn: sqlite3.Connection, base: str) -> str:
    """`base`, or `base-1`, `base-2`, ...: the first one no workspace has (exact match).

    One query fetches every slug that could collide instead of the backend's
    query per attempt; the result is the same.
    """
    prefix = base + "-"
    taken = {r[0] for r in conn.execute(
        "SELECT slug FROM workspaces WHERE slug = ? OR substr(slug, 1, ?) = ?",
        (base, len(prefix), prefix))}
    slug, counter = base, 1
    while slug in taken:
        slug = f"{base}-{counter}"
        counter += 1
    return slug


def hash_password(password: str) -> str:
    """A bcrypt `$2b$12$` hash (60 characters): the only scheme the backend's login accepts."""
    if len(password) < MIN_PASSWORD:
        raise PasswordRejected(f"the password is shorter than {MIN_PASSWORD} characters")
    raw = password.encode("utf-8")
    if len(raw) > MAX_PASSWORD_BYTES:
        raise PasswordRejected("the password is longer than 72 bytes, which bcrypt cannot use")
    return bcrypt.hashpw(raw, bcrypt.gensalt(rounds=BCRYPT_ROUNDS, prefix=b"2b")).decode("ascii")


def timestamp(now: datetime | None = None) -> str:
    """`YYYY-MM-DD HH:MM:SS.ffffff` in UTC, as SQLAlchemy stores the backend's TIMESTAMPs.

    A naive datetime is taken as UTC already (the backend's datetime.utcnow()).
    """
    moment = datetime.now(UTC) if now is None else now
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass(frozen=True)
class NewWorkspace:
    workspace_id: int
    member_id: int
    settings_id: int
    slug: str


@dataclass(frozen=True)
class NewUser:
    user_id: int
    workspace: NewWorkspace


@contextmanager
def _savepoint(conn: sqlite3.Connection, name: str) -> Iterator[None]:
    conn.execute(f"SAVEPOINT {quote_ident(name)}")
    try:
        yield
    except BaseException:
        conn.execute(f"ROLLBACK TO {quote_ident(name)}")
        conn.execute(f"RELEASE {quote_ident(name)}")
        raise
    conn.execute(f"RELEASE {quote_ident(name)}")


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))}


def _insert(conn: sqlite3.Connection, table: str, values: dict[str, object]) -> int:
    cols = ", ".join(quote_ident(c) for c in values)
    marks = ", ".join("?" for _ in values)
    cur = conn.execute(f"INSERT INTO {quote_ident(table)} ({cols}) VALUES ({marks})",
                       tuple(values.values()))
    assert cur.lastrowid is not None  # an INSERT into a rowid table always sets it
    return cur.lastrowid


def _require_workspace_tables(conn: sqlite3.Connection) -> None:
    missing = [t for t in ("users", "workspaces", "workspace_members", "workspace_settings")
               if not _columns(conn, t)]
    if missing:
        raise NotRegistrable(f"the database has no {', '.join(missing)} table: it is older "
                             "than revision 001")
    if "current_workspace_id" not in _columns(conn, "users"):
        # A mixed database (init_db over legacy): workspace tables, legacy users.
        raise NotRegistrable("users has no current_workspace_id column: the database is "
                             "older than revision 001")


def _write_workspace(conn: sqlite3.Connection, name: str, creator_id: int, at: str
                     ) -> NewWorkspace:
    """Steps 2-4: the workspace, its creator as admin, its default settings."""
    slug = unique_slug(conn, slugify(name))
    workspace_id = _insert(conn, "workspaces", {
        "name": name, "slug": slug, "created_by": creator_id,
        "created_at": at, "updated_at": at})
    member_id = _insert(conn, "workspace_members", {
        "workspace_id": workspace_id, "user_id": creator_id, "role": "admin",
        "invited_by": creator_id, "joined_at": at})
    # The ORM's column default fills updated_at too (sqlite_models.py:247).
    settings_id = _insert(conn, "workspace_settings", {
        "workspace_id": workspace_id, **dict(WORKSPACE_SETTINGS_DEFAULTS), "updated_at": at})
    return NewWorkspace(workspace_id, member_id, settings_id, slug)


def create_workspace(conn: sqlite3.Connection, name: str, creator_id: int, *,
                     now: datetime | None = None, make_current_if_unset: bool = True
                     ) -> NewWorkspace:
    """A workspace as POST /api/workspaces makes it (workspaces.py:61-115).

    Like that route, the creator's current workspace becomes the new one when
    they have none (`make_current_if_unset`); WorkspaceFactory alone does not.
    """
    if not 1 <= len(name) <= 100:
        raise Refused("a workspace name has 1 to 100 characters",
                      "the backend's API refuses other names")
    _require_workspace_tables(conn)
    creator = conn.execute("SELECT current_workspace_id FROM users WHERE id = ?",
                           (creator_id,)).fetchone()
    if creator is None:
        raise Refused(f"user {creator_id} does not exist", "choose an existing user")
    at = timestamp(now)
    with _savepoint(conn, "wsadmin_create_workspace"):
        created = _write_workspace(conn, name, creator_id, at)
        if make_current_if_unset and creator[0] is None:
            conn.execute("UPDATE users SET current_workspace_id = ?, updated_at = ? "
                         "WHERE id = ?", (created.workspace_id, at, creator_id))
    return created


def register_user(conn: sqlite3.Connection, username: str, email: str, password_hash: str,
                  *, now: datetime | None = None) -> NewUser:
    """The five steps of the backend's POST /api/auth/register (auth.py:61-125)."""
    if not 3 <= len(username) <= 50:
        raise Refused("a username has 3 to 50 characters", "the backend's API refuses others")
    if "@" not in email:
        raise Refused(f"{email!r} is not an email address", "give an address with an @")
    if BCRYPT_RE.fullmatch(password_hash) is None:
        # Never written: any other scheme makes the backend's login answer 500.
        raise PasswordRejected("the password hash is not a bcrypt hash",
                               "hash the password with hash_password()")
    _require_workspace_tables(conn)
    for column, value in (("username", username), ("email", email)):
        if conn.execute(f"SELECT 1 FROM users WHERE {quote_ident(column)} = ?",
                        (value,)).fetchone():
            raise NameTaken(f"the {column} {value!r} is already taken")
    at = timestamp(now)
    present = _columns(conn, "users")
    user: dict[str, object] = {
        "username": username, "email": email, "password_hash": password_hash,
        "role": "admin",  # the backend makes every self-registered user a global admin
        "is_active": 1, "email_verified": 0, "theme_preference": "light",
        "created_at": at, "updated_at": at}
    with _savepoint(conn, "wsadmin_register_user"):
        user_id = _insert(conn, "users", {k: v for k, v in user.items() if k in present})
        workspace = _write_workspace(conn, f"{username}'s Workspace", user_id, at)
        conn.execute("UPDATE users SET current_workspace_id = ?, updated_at = ? WHERE id = ?",
                     (workspace.workspace_id, at, user_id))
    return NewUser(user_id, workspace)
