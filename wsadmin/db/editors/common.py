"""Small pieces every editor module uses: text of odd values, id batches, lookups."""

from __future__ import annotations

import re
import sqlite3
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

from wsadmin.db.common.text import stored_text
from wsadmin.db.editors.errors import FieldError

ROLES: Final = ("admin", "editor", "viewer")
"""Workspace roles, and the values of `users.role` (the backend's global admin flag)."""

BATCH: Final = 500
"""Ids per `IN (...)` list: far below SQLite's variable limit, large enough for a page."""

ROW_TABLES: Final = ("dashboards", "charts", "connections", "data_sources", "csv_data", "logs")
"""Tables whose rows belong to a workspace (`workspace_id`), each with an index on it."""

ACTIVE_ADMIN: Final = ("m.role = 'admin' AND EXISTS (SELECT 1 FROM users AS au WHERE "
                       "au.id = m.user_id AND au.is_active = 1)")
"""A membership `m` that lets someone run its workspace (SCHEMA.md workspaces_without_admin)."""


text = stored_text
"""A stored value as text (the one rule: wsadmin.db.common.text.stored_text)."""


def opt_text(value: object) -> str | None:
    return None if value is None else text(value)


def to_int(value: object) -> int:
    """An INTEGER column read back (ids, counts): SQLite hands out int for them."""
    if isinstance(value, int):
        return value
    return int(str(value))


def opt_int(value: object) -> int | None:
    return None if value is None else to_int(value)


def flag(value: object) -> bool | None:
    """A BOOLEAN column: None when NULL (the backend reads NULL as false)."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return bool(value)
    try:
        return bool(int(text(value)))
    except ValueError:
        return bool(value)


def batches(ids: Sequence[int], size: int = BATCH) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def marks(n: int) -> str:
    return ", ".join("?" for _ in range(n))


def scalar(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    row = conn.execute(sql, tuple(params)).fetchone()
    return None if row is None else row[0]


def like_pattern(needle: str) -> str:
    """A LIKE pattern matching `needle` anywhere, with `%`, `_` and `\\` taken literally."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", needle) + "%"


def check_role(role: str, field: str = "role") -> str:
    if role not in ROLES:
        raise FieldError(field, f"{role!r} is not a role", "choose admin, editor or viewer")
    return role


def user_name(conn: sqlite3.Connection, user_id: int) -> str:
    """`alice (id 3)`, for messages."""
    name = scalar(conn, "SELECT username FROM users WHERE id = ?", (user_id,))
    return f"{text(name)} (id {user_id})" if name is not None else f"user {user_id}"


def workspace_name(conn: sqlite3.Connection, workspace_id: int) -> str:
    slug = scalar(conn, "SELECT slug FROM workspaces WHERE id = ?", (workspace_id,))
    return f"{text(slug)} (id {workspace_id})" if slug is not None else f"workspace {workspace_id}"


def require_user(conn: sqlite3.Connection, user_id: int, field: str = "user") -> None:
    if scalar(conn, "SELECT 1 FROM users WHERE id = ?", (user_id,)) is None:
        raise FieldError(field, f"there is no user with id {user_id}", "choose an existing user")


def require_active_user(conn: sqlite3.Connection, user_id: int, field: str) -> None:
    active = scalar(conn, "SELECT coalesce(is_active, 0) FROM users WHERE id = ?", (user_id,))
    if active is None:
        raise FieldError(field, f"there is no user with id {user_id}", "choose an existing user")
    if not active:
        raise FieldError(field, f"{user_name(conn, user_id)} is not active",
                         "choose an active user")


def require_workspace(conn: sqlite3.Connection, workspace_id: int,
                      field: str = "workspace") -> None:
    if scalar(conn, "SELECT 1 FROM workspaces WHERE id = ?", (workspace_id,)) is None:
        raise FieldError(field, f"there is no workspace with id {workspace_id}",
                         "choose an existing workspace")


