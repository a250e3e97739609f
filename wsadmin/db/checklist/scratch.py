"""The runbook's "Test workspace creation/invitation flow", on a scratch copy.

The database is copied (SQLite's backup API) into a temporary folder, and on
the copy the backend's flows are played with its own semantics: two users
register (each gets a personal workspace), the first creates a workspace
(POST /api/workspaces) and invites the second, who accepts (the backend's
invitations.accept_invitation writes one workspace_members row). Then the rows
are read back and the workspace checks run on the copy: nothing may be worse
than before the flow. The copy is deleted; the real database is never opened
for writing.
"""

from __future__ import annotations

import secrets
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from wsadmin.db.checklist import findings
from wsadmin.db.common.errors import Refused
from wsadmin.db.schema.registration import (
    create_workspace,
    hash_password,
    register_user,
    timestamp,
    valid_slug,
)
from wsadmin.db.sqlite.connect import connect_rw
from wsadmin.db.sqlite.integrity import copy_to_scratch

ROLES: Final = ("admin", "editor", "viewer")
CHECKS: Final = ("duplicate_slugs", "invalid_slugs", "workspaces_without_admin",
                 "workspaces_without_settings", "users_without_workspace",
                 "users_not_member_of_current", "memberships_dangling")
WORKSPACE_NAME: Final = "Checklist test workspace"


def accept_invitation(conn: sqlite3.Connection, workspace_id: int, user_id: int, role: str,
                      invited_by: int, *, now: str | None = None) -> int:
    """What the backend writes when a user accepts an invitation (app/core/invitations.py
    accept_invitation): one membership with the invited role and the inviter."""
    if role not in ROLES:
        raise Refused(f"{role!r} is not a workspace role", "use admin, editor or viewer")
    if conn.execute("SELECT 1 FROM workspaces WHERE id = ?", (workspace_id,)).fetchone() is None:
        raise Refused(f"workspace {workspace_id} does not exist")
    if conn.execute("SELECT 1 FROM workspace_members WHERE workspace_id = ? AND user_id = ?",
                    (workspace_id, user_id)).fetchone() is not None:
        raise Refused("you are already a member of this workspace")
    cur = conn.execute(
        "INSERT INTO workspace_members (workspace_id, user_id, role, invited_by, joined_at) "
        "VALUES (?, ?, ?, ?, ?)", (workspace_id, user_id, role, invited_by, now or timestamp()))
    assert cur.lastrowid is not None
    return cur.lastrowid


@dataclass
class FlowResult:
    ok: bool
    did: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    checks_before: findings.Summary = field(default_factory=dict)
    checks_after: findings.Summary = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "did": self.did, "problems": self.problems,
                "checks": {c: [findings.problems(self.checks_before.get(c)),
                               findings.problems(self.checks_after.get(c))] for c in CHECKS}}


def _free_name(conn: sqlite3.Connection, stem: str) -> str:
    while True:
        name = f"{stem}-{secrets.token_hex(3)}"
        if conn.execute("SELECT 1 FROM users WHERE username = ? OR email = ?",
                        (name, f"{name}@example.invalid")).fetchone() is None:
            return name


def _play(conn: sqlite3.Connection, did: list[str]) -> dict[str, int]:
    # One random password, hashed once, for both throw-away users on the copy.
    password_hash = hash_password(secrets.token_urlsafe(16))
    conn.execute("BEGIN IMMEDIATE")
    owner_name, guest_name = _free_name(conn, "checklist-owner"), _free_name(conn,
                                                                            "checklist-guest")
    owner = register_user(conn, owner_name, f"{owner_name}@example.invalid", password_hash)
    did.append(f"registered {owner_name}: user {owner.user_id}, personal workspace "
               f"{owner.workspace.slug!r}")
    guest = register_user(conn, guest_name, f"{guest_name}@example.invalid", password_hash)
    did.append(f"registered {guest_name}: user {guest.user_id}, personal workspace "
               f"{guest.workspace.slug!r}")
    made = create_workspace(conn, WORKSPACE_NAME, owner.user_id)
    did.append(f"{owner_name} created {WORKSPACE_NAME!r} (slug {made.slug!r})")
    accept_invitation(conn, made.workspace_id, guest.user_id, "editor", owner.user_id)
    did.append(f"{owner_name} invited {guest_name} as editor; {guest_name} accepted")
    conn.execute("COMMIT")
    return {"owner": owner.user_id, "guest": guest.user_id, "workspace": made.workspace_id}


def _verify(conn: sqlite3.Connection, ids: dict[str, int]) -> list[str]:
    problems = []
    ws = conn.execute("SELECT slug, created_by FROM workspaces WHERE id = ?",
                      (ids["workspace"],)).fetchone()
    slug = str(ws[0]) if ws else ""
    if ws is None:
        return ["the new workspace is not there"]
    if not valid_slug(slug):
        problems.append(f"the new workspace's slug {slug!r} breaks the slug rule")
    if conn.execute("SELECT COUNT(*) FROM workspaces WHERE slug = ?", (slug,)).fetchone()[0] != 1:
        problems.append(f"the slug {slug!r} is not unique")
    roles = dict(conn.execute("SELECT user_id, role FROM workspace_members "
                              "WHERE workspace_id = ?", (ids["workspace"],)).fetchall())
    if roles.get(ids["owner"]) != "admin":
        problems.append("the creator is not the new workspace's admin")
    if roles.get(ids["guest"]) != "editor":
        problems.append("the invited user is not an editor of the new workspace")
    if conn.execute("SELECT COUNT(*) FROM workspace_settings WHERE workspace_id = ?",
                    (ids["workspace"],)).fetchone()[0] != 1:
        problems.append("the new workspace has no settings row")
    for who in ("owner", "guest"):
        row = conn.execute(
            "SELECT u.current_workspace_id, EXISTS (SELECT 1 FROM workspace_members m WHERE "
            "m.user_id = u.id AND m.workspace_id = u.current_workspace_id) FROM users u "
            "WHERE u.id = ?", (ids[who],)).fetchone()
        if row is None or row[0] is None or not row[1]:
            problems.append(f"the {who} has no current workspace they are a member of")
    return problems


def workspace_flow(db: str | Path, *, workdir: str | Path | None = None) -> FlowResult:
    """Register, create, invite and accept on a scratch copy of `db`; verify the rows."""
    result = FlowResult(False)
    with tempfile.TemporaryDirectory(prefix="wsadmin-scratch-", dir=workdir) as tmp:
        copy = Path(tmp) / "scratch.db"
        copy_to_scratch(Path(db), copy)
        result.did.append("copied the database to a scratch file (SQLite's backup API)")
        result.checks_before = findings.check(copy, CHECKS)
        conn = connect_rw(copy)
        try:
            try:
                ids = _play(conn, result.did)
            except Refused as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                result.problems.append(exc.one_line())
                return result
            result.problems += _verify(conn, ids)
        finally:
            conn.close()
        result.checks_after = findings.check(copy, CHECKS)
    for change in findings.diff(result.checks_before, result.checks_after):
        if change["worse"]:
            result.problems.append(f"{change['id']}: {change['before']} -> {change['after']}")
    result.did.append("deleted the scratch copy")
    result.ok = not result.problems
    return result
