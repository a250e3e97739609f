"""Checks of workspace-scoped rows: where they live, who made them, what they link."""

from __future__ import annotations

from typing import Final

from wsadmin.db.health.model import Check, Facts, Severity
from wsadmin.db.health.querying import head_facts, skipped_note, sql_check, union
from wsadmin.db.health.secret_columns import describe_config, is_encrypted_config

SCOPED: Final = ("dashboards", "charts", "connections", "data_sources", "csv_data")
"""Tables whose rows must have a workspace (SCHEMA.md; logs may have NULL)."""
WITH_CREATOR: Final = ("dashboards", "charts", "connections", "data_sources")


def label(table: str, alias: str = "r") -> str:
    """A readable name for a row of `table`."""
    if table == "csv_data":
        return f"'data of chart ' || {alias}.chart_id"
    if table == "logs":
        return f"{alias}.action"
    return f"{alias}.name"


def creator_column(table: str) -> str | None:
    return {"logs": "user_id", "csv_data": None}.get(table, "created_by")


def _row_part(f: Facts, table: str, condition: str) -> str:
    if not f.has(f"{table}.workspace_id"):
        return ""
    who = creator_column(table)
    by = f"r.{who}" if who and f.has(f"{table}.{who}") else "NULL"
    creator = (f"(SELECT u.username FROM users AS u WHERE u.id = r.{who})"
               if by != "NULL" else "NULL")
    return (f"SELECT '{table}' AS \"table\", r.id AS row_id, {label(table)} AS name,\n"
            f"       r.workspace_id AS workspace_id, {by} AS created_by, {creator} AS creator\n"
            f"FROM {table} AS r\nWHERE {condition}")


WITHOUT: Final = "r.workspace_id IS NULL"
DANGLING: Final = ("r.workspace_id IS NOT NULL\n"
                   "  AND NOT EXISTS (SELECT 1 FROM workspaces AS w WHERE w.id = r.workspace_id)")


def rows_without_sql(f: Facts) -> str:
    return union((_row_part(f, t, WITHOUT) for t in SCOPED), '"table", row_id')


def rows_dangling_sql(f: Facts) -> str:
    return union((_row_part(f, t, DANGLING) for t in (*SCOPED, "logs")), '"table", row_id')


def rows_orphaned_sql(f: Facts) -> str:
    parts = []
    for t in WITH_CREATOR:
        if f.has(f"{t}.created_by"):
            ws = "r.workspace_id" if f.has(f"{t}.workspace_id") else "NULL"
            parts.append(
                f"SELECT '{t}' AS \"table\", r.id AS row_id, r.name AS name,\n"
                f"       {ws} AS workspace_id, r.created_by AS created_by\n"
                f"FROM {t} AS r\nWHERE r.created_by IS NULL\n"
                "   OR NOT EXISTS (SELECT 1 FROM users AS u WHERE u.id = r.created_by)")
    return union(parts, '"table", row_id')


def _link(table: str, name: str, ws: str, parent: str, parent_id: str, problem: str,
          source: str) -> str:
    return (f"SELECT '{table}' AS \"table\", r.id AS row_id, {name} AS name,\n"
            f"       {ws} AS workspace_id, '{parent}' AS parent_table, {parent_id} AS parent_id,\n"
            f"       p.workspace_id AS parent_workspace_id,\n       {problem} AS problem\n"
            f"{source}")


def _missing_or_moved(what: str) -> str:
    return (f"CASE WHEN p.id IS NULL THEN 'its {what} is missing'\n"
            f"            ELSE 'its {what} is in another workspace' END")


ISOLATION_SOURCES: Final = {
    "data_sources": "FROM data_sources AS r LEFT JOIN connections AS p ON p.id = r.connection_id\n"
                    "WHERE p.id IS NULL OR p.workspace_id IS NOT r.workspace_id",
    "charts": "FROM charts AS r LEFT JOIN data_sources AS p ON p.id = r.data_source_id\n"
              "WHERE r.data_source_id IS NOT NULL\n"
              "  AND (p.id IS NULL OR p.workspace_id IS NOT r.workspace_id)",
    "csv_data": "FROM csv_data AS r LEFT JOIN charts AS p ON p.id = r.chart_id\n"
                "WHERE p.id IS NULL OR p.workspace_id IS NOT r.workspace_id",
    "dashboard_charts": "FROM dashboard_charts AS r\n"
                        "LEFT JOIN dashboards AS d ON d.id = r.dashboard_id\n"
                        "LEFT JOIN charts AS p ON p.id = r.chart_id\n"
                        "WHERE d.id IS NULL OR p.id IS NULL\n"
                        "   OR d.workspace_id IS NOT p.workspace_id",
}
"""Each child table's offending rows (alias r, parent p), shared by the check and its fixes."""

ISOLATION_NEEDS: Final = {
    "data_sources": ("data_sources.connection_id", "data_sources.workspace_id",
                     "connections.workspace_id"),
    "charts": ("charts.data_source_id", "charts.workspace_id", "data_sources.workspace_id"),
    "csv_data": ("csv_data.chart_id", "csv_data.workspace_id", "charts.workspace_id"),
    "dashboard_charts": ("dashboard_charts.dashboard_id", "dashboard_charts.chart_id",
                         "dashboards.workspace_id", "charts.workspace_id"),
}

