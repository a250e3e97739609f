"""Fixes for workspace-scoped rows: give them a workspace, a creator, a consistent parent."""

from __future__ import annotations

import sqlite3
from typing import Final

from wsadmin.db.health.checks_rows import (
    ISOLATION_NEEDS,
    ISOLATION_SOURCES,
    SCOPED,
    WITH_CREATOR,
    creator_column,
)
from wsadmin.db.health.fix_plan import Params, Plan, PlanFunc, Planner, scalar
from wsadmin.db.health.fix_users import ensure_admin, ensure_default
from wsadmin.db.health.model import Facts

# csv_data follows its chart, so it is planned after charts.
WITHOUT_TABLES: Final = SCOPED
DANGLING_TABLES: Final = (*SCOPED, "logs")


def _existing(ref: str) -> str:
    """SQL: `ref` when it names an existing workspace, else NULL."""
    return f"(SELECT w.id FROM workspaces AS w WHERE w.id = {ref})"


def _skipped(p: Planner, table: str, target: str, source: str, why: str) -> None:
    """Say how many rows of `source` have no `target` to go to."""
    n = int(scalar(p.conn, f"SELECT COUNT(*) FROM (SELECT {target} AS v {source}) "
                           "WHERE v IS NULL"))
    if n:
        p.note(f"{n:,} row(s) of {table} {why}", n)


def rows_to_creator(condition: str, tables: tuple[str, ...]) -> PlanFunc:
    """Each row to its creator's current workspace (CSV data: to its chart's)."""
    def plan(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
        p = Planner(conn, facts)
        for t in tables:
            if not facts.has(f"{t}.workspace_id"):
                continue
            who = creator_column(t)
            if t == "csv_data":
                target = _existing(p.planned_value("charts", "workspace_id", "r.chart_id"))
                why = "have no chart in an existing workspace to follow"
            elif who is not None and facts.has(f"{t}.{who}"):
                target = _existing(f"(SELECT u.current_workspace_id FROM users AS u "
                                   f"WHERE u.id = r.{who})")
                why = ("have no creator with an existing current workspace (fix the users "
                       "first, or use the default fix)")
            else:
                continue
            source = f"FROM {t} AS r WHERE {condition}"
            p.set(t, "workspace_id", f"SELECT k, v FROM (SELECT r.id AS k, {target} AS v "
                  f"{source}) WHERE v IS NOT NULL")
            _skipped(p, t, target, source, why)
        return p.plan()
    return plan


def rows_to_default(condition: str, tables: tuple[str, ...]) -> PlanFunc:
    """Every row to `default` (made as revision 002 makes it when missing)."""
    def plan(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
        p = Planner(conn, facts)
        present = [t for t in tables if facts.has(f"{t}.workspace_id")]
        if not any(scalar(conn, f"SELECT EXISTS (SELECT 1 FROM {t} AS r WHERE {condition})")
                   for t in present):
            return p.plan()
        wid = ensure_default(p)
        ensure_admin(p, wid)
        for t in present:
            p.set(t, "workspace_id", f"SELECT r.id, ? FROM {t} AS r WHERE {condition}", (wid,))
        p.note("creators see the moved rows only if they are members of the default workspace")
        return p.plan()
    return plan


def plan_reassign_row_creators(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    """created_by of rows whose creator is gone = their workspace's creator, if that exists."""
    p = Planner(conn, facts)
    for t in WITH_CREATOR:
        if not facts.has(f"{t}.created_by") or not facts.has(f"{t}.workspace_id"):
            continue
        source = (f"FROM {t} AS r WHERE r.created_by IS NULL OR NOT EXISTS "
                  "(SELECT 1 FROM users AS u WHERE u.id = r.created_by)")
        target = ("(SELECT w.created_by FROM workspaces AS w JOIN users AS u ON u.id = "
                  "w.created_by WHERE w.id = r.workspace_id)")
        p.set(t, "created_by", f"SELECT k, v FROM (SELECT r.id AS k, {target} AS v {source}) "
              "WHERE v IS NOT NULL")
        _skipped(p, t, target, source, "are in a workspace whose creator is gone too")
    return p.plan()


PARENT: Final = {"data_sources": ("connections", "connection_id"),
                 "charts": ("data_sources", "data_source_id"),
                 "csv_data": ("charts", "chart_id")}


def plan_follow_parent(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    """Each row moves to its parent's workspace, parents first, so a chart follows where its
    data source is going; CSV data follows its chart even when only the chart moves."""
    p = Planner(conn, facts)
    for t, (parent, ref) in PARENT.items():
        if facts.missing(ISOLATION_NEEDS[t]):
            continue
        target = p.planned_value(parent, "workspace_id", f"r.{ref}")
        source = ISOLATION_SOURCES[t]
        scope = f"SELECT r.id {source}"
        if t == "csv_data":
            scope += ("\nUNION SELECT r.id FROM csv_data AS r WHERE r.chart_id IN (SELECT row_id "
                      "FROM temp.fix_set WHERE tbl = 'charts' AND col = 'workspace_id')")
        p.set(t, "workspace_id", f"SELECT k, v FROM (SELECT r.id AS k, {target} AS v FROM {t} "
              f"AS r WHERE r.id IN ({scope})) WHERE v IS NOT NULL")
        _skipped(p, t, target, source, f"have no {parent[:-1].replace('_', ' ')} "
                 "with a workspace to follow")
    if not facts.missing(ISOLATION_NEEDS["dashboard_charts"]):
        links = int(scalar(conn, f"SELECT COUNT(*) {ISOLATION_SOURCES['dashboard_charts']}"))
        if links:
            p.note(f"{links:,} dashboard-chart link(s) are not moved (use the unlink fix)", links)
        moved = p.planned_value("charts", "workspace_id", "l.chart_id")
        broken = int(scalar(conn, "SELECT COUNT(*) FROM dashboard_charts AS l JOIN dashboards AS "
                            "d ON d.id = l.dashboard_id WHERE l.chart_id IN (SELECT row_id FROM "
                            "temp.fix_set WHERE tbl = 'charts') AND d.workspace_id = (SELECT "
                            f"workspace_id FROM charts WHERE id = l.chart_id) AND "
                            f"d.workspace_id IS NOT {moved}"))
        if broken:
            p.note(f"{broken:,} dashboard-chart link(s) will then join a dashboard and a chart "
                   "of different workspaces (unlink them afterwards)")
    return p.plan()


def plan_unlink(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    p = Planner(conn, facts)
    if not facts.missing(ISOLATION_NEEDS["dashboard_charts"]):
        p.delete("dashboard_charts", f"SELECT r.id {ISOLATION_SOURCES['dashboard_charts']}")
    others = sum(int(scalar(conn, f"SELECT COUNT(*) {ISOLATION_SOURCES[t]}"))
                 for t in PARENT if not facts.missing(ISOLATION_NEEDS[t]))
    if others:
        p.note(f"{others:,} other row(s) linked across workspaces are not links (use the "
               "follow_parent fix)", others)
    return p.plan()
