"""The list of health checks: one record per check id of SCHEMA.md."""

from __future__ import annotations

from typing import Final

from wsadmin.db.contract import WORKSPACE_SCOPED_TABLES
from wsadmin.db.health import checks as c
from wsadmin.db.health.fixes import fixes_for
from wsadmin.db.health.model import Check, Severity

WORKSPACE_REVISIONS: Final = ("001", "002")
SCOPED_WS: Final = tuple(f"{t}.workspace_id" for t in WORKSPACE_SCOPED_TABLES)
SCOPED_OWNER: Final = tuple(f"{t}.owner_id" for t in WORKSPACE_SCOPED_TABLES)
MEMBERS: Final = ("workspace_members.workspace_id", "workspace_members.user_id")
USERS: Final = ("users.id", "users.username")


def _check(id: str, title: str, explanation: str, severity: Severity, sql: str,
           columns: tuple[str, ...], requires: tuple[str, ...] = (),
           revisions: tuple[str, ...] | None = WORKSPACE_REVISIONS, cost: int = 1,
           run: c.CheckFuncT | None = None) -> Check:
    return Check(id=id, title=title, explanation=" ".join(explanation.split()),
                 severity=severity, sql=sql, columns=columns,
                 run=run if run is not None else c.sql_check(sql), requires=requires,
                 revisions=revisions, fixes=fixes_for(id), cost=cost)


