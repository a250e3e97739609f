"""Memberships: add, change role, remove, never leaving a workspace without an active
admin or a user without a workspace.

Shared by both editors (a user's memberships tab, a workspace's members tab).
Each function validates everything first, then writes inside the caller's
transaction, and returns a Change.
"""

from __future__ import annotations

import sqlite3

from wsadmin.db.editors.change import Change, Tally
from wsadmin.db.editors.common import (
    active_admins,
    check_role,
    flag,
    membership,
    require_user,
    require_workspace,
    scalar,
    user_name,
    workspace_name,
)
from wsadmin.db.editors.errors import FieldError


def _is_active(conn: sqlite3.Connection, user_id: int) -> bool:
    return bool(flag(scalar(conn, "SELECT is_active FROM users WHERE id = ?", (user_id,))))


def _has_workspace(conn: sqlite3.Connection, user_id: int) -> bool:
    return bool(scalar(conn, "SELECT EXISTS (SELECT 1 FROM users AS u JOIN workspaces AS w ON "
                       "w.id = u.current_workspace_id WHERE u.id = ?)", (user_id,)))


def insert_membership(conn: sqlite3.Connection, tally: Tally, workspace_id: int, user_id: int,
                      role: str, invited_by: int | None = None) -> None:
    conn.execute("INSERT INTO workspace_members (workspace_id, user_id, role, invited_by, "
                 "joined_at) VALUES (?, ?, ?, ?, ?)",
                 (workspace_id, user_id, role, invited_by, tally.now))
    tally.add("insert workspace_members", 1)
    tally.touch(users=[user_id], workspaces=[workspace_id])


def make_admin(conn: sqlite3.Connection, tally: Tally, workspace_id: int, user_id: int) -> None:
    """The user becomes an admin of the workspace: promoted, or added as one."""
    found = membership(conn, workspace_id, user_id)
    if found is None:
        insert_membership(conn, tally, workspace_id, user_id, "admin")
    elif found[1] != "admin":
        conn.execute("UPDATE workspace_members SET role = 'admin' WHERE id = ?", (found[0],))
        tally.add("update workspace_members", 1)
        tally.touch(users=[user_id], workspaces=[workspace_id])


def add_member(conn: sqlite3.Connection, workspace_id: int, user_id: int, role: str, *,
               now: str | None = None) -> Change:
    """Add a membership. A user without a (valid) current workspace gets this one."""
    require_workspace(conn, workspace_id)
    require_user(conn, user_id, "member")
    check_role(role)
    if membership(conn, workspace_id, user_id) is not None:
        raise FieldError("member", f"{user_name(conn, user_id)} is already a member of "
                         f"{workspace_name(conn, workspace_id)}", "change their role instead")
    tally = Tally("member.add", now)
    insert_membership(conn, tally, workspace_id, user_id, role)
    if not _has_workspace(conn, user_id):
        conn.execute("UPDATE users SET current_workspace_id = ?, updated_at = ? WHERE id = ?",
                     (workspace_id, tally.now, user_id))
        tally.add("update users", 1)
        tally.note(f"{user_name(conn, user_id)} had no current workspace: it is now this one")
    return tally.change(f"added {user_name(conn, user_id)} to "
                        f"{workspace_name(conn, workspace_id)} as {role}",
                        details={"workspace_id": workspace_id, "user_id": user_id, "role": role})


def _last_admin_refusal(conn: sqlite3.Connection, field: str, workspace_id: int,
                        user_id: int, doing: str) -> FieldError:
    return FieldError(field, f"{doing} would leave {workspace_name(conn, workspace_id)} without "
                      f"an active admin: {user_name(conn, user_id)} is its only one",
                      "make another member admin first")


