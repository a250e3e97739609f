"""The automatic verifications after "Run migrations": workspace count, assignments,
isolation, and the workspace creation/invitation flow on a scratch copy.

Each passes or fails on the runbook item's own criterion, measured on the
database as it is now; what else the checks find is the health diff's
business (the report shows it).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from wsadmin.db.checklist import findings, scratch
from wsadmin.db.checklist.model import Status, StepResult
from wsadmin.db.common.text import counted
from wsadmin.db.schema.default_workspace import DEFAULT_SLUG
from wsadmin.db.sqlite.connect import read_without_side_files, translated_errors
from wsadmin.db.sqlite.introspect import table_names

if TYPE_CHECKING:
    from wsadmin.db.checklist.context import Context

ASSIGNMENT_CHECKS = ("users_without_workspace", "users_dangling_workspace")
ISOLATION_CHECKS = ("users_not_member_of_current", "isolation_violations",
                    "stale_connection_permissions")


def _unchanged_db(ctx: Context) -> StepResult | None:
    """A verification needs the database the migration left (not a missing file)."""
    if not ctx.db.exists() or ctx.db.stat().st_size == 0:
        return StepResult(Status.FAILED, "the database has no table: run the migrations first")
    return None


def workspace_count(ctx: Context) -> StepResult:
    if (missing := _unchanged_db(ctx)) is not None:
        return missing
    migrate = ctx.state.steps["migrate"]
    expected = migrate.data.get("expected", ctx.state.decision.expected_workspaces)
    why = migrate.data.get("expected_why", ctx.state.decision.expected_why)

    def read(conn: sqlite3.Connection) -> tuple[int, bool]:
        if "workspaces" not in table_names(conn):
            return 0, False
        n = int(conn.execute("SELECT COUNT(*) FROM workspaces").fetchone()[0])
        default = conn.execute("SELECT 1 FROM workspaces WHERE slug = ?",
                               (DEFAULT_SLUG,)).fetchone() is not None
        return n, default

    with translated_errors(ctx.db, "read"):
        actual, default = read_without_side_files(ctx.db, read)
    details = [f"expected {expected} ({why}), stated before the migration",
               f"actual: {counted(actual, 'workspace')}",
               "the runbook's `SELECT * FROM workspaces WHERE slug='default'` returns "
               + ("one row" if default else "no row")]
    data = {"expected": expected, "actual": actual, "default_exists": default}
    if expected is None or actual != expected:
        return StepResult(Status.FAILED, f"expected {expected} workspace(s), found {actual}",
                          details, data)
    return StepResult(Status.OK, f"expected {expected}, actual {actual}", details, data)


def assignments(ctx: Context) -> StepResult:
    if (missing := _unchanged_db(ctx)) is not None:
        return missing
    summary = findings.check(ctx.db, ASSIGNMENT_CHECKS)
    without = summary["users_without_workspace"]
    dangling = summary["users_dangling_workspace"]
    details = [f"the runbook's `{findings.ORPHAN_QUERY}` (should return 0): "
               + (str(without["count"]) if without["status"] in ("ok", "findings")
                  else f"not applicable ({without['reason']})"),
               "users whose current workspace does not exist: "
               + (str(dangling["count"]) if dangling["status"] in ("ok", "findings")
                  else "not applicable")]
    data = {c: findings.problems(summary[c]) for c in ASSIGNMENT_CHECKS}
    bad = [c for c in ASSIGNMENT_CHECKS if summary[c]["status"] not in ("ok",)]
    if bad:
        details += findings.lines(summary) or [f"{c}: {summary[c]['status']}" for c in bad]
        return StepResult(Status.FAILED, "not every user has a workspace: "
                          + "; ".join(f"{c} {summary[c]['count']}" for c in bad), details, data)
    return StepResult(Status.OK, "every user has a current workspace that exists", details,
                      data)


def isolation(ctx: Context) -> StepResult:
    if (missing := _unchanged_db(ctx)) is not None:
        return missing
    summary = findings.check(ctx.db, ISOLATION_CHECKS)
    details = [f"{c}: " + (f"{summary[c]['count']:,} found" if findings.problems(summary[c])
                           else summary[c]["status"].replace("_", " "))
               for c in ISOLATION_CHECKS]
    data = {"checks": {c: findings.problems(summary[c]) for c in ISOLATION_CHECKS},
            "fixes": {c: summary[c]["fixes"] for c in ISOLATION_CHECKS
                      if findings.problems(summary[c])}}
    bad = findings.found(summary) + findings.errors(summary)
    if bad:
        return StepResult(Status.FAILED, "isolation is not verified: "
                          + "; ".join(findings.lines(summary)), details, data)
    not_run = [c for c in ISOLATION_CHECKS if summary[c]["status"] != "ok"]
    if not_run:
        return StepResult(Status.FAILED, "the isolation checks do not apply to this database "
                          "yet: " + ", ".join(not_run), details, data)
    return StepResult(Status.OK, "no user can see another workspace's data through the "
                      "database (3 checks, 0 found)", details, data)


def workspace_flow(ctx: Context) -> StepResult:
    if (missing := _unchanged_db(ctx)) is not None:
        return missing
    flow = scratch.workspace_flow(ctx.db, workdir=ctx.workdir)
    details = [*flow.did, *(f"PROBLEM: {p}" for p in flow.problems)]
    if not flow.ok:
        return StepResult(Status.FAILED, "the workspace flow on a scratch copy failed: "
                          + "; ".join(flow.problems[:3]), details, flow.to_json())
    return StepResult(Status.OK, "on a scratch copy: registration, workspace creation and "
                      "an accepted invitation wrote the backend's rows; no check got worse",
                      details, flow.to_json())
