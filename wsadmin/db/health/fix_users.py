"""Fixes for users: a workspace of their own or `default`, membership, readable rows."""

from __future__ import annotations

import sqlite3
from typing import Final

from wsadmin.db.common.errors import Refused
from wsadmin.db.common.text import stored_text
from wsadmin.db.health.checks_users import not_a_timestamp
from wsadmin.db.health.fix_plan import Params, Plan, PlanFunc, Planner, scalar
from wsadmin.db.health.model import Facts
from wsadmin.db.health.slugs import Slugs

USERS_WITHOUT: Final = "u.current_workspace_id IS NULL"
USERS_DANGLING: Final = ("u.current_workspace_id IS NOT NULL AND NOT EXISTS "
                         "(SELECT 1 FROM workspaces AS w WHERE w.id = u.current_workspace_id)")
NOT_MEMBER_OF_CURRENT: Final = (
    "FROM users AS u JOIN workspaces AS w ON w.id = u.current_workspace_id "
    "WHERE NOT EXISTS (SELECT 1 FROM workspace_members AS m "
    "WHERE m.workspace_id = u.current_workspace_id AND m.user_id = u.id)")

DEFAULT_SLUG: Final = "default"
DEFAULT_NAME: Final = "Default Workspace"
ROLE_FROM_GLOBAL: Final = ("CASE u.role WHEN 'admin' THEN 'admin' WHEN 'editor' THEN 'editor' "
                           "ELSE 'viewer' END")
"""SCHEMA.md 002 step 2: the membership role a user's global role maps to."""


def slug_cap(facts: Facts) -> int:
    return facts.length_of("workspaces", "slug", 100)


