"""Revision 002's data: the Default Workspace (SCHEMA.md "`002` in detail", steps 1-7).

Every statement is set-based and linear in rows; the workspace's id is read
back, never assumed. Timestamps are the backend's (`YYYY-MM-DD HH:MM:SS.ffffff`,
UTC). The predicates the downgrade uses (`in_default`, `DEFAULT_OWNED`) are the
ones costs.py counts with, so the rollback plan's numbers are what it removes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Final

from wsadmin.db.common.errors import Refused
from wsadmin.db.schema.facts import WORKSPACE_SETTINGS_DEFAULTS
from wsadmin.db.schema.rebuild import Fill
from wsadmin.db.sqlite.connect import connect_ro
from wsadmin.db.sqlite.introspect import quote_ident

DEFAULT_SLUG: Final = "default"
DEFAULT_NAME: Final = "Default Workspace"
SCOPED: Final = ("dashboards", "charts", "connections")
"""Tables whose workspace_id 002 makes NOT NULL."""

ASSIGNED: Final = (("users", "current_workspace_id"), *((t, "workspace_id") for t in SCOPED),
                   ("logs", "workspace_id"))
"""Columns that 002 points at `default` and its downgrade points back at nothing."""

DEFAULT_OWNED: Final = (("workspace_members", "workspace_id"),
                        ("workspace_settings", "workspace_id"), ("workspaces", "id"))
"""Rows the downgrade deletes with `default`, in that order."""

_CREATOR = ("SELECT id FROM users ORDER BY CASE WHEN is_active = 1 AND role = 'admin' THEN 0 "
            "WHEN is_active = 1 THEN 1 ELSE 2 END, id LIMIT 1")
"""Step 1's creator: lowest-id active admin, else lowest-id active user, else lowest id."""


_CHART_WORKSPACE: Final = ('COALESCE((SELECT c."workspace_id" FROM "charts" AS c '
                           'WHERE c."id" = "csv_data"."chart_id"), ?)')
"""Step 4: a csv_data row's workspace is its chart's; `default` when the chart is gone."""


class NoOwnerForDefaultWorkspace(Refused):
    hint = ("create a user first (register one in the backend, or with wsadmin's users "
            "editor), or delete those rows; nothing was changed")


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))}


def _count(conn: sqlite3.Connection, sql: str, params: tuple[object, ...] = ()) -> int:
    return int(conn.execute(sql, params).fetchone()[0])


def _orphan_csv_sql(conn: sqlite3.Connection) -> str | None:
    """csv_data rows whose workspace cannot come from a chart (step 4), or None."""
    cols = _columns(conn, "csv_data")
    if not cols:
        return None
    unset = 'x."workspace_id" IS NULL AND ' if "workspace_id" in cols else ""
    return (f'FROM "csv_data" AS x WHERE {unset}NOT EXISTS '
            '(SELECT 1 FROM "charts" AS c WHERE c."id" = x."chart_id")')


def _unassigned_sql(conn: sqlite3.Connection, table: str) -> str | None:
    cols = _columns(conn, table)
    if not cols:
        return None
    where = " WHERE workspace_id IS NULL" if "workspace_id" in cols else ""
    return f"FROM {quote_ident(table)}{where}"


