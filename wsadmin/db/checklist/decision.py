"""The runbook's decision tree, evaluated on a database with SCHEMA.md's states.

The runbook asks three questions (an existing database? can you run Alembic?
did 002 run?) and answers almost everything with `alembic upgrade head`. wsadmin
answers from the schema itself: which path the checklist takes (initialise,
upgrade, adopt, repair, nothing to do, or stop), why, in the runbook's words
where they apply, and where the runbook is wrong for this backend (SCHEMA.md
"Deviations" and "What is wrong with the backend's own chain"). It also says,
before anything changes, how many workspaces the database should have
afterwards.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import wsadmin
from wsadmin.db.schema import chain
from wsadmin.db.schema.default_workspace import default_id, rows_without_workspace
from wsadmin.db.schema.states import Offer, State
from wsadmin.db.schema.status import MISSING, Status, inspect
from wsadmin.db.sqlite.connect import read_without_side_files, translated_errors
from wsadmin.db.sqlite.introspect import table_names

INIT, UPGRADE, ADOPT, REPAIR, NOTHING, STOP = (
    "init", "upgrade", "adopt", "repair", "nothing", "stop")
CHANGES: Final = (INIT, UPGRADE, ADOPT, REPAIR)

RUNBOOK_TREE: Final = (
    "Do you have an existing database?",
    "├─ NO → Run `alembic upgrade head` (fresh install)",
    "└─ YES",
    "   ├─ Can you run Alembic migrations?",
    "   │  ├─ YES → Run `alembic upgrade head`",
    "   │  └─ NO → Contact development team for assistance",
    "   └─ Already ran Migration 002?",
    "      ├─ YES → Nothing to do",
    "      └─ NO → Run `alembic upgrade head`",
)
FRESH, EXISTING, CAN_RUN, CANNOT_RUN, RAN_002, NOT_RAN_002 = 1, 2, 4, 5, 7, 8
"""Indexes of RUNBOOK_TREE's answers (the branch a database takes)."""

HEAD_CURRENT: Final = (
    f"The runbook says `alembic current` should show `002 (head)`; head is "
    f"{chain.HEAD_REVISION} today, and `alembic current` prints "
    f"`{chain.HEAD_REVISION} (head)`.")
ROLES: Final = (
    "The runbook says all existing users become admins of the default workspace; the "
    "backend's own 002 keeps each user's role, and making every viewer an admin is a silent "
    "privilege escalation. wsadmin keeps roles and guarantees one admin.")
ALL_USERS: Final = (
    "The backend's 002 moves only active users into `default`; wsadmin's moves every user "
    "without a workspace, so an inactive user who is re-enabled later is not left without "
    "one.")
COPY: Final = (
    "The runbook backs up with `cp app_metadata.db app_metadata.db.backup`; a copy of a "
    "database in use can be torn, and in WAL mode misses committed rows. wsadmin copies with "
    "SQLite's backup API and verifies the copy (quick_check, tables, row counts, revision, "
    "sha256); an existing app_metadata.db.backup is never overwritten.")


@dataclass(frozen=True)
class Decision:
    """Which path the checklist takes for one database, and why."""

    database: str
    state: str                  # SCHEMA.md's state id, or "missing"
    action: str                 # init | upgrade | adopt | repair | nothing | stop
    revision: str | None        # recorded in alembic_version
    pending: list[str]          # the revisions the change runs
    summary: str                # what the database is (status words)
    symptom: str                # what the backend does with it
    branch: list[int]           # RUNBOOK_TREE lines the runbook takes for it
    runbook_says: str           # what following the runbook would do
    why: str                    # why wsadmin takes its path
    deviations: list[str] = field(default_factory=list)
    existing_workspaces: int = 0
    expected_workspaces: int | None = None      # None: the change stops first
    expected_why: str = ""
    diagnostics: dict[str, Any] | None = None   # for `stop`: what to send

    @property
    def changes(self) -> bool:
        return self.action in CHANGES

    @property
    def stops(self) -> bool:
        return self.action == STOP

    @property
    def path_words(self) -> str:
        return {INIT: "initialise a new database", UPGRADE: "upgrade to head",
                ADOPT: "adopt (record head, change no table)",
                REPAIR: "repair, then upgrade to head", NOTHING: "nothing to do",
                STOP: "stop: send the diagnostics"}[self.action]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Decision:
        return cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})