def set_member_role(conn: sqlite3.Connection, workspace_id: int, user_id: int, role: str, *,
                    now: str | None = None) -> Change:
    require_workspace(conn, workspace_id)
    check_role(role)
    found = membership(conn, workspace_id, user_id)
    if found is None:
        raise FieldError("member", f"{user_name(conn, user_id)} is not a member of "
                         f"{workspace_name(conn, workspace_id)}", "add them first")
    member_id, old = found
    tally = Tally("member.role", now)
    details = {"workspace_id": workspace_id, "user_id": user_id, "role": role, "was": old}
    if old == role:
        return tally.change("nothing to change: the role is already " + role, details=details)
    if old == "admin" and _is_active(conn, user_id) and \
            active_admins(conn, workspace_id, without=[user_id]) == 0:
        raise _last_admin_refusal(conn, "role", workspace_id, user_id, f"making them {role}")
    conn.execute("UPDATE workspace_members SET role = ? WHERE id = ?", (role, member_id))
    tally.add("update workspace_members", 1)
    tally.touch(users=[user_id], workspaces=[workspace_id])
    return tally.change(f"{user_name(conn, user_id)} is now {role} of "
                        f"{workspace_name(conn, workspace_id)} (was {old})", details=details)


def remove_member(conn: sqlite3.Connection, workspace_id: int, user_id: int, *,
                  new_current: int | None = None, now: str | None = None) -> Change:
    """Remove a membership. When it is the user's current workspace, `new_current` (another
    workspace the user is a member of) must say where they go; with no other membership
    the user cannot be removed (add them elsewhere first)."""
    found = membership(conn, workspace_id, user_id)
    if found is None:
        raise FieldError("member", f"{user_name(conn, user_id)} is not a member of "
                         f"{workspace_name(conn, workspace_id)}")
    member_id, role = found
    if role == "admin" and _is_active(conn, user_id) and \
            active_admins(conn, workspace_id, without=[user_id]) == 0:
        raise _last_admin_refusal(conn, "member", workspace_id, user_id, "removing them")
    current = scalar(conn, "SELECT current_workspace_id FROM users WHERE id = ?", (user_id,))
    others = [int(r[0]) for r in conn.execute(
        "SELECT m.workspace_id FROM workspace_members AS m JOIN workspaces AS w ON w.id = "
        "m.workspace_id WHERE m.user_id = ? AND m.workspace_id <> ? ORDER BY m.joined_at, "
        "m.workspace_id", (user_id, workspace_id))]
    if current == workspace_id:
        if not others:
            raise FieldError("member", f"{workspace_name(conn, workspace_id)} is the only "
                             f"workspace of {user_name(conn, user_id)}: removing them would "
                             "leave them without one", "add them to another workspace first")
        if new_current is None:
            raise FieldError("current_workspace", f"{workspace_name(conn, workspace_id)} is "
                             f"the current workspace of {user_name(conn, user_id)}",
                             "choose which of their other workspaces becomes current")
        if new_current not in others:
            raise FieldError("current_workspace", f"{user_name(conn, user_id)} is not a member "
                             f"of {workspace_name(conn, new_current)}",
                             "choose one of their other workspaces")
    tally = Tally("member.remove", now)
    if current == workspace_id:
        conn.execute("UPDATE users SET current_workspace_id = ?, updated_at = ? WHERE id = ?",
                     (new_current, tally.now, user_id))
        tally.add("update users", 1)
    conn.execute("DELETE FROM workspace_members WHERE id = ?", (member_id,))
    tally.add("delete workspace_members", 1)
    tally.touch(users=[user_id], workspaces=[workspace_id])
    stale = int(scalar(conn, "SELECT COUNT(*) FROM connection_permissions AS p JOIN "
                       "connections AS c ON c.id = p.connection_id WHERE p.user_id = ? AND "
                       "c.workspace_id = ?", (user_id, workspace_id)))
    if stale:
        tally.note(f"{stale} connection permission(s) of theirs in this workspace are now stale: "
                   "remove them in the workspace's permissions")
    if scalar(conn, "SELECT created_by FROM workspaces WHERE id = ?", (workspace_id,)) == user_id:
        tally.note("they created this workspace: the backend lets only its creator delete it")
    return tally.change(f"removed {user_name(conn, user_id)} from "
                        f"{workspace_name(conn, workspace_id)}",
                        details={"workspace_id": workspace_id, "user_id": user_id, "was": role,
                                 "new_current": new_current})
