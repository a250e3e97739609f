"""Checks of workspaces, memberships, roles and connection permissions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from wsadmin.db.health.model import Check, Facts, Severity
from wsadmin.db.health.querying import head_facts, skipped_note, sql_check, union

WORKSPACE_ROLES: Final = ("admin", "editor", "viewer")
"""workspace_members.role and users.role (SCHEMA.md "Roles"; head's check_valid_role)."""
PERMISSION_LEVELS: Final = ("owner", "editor", "viewer")
"""connection_permissions.permission_level (head's valid_permission_level)."""


def in_set(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


DUPLICATE_SLUGS: Final = """\
SELECT workspace_id, workspace, slug, normalized, sharing FROM (
  SELECT w.id AS workspace_id, w.name AS workspace, w.slug AS slug,
         lower(trim(w.slug)) AS normalized,
         COUNT(*) OVER (PARTITION BY lower(trim(w.slug))) AS sharing
  FROM workspaces AS w
  WHERE w.slug IS NOT NULL)
WHERE sharing > 1
ORDER BY normalized, workspace_id"""

VALID_SLUG: Final = ("(typeof(w.slug) = 'text' AND w.slug <> ''\n"
                     "       AND w.slug NOT GLOB '*[^a-z0-9-]*'\n"
                     "       AND w.slug NOT GLOB '-*' AND w.slug NOT GLOB '*-'"
                     " AND w.slug NOT GLOB '*--*')")
"""`^[a-z0-9]+(-[a-z0-9]+)*$` (SCHEMA.md) without REGEXP, which SQLite lacks."""

INVALID_SLUGS: Final = f"""\
SELECT w.id AS workspace_id, w.name AS workspace, w.slug AS slug
FROM workspaces AS w
WHERE NOT coalesce({VALID_SLUG}, 0)
ORDER BY w.id"""

ACTIVE_ADMIN: Final = ("EXISTS (SELECT 1 FROM workspace_members AS m JOIN users AS u ON u.id = "
                       "m.user_id\n              WHERE m.workspace_id = w.id AND m.role = 'admin'"
                       " AND u.is_active = 1)")

WORKSPACES_WITHOUT_ADMIN: Final = f"""\
SELECT w.id AS workspace_id, w.name AS workspace, w.slug AS slug,
       (SELECT COUNT(*) FROM workspace_members AS m JOIN users AS u ON u.id = m.user_id
        WHERE m.workspace_id = w.id AND u.is_active = 1) AS active_members
FROM workspaces AS w
WHERE NOT {ACTIVE_ADMIN}
ORDER BY w.id"""

WORKSPACES_WITHOUT_SETTINGS: Final = """\
SELECT w.id AS workspace_id, w.name AS workspace, w.slug AS slug
FROM workspaces AS w
WHERE NOT EXISTS (SELECT 1 FROM workspace_settings AS s WHERE s.workspace_id = w.id)
ORDER BY w.id"""

WORKSPACE_CREATOR_MISSING: Final = """\
SELECT w.id AS workspace_id, w.name AS workspace, w.slug AS slug, w.created_by AS created_by
FROM workspaces AS w
WHERE w.created_by IS NULL
   OR NOT EXISTS (SELECT 1 FROM users AS u WHERE u.id = w.created_by)
ORDER BY w.id"""

DANGLING_MEMBERS_SOURCE: Final = """\
FROM workspace_members AS m
LEFT JOIN workspaces AS w ON w.id = m.workspace_id
LEFT JOIN users AS u ON u.id = m.user_id
WHERE w.id IS NULL OR u.id IS NULL"""

MEMBERSHIPS_DANGLING: Final = f"""\
SELECT m.id AS membership_id, m.workspace_id AS workspace_id, w.name AS workspace,
       m.user_id AS user_id, u.username AS username, m.role AS role,
       CASE WHEN w.id IS NULL AND u.id IS NULL THEN 'user and workspace missing'
            WHEN w.id IS NULL THEN 'workspace missing' ELSE 'user missing' END AS problem
{DANGLING_MEMBERS_SOURCE}
ORDER BY m.id"""

def _permission_workspace(f: Facts) -> str:
    if not f.has("connections.workspace_id"):
        return "NULL"
    return "(SELECT c.workspace_id FROM connections AS c WHERE c.id = p.connection_id)"


ROLE_PARTS: Final[tuple[tuple[str, Callable[[Facts], str]], ...]] = (
    ("workspace_members.role", lambda f: (
        "SELECT 'workspace_members' AS \"table\", m.id AS row_id, 'role' AS \"column\",\n"
        "       m.role AS value, m.user_id AS user_id, m.workspace_id AS workspace_id\n"
        "FROM workspace_members AS m\n"
        f"WHERE m.role IS NULL OR m.role NOT IN {in_set(WORKSPACE_ROLES)}")),
    ("users.role", lambda f: (
        "SELECT 'users' AS \"table\", u.id AS row_id, 'role' AS \"column\", u.role AS value,\n"
        "       u.id AS user_id, NULL AS workspace_id\nFROM users AS u\n"
        f"WHERE u.role IS NULL OR u.role NOT IN {in_set(WORKSPACE_ROLES)}")),
    ("connection_permissions.permission_level", lambda f: (
        "SELECT 'connection_permissions' AS \"table\", p.id AS row_id,"
        " 'permission_level' AS \"column\",\n       p.permission_level AS value,"
        f" p.user_id AS user_id,\n       {_permission_workspace(f)} AS workspace_id\n"
        "FROM connection_permissions AS p\n"
        "WHERE p.permission_level IS NULL OR p.permission_level NOT IN"
        f" {in_set(PERMISSION_LEVELS)}")),
)


def invalid_roles_sql(f: Facts) -> str:
    return union((part(f) for need, part in ROLE_PARTS if f.has(need)), '"table", row_id')


STALE_SOURCE: Final = """\
FROM connection_permissions AS p
LEFT JOIN connections AS c ON c.id = p.connection_id
LEFT JOIN users AS u ON u.id = p.user_id
LEFT JOIN users AS g ON g.id = p.granted_by
WHERE c.id IS NULL OR u.id IS NULL OR g.id IS NULL
   OR NOT EXISTS (SELECT 1 FROM workspace_members AS m
                  WHERE m.workspace_id = c.workspace_id AND m.user_id = p.user_id)"""

STALE_PERMISSIONS: Final = f"""\
SELECT p.id AS permission_id, p.connection_id AS connection_id, c.name AS connection,
       p.user_id AS user_id, u.username AS username, p.permission_level AS level,
       CASE WHEN c.id IS NULL THEN 'the connection is gone'
            WHEN u.id IS NULL THEN 'the user is gone'
            WHEN g.id IS NULL THEN 'the user who granted it is gone'
            ELSE 'the user is not a member of the connection''s workspace' END AS problem
{STALE_SOURCE}
ORDER BY p.id"""

WS: Final = ("workspaces.id", "workspaces.name", "workspaces.slug")
MEMBERS: Final = ("workspace_members.id", "workspace_members.workspace_id",
                  "workspace_members.user_id", "workspace_members.role")

CHECKS: Final[tuple[Check, ...]] = (
    Check(
        "duplicate_slugs", "Workspaces sharing a slug",
        "Workspaces whose slugs are equal after lower(trim(slug)); every workspace of a "
        "collision is listed. Creating a workspace whose slug collides fails (the runbook's "
        "\"Duplicate workspace slugs\"; its query finds exact duplicates only, a subset of "
        "these). Head's unique index on slug prevents exact duplicates, not case or space "
        "variants.",
        Severity.WARNING, DUPLICATE_SLUGS,
        ("workspace_id", "workspace", "slug", "normalized", "sharing"),
        sql_check(lambda _f: DUPLICATE_SLUGS), requires=WS, cost=50,
        symptom="workspace creation fails on a slug conflict"),
    Check(
        "invalid_slugs", "Slugs the backend could not have made",
        "Workspace slugs that do not match ^[a-z0-9]+(-[a-z0-9]+)*$ (the backend's slug "
        "rule only makes such slugs). Links and lookups by slug fail for them.",
        Severity.WARNING, INVALID_SLUGS, ("workspace_id", "workspace", "slug"),
        sql_check(lambda _f: INVALID_SLUGS), requires=WS, cost=40,
        symptom="links and lookups by slug fail"),
    Check(
        "workspaces_without_admin", "Workspaces without an active admin",
        "Workspaces with no member whose role is admin and whose user exists and is active. "
        "Nobody can invite, remove or re-role their members.",
        Severity.WARNING, WORKSPACES_WITHOUT_ADMIN,
        ("workspace_id", "workspace", "slug", "active_members"),
        sql_check(lambda _f: WORKSPACES_WITHOUT_ADMIN),
        requires=(*WS, *MEMBERS, "users.id", "users.is_active"), cost=32,
        symptom="nobody can invite, remove or re-role members"),
    Check(
        "workspaces_without_settings", "Workspaces without settings",
        "Workspaces without a workspace_settings row. Every workspace the backend creates "
        "gets one; no route of today's backend reads it (SCHEMA.md expects settings pages "
        "to fail), so this is a gap for later versions rather than a failure now.",
        Severity.WARNING, WORKSPACES_WITHOUT_SETTINGS, ("workspace_id", "workspace", "slug"),
        sql_check(lambda _f: WORKSPACES_WITHOUT_SETTINGS),
        requires=(*WS, "workspace_settings.workspace_id"), cost=6,
        symptom="none today (no route reads workspace settings); a gap for later versions"),
    Check(
        "workspace_creator_missing", "Workspaces whose creator is gone",
        "Workspaces whose created_by names no user. Only a workspace's creator may delete "
        "it through the API, so these can never be deleted.",
        Severity.WARNING, WORKSPACE_CREATOR_MISSING,
        ("workspace_id", "workspace", "slug", "created_by"),
        sql_check(lambda _f: WORKSPACE_CREATOR_MISSING),
        requires=(*WS, "workspaces.created_by", "users.id"), cost=13,
        symptom="the workspace can never be deleted through the API"),
    Check(
        "memberships_dangling", "Memberships of missing users or workspaces",
        "Rows of workspace_members naming a user or a workspace that does not exist (deleted "
        "with foreign keys off, which the backend never turns on). A workspace's member list "
        "shows user ids that no longer exist.",
        Severity.WARNING, MEMBERSHIPS_DANGLING,
        ("membership_id", "workspace_id", "workspace", "user_id", "username", "role",
         "problem"),
        sql_check(lambda _f: MEMBERSHIPS_DANGLING),
        requires=(*MEMBERS, "workspaces.name", "users.username"), cost=13,
        symptom="member lists show users that no longer exist"),
    Check(
        "invalid_roles", "Roles outside their sets",
        "workspace_members.role or users.role outside admin / editor / viewer, or "
        "connection_permissions.permission_level outside owner / editor / viewer (the "
        "database's CHECK constraints stop only some writers). An invalid membership role "
        "makes the workspace's member list answer 500 (the member itself gets 404). An "
        "invalid users.role answers no 500 (login and the user list work); the user is "
        "simply not a global admin. An invalid permission level grants nothing.",
        Severity.CRITICAL, invalid_roles_sql(head_facts()),
        ("table", "row_id", "column", "value", "user_id", "workspace_id"),
        sql_check(invalid_roles_sql, lambda f: skipped_note(
            [need for need, _sql in ROLE_PARTS], f)),
        requires=(), cost=12,
        symptom="member lists answer 500 (workspace_members.role only)"),
    Check(
        "stale_connection_permissions", "Connection permissions that outlived their reason",
        "Rows of connection_permissions for a user who is not a member of the connection's "
        "workspace (or is gone), or whose connection or granter is gone. Access rules that "
        "outlive membership come back the moment the user rejoins.",
        Severity.WARNING, STALE_PERMISSIONS,
        ("permission_id", "connection_id", "connection", "user_id", "username", "level",
         "problem"),
        sql_check(lambda _f: STALE_PERMISSIONS),
        requires=("connection_permissions.id", "connection_permissions.granted_by",
                  "connections.workspace_id", *MEMBERS), cost=4,
        symptom="access rules that outlive membership"),
)
