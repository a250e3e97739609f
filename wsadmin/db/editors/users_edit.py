"""New users (the backend's registration, or joining a workspace), edits, passwords,
deactivation.

Every function validates first (FieldError naming the input), then writes
inside the caller's transaction and returns a Change. Password hashes are made
before the transaction (validate.new_password_hash) and never appear in a
Change, a message or the audit log.
"""

from __future__ import annotations

import sqlite3
from typing import Final

from wsadmin.db.editors.change import Change, Tally
from wsadmin.db.editors.common import (
    check_role,
    columns,
    flag,
    membership,
    require_active_user,
    require_user,
    require_workspace,
    scalar,
    sole_admin_of,
    user_name,
    workspace_name,
)
from wsadmin.db.editors.errors import FieldError
from wsadmin.db.editors.members import insert_membership, make_admin
from wsadmin.db.editors.validate import check_email, check_username
from wsadmin.db.schema.registration import BCRYPT_RE, register_user
from wsadmin.db.sqlite.introspect import quote_ident

GLOBAL_ROLE_GATES: Final = ("users.role is the backend's global role: 'admin' lets the user "
                            "list, create, edit and deactivate every user through the API; "
                            "it gives no right inside a workspace")
"""What the global role gates, for the editor to say beside it."""


def _check_hash(password_hash: str) -> None:
    if BCRYPT_RE.fullmatch(password_hash) is None or not password_hash.startswith("$2b$12$"):
        # Never written: another scheme makes the backend's login answer 500.
        raise FieldError("password", "the password hash is not a bcrypt $2b$12$ hash",
                         "make it with validate.new_password_hash()")


def add_user(conn: sqlite3.Connection, username: str, email: str, password_hash: str, *,
             join: int | None = None, role: str = "viewer", global_role: str | None = None,
             now: str | None = None) -> Change:
    """A new user.

    Without `join`: the backend's registration (SCHEMA.md): global role admin (unless
    `global_role` says otherwise), a personal workspace `{username}'s Workspace` with
    the backend's slug, its admin membership and settings, made current.
    With `join` (a workspace id): no personal workspace; the user becomes a member of
    that workspace with `role` and it is their current one; global role `viewer` unless
    `global_role` says otherwise (the backend's admin-created users default).
    """
    check_username(conn, username)
    check_email(conn, email)
    _check_hash(password_hash)
    if global_role is not None:
        check_role(global_role, "global_role")
    tally = Tally("user.add", now)
    if join is None:
        made = register_user(conn, username, email, password_hash)
        uid = made.user_id
        tally.add("insert users", 1)
        tally.add("insert workspaces", 1)
        tally.add("insert workspace_members", 1)
        tally.add("insert workspace_settings", 1)
        tally.touch(users=[uid], workspaces=[made.workspace.workspace_id])
        if global_role not in (None, "admin"):
            conn.execute("UPDATE users SET role = ? WHERE id = ?", (global_role, uid))
        return tally.change(
            f"registered {user_name(conn, uid)} with the workspace {made.workspace.slug!r}",
            created=uid, details={"username": username, "email": email, "user_id": uid,
                                  "workspace_id": made.workspace.workspace_id,
                                  "slug": made.workspace.slug,
                                  "global_role": global_role or "admin"})
    require_workspace(conn, join)
    check_role(role)
    values: dict[str, object] = {
        "username": username, "email": email, "password_hash": password_hash,
        "role": global_role or "viewer", "current_workspace_id": join, "is_active": 1,
        "email_verified": 0, "theme_preference": "light", "created_at": tally.now,
        "updated_at": tally.now}
    present = columns(conn, "users")
    used = {k: v for k, v in values.items() if k in present}
    cur = conn.execute(f"INSERT INTO users ({', '.join(quote_ident(c) for c in used)}) VALUES "
                       f"({', '.join('?' for _ in used)})", tuple(used.values()))
    uid = int(cur.lastrowid or 0)
    tally.add("insert users", 1)
    insert_membership(conn, tally, join, uid, role)
    return tally.change(f"added {user_name(conn, uid)} to {workspace_name(conn, join)} as {role}",
                        created=uid, details={"username": username, "email": email,
                                             "user_id": uid, "workspace_id": join, "role": role,
                                             "global_role": global_role or "viewer"})


def _last_global_admin(conn: sqlite3.Connection, user_id: int) -> bool:
    return not scalar(conn, "SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND "
                      "is_active = 1 AND id <> ?)", (user_id,))