def _count(conn: sqlite3.Connection, sql: str) -> int:
    return int(conn.execute(sql).fetchone()[0])


def expected_workspaces(conn: sqlite3.Connection, pending: list[str], drops_workspaces: bool
                        ) -> tuple[int, int, str]:
    """(existing, expected after the change, the rule in words): existing workspaces, plus
    `default` when 002 runs and users or rows exist without a workspace and no
    workspace has the slug `default` yet (002 then reuses it)."""
    tables = set(table_names(conn))
    existing = 0 if drops_workspaces or "workspaces" not in tables else _count(
        conn, "SELECT COUNT(*) FROM workspaces")
    words = f"{existing} existing workspace{'s' if existing != 1 else ''}"
    if "002" not in pending:
        return existing, existing, words + " (revision 002 does not run: none is added)"
    users_cols = {r[1] for r in conn.execute("PRAGMA table_info(users)")}
    users_without = 0
    if users_cols:
        users_without = _count(conn, "SELECT COUNT(*) FROM users" + (
            " WHERE current_workspace_id IS NULL" if "current_workspace_id" in users_cols
            else ""))
    rows = sum(rows_without_workspace(conn).values()) if users_cols else 0
    if not users_without and not rows:
        return existing, existing, words + " (002 runs, but no user and no row lacks a " \
                                           "workspace: `default` is not created)"
    if not drops_workspaces and default_id(conn) is not None:
        return existing, existing, words + " (002 reuses the existing workspace `default`)"
    lacking = [f"{users_without:,} user(s)"] if users_without else []
    lacking += [f"{rows:,} row(s)"] if rows else []
    return existing, existing + 1, (words + " + `default` (002 runs and "
                                    + " and ".join(lacking) + " have no workspace)")


def _diagnostics(status: Status) -> dict[str, Any]:
    """What the development team needs: the schema's state and differences, counts, the
    tool's version. Only names and numbers: no row is read."""
    return {"wsadmin": wsadmin.__version__, "head": chain.HEAD_REVISION, **status.to_json()}


def _missing(path: Path, empty: bool) -> Decision:
    state = State.EMPTY.value if empty else MISSING
    return Decision(
        str(path), state, INIT, None, list(chain.REVISION_IDS),
        "an empty file: no table yet" if empty else "no database file yet",
        "the backend cannot start on it until its tables exist", [0, FRESH],
        "`alembic upgrade head` with the backend's chain creates 001's three workspace "
        "tables, then fails on `ALTER TABLE users` (no such table); every retry fails with "
        "\"table workspaces already exists\" (a half-initialised database)",
        "Initialise: wsadmin's chain creates the backend's tables first and runs all six "
        "revisions in one transaction (`wsadmin init`).",
        ["The runbook's fresh install (`alembic upgrade head`) fails with the backend's chain; "
         "with wsadmin's it works (001 creates the legacy tables on an empty file first).",
         HEAD_CURRENT], 0, 0, "a new database has no workspace; the first registration "
         "creates one")


