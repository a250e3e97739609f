"""Deleting a workspace without leaving anything behind (unlike the backend's own delete).

The backend's DELETE /api/workspaces/{id} removes the workspace, its members,
settings and dashboards and leaves its charts, connections, data sources,
CSV data, logs and users' current workspace pointing at the dead id (lab
report). Here the operator first chooses where the rows go (`rows_to`: every
row of every table moves there, so nothing linked is split) and where the
users whose current workspace it is go (`users_to`, or each to their oldest
other workspace, else `rows_to`; who is not a member there joins as viewer).
Then memberships and settings are deleted, and the workspace last. The
preview shows all counts first; the runner takes a verified backup.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any, Final

from wsadmin.db.editors.change import Change, Tally
from wsadmin.db.editors.common import (
    ROW_TABLES,
    require_workspace,
    scalar,
    text,
    to_int,
    workspace_name,
)
from wsadmin.db.editors.errors import FieldError

_OTHER: Final = ("(SELECT m.workspace_id FROM workspace_members AS m JOIN workspaces AS w ON "
                 "w.id = m.workspace_id WHERE m.user_id = u.id AND m.workspace_id <> ?1 "
                 "ORDER BY m.joined_at, m.workspace_id LIMIT 1)")
"""A user's oldest other workspace (the one `users_to=None` sends them to)."""


@dataclass(frozen=True)
class WorkspaceDeletePreview:
    workspace_id: int
    slug: str
    name: str
    rows: dict[str, int]
    """Rows per table that move to `rows_to`."""
    members: int
    settings: int
    users_current: int
    """Users whose current workspace this is."""
    users_to_own: int
    """Of those, how many go to another workspace of their own (`users_to` not given)."""
    users_joining: int | None
    """Of the others (users_to_destination), how many are not members of `users_to` (else
    `rows_to`) and join it as viewers; None while neither is chosen."""
    stale_permissions: int
    """Permissions on moved connections for users who are not members of `rows_to`."""
    notes: list[str] = field(default_factory=list)

    @property
    def users_to_destination(self) -> int:
        """Users who go to `users_to` (else `rows_to`): users_current - users_to_own."""
        return self.users_current - self.users_to_own

    def to_json(self) -> dict[str, Any]:
        return {"workspace_id": self.workspace_id, "slug": self.slug, "name": self.name,
                "rows": dict(self.rows), "members": self.members, "settings": self.settings,
                "users_current": self.users_current, "users_to_own": self.users_to_own,
                "users_to_destination": self.users_to_destination,
                "users_joining": self.users_joining,
                "stale_permissions": self.stale_permissions, "notes": list(self.notes)}


def _count(conn: sqlite3.Connection, sql: str, params: tuple[object, ...]) -> int:
    return to_int(scalar(conn, sql, params))


def _check(conn: sqlite3.Connection, workspace_id: int, rows_to: int | None,
           users_to: int | None) -> None:
    require_workspace(conn, workspace_id)
    if rows_to is not None:
        require_workspace(conn, rows_to, "rows_to")
        if rows_to == workspace_id:
            raise FieldError("rows_to", "the rows must go to another workspace")
    if users_to is not None:
        require_workspace(conn, users_to, "users_to")
        if users_to == workspace_id:
            raise FieldError("users_to", "the users must go to another workspace")


def _destination(users_to: int | None, rows_to: int) -> str:
    """SQL: where user `u` goes (params ?1 the deleted workspace, ?2 users_to or rows_to)."""
    return "?2" if users_to is not None else f"coalesce({_OTHER}, ?2)"