def rows_without_workspace(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows 002 must give `default`: dashboards, charts, connections without a workspace
    (every row while the column is missing) and csv_data whose chart is gone."""
    found = {t: sql for t in SCOPED if (sql := _unassigned_sql(conn, t)) is not None}
    if (csv := _orphan_csv_sql(conn)) is not None:
        found["csv_data"] = csv
    return {t: _count(conn, f"SELECT COUNT(*) {sql}") for t, sql in found.items()}


def why_002_cannot_run(conn: sqlite3.Connection) -> str | None:
    """Step 7: one sentence when rows need `default` but no user can create it, else None.

    Works on any shape from legacy on, so the pipeline's preflight can ask before
    revision 001 has even run.
    """
    if _columns(conn, "users") and _count(conn, "SELECT COUNT(*) FROM users"):
        return None
    rows = {t: n for t, n in rows_without_workspace(conn).items() if n}
    if not rows:
        return None
    detail = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in rows.items())
    return (f"{sum(rows.values())} rows have no workspace ({detail}) and the database has "
            "no user at all, so revision 002 cannot give them a Default Workspace with an "
            "owner")


def _needs_default(conn: sqlite3.Connection) -> bool:
    tests = ["SELECT 1 FROM users WHERE current_workspace_id IS NULL"]
    tests += [f"SELECT 1 {sql}" for t in SCOPED if (sql := _unassigned_sql(conn, t))]
    if (csv := _orphan_csv_sql(conn)) is not None:
        tests.append(f"SELECT 1 {csv}")
    return any(conn.execute(f"{sql} LIMIT 1").fetchone() for sql in tests)


def default_id(conn: sqlite3.Connection) -> int | None:
    if not _columns(conn, "workspaces"):
        return None
    row = conn.execute("SELECT id FROM workspaces WHERE slug = ? ORDER BY id LIMIT 1",
                       (DEFAULT_SLUG,)).fetchone()
    return None if row is None else int(row[0])


def ensure_default(conn: sqlite3.Connection, now: str) -> int | None:
    """Step 1: `default`'s id when someone or something needs it (reused if it exists)."""
    if not _needs_default(conn):
        return None
    why = why_002_cannot_run(conn)
    if why is not None:
        raise NoOwnerForDefaultWorkspace(why)
    conn.execute(
        "INSERT INTO workspaces (name, slug, created_by, created_at, updated_at) "
        f"SELECT ?, ?, ({_CREATOR}), COALESCE((SELECT MIN(created_at) FROM users), ?), ? "
        "WHERE NOT EXISTS (SELECT 1 FROM workspaces WHERE slug = ?)",
        (DEFAULT_NAME, DEFAULT_SLUG, now, now, DEFAULT_SLUG))
    return default_id(conn)


def add_memberships(conn: sqlite3.Connection, workspace: int, now: str) -> int:
    """Step 2: every user without a current workspace, active or not, joins `default`
    with the role users.role maps to (anything but admin or editor is viewer)."""
    cur = conn.execute(
        "INSERT INTO workspace_members (workspace_id, user_id, role, invited_by, joined_at) "
        "SELECT ?, u.id, CASE u.role WHEN 'admin' THEN 'admin' WHEN 'editor' THEN 'editor' "
        "ELSE 'viewer' END, u.id, COALESCE(u.created_at, ?) FROM users AS u "
        "WHERE u.current_workspace_id IS NULL AND NOT EXISTS (SELECT 1 FROM workspace_members"
        " AS m WHERE m.workspace_id = ? AND m.user_id = u.id)", (workspace, now, workspace))
    return cur.rowcount


def guarantee_admin(conn: sqlite3.Connection, workspace: int, now: str) -> None:
    """Step 2, end: without an active admin member, `default`'s creator becomes admin
    (its step-1 pick instead when a reused `default` names a creator who is gone)."""
    no_admin = conn.execute(
        "SELECT NOT EXISTS (SELECT 1 FROM workspace_members AS m JOIN users AS u "
        "ON u.id = m.user_id WHERE m.workspace_id = ? AND m.role = 'admin' "
        "AND u.is_active = 1)", (workspace,)).fetchone()[0]
    if not no_admin:
        return
    admin = conn.execute(
        "SELECT COALESCE((SELECT u.id FROM users AS u WHERE u.id = w.created_by), "
        f"({_CREATOR})) FROM workspaces AS w WHERE w.id = ?", (workspace,)).fetchone()[0]
    conn.execute("UPDATE workspace_members SET role = 'admin' "
                 "WHERE workspace_id = ? AND user_id = ? AND role <> 'admin'", (workspace, admin))
    conn.execute(
        "INSERT INTO workspace_members (workspace_id, user_id, role, invited_by, joined_at) "
        "SELECT ?, ?, 'admin', ?, COALESCE((SELECT created_at FROM users WHERE id = ?), ?) "
        "WHERE NOT EXISTS (SELECT 1 FROM workspace_members WHERE workspace_id = ? "
        "AND user_id = ?)", (workspace, admin, admin, admin, now, workspace, admin))


def ensure_settings(conn: sqlite3.Connection, workspace: int, now: str) -> None:
    """Step 5: the backend's default workspace_settings row, unless one exists."""
    names = [n for n, _ in WORKSPACE_SETTINGS_DEFAULTS]
    values = tuple(v for _, v in WORKSPACE_SETTINGS_DEFAULTS)
    cols = ", ".join(quote_ident(n) for n in (*names, "updated_at"))
    marks = ", ".join("?" for _ in range(len(names) + 1))
    conn.execute(
        f"INSERT INTO workspace_settings (workspace_id, {cols}) SELECT ?, {marks} "
        "WHERE NOT EXISTS (SELECT 1 FROM workspace_settings WHERE workspace_id = ?)",
        (workspace, *values, now, workspace))


def upgrade_fills(workspace: int | None) -> dict[str, list[Fill]]:
    """Steps 2-4 and 6 as values written while 002 rebuilds (or updates) each table."""
    fills: dict[str, list[Fill]] = {"users": [
        Fill("email_verified", "0"), Fill("is_active", "0"), Fill("role", "?", ("viewer",))]}
    if workspace is None:
        # Nothing lacks a workspace (step 1), so every csv_data row has its chart.
        fills["csv_data"] = [Fill("workspace_id", _CHART_WORKSPACE, (None,))]
        return fills
    fills["users"].insert(0, Fill("current_workspace_id", "?", (workspace,)))
    for table in SCOPED:
        fills[table] = [Fill("workspace_id", "?", (workspace,))]
    fills["logs"] = [Fill("workspace_id", "?", (workspace,),
                          when='"workspace_id" IS NULL AND "user_id" IS NOT NULL')]
    fills["csv_data"] = [Fill("workspace_id", _CHART_WORKSPACE, (workspace,))]
    return fills


def in_default(workspace: int) -> dict[str, list[Fill]]:
    """The downgrade's un-assignments: every row and user pointing at `default`."""
    return {table: [Fill(column, "NULL", when=f"{quote_ident(column)} = ?",
                         when_params=(workspace,))] for table, column in ASSIGNED}


def delete_default(conn: sqlite3.Connection, workspace: int) -> None:
    for table, column in DEFAULT_OWNED:
        conn.execute(f"DELETE FROM {quote_ident(table)} WHERE {quote_ident(column)} = ?",
                     (workspace,))


def reused_default(conn: sqlite3.Connection, backup: Path | None = None) -> str | None:
    """Why downgrading 002 would destroy a `default` that 002 did not create, or None.

    Detected when its name is not the one 002 gives, or when the pre-upgrade
    backup (if given) already had a workspace with that slug.
    """
    if default_id(conn) is None:
        return None
    name = conn.execute("SELECT name FROM workspaces WHERE slug = ? ORDER BY id LIMIT 1",
                        (DEFAULT_SLUG,)).fetchone()[0]
    if name != DEFAULT_NAME:
        return (f"the workspace 'default' is named {name!r}, not {DEFAULT_NAME!r}: revision "
                "002 reused it, and undoing 002 deletes it with its older memberships")
    if backup is not None:
        old = connect_ro(backup, immutable=True)
        try:
            had = default_id(old) is not None
        finally:
            old.close()
        if had:
            return ("the pre-upgrade backup already has the workspace 'default': revision 002 "
                    "reused it, and undoing 002 deletes it with its older memberships")
    return None
