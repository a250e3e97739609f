"""The users table for a lazy view: ids for a filter and sort, then rows by page.

`user_ids` answers with ids only (an `array('q')`: 8 bytes a user, 8 MB for a
million), so a view keeps every id and fetches the rows of the page it shows
with `user_rows`. Nothing here reads `password_hash`.

Costs on the 1,000,000-user head demo (bench/editors_core.py; SQLite 3.40 on
a shared 2-core machine at load ~2.3, medians, best runs about half): every id
in id or username order 0.7-0.85 s (a scan of the table or of username's
covering index; 8 MB of ids, peak RSS 83 MB), in created_at or last_login
order ~1.5 s (no index: a sort); the text filter 0.23-0.42 s (two
covering-index scans, username's and email's: a LIKE '%x%' cannot seek, and
the backend's own search, one LIKE over the table, takes 0.52 s); global
admins, inactive 0.3 s, without workspace 0.35-0.95 s (table scans: the
backend has no index there, and wsadmin creates none); member of a
workspace from its membership index (instant for a small workspace, ~2 s for
one holding all million users); the first page (200 ids by LIMIT, then their
rows) 3.5 ms, any page of 200 rows 3.5 ms. `user_id_chunks` hands the ids
over in chunks so a view can show its first page before a long scan ends.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final

from wsadmin.db.editors.common import (
    ACTIVE_ADMIN,
    batches,
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

USER_SORTS: Final = {
    "id": "u.id",
    "username": "u.username",      # ix_users_username
    "email": "u.email",            # the UNIQUE(email) autoindex
    "global_role": "u.role",
    "active": "coalesce(u.is_active, 0)",
    "created_at": "u.created_at",
    "last_login": "u.last_login",
}
"""Sort keys of `user_ids`; ties are broken by id, so an order is always the same."""

CHUNK: Final = 65_536


@dataclass(frozen=True)
class UserFilter:
    """What `user_ids` keeps; every condition given must hold (AND)."""

    text: str = ""
    """A substring of the username or the email, case-insensitive for ASCII letters."""
    without_workspace: bool = False
    """No current workspace, or one that does not exist (the users the backend answers
    400 or empty lists)."""
    global_admins: bool = False
    """`users.role = 'admin'`: who may manage users through the backend."""
    inactive: bool = False
    """`is_active` is 0 or NULL: the backend refuses their login (403)."""
    member_of: int | None = None
    """Members of this workspace id."""

    @property
    def empty(self) -> bool:
        return self == UserFilter()


@dataclass(frozen=True)
class UserRow:
    """One row of the users view: readable columns only, never the password hash."""

    id: int
    username: str
    email: str
    active: bool | None
    global_role: str
    current_workspace_id: int | None
    current_workspace: str | None
    """The current workspace's name; None when unset or when it does not exist."""
    current_workspace_slug: str | None
    member_of_current: bool
    """False with a current workspace the user is not a member of (a leak, SCHEMA.md)."""
    workspaces: int
    """How many workspaces the user is a member of."""
    email_verified: bool | None
    created_at: str | None
    last_login: str | None


@dataclass(frozen=True)
class Membership:
    workspace_id: int
    name: str | None
    slug: str | None
    """None when the membership names a workspace that does not exist."""
    role: str
    joined_at: str | None
    current: bool
    sole_admin: bool
    """This user is the workspace's only active admin: demoting or removing them, or
    deactivating the user, needs another admin first."""


@dataclass(frozen=True)
class UserDetail:
    row: UserRow
    memberships: list[Membership] = field(default_factory=list)


def _where(flt: UserFilter, *, first: bool = False) -> tuple[list[str], list[object]]:
    conds: list[str] = []
    params: list[object] = []
    needle = flt.text.strip()
    if needle and first:
        # A first page (LIMIT): walk the sort order and stop at the LIMIT-th match, ms
        # for a common text; the set below must be complete before its first id.
        conds.append("(u.username LIKE ? ESCAPE '\\' OR u.email LIKE ? ESCAPE '\\')")
        params += [like_pattern(needle)] * 2
    elif needle:
        # Two covering-index scans (username's, email's) instead of the table: a third
        # of the pages. The ids then find their rows by primary key.
        conds.append("u.id IN (SELECT id FROM users WHERE username LIKE ? ESCAPE '\\' "
                     "UNION SELECT id FROM users WHERE email LIKE ? ESCAPE '\\')")
        params += [like_pattern(needle)] * 2
    if flt.member_of is not None:
        conds.append("u.id IN (SELECT user_id FROM workspace_members WHERE workspace_id = ?)")
        params.append(flt.member_of)
    if flt.without_workspace:
        conds.append("(u.current_workspace_id IS NULL OR NOT EXISTS (SELECT 1 FROM "
                     "workspaces AS w WHERE w.id = u.current_workspace_id))")
    if flt.global_admins:
        conds.append("u.role = 'admin'")
    if flt.inactive:
        conds.append("coalesce(u.is_active, 0) = 0")
    return conds, params