def preview_workspace_delete(conn: sqlite3.Connection, workspace_id: int,
                             rows_to: int | None = None, users_to: int | None = None
                             ) -> WorkspaceDeletePreview:
    """Counts of what deleting the workspace touches (read-only). Without `rows_to` the
    stale permissions are 0, and without `users_to` or `rows_to` who joins where is not
    known yet (users_joining None)."""
    _check(conn, workspace_id, rows_to, users_to)
    slug, name = conn.execute("SELECT slug, name FROM workspaces WHERE id = ?",
                              (workspace_id,)).fetchone()
    p = (workspace_id,)
    rows = {t: _count(conn, f"SELECT COUNT(*) FROM {t} WHERE workspace_id = ?", p)
            for t in ROW_TABLES}
    current = _count(conn, "SELECT COUNT(*) FROM users WHERE current_workspace_id = ?", p)
    own = 0 if users_to is not None else _count(
        conn, f"SELECT COUNT(*) FROM users AS u WHERE u.current_workspace_id = ?1 AND "
        f"{_OTHER} IS NOT NULL", p)
    joining: int | None = None
    stale = 0
    target = users_to if users_to is not None else rows_to
    if target is not None:
        dest = _destination(users_to, target)
        joining = _count(conn, f"SELECT COUNT(*) FROM users AS u WHERE u.current_workspace_id "
                         f"= ?1 AND NOT EXISTS (SELECT 1 FROM workspace_members AS j WHERE "
                         f"j.workspace_id = {dest} AND j.user_id = u.id)",
                         (workspace_id, target))
    if rows_to is not None:
        stale = _count(conn, "SELECT COUNT(*) FROM connection_permissions AS p JOIN connections "
                       "AS c ON c.id = p.connection_id WHERE c.workspace_id = ? AND NOT EXISTS "
                       "(SELECT 1 FROM workspace_members AS m WHERE m.workspace_id = ? AND "
                       "m.user_id = p.user_id)", (workspace_id, rows_to))
    notes = []
    if stale:
        notes.append(f"{stale:,} connection permission(s) will name users who are not members "
                     "of the workspace the connections move to: they become stale")
    return WorkspaceDeletePreview(
        workspace_id, text(slug), text(name), {t: n for t, n in rows.items() if n},
        _count(conn, "SELECT COUNT(*) FROM workspace_members WHERE workspace_id = ?", p),
        _count(conn, "SELECT COUNT(*) FROM workspace_settings WHERE workspace_id = ?", p),
        current, own, joining, stale, notes)


def delete_workspace(conn: sqlite3.Connection, workspace_id: int, rows_to: int | None,
                     users_to: int | None = None, *, now: str | None = None) -> Change:
    """Move every row to `rows_to`, send current users on (see the module's doc), then delete
    the workspace's memberships, settings and the workspace itself."""
    if rows_to is None:
        raise FieldError("rows_to", "deleting a workspace needs a workspace its rows go to",
                         "choose one")
    preview = preview_workspace_delete(conn, workspace_id, rows_to, users_to)
    tally = Tally("workspace.delete", now)
    label = workspace_name(conn, workspace_id)
    dest = _destination(users_to, rows_to)
    params = (workspace_id, users_to or rows_to)
    # Joining first, while the users still point at the workspace being deleted.
    tally.add("insert workspace_members", conn.execute(
        f"INSERT INTO workspace_members (workspace_id, user_id, role, invited_by, joined_at) "
        f"SELECT {dest}, u.id, 'viewer', NULL, ?3 FROM users AS u WHERE "
        f"u.current_workspace_id = ?1 AND NOT EXISTS (SELECT 1 FROM workspace_members AS j "
        f"WHERE j.workspace_id = {dest} AND j.user_id = u.id) ORDER BY u.id",
        (*params, tally.now)).rowcount)
    moved_users = [to_int(r[0]) for r in conn.execute(
        "SELECT id FROM users WHERE current_workspace_id = ?", (workspace_id,))]
    tally.add("update users", conn.execute(
        f"UPDATE users AS u SET current_workspace_id = {dest}, updated_at = ?3 WHERE "
        "u.current_workspace_id = ?1", (*params, tally.now)).rowcount)
    for table in ROW_TABLES:
        stamp = ", updated_at = ?" if table in ("dashboards", "charts", "connections",
                                                "data_sources") else ""
        values: tuple[object, ...] = (rows_to, tally.now) if stamp else (rows_to,)
        tally.add(f"move {table}", conn.execute(
            f"UPDATE {table} SET workspace_id = ?{stamp} WHERE workspace_id = ?",
            (*values, workspace_id)).rowcount)
    tally.add("delete workspace_members", conn.execute(
        "DELETE FROM workspace_members WHERE workspace_id = ?", (workspace_id,)).rowcount)
    tally.add("delete workspace_settings", conn.execute(
        "DELETE FROM workspace_settings WHERE workspace_id = ?", (workspace_id,)).rowcount)
    tally.add("delete workspaces", conn.execute(
        "DELETE FROM workspaces WHERE id = ?", (workspace_id,)).rowcount)
    tally.touch(users=moved_users, workspaces=[w for w in (rows_to, users_to) if w])
    tally.notes.extend(preview.notes)
    return tally.change(f"deleted {label}; its rows went to {workspace_name(conn, rows_to)}",
                        deleted=workspace_id,
                        details={"workspace_id": workspace_id, "slug": preview.slug,
                                 "rows_to": rows_to, "users_to": users_to,
                                 "rows": preview.rows, "users_current": preview.users_current})
