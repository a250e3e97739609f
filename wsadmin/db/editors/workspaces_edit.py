"""New workspaces, renames, settings, and stale connection permissions.

A new workspace is what the backend's POST /api/workspaces writes (SCHEMA.md
registration steps 2-4: the workspace with the backend's slug, its creator as
admin, default settings; the creator's current workspace if they had none).
A rename keeps the slug, as the backend's PATCH does. The redis password is a
secret: it can be set or cleared, never read back, and no Change, message or
audit entry holds it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from wsadmin.db.editors.change import Change, Tally
from wsadmin.db.editors.common import (
    marks,
    require_active_user,
    require_workspace,
    scalar,
    text,
    to_int,
    user_name,
    workspace_name,
)
from wsadmin.db.editors.errors import FieldError
from wsadmin.db.editors.validate import check_redis_host, check_setting, check_workspace_name
from wsadmin.db.editors.workspaces_read import STALE_REASON
from wsadmin.db.schema.facts import WORKSPACE_SETTINGS_DEFAULTS
from wsadmin.db.schema.registration import create_workspace as register_workspace
from wsadmin.db.sqlite.introspect import quote_ident


def create_workspace(conn: sqlite3.Connection, name: str, creator: int, *,
                     now: str | None = None) -> Change:
    check_workspace_name(name)
    require_active_user(conn, creator, "creator")
    tally = Tally("workspace.add", now)
    had_current = scalar(conn, "SELECT current_workspace_id FROM users WHERE id = ?",
                         (creator,)) is not None
    made = register_workspace(conn, name, creator)
    for table in ("workspaces", "workspace_members", "workspace_settings"):
        tally.add(f"insert {table}", 1)
    tally.touch(users=[creator], workspaces=[made.workspace_id])
    if not had_current:
        tally.add("update users", 1)
        tally.note(f"{user_name(conn, creator)} had no current workspace: it is now this one")
    return tally.change(f"created the workspace {made.slug!r} (id {made.workspace_id})",
                        created=made.workspace_id,
                        details={"workspace_id": made.workspace_id, "name": name,
                                 "slug": made.slug, "creator": creator})


def rename_workspace(conn: sqlite3.Connection, workspace_id: int, name: str, *,
                     now: str | None = None) -> Change:
    require_workspace(conn, workspace_id)
    check_workspace_name(name)
    tally = Tally("workspace.rename", now)
    old = text(scalar(conn, "SELECT name FROM workspaces WHERE id = ?", (workspace_id,)))
    details = {"workspace_id": workspace_id, "name": name, "was": old}
    if old == name:
        return tally.change("nothing to change", details=details)
    conn.execute("UPDATE workspaces SET name = ?, updated_at = ? WHERE id = ?",
                 (name, tally.now, workspace_id))
    tally.add("update workspaces", 1)
    tally.touch(workspaces=[workspace_id])
    return tally.change(f"renamed {workspace_name(conn, workspace_id)} to {name!r}; the slug "
                        "stays", details=details)


@dataclass(frozen=True)
class SettingsEdit:
    """What to change in a workspace's settings; None leaves a value as it is."""

    max_dashboards: int | None = None
    max_members: int | None = None
    redis_enabled: bool | None = None
    redis_host: str | None = None
    redis_port: int | None = None
    redis_password: str | None = None
    """A new redis password (a secret: written, never shown or logged)."""
    clear_redis_password: bool = False