def membership(conn: sqlite3.Connection, workspace_id: int, user_id: int
               ) -> tuple[int, str] | None:
    """(membership id, role) of the user in the workspace, or None."""
    row = conn.execute("SELECT id, role FROM workspace_members WHERE workspace_id = ? AND "
                       "user_id = ? ORDER BY id LIMIT 1", (workspace_id, user_id)).fetchone()
    return None if row is None else (int(row[0]), text(row[1]))


def active_admins(conn: sqlite3.Connection, workspace_id: int, *,
                  without: Iterable[int] = ()) -> int:
    """Active admin members of the workspace, not counting the users in `without`."""
    excluded = tuple(without)
    extra = f" AND m.user_id NOT IN ({marks(len(excluded))})" if excluded else ""
    return int(scalar(conn, f"SELECT COUNT(*) FROM workspace_members AS m WHERE "
                      f"m.workspace_id = ? AND {ACTIVE_ADMIN}{extra}",
                      (workspace_id, *excluded)))


def sole_admin_of(conn: sqlite3.Connection, user_id: int, *, active_only: bool = True
                  ) -> list[int]:
    """Workspaces where this user is an active admin and no other active admin is.
    `active_only=False`: the user's own activity aside (deleting an inactive admin must
    still leave an active one behind)."""
    mine = ACTIVE_ADMIN if active_only else "m.role = 'admin'"
    return [int(r[0]) for r in conn.execute(
        f"SELECT m.workspace_id FROM workspace_members AS m WHERE m.user_id = ? AND "
        f"{mine} AND NOT EXISTS (SELECT 1 FROM workspace_members AS o WHERE "
        "o.workspace_id = m.workspace_id AND o.user_id <> m.user_id AND o.role = 'admin' AND "
        "EXISTS (SELECT 1 FROM users AS ou WHERE ou.id = o.user_id AND ou.is_active = 1)) "
        "AND EXISTS (SELECT 1 FROM workspaces AS w WHERE w.id = m.workspace_id) "
        "ORDER BY m.workspace_id", (user_id,))]


def resolve_user(conn: sqlite3.Connection, ref: str, field: str = "user") -> int:
    """A user by username, or by id (`id:42`, or digits that are nobody's username)."""
    if ref.startswith("id:") and ref[3:].isdigit():
        uid = int(ref[3:])
        require_user(conn, uid, field)
        return uid
    found = scalar(conn, "SELECT id FROM users WHERE username = ?", (ref,))
    if found is not None:
        return int(found)
    if ref.isdigit() and scalar(conn, "SELECT 1 FROM users WHERE id = ?", (int(ref),)):
        return int(ref)
    raise FieldError(field, f"there is no user {ref!r}", "give a username or id:N")


def resolve_workspace(conn: sqlite3.Connection, ref: str, field: str = "workspace") -> int:
    """A workspace by slug, or by id (`id:42`, or digits that are no workspace's slug)."""
    if ref.startswith("id:") and ref[3:].isdigit():
        wid = int(ref[3:])
        require_workspace(conn, wid, field)
        return wid
    found = scalar(conn, "SELECT id FROM workspaces WHERE slug = ? ORDER BY id LIMIT 1", (ref,))
    if found is not None:
        return int(found)
    if ref.isdigit() and scalar(conn, "SELECT 1 FROM workspaces WHERE id = ?", (int(ref),)):
        return int(ref)
    raise FieldError(field, f"there is no workspace {ref!r}", "give a slug or id:N")


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))}


def id_array(cursor: sqlite3.Cursor, chunk: int = 65_536) -> array[int]:
    """The first column of `cursor` as an array of ids, read in chunks: as fast as one
    list, without a million int objects alive at once (the users view's peak RSS)."""
    ids: array[int] = array("q")
    try:
        while rows := cursor.fetchmany(chunk):
            ids.fromlist([r[0] for r in rows])
    finally:
        cursor.close()
    return ids
