"""The workspaces table for a lazy view, and one workspace's members, permissions, settings.

As for users: ids for a filter and sort, rows by page. The counts of a row
(members, active admins, rows per table) are computed for the rows of the
page only, each from an index on `workspace_id` (a workspace holding a
million rows costs ~0.1 s a table; a small one nothing). The redis password
is never read back: settings say only whether one is set.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from wsadmin.db.editors.common import (
    ACTIVE_ADMIN,
    ROW_TABLES,
    batches,
    columns,
    flag,
    id_array,
    like_pattern,
    marks,
    opt_int,
    opt_text,
    text,
    to_int,
)
from wsadmin.db.editors.errors import FieldError

WORKSPACE_SORTS: Final = {
    "id": "w.id",
    "slug": "w.slug",              # ix_workspaces_slug
    "name": "w.name",
    "created_at": "w.created_at",
}

MEMBER_SORTS: Final = {"user_id": "m.user_id", "username": "u.username", "role": "m.role",
                       "joined_at": "m.joined_at"}


@dataclass(frozen=True)
class WorkspaceFilter:
    text: str = ""
    """A substring of the name or the slug, case-insensitive for ASCII letters."""
    member: int | None = None
    """Workspaces this user id is a member of."""
    without_active_admin: bool = False


@dataclass(frozen=True)
class WorkspaceRow:
    id: int
    name: str
    slug: str
    created_by: int | None
    creator: str | None
    """The creator's username; None when that user does not exist."""
    created_at: str | None
    members: int
    admins: int
    """Active admin members."""
    rows: dict[str, int]
    """Rows per table of ROW_TABLES that belong to the workspace."""
    has_settings: bool


@dataclass(frozen=True)
class MemberRow:
    user_id: int
    username: str | None
    """None when the membership names a user that does not exist."""
    email: str | None
    active: bool | None
    role: str
    joined_at: str | None
    invited_by: int | None
    current: bool
    """This workspace is the user's current one."""


@dataclass(frozen=True)
class PermissionRow:
    id: int
    connection_id: int
    connection: str
    user_id: int
    username: str | None
    level: str
    granted_by: int | None
    granted_at: str | None
    stale: str | None
    """Why the permission is stale (SCHEMA.md stale_connection_permissions), or None."""


@dataclass(frozen=True)
class SettingsView:
    exists: bool
    redis_enabled: bool | None
    redis_host: str | None
    redis_port: int | None
    redis_password_set: bool
    """Only whether a password is stored: it is a secret and never read back."""
    max_dashboards: int | None
    max_members: int | None
    updated_by: int | None
    updated_at: str | None


def workspace_ids(conn: sqlite3.Connection, flt: WorkspaceFilter = WorkspaceFilter(),
                  sort: str = "id", descending: bool = False) -> array[int]:
    if sort not in WORKSPACE_SORTS:
        raise FieldError("sort", f"cannot sort workspaces by {sort!r}",
                         "choose one of: " + ", ".join(WORKSPACE_SORTS))
    conds: list[str] = []
    params: list[object] = []
    needle = flt.text.strip()
    if needle:
        conds.append("(w.name LIKE ?1 ESCAPE '\\' OR w.slug LIKE ?1 ESCAPE '\\')")
        params.append(like_pattern(needle))
    if flt.member is not None:
        conds.append(f"w.id IN (SELECT workspace_id FROM workspace_members WHERE user_id = "
                     f"?{len(params) + 1})")
        params.append(flt.member)
    if flt.without_active_admin:
        conds.append(f"NOT EXISTS (SELECT 1 FROM workspace_members AS m WHERE m.workspace_id "
                     f"= w.id AND {ACTIVE_ADMIN})")
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    way = " DESC" if descending else ""
    key = WORKSPACE_SORTS[sort]
    order = f"{key}{way}" if sort == "id" else f"{key}{way}, w.id{way}"
    return id_array(conn.execute(
        f"SELECT w.id FROM workspaces AS w{where} ORDER BY {order}", params))


def workspace_rows(conn: sqlite3.Connection, ids: Sequence[int]) -> list[WorkspaceRow]:
    """Rows of these workspaces in the order of `ids` (gone ones left out)."""
    # Below head (a read-only view of a 001 database) some tables or their workspace_id
    # are not there yet: count what exists.
    tables = [t for t in ROW_TABLES if "workspace_id" in columns(conn, t)]
    counts = ", ".join(f"(SELECT COUNT(*) FROM {t} WHERE workspace_id = w.id)" for t in tables)
    found: dict[int, WorkspaceRow] = {}
    for part in batches(ids):
        for r in conn.execute(
                "SELECT w.id, w.name, w.slug, w.created_by, u.username, w.created_at, "
                "(SELECT COUNT(*) FROM workspace_members WHERE workspace_id = w.id), "
                f"(SELECT COUNT(*) FROM workspace_members AS m WHERE m.workspace_id = w.id AND "
                f"{ACTIVE_ADMIN}), EXISTS (SELECT 1 FROM workspace_settings AS s WHERE "
                f"s.workspace_id = w.id), {counts} FROM workspaces AS w LEFT JOIN users AS u "
                f"ON u.id = w.created_by WHERE w.id IN ({marks(len(part))})", tuple(part)):
            wid = to_int(r[0])
            found[wid] = WorkspaceRow(
                wid, text(r[1]), text(r[2]), opt_int(r[3]), opt_text(r[4]), opt_text(r[5]),
                to_int(r[6]), to_int(r[7]),
                {t: to_int(v) for t, v in zip(tables, r[9:], strict=True)}, bool(r[8]))
    return [found[i] for i in ids if i in found]


