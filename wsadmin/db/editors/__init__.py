"""Users and workspaces editors, Qt-free: filters to ids, rows by ids, edits that say
what changed. The GUI's editors and `wsadmin user|workspace` both sit on this API.

Reading (any connection; read-only is enough; nothing reads a password hash or
the redis password). Reads work from revision 001's shape on (the GUI shows
such a database read-only); `require_readable(conn)` raises NotEditable saying
what is missing below that (legacy). Edits need head.

    ids = user_ids(conn, UserFilter(text="ann", inactive=True), sort="username")
    rows = user_rows(conn, ids[0:200])          # UserRow, in the order of the ids
    for chunk in user_id_chunks(conn, flt, sort): ...   # ids in chunks, first one early
    count_users(conn, flt); user_detail(conn, uid) -> UserDetail(row, memberships)
    workspace_ids(conn, WorkspaceFilter(...), sort) / workspace_rows(conn, ids)
    member_ids(conn, wid, ...) / member_rows(conn, wid, user_ids)
    permissions(conn, wid) -> [PermissionRow(..., stale=reason or None)]
    settings_of(conn, wid) -> SettingsView(redis_password_set: bool, ...)
    preview_user_delete(conn, uid), preview_workspace_delete(conn, wid, rows_to, users_to),
    plan_move(conn, source, table, ids, target, links=) -> MovePlan

Sort keys: USER_SORTS, WORKSPACE_SORTS, MEMBER_SORTS. Costs at 1,000,000 users:
see users_read's docstring (ids 0.6-0.9 s, text filter 0.4-0.7 s under load,
a page ~1 ms); user_ids takes `limit=` so a view can fetch its first page's
ids at once and the rest in the background.

Validating as the operator types (read-only, FieldError(field, message, hint)):

    check_username(conn, name); check_email(conn, email, user_id=None)
    check_workspace_name(name); suggest_slug(conn, name) -> the backend's next slug
    new_password_hash(password, confirm) -> "$2b$12$..." (0.25 s: off the GUI thread,
    and before the edit's transaction)

Editing: a function over a connection inside the caller's transaction; it
validates everything first (FieldError names the input: errors.FIELDS), then
writes and returns a Change (counts, users/workspaces whose rows to re-read,
created/deleted id, notes). Run one through the runner:

    result = run_edit(path, "user.edit", lambda c: edit_user(c, uid, email=...),
                      audit_fields={"user_id": uid}, on_busy=show_message)
    result.change.users -> re-read those rows in place (refresh_all: every cached page)

    add_user(c, username, email, password_hash, join=None|wid, role=, global_role=)
    edit_user(c, uid, email=, active=, global_role=, current_workspace=, successor=)
    set_password(c, uid, password_hash); deactivate_user(c, uid, successor=)
    delete_user(c, uid, heir)                                    # backup=True
    add_member(c, wid, uid, role); set_member_role(c, wid, uid, role)
    remove_member(c, wid, uid, new_current=)
    create_workspace(c, name, creator); rename_workspace(c, wid, name)
    update_settings(c, wid, SettingsEdit(...)); remove_stale_permissions(c, wid, ids)
    move_rows(c, source, table, ids, target, links=)            # backup if plan.needs_backup
    delete_workspace(c, wid, rows_to, users_to)                  # backup=True

Invariants every edit keeps: no user is left without a workspace, no
workspace without an active admin, no row in a deleted workspace; passwords
are bcrypt `$2b$12$` (60 characters) and never shown back.

State: edits require head. `editability_of(status)` (or `editability(state,
recorded, offer)`) says whether the editors may write and, if not, why and
which action fixes it (`upgrade`, `adopt`, `repair`, `init`); run_edit refuses
with NotEditable otherwise. SQLITE_BUSY: retried (on_busy gets one line per
wait), then DatabaseLocked naming who holds the file.
"""

from wsadmin.db.editors.change import Change, combine
from wsadmin.db.editors.errors import (
    FIELDS,
    Editability,
    FieldError,
    NotEditable,
    editability,
    editability_of,
)
from wsadmin.db.editors.members import add_member, remove_member, set_member_role
from wsadmin.db.editors.move import BACKUP_ABOVE, MOVABLE, MovePlan, move_rows, plan_move
from wsadmin.db.editors.runner import (
    EditResult,
    read,
    require_head,
    require_readable,
    run_edit,
    scrub,
)
from wsadmin.db.editors.users_delete import UserDeletePreview, delete_user, preview_user_delete
from wsadmin.db.editors.users_edit import (
    GLOBAL_ROLE_GATES,
    add_user,
    deactivate_user,
    edit_user,
    set_password,
)
from wsadmin.db.editors.users_read import (
    USER_SORTS,
    Membership,
    UserDetail,
    UserFilter,
    UserRow,
    count_users,
    user_detail,
    user_id_chunks,
    user_ids,
    user_rows,
)
from wsadmin.db.editors.validate import (
    check_email,
    check_username,
    check_workspace_name,
    new_password_hash,
    suggest_slug,
)
from wsadmin.db.editors.workspaces_delete import (
    WorkspaceDeletePreview,
    delete_workspace,
    preview_workspace_delete,
)
from wsadmin.db.editors.workspaces_edit import (
    SettingsEdit,
    create_workspace,
    remove_stale_permissions,
    rename_workspace,
    update_settings,
)
from wsadmin.db.editors.workspaces_read import (
    MEMBER_SORTS,
    WORKSPACE_SORTS,
    MemberRow,
    PermissionRow,
    SettingsView,
    WorkspaceFilter,
    WorkspaceRow,
    member_ids,
    member_rows,
    permissions,
    settings_of,
    workspace_ids,
    workspace_rows,
)

__all__ = [
    "BACKUP_ABOVE", "FIELDS", "GLOBAL_ROLE_GATES", "MEMBER_SORTS", "MOVABLE", "USER_SORTS",
    "WORKSPACE_SORTS", "Change", "EditResult", "Editability", "FieldError", "MemberRow",
    "Membership", "MovePlan", "NotEditable", "PermissionRow", "SettingsEdit", "SettingsView",
    "UserDeletePreview", "UserDetail", "UserFilter", "UserRow", "WorkspaceDeletePreview",
    "WorkspaceFilter", "WorkspaceRow", "add_member", "add_user", "check_email",
    "check_username", "check_workspace_name", "combine", "count_users", "create_workspace",
    "deactivate_user", "delete_user", "delete_workspace", "edit_user", "editability",
    "editability_of", "member_ids", "member_rows", "move_rows", "new_password_hash",
    "permissions", "plan_move", "preview_user_delete", "preview_workspace_delete", "read",
    "remove_member", "remove_stale_permissions", "rename_workspace", "require_head",
    "require_readable", "run_edit",
    "scrub", "set_member_role", "set_password", "settings_of", "suggest_slug", "update_settings",
    "user_detail", "user_id_chunks", "user_ids", "user_rows", "workspace_ids", "workspace_rows",
]
