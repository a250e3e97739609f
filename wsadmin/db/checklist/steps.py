"""The runbook's deployment checklist, item by item, as step records.

Titles are the runbook's own words (RUNBOOK.md "Deployment Checklist"); `runbook`
is the command it gives for the item; `does` says what wsadmin does instead or
on top. The GUI's wizard and `wsadmin checklist` render these same records.
"""

from __future__ import annotations

from typing import Final

from wsadmin.db.checklist import actions, verify
from wsadmin.db.checklist.model import Phase, StepDef

STEPS: Final = (
    StepDef("backup", Phase.PRE, "Backup current database",
            "cp app_metadata.db app_metadata.db.backup",
            "Backs up with SQLite's backup API into the backup folder and verifies the copy "
            "(size, sha256, quick_check, tables, row counts, revision).", actions.backup),
    StepDef("revision", Phase.PRE, "Verify alembic current version", "alembic current",
            "Reads the recorded revision and classifies the schema (SCHEMA.md states).",
            actions.revision),
    StepDef("orphans", Phase.PRE, "Check for orphaned data",
            "sqlite3 app_metadata.db \"SELECT COUNT(*) FROM users WHERE current_workspace_id "
            "IS NULL;\"",
            "Runs all health checks read-only (the runbook's queries among them); fixes can "
            "be applied before going on.", actions.orphans),
    StepDef("migrate", Phase.DEPLOY, "Run migrations", "alembic upgrade head",
            "Runs the upgrade, adopt, repair or init pipeline: backup under a write lock, one "
            "transaction, verification before the commit, restore on failure.",
            actions.migrate),
    StepDef("workspace_count", Phase.DEPLOY, "Verify workspace count matches expectations",
            "sqlite3 app_metadata.db \"SELECT * FROM workspaces WHERE slug='default';\"",
            "Compares the workspaces now with the count stated before the migration.",
            verify.workspace_count, can_go_on=True),
    StepDef("assignments", Phase.DEPLOY, "Verify all users have workspace assignments",
            "sqlite3 app_metadata.db \"SELECT COUNT(*) FROM users WHERE current_workspace_id "
            "IS NULL;\"  # Should return 0",
            "Runs the runbook's query and the dangling-workspace check.", verify.assignments,
            can_go_on=True),
    StepDef("login", Phase.DEPLOY, "Test login and dashboard access", "",
            "Optionally calls the backend's GET /api/health and /api/health/workspace-check, "
            "and logs in with a test account you type (nothing typed is stored).",
            manual="I logged in to the backend and opened a dashboard"),
    StepDef("logs", Phase.POST, "Monitor logs for workspace-related errors", "",
            "Optionally reads the end of the backend's log file for lines mentioning "
            "workspaces, 400 or 500 (credentials in them are redacted).",
            manual="I watched the backend's logs: no workspace-related errors"),
    StepDef("isolation", Phase.POST,
            "Verify workspace isolation (users can't see other workspaces' data)", "",
            "Runs users_not_member_of_current, isolation_violations and "
            "stale_connection_permissions.", verify.isolation, can_go_on=True),
    StepDef("workspace_flow", Phase.POST, "Test workspace creation/invitation flow", "",
            "On a scratch copy: two users register, one creates a workspace and invites the "
            "other, who accepts; the rows are checked. Then confirm it against the backend.",
            verify.workspace_flow, manual="I created a workspace and invited a user through "
            "the backend", can_go_on=True),
)
BY_ID: Final = {s.id: s for s in STEPS}
IDS: Final = tuple(s.id for s in STEPS)
CHANGE_STEP: Final = "migrate"


def in_phase(phase: Phase) -> list[StepDef]:
    return [s for s in STEPS if s.phase is phase]


def automatic() -> list[StepDef]:
    return [s for s in STEPS if s.automatic]