def _ids_sql(flt: UserFilter, sort: str, descending: bool, *, first: bool = False
             ) -> tuple[str, list[object]]:
    if sort not in USER_SORTS:
        raise FieldError("sort", f"cannot sort users by {sort!r}",
                         "choose one of: " + ", ".join(USER_SORTS))
    conds, params = _where(flt, first=first)
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    way = " DESC" if descending else ""
    key = USER_SORTS[sort]
    order = f"{key}{way}" if sort == "id" else f"{key}{way}, u.id{way}"
    return f"SELECT u.id FROM users AS u{where} ORDER BY {order}", params


def user_id_chunks(conn: sqlite3.Connection, flt: UserFilter = UserFilter(),
                   sort: str = "id", descending: bool = False, *, chunk: int = CHUNK
                   ) -> Iterator[array[int]]:
    """The ids `user_ids` returns, in order, `chunk` at a time (the first arrives early)."""
    sql, params = _ids_sql(flt, sort, descending)
    cur = conn.execute(sql, params)
    try:
        while True:
            rows = cur.fetchmany(chunk)
            if not rows:
                return
            yield array("q", [r[0] for r in rows])
    finally:
        cur.close()


def user_ids(conn: sqlite3.Connection, flt: UserFilter = UserFilter(), sort: str = "id",
             descending: bool = False, *, limit: int | None = None) -> array[int]:
    """Ids of the users `flt` keeps, in `sort` order (see USER_SORTS)."""
    sql, params = _ids_sql(flt, sort, descending, first=limit is not None)
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return id_array(conn.execute(sql, params))


def count_users(conn: sqlite3.Connection, flt: UserFilter = UserFilter()) -> int:
    conds, params = _where(flt)
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    return int(conn.execute(f"SELECT COUNT(*) FROM users AS u{where}", params).fetchone()[0])


_ROW_SQL: Final = (
    "SELECT u.id, u.username, u.email, u.is_active, u.role, u.current_workspace_id, w.name, "
    "w.slug, EXISTS (SELECT 1 FROM workspace_members AS c WHERE c.workspace_id = "
    "u.current_workspace_id AND c.user_id = u.id), (SELECT COUNT(*) FROM workspace_members "
    "AS m WHERE m.user_id = u.id), u.email_verified, u.created_at, u.last_login "
    "FROM users AS u LEFT JOIN workspaces AS w ON w.id = u.current_workspace_id "
    "WHERE u.id IN ({})")


def _row(r: Sequence[object]) -> UserRow:
    return UserRow(to_int(r[0]), text(r[1]), text(r[2]), flag(r[3]), text(r[4]), opt_int(r[5]),
                   opt_text(r[6]), opt_text(r[7]), bool(r[8]), to_int(r[9]), flag(r[10]),
                   opt_text(r[11]), opt_text(r[12]))


def user_rows(conn: sqlite3.Connection, ids: Sequence[int]) -> list[UserRow]:
    """The rows of these users, in the order of `ids`; ids of users that no longer exist
    are left out (a view shows them as gone)."""
    found: dict[int, UserRow] = {}
    for part in batches(ids):
        for r in conn.execute(_ROW_SQL.format(marks(len(part))), tuple(part)):
            row = _row(r)
            found[row.id] = row
    return [found[i] for i in ids if i in found]


def user_detail(conn: sqlite3.Connection, user_id: int) -> UserDetail:
    """A user's row and memberships (oldest first), for the editor's form."""
    rows = user_rows(conn, [user_id])
    if not rows:
        raise FieldError("user", f"there is no user with id {user_id}", "choose an existing user")
    row = rows[0]
    members = []
    for r in conn.execute(
            "SELECT m.workspace_id, w.name, w.slug, m.role, m.joined_at, "
            f"{ACTIVE_ADMIN} AND NOT EXISTS (SELECT 1 FROM workspace_members AS o WHERE "
            "o.workspace_id = m.workspace_id AND o.user_id <> m.user_id AND o.role = 'admin' "
            "AND EXISTS (SELECT 1 FROM users AS ou WHERE ou.id = o.user_id AND "
            "ou.is_active = 1)) FROM workspace_members AS m LEFT JOIN workspaces AS w ON "
            "w.id = m.workspace_id WHERE m.user_id = ? ORDER BY m.joined_at, m.workspace_id",
            (user_id,)):
        wid = to_int(r[0])
        members.append(Membership(wid, opt_text(r[1]), opt_text(r[2]), text(r[3]),
                                  opt_text(r[4]), wid == row.current_workspace_id,
                                  bool(r[5])))
    return UserDetail(row, members)


CREATOR_TABLES: Final = ("dashboards", "charts", "connections", "data_sources", "workspaces")
"""Tables whose rows name their creator (`created_by`): what deleting a user reassigns."""


def created_by(conn: sqlite3.Connection, user_id: int) -> dict[str, int]:
    """Rows per table this user created. No index on created_by: a scan of each table
    (~0.4 s per million rows), for a delete's preview, not for a view."""
    return {t: int(conn.execute(f"SELECT COUNT(*) FROM {t} WHERE created_by = ?",
                                (user_id,)).fetchone()[0]) for t in CREATOR_TABLES}


__all__ = ["CREATOR_TABLES", "USER_SORTS", "Membership", "UserDetail",
           "UserFilter", "UserRow", "count_users", "created_by", "user_detail", "user_id_chunks",
           "user_ids", "user_rows"]
