"""Fixes for workspaces, memberships, roles and connection permissions."""

from __future__ import annotations

import sqlite3
from typing import Any, Final

from wsadmin.db.common.errors import Refused
from wsadmin.db.common.text import stored_text
from wsadmin.db.health.checks_users import not_a_timestamp
from wsadmin.db.health.checks_workspaces import (
    ACTIVE_ADMIN,
    DANGLING_MEMBERS_SOURCE,
    PERMISSION_LEVELS,
    STALE_SOURCE,
    VALID_SLUG,
    WORKSPACE_ROLES,
    in_set,
)
from wsadmin.db.health.fix_plan import Params, Plan, Planner, scalar
from wsadmin.db.health.fix_users import slug_cap
from wsadmin.db.health.model import Facts
from wsadmin.db.health.slugs import Slugs

WITHOUT_ADMIN: Final = f"FROM workspaces AS w WHERE NOT {ACTIVE_ADMIN}"
CREATOR_MISSING: Final = ("FROM workspaces AS w WHERE w.created_by IS NULL OR NOT EXISTS "
                          "(SELECT 1 FROM users AS u WHERE u.id = w.created_by)")
EARLIEST_ACTIVE: Final = ("SELECT m.{what} FROM workspace_members AS m JOIN users AS u "
                          "ON u.id = m.user_id WHERE m.workspace_id = w.id AND u.is_active = 1"
                          "{role} ORDER BY m.joined_at IS NULL, m.joined_at, m.id LIMIT 1")


def _picked(p: Planner, table: str, column: str, pick: str, scope: str, nobody: str) -> None:
    """Set `table.column` of each row `scope` selects to what `pick` chooses for it; rows
    it chooses nothing for are skipped and said so."""
    p.set(table, column, f"SELECT k, v FROM (SELECT {pick} {scope}) WHERE k IS NOT NULL "
                         "AND v IS NOT NULL")
    total = int(scalar(p.conn, f"SELECT COUNT(*) {scope}"))
    done = int(scalar(p.conn, "SELECT COUNT(*) FROM temp.fix_set WHERE tbl = ? AND col = ?",
                      (table, column)))
    if total > done:
        p.note(f"{total - done:,} {nobody}", total - done)


def _rename(p: Planner, rows: list[tuple[Any, Any, Any]], keep_first_of_each: bool) -> None:
    """New slugs by the backend's rule for (id, slug, group) rows; with keep_first_of_each,
    the first row of each group keeps its slug."""
    slugs = Slugs(p.conn, slug_cap(p.facts))
    previous: object = object()
    renames = []
    for wid, slug, group in rows:
        if keep_first_of_each and group != previous:
            previous = group
            continue
        slugs.release(slug)
        source = stored_text(slug) if stored_text(slug).strip(" -") else f"workspace {wid}"
        renames.append((wid, slugs.choose(source)))
    p.set_values("workspaces", "slug", renames)


def plan_rename_duplicates(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    p = Planner(conn, facts)
    rows = conn.execute(
        "SELECT id, slug, k FROM (SELECT w.id, w.slug, w.created_at, lower(trim(w.slug)) AS k, "
        "COUNT(*) OVER (PARTITION BY lower(trim(w.slug))) AS n FROM workspaces AS w "
        f"WHERE w.slug IS NOT NULL) WHERE n > 1 ORDER BY k, {not_a_timestamp('created_at')}, "
        "julianday(created_at), id").fetchall()
    _rename(p, rows, keep_first_of_each=True)
    return p.plan()


def plan_rename_invalid(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    p = Planner(conn, facts)
    rows = conn.execute(f"SELECT w.id, w.slug, w.id FROM workspaces AS w "
                        f"WHERE NOT coalesce({VALID_SLUG}, 0) ORDER BY w.id").fetchall()
    _rename(p, rows, keep_first_of_each=False)
    return p.plan()


def plan_promote_oldest(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    p = Planner(conn, facts)
    pick = EARLIEST_ACTIVE.format(what="id", role="")
    _picked(p, "workspace_members", "role", f"({pick}) AS k, 'admin' AS v", WITHOUT_ADMIN,
            "workspace(s) have no active member to promote (use the promote_user fix)")
    return p.plan()


def find_user(conn: sqlite3.Connection, who: str) -> int:
    row = conn.execute("SELECT id, is_active FROM users WHERE username = ?", (who,)).fetchone()
    if row is None and who.isdigit():
        row = conn.execute("SELECT id, is_active FROM users WHERE id = ?", (int(who),)).fetchone()
    if row is None:
        raise Refused(f"no user {who!r}", "give an existing username or user id")
    if row[1] != 1:
        raise Refused(f"the user {who!r} is not active: an inactive admin does not count",
                      "choose an active user")
    return int(row[0])


def plan_promote_user(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    p = Planner(conn, facts)
    who = params.get("user")
    if not who:
        raise Refused("promote_user needs a user", "pass --user USERNAME")
    uid = find_user(conn, who)
    scope = WITHOUT_ADMIN
    args: tuple[str, ...] = ()
    if params.get("workspace"):
        scope += " AND (w.slug = ? OR CAST(w.id AS TEXT) = ?)"
        args = (params["workspace"], params["workspace"])
    p.set("workspace_members", "role", f"SELECT m.id, 'admin' FROM workspace_members AS m "
          f"WHERE m.user_id = ? AND m.workspace_id IN (SELECT w.id {scope})", (uid, *args))
    p.insert("workspace_members", f"SELECT w.id, ?, 'admin', NULL, ? {scope} AND NOT EXISTS "
             "(SELECT 1 FROM workspace_members AS x WHERE x.workspace_id = w.id "
             "AND x.user_id = ?) ORDER BY w.id", (uid, p.now, *args, uid))
    return p.plan()


def plan_create_settings(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    p = Planner(conn, facts)
    p.add_settings("SELECT w.id FROM workspaces AS w WHERE NOT EXISTS (SELECT 1 FROM "
                   "workspace_settings AS s WHERE s.workspace_id = w.id) ORDER BY w.id")
    return p.plan()


def plan_reassign_workspace_creator(conn: sqlite3.Connection, facts: Facts, params: Params
                                    ) -> Plan:
    p = Planner(conn, facts)
    pick = EARLIEST_ACTIVE.format(what="user_id", role=" AND m.role = 'admin'")
    _picked(p, "workspaces", "created_by", f"w.id AS k, ({pick}) AS v", CREATOR_MISSING,
            "workspace(s) have no active admin to become the creator (fix "
            "workspaces_without_admin first)")
    return p.plan()


def plan_delete_memberships(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    p = Planner(conn, facts)
    p.delete("workspace_members", f"SELECT m.id {DANGLING_MEMBERS_SOURCE}")
    return p.plan()


ROLE_COLUMNS: Final = (("workspace_members", "role", WORKSPACE_ROLES),
                       ("users", "role", WORKSPACE_ROLES),
                       ("connection_permissions", "permission_level", PERMISSION_LEVELS))


def plan_viewer(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    p = Planner(conn, facts)
    for table, column, allowed in ROLE_COLUMNS:
        if facts.has(f"{table}.{column}"):
            p.set(table, column, f"SELECT id, 'viewer' FROM {table} WHERE {column} IS NULL "
                  f"OR {column} NOT IN {in_set(allowed)}")
    return p.plan()


def plan_delete_stale_permissions(conn: sqlite3.Connection, facts: Facts, params: Params
                                  ) -> Plan:
    p = Planner(conn, facts)
    p.delete("connection_permissions", f"SELECT p.id {STALE_SOURCE}")
    return p.plan()