CHECKS: Final[tuple[Check, ...]] = (
    _check(
        "users_without_workspace", "Users without a workspace",
        """Users whose current_workspace_id is NULL. The backend answers every API call
        these users make with 400 Bad Request (the runbook's "Users without workspace
        assignments"). Revision 002 should have put them in the default workspace.""",
        Severity.CRITICAL, c.USERS_WITHOUT_WORKSPACE, ("user_id", "username"),
        (*USERS, "users.current_workspace_id"), cost=2),
    _check(
        "users_dangling_workspace", "Users whose workspace was deleted",
        """Users whose current_workspace_id names a workspace that does not exist (it was
        deleted without moving them). The backend fails their requests like those of users
        without a workspace (400 Bad Request, or 404 for the workspace).""",
        Severity.CRITICAL, c.USERS_DANGLING_WORKSPACE, ("user_id", "username", "workspace_id"),
        (*USERS, "users.current_workspace_id", "workspaces.id"), cost=3),
    _check(
        "users_not_member_of_current", "Users outside their current workspace",
        """Users whose current workspace exists but who are not a member of it. The backend
        refuses their requests with 403 Forbidden, or shows them a workspace they may not
        see.""",
        Severity.CRITICAL, c.USERS_NOT_MEMBER_OF_CURRENT,
        ("user_id", "username", "workspace_id", "workspace"),
        (*USERS, "users.current_workspace_id", "workspaces.name", *MEMBERS), cost=4),
    _check(
        "duplicate_slugs", "Workspaces sharing a slug",
        """Workspaces whose slugs are equal after lower(trim(slug)). Creating or renaming a
        workspace fails with a slug conflict, and URLs by slug open the wrong workspace
        (the runbook's "Duplicate workspace slugs"; its query only finds exact
        duplicates).""",
        Severity.WARNING, c.DUPLICATE_SLUGS,
        ("workspace_id", "workspace", "slug", "normalized", "sharing"),
        ("workspaces.slug", "workspaces.name")),
    _check(
        "workspaces_without_admin", "Workspaces without an admin",
        """Workspaces with no admin member (a membership counts only if its user exists).
        Nobody can invite members, rename or delete them. After 002 this is expected for
        `default` when it only received rows, not users.""",
        Severity.WARNING, c.WORKSPACES_WITHOUT_ADMIN,
        ("workspace_id", "workspace", "slug", "members"),
        ("workspaces.name", "workspaces.slug", *MEMBERS, "workspace_members.role", *USERS)),
    _check(
        "rows_without_workspace", "Dashboards, connections, queries without a workspace",
        """Workspace-scoped rows (dashboards, connections, saved queries) whose workspace_id
        is NULL. No workspace lists them: their owners cannot see them, and at 002 the NOT
        NULL constraint makes every update of such a row fail.""",
        Severity.CRITICAL, c.ROWS_WITHOUT_WORKSPACE,
        ("table", "row_id", "label", "owner_id", "owner", "workspace_id"),
        (*SCOPED_WS, *SCOPED_OWNER, *USERS), cost=3),
    _check(
        "rows_dangling_workspace", "Dashboards, connections, queries in a deleted workspace",
        """Workspace-scoped rows whose workspace_id names a workspace that does not exist.
        Nobody can see them; opening them by id gives 404 Not Found.""",
        Severity.CRITICAL, c.ROWS_DANGLING_WORKSPACE,
        ("table", "row_id", "label", "owner_id", "owner", "workspace_id"),
        (*SCOPED_WS, *SCOPED_OWNER, *USERS, "workspaces.id"), cost=5),
    _check(
        "memberships_dangling", "Memberships of deleted users or workspaces",
        """Rows of workspace_members naming a user or a workspace that does not exist
        (deleted with foreign keys off, so ON DELETE CASCADE did not run). Member lists
        show ghosts and the member count is wrong.""",
        Severity.WARNING, c.MEMBERSHIPS_DANGLING,
        ("workspace_id", "workspace", "user_id", "username", "role", "problem"),
        (*MEMBERS, "workspace_members.role", "workspaces.name", *USERS), cost=4),
    _check(
        "isolation_violations", "Rows their owner cannot see",
        """Workspace-scoped rows whose owner is not a member of the row's workspace, and
        saved queries whose connection lives in another workspace. The owner gets 403 or
        404 for their own dashboard; a query runs against another workspace's connection,
        which breaks workspace isolation.""",
        Severity.CRITICAL, c.ISOLATION_VIOLATIONS,
        ("table", "row_id", "label", "owner", "workspace_id", "workspace", "problem"),
        (*SCOPED_WS, *SCOPED_OWNER, "saved_queries.connection_id", "workspaces.name", *MEMBERS,
         *USERS, "connections.id"),
        cost=8),
    _check(
        "sqlite_integrity", "SQLite file integrity",
        """PRAGMA integrity_check (on files over 256 MiB PRAGMA quick_check, unless the full
        check is asked for) reports damage: the backend may fail with "database disk image
        is malformed" at any time. Restore a backup; do not write to the file.""",
        Severity.CRITICAL, "PRAGMA integrity_check", ("problem",), revisions=None,
        run=c.run_integrity, cost=10),
    _check(
        "foreign_keys", "Broken references (foreign_key_check)",
        """PRAGMA foreign_key_check lists rows whose reference names a missing row (a user,
        workspace or connection deleted with foreign keys off). The backend fails with 500
        or hides the rows.""",
        Severity.WARNING, "PRAGMA foreign_key_check",
        ("table", "row_id", "column", "value", "parent"), revisions=None,
        run=c.run_foreign_keys, cost=9),
    _check(
        "schema_drift", "Schema differs from its revision",
        """The tables, columns, NOT NULL flags or indexes differ from what the recorded
        revision creates (compared with a scratch database built by the project's own
        migrations). Someone changed the schema by hand: the next upgrade may fail, and a
        missing index makes the backend slow.""",
        Severity.WARNING, "SELECT type, name, tbl_name, sql FROM sqlite_master",
        ("kind", "table", "name", "detail"), revisions=None, run=c.run_schema_drift, cost=2),
    _check(
        "half_upgrade", "Interrupted migration",
        """Leftover _alembic_tmp_* tables, or a recorded revision whose tables or columns are
        not there: an earlier migration died half-way. Upgrades refuse to run until it is
        cleaned up; the backend may fail with "no such column".""",
        Severity.CRITICAL, c.LEFTOVER_TABLES, ("problem", "table"), revisions=None,
        run=c.run_half_upgrade),
)

BY_ID: Final[dict[str, Check]] = {check.id: check for check in CHECKS}
IDS: Final = tuple(BY_ID)


def get(check_id: str) -> Check:
    try:
        return BY_ID[check_id]
    except KeyError:
        from wsadmin.db.common.errors import Refused

        raise Refused(f"unknown check {check_id!r}",
                      "choose one of: " + ", ".join(IDS)) from None