def to_personal(where: str) -> PlanFunc:
    """Registration steps 2-5 for every user `where` selects (SCHEMA.md)."""
    def plan(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
        p = Planner(conn, facts)
        slugs = Slugs(conn, slug_cap(facts))
        rows = []
        for uid, username in conn.execute(
                f"SELECT u.id, u.username FROM users AS u WHERE {where} ORDER BY u.id"):
            name = f"{stored_text(username)}'s Workspace"
            rows.append((name, slugs.choose(name), uid, p.now, p.now))
        p.insert_rows("workspaces", rows)
        p.insert("workspace_members", "SELECT id, created_by, 'admin', created_by, ? "
                 "FROM temp.fix_new_workspaces ORDER BY id", (p.now,))
        p.settings_for_new_workspaces()
        p.set("users", "current_workspace_id", "SELECT created_by, id FROM temp.fix_new_workspaces")
        return p.plan()
    return plan


def _valid_or(ref: str, fallback: str) -> str:
    return f"CASE WHEN {not_a_timestamp(ref)} THEN {fallback} ELSE {ref} END"


def ensure_default(p: Planner) -> int:
    """The `default` workspace's id, planned as SCHEMA.md's 002 step 1 makes it when missing,
    with its settings (step 5)."""
    conn = p.conn
    found = scalar(conn, "SELECT id FROM workspaces WHERE slug = ? ORDER BY id LIMIT 1",
                   (DEFAULT_SLUG,)) or scalar(
        conn, "SELECT id FROM workspaces WHERE lower(trim(slug)) = ? ORDER BY id LIMIT 1",
        (DEFAULT_SLUG,))
    if found is None:
        found = scalar(conn, "SELECT id FROM temp.fix_new_workspaces WHERE slug = ?",
                       (DEFAULT_SLUG,))
    if found is not None:
        p.add_settings("SELECT ? WHERE NOT EXISTS (SELECT 1 FROM workspace_settings WHERE "
                       "workspace_id = ?) AND NOT EXISTS (SELECT 1 FROM "
                       "temp.fix_new_workspace_settings WHERE workspace_id = ?)",
                       (found, found, found))
        return int(found)
    creator = (scalar(conn, "SELECT id FROM users WHERE is_active = 1 AND role = 'admin' "
                      "ORDER BY id LIMIT 1")
               or scalar(conn, "SELECT id FROM users WHERE is_active = 1 ORDER BY id LIMIT 1")
               or scalar(conn, "SELECT min(id) FROM users"))
    if creator is None:
        raise Refused("there is no user at all to create the Default Workspace for",
                      "register a user first, or choose another fix")
    created = scalar(conn, "SELECT min(created_at) FROM users AS u "
                     f"WHERE NOT {not_a_timestamp('u.created_at')}") or p.now
    [wid] = p.insert_rows("workspaces", [(DEFAULT_NAME, DEFAULT_SLUG, creator, created, p.now)])
    p.settings_for_new_workspaces(f"id = {wid}")
    p.note(f"creates the workspace {DEFAULT_NAME!r} (slug {DEFAULT_SLUG!r}, id {wid}) as "
           "revision 002 does, with its settings")
    return wid


def ensure_admin(p: Planner, wid: int) -> None:
    """If workspace `wid` has no active admin (existing or planned), its creator becomes one."""
    conn = p.conn
    active = "SELECT 1 FROM users AS u WHERE u.id = m.user_id AND u.is_active = 1"
    if scalar(conn, f"SELECT EXISTS (SELECT 1 FROM workspace_members AS m WHERE m.workspace_id "
              f"= ? AND m.role = 'admin' AND EXISTS ({active})) OR EXISTS (SELECT 1 FROM "
              f"temp.fix_new_workspace_members AS m WHERE m.workspace_id = ? AND m.role = "
              f"'admin' AND EXISTS ({active}))", (wid, wid)):
        return
    creator = scalar(conn, "SELECT coalesce((SELECT created_by FROM workspaces WHERE id = ?), "
                     "(SELECT created_by FROM temp.fix_new_workspaces WHERE id = ?))", (wid, wid))
    if not scalar(conn, "SELECT EXISTS (SELECT 1 FROM users WHERE id = ? AND is_active = 1)",
                  (creator,)):
        p.note(f"workspace {wid} has no active admin and its creator cannot be one: use the "
               "workspaces_without_admin fix")
        return
    member = scalar(conn, "SELECT id FROM workspace_members WHERE workspace_id = ? AND "
                    "user_id = ?", (wid, creator))
    if member is not None:
        p.set("workspace_members", "role", "SELECT ?, 'admin'", (member,))
    elif conn.execute("UPDATE temp.fix_new_workspace_members SET role = 'admin' "
                      "WHERE workspace_id = ? AND user_id = ?", (wid, creator)).rowcount == 0:
        p.insert("workspace_members", "SELECT ?, ?, 'admin', NULL, ?", (wid, creator, p.now))


def to_default(where: str) -> PlanFunc:
    """SCHEMA.md's 002 steps 1, 2 and 5 for every user `where` selects."""
    def plan(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
        p = Planner(conn, facts)
        if not scalar(conn, f"SELECT EXISTS (SELECT 1 FROM users AS u WHERE {where})"):
            return p.plan()
        wid = ensure_default(p)
        p.insert("workspace_members",
                 f"SELECT ?, u.id, {ROLE_FROM_GLOBAL}, u.id, {_valid_or('u.created_at', '?')} "
                 f"FROM users AS u WHERE {where} AND NOT EXISTS (SELECT 1 FROM "
                 "workspace_members AS m WHERE m.workspace_id = ? AND m.user_id = u.id) "
                 "ORDER BY u.id", (wid, p.now, wid))
        p.set("users", "current_workspace_id", f"SELECT u.id, ? FROM users AS u WHERE {where}",
              (wid,))
        ensure_admin(p, wid)
        return p.plan()
    return plan


def plan_add_membership(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    p = Planner(conn, facts)
    p.insert("workspace_members", "SELECT u.current_workspace_id, u.id, 'viewer', NULL, ? "
             f"{NOT_MEMBER_OF_CURRENT} ORDER BY u.id", (p.now,))
    return p.plan()


def plan_switch(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    p = Planner(conn, facts)
    pick = ("SELECT m.workspace_id FROM workspace_members AS m JOIN workspaces AS w2 "
            "ON w2.id = m.workspace_id WHERE m.user_id = u.id "
            "ORDER BY m.joined_at, m.workspace_id LIMIT 1")
    p.set("users", "current_workspace_id",
          f"SELECT k, v FROM (SELECT u.id AS k, ({pick}) AS v {NOT_MEMBER_OF_CURRENT}) "
          "WHERE v IS NOT NULL")
    total = int(scalar(conn, f"SELECT COUNT(*) {NOT_MEMBER_OF_CURRENT}"))
    planned = int(scalar(conn, "SELECT COUNT(*) FROM temp.fix_set"))
    if total > planned:
        p.note(f"{total - planned:,} user(s) belong to no workspace and are left as they are "
               "(use the add_membership fix for them)", total - planned)
    return p.plan()


def plan_fill_defaults(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    """SCHEMA.md's 002 step 6, and a created_at the backend can read."""
    p = Planner(conn, facts)
    for column in ("email_verified", "is_active"):
        if facts.has(f"users.{column}"):
            p.set("users", column, f"SELECT id, 0 FROM users WHERE {column} IS NULL")
    if facts.has("users.created_at"):
        fallback = "?"
        for other in ("last_login", "updated_at"):
            if facts.has(f"users.{other}"):
                fallback = _valid_or(f"u.{other}", fallback)
        p.set("users", "created_at", f"SELECT u.id, {fallback} FROM users AS u "
              f"WHERE {not_a_timestamp('u.created_at')}", (p.now,))
    return p.plan()