def _deactivate(conn: sqlite3.Connection, tally: Tally, user_id: int,
                successor: int | None) -> dict[str, object]:
    sole = sole_admin_of(conn, user_id)
    if sole and successor is None:
        names = ", ".join(workspace_name(conn, w) for w in sole[:5])
        more = f" and {len(sole) - 5} more" if len(sole) > 5 else ""
        raise FieldError("successor", f"{user_name(conn, user_id)} is the only active admin of "
                         f"{names}{more}", "choose a successor who becomes admin there")
    if sole and successor is not None:
        if successor == user_id:
            raise FieldError("successor", "the successor must be another user")
        require_active_user(conn, successor, "successor")
        for wid in sole:
            make_admin(conn, tally, wid, successor)
        tally.note(f"{user_name(conn, successor)} is now admin of {len(sole)} workspace(s) "
                   f"{user_name(conn, user_id)} was the only active admin of")
    if scalar(conn, "SELECT role = 'admin' FROM users WHERE id = ?", (user_id,)) and \
            _last_global_admin(conn, user_id):
        tally.note("no active global admin is left: nobody can manage users through the "
                   "backend until one is made")
    conn.execute("UPDATE users SET is_active = 0, updated_at = ? WHERE id = ?",
                 (tally.now, user_id))
    tally.add("update users", 1)
    return {"sole_admin_of": sole, "successor": successor if sole else None}


def edit_user(conn: sqlite3.Connection, user_id: int, *, email: str | None = None,
              active: bool | None = None, global_role: str | None = None,
              current_workspace: int | None = None, successor: int | None = None,
              now: str | None = None) -> Change:
    """Change what is given (None: unchanged). A new email resets `email_verified`, as the
    backend does. Deactivating the only active admin of a workspace needs a `successor`."""
    require_user(conn, user_id)
    row = conn.execute("SELECT email, is_active, role, current_workspace_id FROM users "
                       "WHERE id = ?", (user_id,)).fetchone()
    old_email, old_active, old_role, old_current = row[0], flag(row[1]), row[2], row[3]
    if email is not None and email != old_email:
        check_email(conn, email, user_id=user_id)
    if global_role is not None:
        check_role(global_role, "global_role")
    if current_workspace is not None and current_workspace != old_current:
        require_workspace(conn, current_workspace, "current_workspace")
        if membership(conn, current_workspace, user_id) is None:
            raise FieldError("current_workspace", f"{user_name(conn, user_id)} is not a member "
                             f"of {workspace_name(conn, current_workspace)}",
                             "choose one of their workspaces, or add them to it first")
    tally = Tally("user.edit", now)
    sets: dict[str, object] = {}
    details: dict[str, object] = {"user_id": user_id}
    if email is not None and email != old_email:
        sets.update(email=email, email_verified=0)
        details["email"] = email
    if global_role is not None and global_role != old_role:
        sets["role"] = global_role
        details.update(global_role=global_role, was=old_role)
        if old_role == "admin" and flag(old_active) and _last_global_admin(conn, user_id):
            tally.note("no active global admin is left: nobody can manage users through the "
                       "backend until one is made")
    if current_workspace is not None and current_workspace != old_current:
        sets["current_workspace_id"] = current_workspace
        details["current_workspace_id"] = current_workspace
    if active is True and old_active is not True:
        sets["is_active"] = 1
        details["active"] = True
    if sets:
        sets["updated_at"] = tally.now
        assignments = ", ".join(f"{quote_ident(k)} = ?" for k in sets)
        conn.execute(f"UPDATE users SET {assignments} WHERE id = ?",
                     (*sets.values(), user_id))
        tally.add("update users", 1)
    if active is False and old_active is not False:
        details.update(active=False, **_deactivate(conn, tally, user_id, successor))
    tally.touch(users=[user_id])
    if not tally.counts:
        return tally.change("nothing to change", details=details)
    changed = [k for k in ("email", "global_role", "current_workspace_id", "active")
               if k in details]
    return tally.change(f"{user_name(conn, user_id)}: set {', '.join(changed)}",
                        details=details)


def deactivate_user(conn: sqlite3.Connection, user_id: int, *, successor: int | None = None,
                    now: str | None = None) -> Change:
    """The backend's own removal (DELETE /api/users/{id}): `is_active = 0`, nothing deleted."""
    require_user(conn, user_id)
    if flag(scalar(conn, "SELECT is_active FROM users WHERE id = ?", (user_id,))) is False:
        raise FieldError("active", f"{user_name(conn, user_id)} is already inactive")
    change = edit_user(conn, user_id, active=False, successor=successor, now=now)
    return Change("user.deactivate", f"deactivated {user_name(conn, user_id)}", change.counts,
                  change.users, change.workspaces, notes=change.notes, details=change.details)


def set_password(conn: sqlite3.Connection, user_id: int, password_hash: str, *,
                 now: str | None = None) -> Change:
    """Store a new bcrypt hash (from validate.new_password_hash). The hash is not returned."""
    require_user(conn, user_id)
    _check_hash(password_hash)
    tally = Tally("user.passwd", now)
    conn.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
                 (password_hash, tally.now, user_id))
    tally.add("update users", 1)
    tally.touch(users=[user_id])
    return tally.change(f"set a new password for {user_name(conn, user_id)}",
                        details={"user_id": user_id})