ISOLATION_PARTS: Final = (
    (ISOLATION_NEEDS["data_sources"],
     _link("data_sources", "r.name", "r.workspace_id", "connections", "r.connection_id",
           _missing_or_moved("connection"), ISOLATION_SOURCES["data_sources"])),
    (ISOLATION_NEEDS["charts"],
     _link("charts", "r.name", "r.workspace_id", "data_sources", "r.data_source_id",
           _missing_or_moved("data source"), ISOLATION_SOURCES["charts"])),
    (ISOLATION_NEEDS["csv_data"],
     _link("csv_data", label("csv_data"), "r.workspace_id", "charts", "r.chart_id",
           _missing_or_moved("chart"), ISOLATION_SOURCES["csv_data"])),
    (ISOLATION_NEEDS["dashboard_charts"],
     _link("dashboard_charts", "coalesce(d.name, '?') || ' / ' || coalesce(p.name, '?')",
           "d.workspace_id", "charts", "r.chart_id",
           "CASE WHEN d.id IS NULL AND p.id IS NULL THEN 'its dashboard and chart are missing'\n"
           "            WHEN d.id IS NULL THEN 'its dashboard is missing'\n"
           "            WHEN p.id IS NULL THEN 'its chart is missing'\n"
           "            ELSE 'its dashboard and chart are in different workspaces' END",
           ISOLATION_SOURCES["dashboard_charts"])),
)
"""Child -> parent links that must stay inside one workspace."""


def isolation_sql(f: Facts) -> str:
    return union((sql for needs, sql in ISOLATION_PARTS if not f.missing(needs)),
                 '"table", row_id')


def _isolation_note(f: Facts) -> str:
    return skipped_note([n for needs, _s in ISOLATION_PARTS for n in needs], f)


def unencrypted_sql(f: Facts) -> str:
    ws = "c.workspace_id" if f.has("connections.workspace_id") else "NULL"
    return (f"SELECT c.id AS connection_id, c.name AS connection, c.type AS type,\n"
            f"       {ws} AS workspace_id,\n"
            f"       {describe_config('c.config')} AS config\n"
            f"FROM connections AS c\nWHERE NOT {is_encrypted_config('c.config')}\n"
            "ORDER BY c.id")


ROW_COLUMNS: Final = ("table", "row_id", "name", "workspace_id", "created_by", "creator")


def _scoped_note(f: Facts, tables: tuple[str, ...]) -> str:
    return skipped_note([f"{t}.workspace_id" for t in tables], f)


CHECKS: Final[tuple[Check, ...]] = (
    Check(
        "rows_without_workspace", "Rows without a workspace",
        "Dashboards, charts, connections, data sources and CSV data whose workspace_id is "
        "NULL (logs may have none). Every list is filtered by workspace, so nobody sees "
        "them. Revision 002 moves them into the Default Workspace.",
        Severity.CRITICAL, rows_without_sql(head_facts()), ROW_COLUMNS,
        sql_check(rows_without_sql, lambda f: _scoped_note(f, SCOPED)),
        requires=("workspaces.id",), cost=2, symptom="rows invisible to everyone"),
    Check(
        "rows_dangling_workspace", "Rows in a deleted workspace",
        "Dashboards, charts, connections, data sources, CSV data and logs whose workspace_id "
        "names no workspace. Deleting a workspace through the API leaves exactly these "
        "(only its dashboards, members and settings go with it). Whoever still has the dead "
        "workspace as their current one gets them back from the list routes: connections "
        "with their credentials decrypted.",
        Severity.CRITICAL, rows_dangling_sql(head_facts()), ROW_COLUMNS,
        sql_check(rows_dangling_sql, lambda f: _scoped_note(f, (*SCOPED, "logs"))),
        requires=("workspaces.id",), cost=18,
        symptom="orphaned data, still listed (connections decrypted) for a stale current "
                "workspace"),
    Check(
        "rows_orphaned_creator", "Rows whose creator is gone",
        "Dashboards, charts, connections and data sources whose created_by names no user "
        "(a user deleted with foreign keys off). The backend's own revision 002 refuses to "
        "run while any dashboard is like this; wsadmin's keeps them.",
        Severity.WARNING, rows_orphaned_sql(head_facts()),
        ("table", "row_id", "name", "workspace_id", "created_by"),
        sql_check(rows_orphaned_sql), requires=("users.id",), cost=10,
        symptom="the backend's own 002 refuses to run"),
    Check(
        "isolation_violations", "Rows linked across workspaces",
        "A data source whose connection, a chart whose data source, CSV data whose chart, or "
        "a dashboard-chart link whose dashboard and chart live in another workspace or are "
        "missing (each row once). One workspace's data is shown in another's dashboards and "
        "queried through another's connection.",
        Severity.SECURITY, isolation_sql(head_facts()),
        ("table", "row_id", "name", "workspace_id", "parent_table", "parent_id",
         "parent_workspace_id", "problem"),
        sql_check(isolation_sql, _isolation_note), requires=(), cost=5,
        symptom="one workspace's data shown in another"),
    Check(
        "unencrypted_connection_configs", "Connection credentials stored in clear",
        "Connections whose config is not the encrypted string the backend writes (a JSON "
        "object: host, user and password in clear text, in the database and in every backup "
        "of it). The backend serves such a config as it is. No automatic fix: encrypting "
        "needs the backend's key; re-save the connection in the backend. Only "
        "\"NOT ENCRYPTED\" is shown, never the config.",
        Severity.WARNING, unencrypted_sql(head_facts()),
        ("connection_id", "connection", "type", "workspace_id", "config"),
        sql_check(unencrypted_sql), requires=("connections.id", "connections.config"), cost=3,
        symptom="credentials stored in clear text"),
)