def update_settings(conn: sqlite3.Connection, workspace_id: int, edit: SettingsEdit, *,
                    now: str | None = None) -> Change:
    """Change the settings; a workspace without a settings row gets one with the backend's
    defaults first (SCHEMA.md workspaces_without_settings)."""
    require_workspace(conn, workspace_id)
    sets: dict[str, object] = {}
    for name in ("max_dashboards", "max_members", "redis_port"):
        value = getattr(edit, name)
        if value is not None:
            sets[name] = check_setting(name, value)
    if edit.redis_host is not None:
        sets["redis_host"] = check_redis_host(edit.redis_host)
    if edit.redis_enabled is not None:
        sets["redis_enabled"] = 1 if edit.redis_enabled else 0
    if edit.redis_password is not None and edit.clear_redis_password:
        raise FieldError("redis_password", "set the redis password or clear it, not both")
    if edit.redis_password is not None:
        if not edit.redis_password:
            raise FieldError("redis_password", "an empty redis password",
                             "clear the password instead")
        sets["redis_password"] = edit.redis_password
    if edit.clear_redis_password:
        sets["redis_password"] = None
    tally = Tally("workspace.settings", now)
    if not scalar(conn, "SELECT 1 FROM workspace_settings WHERE workspace_id = ?",
                  (workspace_id,)):
        defaults = dict(WORKSPACE_SETTINGS_DEFAULTS)
        cols = ["workspace_id", *defaults, "updated_at"]
        conn.execute(f"INSERT INTO workspace_settings ({', '.join(cols)}) VALUES "
                     f"({marks(len(cols))})", (workspace_id, *defaults.values(), tally.now))
        tally.add("insert workspace_settings", 1)
    # What the audit may hold: the names of what changed, values of everything but the
    # password, and only whether the password was set or cleared.
    shown = {k: v for k, v in sets.items() if k != "redis_password"}
    if "redis_password" in sets:
        shown["redis_password"] = "cleared" if sets["redis_password"] is None else "set"
    if sets:
        sets["updated_at"] = tally.now
        assignments = ", ".join(f"{quote_ident(k)} = ?" for k in sets)
        tally.add("update workspace_settings", conn.execute(
            f"UPDATE workspace_settings SET {assignments} WHERE workspace_id = ?",
            (*sets.values(), workspace_id)).rowcount)
    tally.touch(workspaces=[workspace_id])
    summary = (f"settings of {workspace_name(conn, workspace_id)}: "
               + ", ".join(f"{k} {v}" if k == "redis_password" else f"{k} = {v}"
                           for k, v in shown.items())) if shown else "nothing to change"
    return tally.change(summary, details={"workspace_id": workspace_id, "settings": shown})


def remove_stale_permissions(conn: sqlite3.Connection, workspace_id: int,
                             ids: Sequence[int] | None = None, *,
                             now: str | None = None) -> Change:
    """Delete stale connection permissions on the workspace's connections (all of them, or
    the given ids, each of which must be stale). A permission still in use is refused."""
    require_workspace(conn, workspace_id)
    stale = {to_int(r[0]): text(r[1]) for r in conn.execute(
        f"SELECT p.id, {STALE_REASON} FROM connections AS c JOIN connection_permissions AS p "
        "ON p.connection_id = c.id WHERE c.workspace_id = ?", (workspace_id,)) if r[1]}
    chosen = sorted(stale) if ids is None else list(dict.fromkeys(ids))
    wrong = [i for i in chosen if i not in stale]
    if wrong:
        raise FieldError("permissions", f"permission(s) {', '.join(map(str, wrong[:10]))} are "
                         f"not stale permissions of {workspace_name(conn, workspace_id)}",
                         "only stale permissions are removed here")
    tally = Tally("workspace.permissions", now)
    for part in range(0, len(chosen), 500):
        block = chosen[part:part + 500]
        tally.add("delete connection_permissions", conn.execute(
            f"DELETE FROM connection_permissions WHERE id IN ({marks(len(block))})",
            block).rowcount)
    tally.touch(workspaces=[workspace_id])
    summary = (f"removed {len(chosen)} stale connection permission(s) of "
               f"{workspace_name(conn, workspace_id)}") if chosen else "no stale permission"
    return tally.change(summary, details={"workspace_id": workspace_id,
                                          "permission_ids": chosen,
                                          "reasons": sorted(set(stale[i] for i in chosen))})
