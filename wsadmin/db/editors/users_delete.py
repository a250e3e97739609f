"""Deleting a user for good: what they created goes to an heir, nothing else is lost.

Deactivation (users_edit.deactivate_user) is the backend's own way and the
default; this is for the rare account that must go. The preview says what
the user created per table and which workspaces; the delete then needs an
heir (an active user) who becomes `created_by` of all of it and admin of the
workspaces the user created or was the only active admin of. Memberships
and connection permissions held by the user are deleted (counted), logs keep
their rows with `user_id` NULL (the backend's own `ON DELETE SET NULL`), and
every other reference (`invited_by`, `updated_by`) is set NULL. No created_by
has an index: each table is scanned once (~0.4 s a million rows); the
runner takes a verified backup first.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from wsadmin.db.editors.change import Change, Tally
from wsadmin.db.editors.common import (
    opt_text,
    require_active_user,
    require_user,
    scalar,
    sole_admin_of,
    text,
    to_int,
    user_name,
)
from wsadmin.db.editors.errors import FieldError
from wsadmin.db.editors.members import make_admin
from wsadmin.db.editors.users_read import CREATOR_TABLES, created_by


@dataclass(frozen=True)
class CreatedWorkspace:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class UserDeletePreview:
    user_id: int
    username: str
    created: dict[str, int]
    """Rows per table whose `created_by` is the user (workspaces included)."""
    workspaces_created: list[CreatedWorkspace]
    sole_admin_of: list[int]
    """Workspaces where the user is the only active admin: the heir becomes admin."""
    memberships: int
    permissions_held: int
    permissions_granted: int
    logs: int
    global_admin: bool
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "username": self.username,
                "created": dict(self.created),
                "workspaces_created": [vars(w) for w in self.workspaces_created],
                "sole_admin_of": list(self.sole_admin_of), "memberships": self.memberships,
                "permissions_held": self.permissions_held,
                "permissions_granted": self.permissions_granted, "logs": self.logs,
                "global_admin": self.global_admin, "notes": list(self.notes)}


def _count(conn: sqlite3.Connection, sql: str, user_id: int) -> int:
    return to_int(scalar(conn, sql, (user_id,)))


def preview_user_delete(conn: sqlite3.Connection, user_id: int) -> UserDeletePreview:
    """What deleting this user touches (read-only)."""
    require_user(conn, user_id)
    username, role = conn.execute("SELECT username, role FROM users WHERE id = ?",
                                  (user_id,)).fetchone()
    created = created_by(conn, user_id)
    spaces = [CreatedWorkspace(to_int(r[0]), text(r[1]), text(r[2])) for r in conn.execute(
        "SELECT id, slug, name FROM workspaces WHERE created_by = ? ORDER BY id", (user_id,))]
    notes = []
    if opt_text(role) == "admin" and not scalar(
            conn, "SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND is_active = 1 "
            "AND id <> ?)", (user_id,)):
        notes.append("they are the last active global admin: afterwards nobody can manage "
                     "users through the backend until one is made")
    return UserDeletePreview(
        user_id, text(username), created, spaces, sole_admin_of(conn, user_id),
        _count(conn, "SELECT COUNT(*) FROM workspace_members WHERE user_id = ?", user_id),
        _count(conn, "SELECT COUNT(*) FROM connection_permissions WHERE user_id = ?", user_id),
        _count(conn, "SELECT COUNT(*) FROM connection_permissions WHERE granted_by = ? AND "
               "user_id <> granted_by", user_id),
        _count(conn, "SELECT COUNT(*) FROM logs WHERE user_id = ?", user_id),
        opt_text(role) == "admin", notes)


def delete_user(conn: sqlite3.Connection, user_id: int, heir: int | None, *,
                now: str | None = None) -> Change:
    """Delete the user; `heir` takes over what they created (see the module's doc)."""
    preview = preview_user_delete(conn, user_id)
    if heir is None:
        raise FieldError("heir", f"deleting {user_name(conn, user_id)} needs an heir who takes "
                         "over what they created", "choose an active user")
    if heir == user_id:
        raise FieldError("heir", "the heir must be another user")
    require_active_user(conn, heir, "heir")
    tally = Tally("user.delete", now)
    for wid in sorted({w.id for w in preview.workspaces_created} | set(preview.sole_admin_of)):
        make_admin(conn, tally, wid, heir)
    for table in CREATOR_TABLES:
        n = conn.execute(f"UPDATE {table} SET created_by = ? WHERE created_by = ?",
                         (heir, user_id)).rowcount
        tally.add(f"reassign {table}", n)
    tally.add("reassign connection_permissions", conn.execute(
        "UPDATE connection_permissions SET granted_by = ? WHERE granted_by = ? AND user_id <> ?",
        (heir, user_id, user_id)).rowcount)
    tally.add("delete connection_permissions", conn.execute(
        "DELETE FROM connection_permissions WHERE user_id = ?", (user_id,)).rowcount)
    tally.add("delete workspace_members", conn.execute(
        "DELETE FROM workspace_members WHERE user_id = ?", (user_id,)).rowcount)
    for table, column in (("workspace_members", "invited_by"), ("settings", "updated_by"),
                          ("workspace_settings", "updated_by"), ("logs", "user_id")):
        tally.add(f"unset {table}.{column}", conn.execute(
            f"UPDATE {table} SET {column} = NULL WHERE {column} = ?",
            (user_id,)).rowcount)
    label = user_name(conn, user_id)
    conn.execute("DELETE FROM users WHERE id = ?", (user_id,))
    tally.add("delete users", 1)
    tally.touch(users=[heir], workspaces=[w.id for w in preview.workspaces_created])
    tally.notes.extend(preview.notes)
    return tally.change(f"deleted {label}; {user_name(conn, heir)} took over what they created",
                        deleted=user_id,
                        details={"user_id": user_id, "username": preview.username,
                                 "heir": heir, "created": preview.created,
                                 "sole_admin_of": preview.sole_admin_of})
