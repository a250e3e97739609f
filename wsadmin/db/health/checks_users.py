"""Checks of users: their current workspace, their password hash, unreadable rows.

Symptoms are the ones measured by running the backend (lab report, issue 16),
where they differ from SCHEMA.md's table.
"""

from __future__ import annotations

from typing import Final

from wsadmin.db.health.model import Check, Facts, Severity
from wsadmin.db.health.querying import head_facts, sql_check
from wsadmin.db.health.secret_columns import describe_hash, is_bcrypt

USERS_WITHOUT_WORKSPACE: Final = """\
SELECT u.id AS user_id, u.username AS username, u.email AS email
FROM users AS u
WHERE u.current_workspace_id IS NULL
ORDER BY u.id"""

USERS_DANGLING_WORKSPACE: Final = """\
SELECT u.id AS user_id, u.username AS username, u.current_workspace_id AS workspace_id
FROM users AS u
WHERE u.current_workspace_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM workspaces AS w WHERE w.id = u.current_workspace_id)
ORDER BY u.id"""

USERS_NOT_MEMBER_OF_CURRENT: Final = """\
SELECT u.id AS user_id, u.username AS username, w.id AS workspace_id, w.name AS workspace
FROM users AS u
JOIN workspaces AS w ON w.id = u.current_workspace_id
WHERE NOT EXISTS (SELECT 1 FROM workspace_members AS m
                  WHERE m.workspace_id = u.current_workspace_id AND m.user_id = u.id)
ORDER BY u.id"""

UNUSABLE_PASSWORD_HASHES: Final = f"""\
SELECT u.id AS user_id, u.username AS username,
       {describe_hash('u.password_hash')} AS password_hash
FROM users AS u
WHERE NOT {is_bcrypt('u.password_hash')}
ORDER BY u.id"""

TIMESTAMP_PREFIX: Final = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*"


def not_a_timestamp(ref: str) -> str:
    """SQL: 1 unless `ref` is text the backend's ORM reads as a datetime.

    SQLAlchemy reads SQLite TIMESTAMPs with datetime.fromisoformat: NULL, a
    number, or text such as 'yesterday' make the backend's login answer 500.
    """
    return (f"NOT coalesce(typeof({ref}) = 'text' AND {ref} GLOB '{TIMESTAMP_PREFIX}'"
            f" AND datetime({ref}) IS NOT NULL, 0)")


UNREADABLE_PARTS: Final = (
    ("users.email_verified", "u.email_verified IS NULL", "'email_verified is NULL; '"),
    ("users.is_active", "u.is_active IS NULL", "'is_active is NULL; '"),
    ("users.created_at", not_a_timestamp("u.created_at"),
     "'created_at ' || quote(u.created_at) || ' is not a timestamp; '"),
)


def users_unreadable_sql(f: Facts) -> str:
    parts = [(cond, text) for need, cond, text in UNREADABLE_PARTS if f.has(need)]
    problem = "\n    || ".join(f"CASE WHEN {cond} THEN {text} ELSE '' END" for cond, text in parts)
    where = "\n   OR ".join(cond for cond, _t in parts)
    return (f"SELECT u.id AS user_id, u.username AS username,\n"
            f"  rtrim({problem}, '; ') AS problem\n"
            f"FROM users AS u\nWHERE {where}\nORDER BY u.id")


def _unreadable_note(f: Facts) -> str:
    gone = [need for need, _c, _t in UNREADABLE_PARTS if not f.has(need)]
    return f"not checked (missing here): {', '.join(gone)}" if gone else ""


USERS: Final = ("users.id", "users.username")

CHECKS: Final[tuple[Check, ...]] = (
    Check(
        "users_without_workspace", "Users without a workspace",
        "Users whose current_workspace_id is NULL (the runbook's \"Verify no orphaned users\" "
        "query counts exactly these). The backend answers every workspace route of theirs "
        "with 400 \"No workspace context available. Please select a workspace.\" The "
        "backend's own seed (init_db) and its no-op 002 leave users like this.",
        Severity.CRITICAL, USERS_WITHOUT_WORKSPACE, ("user_id", "username", "email"),
        sql_check(lambda _f: USERS_WITHOUT_WORKSPACE),
        requires=(*USERS, "users.email", "users.current_workspace_id"), cost=5,
        symptom="400 \"No workspace context available\" on every workspace route"),
    Check(
        "users_dangling_workspace", "Users whose current workspace was deleted",
        "Users whose current_workspace_id names a workspace that does not exist; deleting a "
        "workspace through the API leaves its creator and members like this. Their "
        "dashboard list comes back empty and writes answer 404, but the connections, charts "
        "and data sources the deletion left behind still carry the dead id, so the "
        "connection list answers 200 with those connections, credentials decrypted.",
        Severity.CRITICAL, USERS_DANGLING_WORKSPACE, ("user_id", "username", "workspace_id"),
        sql_check(lambda _f: USERS_DANGLING_WORKSPACE),
        requires=(*USERS, "users.current_workspace_id", "workspaces.id"), cost=8,
        symptom="empty dashboard list and 404 on writes; the dead workspace's leftover "
                "connections still listed, decrypted"),
    Check(
        "users_not_member_of_current", "Users outside their current workspace",
        "Users whose current workspace exists but who are not its member (a member removed "
        "from the workspace they had selected). The backend does not check membership on "
        "list routes: they get 200 with that workspace's dashboards and its connections "
        "with the credentials decrypted; only writes answer 404. A leak.",
        Severity.SECURITY, USERS_NOT_MEMBER_OF_CURRENT,
        ("user_id", "username", "workspace_id", "workspace"),
        sql_check(lambda _f: USERS_NOT_MEMBER_OF_CURRENT),
        requires=(*USERS, "users.current_workspace_id", "workspaces.name",
                  "workspace_members.workspace_id", "workspace_members.user_id"), cost=11,
        symptom="leak: lists answer 200 with that workspace's rows, decrypted connection "
                "credentials included"),
    Check(
        "unusable_password_hashes", "Password hashes the backend cannot read",
        "Users whose password_hash is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters). "
        "The backend verifies with bcrypt only: for these users its login answers 500, for "
        "the right password and a wrong one alike. No automatic fix: reset the password in "
        "the users editor (wsadmin writes bcrypt $2b$12$). Only the scheme and length are "
        "shown, never the hash.",
        Severity.CRITICAL, UNUSABLE_PASSWORD_HASHES, ("user_id", "username", "password_hash"),
        sql_check(lambda _f: UNUSABLE_PASSWORD_HASHES),
        requires=(*USERS, "users.password_hash"), cost=16,
        symptom="login answers 500 (right and wrong password alike)"),
    Check(
        "users_unreadable", "Users the backend cannot read",
        "Users with email_verified NULL (their user page answers 500; revision 001 adds the "
        "column without a value), is_active NULL (the user list answers 500 for admins, and "
        "their login 403), or a created_at that is NULL or not a timestamp (their login "
        "answers 500).",
        Severity.CRITICAL, users_unreadable_sql(head_facts()), ("user_id", "username", "problem"),
        sql_check(users_unreadable_sql, _unreadable_note),
        requires=(*USERS, "users.created_at"), cost=13,
        symptom="email_verified NULL: 500 on the user's page; is_active NULL: 500 on the user "
                "list, 403 at login; created_at: 500 at login"),
)