def member_ids(conn: sqlite3.Connection, workspace_id: int, *, text_filter: str = "",
               role: str | None = None, sort: str = "user_id", descending: bool = False
               ) -> array[int]:
    """User ids of the workspace's members (a workspace may hold every user: lazy too)."""
    if sort not in MEMBER_SORTS:
        raise FieldError("sort", f"cannot sort members by {sort!r}",
                         "choose one of: " + ", ".join(MEMBER_SORTS))
    conds = ["m.workspace_id = ?"]
    params: list[object] = [workspace_id]
    if text_filter.strip():
        conds.append("(u.username LIKE ? ESCAPE '\\' OR u.email LIKE ? ESCAPE '\\')")
        params += [like_pattern(text_filter.strip())] * 2
    if role is not None:
        conds.append("m.role = ?")
        params.append(role)
    way = " DESC" if descending else ""
    key = MEMBER_SORTS[sort]
    order = f"{key}{way}" if sort == "user_id" else f"{key}{way}, m.user_id{way}"
    return id_array(conn.execute(
        "SELECT m.user_id FROM workspace_members AS m LEFT JOIN users AS u ON u.id = m.user_id "
        f"WHERE {' AND '.join(conds)} ORDER BY {order}", params))


def member_rows(conn: sqlite3.Connection, workspace_id: int, user_ids: Sequence[int]
                ) -> list[MemberRow]:
    found: dict[int, MemberRow] = {}
    for part in batches(user_ids):
        for r in conn.execute(
                "SELECT m.user_id, u.username, u.email, u.is_active, m.role, m.joined_at, "
                "m.invited_by, u.current_workspace_id = m.workspace_id FROM workspace_members "
                "AS m LEFT JOIN users AS u ON u.id = m.user_id WHERE m.workspace_id = ? AND "
                f"m.user_id IN ({marks(len(part))})", (workspace_id, *part)):
            uid = to_int(r[0])
            found[uid] = MemberRow(uid, opt_text(r[1]), opt_text(r[2]), flag(r[3]), text(r[4]),
                                   opt_text(r[5]), opt_int(r[6]), bool(r[7]))
    return [found[i] for i in user_ids if i in found]


STALE_REASON: Final = (
    "CASE WHEN NOT EXISTS (SELECT 1 FROM users AS pu WHERE pu.id = p.user_id) "
    "THEN 'the user no longer exists' "
    "WHEN NOT EXISTS (SELECT 1 FROM workspace_members AS pm WHERE pm.workspace_id = "
    "c.workspace_id AND pm.user_id = p.user_id) THEN 'the user is not a member of the "
    "connection''s workspace' "
    "WHEN NOT EXISTS (SELECT 1 FROM users AS gu WHERE gu.id = p.granted_by) "
    "THEN 'whoever granted it no longer exists' END")
"""Why a permission `p` on connection `c` is stale, as stale_connection_permissions says."""


def permissions(conn: sqlite3.Connection, workspace_id: int) -> list[PermissionRow]:
    """Connection permissions on the workspace's connections, stale ones marked."""
    if not columns(conn, "connection_permissions"):
        return []    # before revision f6554ddc8f18
    return [PermissionRow(to_int(r[0]), to_int(r[1]), text(r[2]), to_int(r[3]), opt_text(r[4]),
                          text(r[5]), opt_int(r[6]), opt_text(r[7]), opt_text(r[8]))
            for r in conn.execute(
                "SELECT p.id, p.connection_id, c.name, p.user_id, u.username, "
                f"p.permission_level, p.granted_by, p.granted_at, {STALE_REASON} "
                "FROM connections AS c JOIN connection_permissions AS p ON p.connection_id = "
                "c.id LEFT JOIN users AS u ON u.id = p.user_id WHERE c.workspace_id = ? "
                "ORDER BY p.connection_id, p.user_id", (workspace_id,))]


def settings_of(conn: sqlite3.Connection, workspace_id: int) -> SettingsView:
    r = conn.execute(
        "SELECT redis_enabled, redis_host, redis_port, redis_password IS NOT NULL AND "
        "redis_password <> '', max_dashboards, max_members, updated_by, updated_at FROM "
        "workspace_settings WHERE workspace_id = ? ORDER BY id LIMIT 1",
        (workspace_id,)).fetchone()
    if r is None:
        return SettingsView(False, None, None, None, False, None, None, None, None)
    return SettingsView(True, flag(r[0]), opt_text(r[1]), opt_int(r[2]), bool(r[3]),
                        opt_int(r[4]), opt_int(r[5]), opt_int(r[6]), opt_text(r[7]))
