"""Every fix SCHEMA.md offers, by check id (the first listed is the default)."""

from __future__ import annotations

from typing import Final

from wsadmin.db.health import fix_rows as rows
from wsadmin.db.health import fix_users as users
from wsadmin.db.health import fix_workspaces as ws
from wsadmin.db.health.checks_rows import DANGLING, WITHOUT
from wsadmin.db.health.fix_plan import Fix
from wsadmin.db.health.fix_schema import SCHEMA_FIXES

PERSONAL: Final = ("As registration does: a workspace \"{username}'s Workspace\" with its slug by "
                   "the backend's rule, the user as its admin, default settings, set as the "
                   "user's current workspace.")
DEFAULT: Final = ("As revision 002 does: `default` (created with its settings when missing), "
                  "membership with the role the user's global role maps to, set as current; "
                  "its creator becomes admin if it has no active one.")


def _users(where: str) -> tuple[Fix, ...]:
    return (Fix("personal", "Give each user a personal workspace", PERSONAL,
                users.to_personal(where)),
            Fix("default", "Put the users in the default workspace", DEFAULT,
                users.to_default(where)))


def _rows(condition: str, tables: tuple[str, ...]) -> tuple[Fix, ...]:
    return (Fix("creator", "Move each row to its creator's current workspace",
                "Each row moves to the current workspace of its creator (CSV data to its "
                "chart's, logs to their user's) when that workspace exists; others are left "
                "and counted.", rows.rows_to_creator(condition, tables)),
            Fix("default", "Move the rows to the default workspace",
                "Every row moves to `default`, made as revision 002 makes it when missing.",
                rows.rows_to_default(condition, tables)))


FIXES: Final[dict[str, tuple[Fix, ...]]] = {
    "users_without_workspace": _users(users.USERS_WITHOUT),
    "users_dangling_workspace": _users(users.USERS_DANGLING),
    "users_not_member_of_current": (
        Fix("add_membership", "Add them to their current workspace as viewers",
            "Each user becomes a viewer of the workspace they have selected.",
            users.plan_add_membership),
        Fix("switch", "Switch them to a workspace they belong to",
            "The current workspace becomes the user's oldest membership; users with no "
            "membership are left and counted.", users.plan_switch),
    ),
    "duplicate_slugs": (
        Fix("rename", "Rename the colliding slugs",
            "In each collision the oldest workspace keeps its slug; the others get a new one "
            "by the backend's slug rule (-1, -2, ... while taken).", ws.plan_rename_duplicates),
    ),
    "invalid_slugs": (
        Fix("rename", "Rename the invalid slugs",
            "Each invalid slug is replaced by the backend's slug rule applied to it "
            "(-1, -2, ... while taken).", ws.plan_rename_invalid),
    ),
    "workspaces_without_admin": (
        Fix("promote_oldest", "Promote the oldest active member",
            "The active member who joined first becomes admin; workspaces without one are "
            "left and counted.", ws.plan_promote_oldest),
        Fix("promote_user", "Make a chosen user admin",
            "The active user given with --user becomes admin (joining if needed) of every "
            "workspace without one, or only of --workspace (slug or id).",
            ws.plan_promote_user, ("user", "workspace")),
    ),
    "workspaces_without_settings": (
        Fix("create_defaults", "Create default settings",
            "Each workspace gets the settings the backend gives a new workspace.",
            ws.plan_create_settings),
    ),
    "workspace_creator_missing": (
        Fix("reassign", "Make an active admin the creator",
            "created_by becomes the workspace's earliest-joined active admin; workspaces "
            "without one are left and counted.", ws.plan_reassign_workspace_creator),
    ),
    "rows_without_workspace": _rows(WITHOUT, rows.WITHOUT_TABLES),
    "rows_dangling_workspace": _rows(DANGLING, rows.DANGLING_TABLES),
    "rows_orphaned_creator": (
        Fix("reassign", "Make the workspace's creator their creator",
            "created_by becomes the creator of the row's workspace, when that user exists.",
            rows.plan_reassign_row_creators),
    ),
    "memberships_dangling": (
        Fix("delete", "Delete the dangling memberships",
            "Deletes memberships whose user or workspace does not exist (what the ORM's "
            "cascade would have done).", ws.plan_delete_memberships),
    ),
    "invalid_roles": (
        Fix("viewer", "Make them viewers (least privilege)",
            "Every invalid role or permission level becomes viewer.", ws.plan_viewer),
    ),
    "isolation_violations": (
        Fix("follow_parent", "Move each row to its parent's workspace",
            "Data sources follow their connection, charts their data source, CSV data its "
            "chart; rows whose parent is missing, and dashboard-chart links, are left and "
            "counted.", rows.plan_follow_parent),
        Fix("unlink", "Delete the dashboard-chart links across workspaces",
            "Deletes dashboard_charts rows joining a dashboard and a chart of different "
            "workspaces, or a missing one (the chart and dashboard stay).", rows.plan_unlink),
    ),
    "stale_connection_permissions": (
        Fix("delete", "Delete the stale permissions",
            "Deletes permissions of users outside the connection's workspace, and of gone "
            "connections, users or granters.", ws.plan_delete_stale_permissions),
    ),
    "users_unreadable": (
        Fix("fill_defaults", "Fill what the backend cannot read",
            "email_verified and is_active NULL become 0 (as revision 002 does); a created_at "
            "that is not a timestamp becomes updated_at or last_login when those are "
            "timestamps, else now.", users.plan_fill_defaults),
    ),
    **SCHEMA_FIXES,
}


def fixes_for(check_id: str) -> tuple[Fix, ...]:
    return FIXES.get(check_id, ())