def _texts(st: Status) -> tuple[str, list[int], str, str, list[str]]:
    """(action, runbook branch, what the runbook says, why, deviations) for a state."""
    s = st.state
    if s is State.LEGACY:
        return (UPGRADE, [0, EXISTING, 3, CAN_RUN, 6, NOT_RAN_002],
                "`alembic upgrade head`: with the backend's chain, 001 commits and 002 fails "
                "whenever a user is active (SQLite has no ALTER COLUMN ... SET NOT NULL), "
                "leaving the database stuck at 001, where login and register answer 500",
                "Upgrade to head: the runbook's own answer, with wsadmin's chain (same revision "
                "ids), which works on SQLite; the backup is taken and verified first and all "
                "revisions run in one transaction.", [ROLES, ALL_USERS, COPY, HEAD_CURRENT])
    if s is State.STUCK_AT_001:
        return (UPGRADE, [0, EXISTING, 3, CAN_RUN, 6, NOT_RAN_002],
                "`alembic upgrade head` again: the backend's 002 fails the same way every time",
                "Upgrade from 001 to head with wsadmin's chain. Stuck at 001 the backend cannot "
                "serve: login, register and every authenticated route answer 500.",
                [ROLES, ALL_USERS, COPY, HEAD_CURRENT])
    if s is State.AT_REVISION and st.offer is Offer.NOTHING:
        return (NOTHING, [0, EXISTING, 6, RAN_002], "nothing to do",
                "Nothing to do: the schema is head's and head is recorded. The checklist "
                "still verifies the data (workspaces, assignments, isolation).", [HEAD_CURRENT])
    if s is State.AT_REVISION:
        return (UPGRADE, [0, EXISTING, 3, CAN_RUN], "`alembic upgrade head`",
                f"Upgrade from {st.current_revision} to head.", [COPY, HEAD_CURRENT])
    if s is State.UNVERSIONED_HEAD:
        return (ADOPT, [0, EXISTING, 3, CAN_RUN],
                "`alembic upgrade head`, which fails on its first statement (\"table "
                "workspaces already exists\"): the backend's init_db made these tables and "
                "recorded no revision",
                "Adopt: after a verified backup, record head in alembic_version; no table is "
                "changed.", [COPY, HEAD_CURRENT])
    if s is State.RECORDED_AHEAD_OF_SHAPE:
        return (REPAIR, [0, EXISTING, 6, RAN_002],
                "\"Already ran Migration 002? YES → Nothing to do\", yet the schema "
                f"recorded as {st.current_revision} is not there (002 returned early without an "
                "active user, or someone ran `alembic stamp`); the runbook's troubleshooting "
                "only says \"check migration logs\"",
                "Repair: record the highest revision whose schema is really present, then run "
                "the revisions from there to head.", [ROLES, ALL_USERS, COPY, HEAD_CURRENT])
    if s is State.HALF_INITIALISED:
        return (REPAIR, [0, FRESH],
                "`alembic upgrade head` again, which fails with \"table workspaces already "
                "exists\": the runbook's fresh install left these tables",
                "Repair: drop the empty workspace tables the failed fresh install left, then "
                "initialise.", [COPY, HEAD_CURRENT])
    if s is State.MIXED:
        return (REPAIR, [0, EXISTING, 3, CAN_RUN],
                "`alembic upgrade head`, which fails at 001 (\"table workspaces already "
                "exists\"): init_db ran over a legacy database",
                "Repair through wsadmin's ensuring revisions from legacy: they create what is "
                "missing and keep what is already right.", [ROLES, ALL_USERS, COPY,
                                                            HEAD_CURRENT])
    if s is State.HALF_UPGRADED:
        return (REPAIR, [0, EXISTING, 3, CAN_RUN],
                "`alembic upgrade head`, which fails on the leftover `_alembic_tmp_*` tables "
                "of an interrupted migration",
                "Repair: after a backup, drop the leftovers, then upgrade.", [COPY,
                                                                             HEAD_CURRENT])
    return (STOP, [0, EXISTING, 3, CANNOT_RUN],
            "\"Contact development team for assistance\"",
            ("Stop: this is not the backend's app_metadata.db (or one in a schema no revision "
             "ever had); wsadmin changes nothing. Send the diagnostics below."
             if s is State.FOREIGN else
             "Stop: alembic_version records a revision this wsadmin does not know (a newer "
             "backend or another tool migrated it); wsadmin changes nothing. Send the "
             "diagnostics below."), [])


def decide(db: str | Path) -> Decision:
    """Evaluate the decision tree on `db` (read-only; a missing file is a fresh install)."""
    path = Path(db)
    if not path.exists():
        return _missing(path, empty=False)
    st = inspect(path)
    if st.state is State.EMPTY:
        return _missing(path, empty=True)
    action, branch, says, why, deviations = _texts(st)
    pending = [p.revision for p in st.pending] if action in CHANGES else []
    existing = expected = 0
    rule = ""
    expected_count: int | None = None
    if action != STOP:
        drops = st.state is State.HALF_INITIALISED

        def read(conn: sqlite3.Connection) -> tuple[int, int, str]:
            return expected_workspaces(conn, pending, drops)

        with translated_errors(path, "read"):
            existing, expected, rule = read_without_side_files(path, read)
        expected_count = expected
    return Decision(str(path), st.state.value, action, st.current_revision, pending,
                    st.summary, st.symptom, branch, says, why, deviations, existing,
                    expected_count, rule, _diagnostics(st) if action == STOP else None)
