"""The functions behind each health check, and the SQL they run.

Every data check is one SELECT listing the offending records with readable
columns; its count is the number of rows it returns (SCHEMA.md's count) and
the sample is the first rows. The SQL text is exactly what is shown to the
operator and what `bench/check.py` feeds the sqlite3 shell as its baseline.
The workspace-scoped tables come from wsadmin.db.contract, never repeated.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Final

from wsadmin.db import revisions
from wsadmin.db.contract import (
    ALEMBIC_TMP_PREFIX,
    LEGACY_COLUMNS,
    WORKSPACE_COLUMN,
    WORKSPACE_SCOPED_TABLES,
    WORKSPACE_TABLES,
)
from wsadmin.db.health import schema as schema_mod
from wsadmin.db.health.model import CheckFunc, Facts, NotApplicable, Outcome, RunOptions
from wsadmin.db.inspect import schema_gaps

CheckFuncT = CheckFunc

QUICK_CHECK_ABOVE: Final = 256 * 1024 * 1024   # bytes: SCHEMA.md's threshold for quick_check


def label_column(table: str) -> str:
    """The human-readable column of a workspace-scoped table (title or name)."""
    cols = LEGACY_COLUMNS[table]
    return "title" if "title" in cols else "name"


def _union(parts: list[str]) -> str:
    return "\nUNION ALL\n".join(parts)


# ------------------------------------------------------------------ the SQL

USERS_WITHOUT_WORKSPACE: Final = """\
SELECT u.id AS user_id, u.username AS username
FROM users AS u
WHERE u.current_workspace_id IS NULL
ORDER BY u.id"""

USERS_DANGLING_WORKSPACE: Final = """\
SELECT u.id AS user_id, u.username AS username, u.current_workspace_id AS workspace_id
FROM users AS u
WHERE u.current_workspace_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM workspaces AS w WHERE w.id = u.current_workspace_id)
ORDER BY u.id"""

USERS_NOT_MEMBER_OF_CURRENT: Final = """\
SELECT u.id AS user_id, u.username AS username, w.id AS workspace_id, w.name AS workspace
FROM users AS u
JOIN workspaces AS w ON w.id = u.current_workspace_id
WHERE NOT EXISTS (SELECT 1 FROM workspace_members AS m
                  WHERE m.workspace_id = u.current_workspace_id AND m.user_id = u.id)
ORDER BY u.id"""

DUPLICATE_SLUGS: Final = """\
SELECT workspace_id, workspace, slug, normalized, sharing FROM (
  SELECT w.id AS workspace_id, w.name AS workspace, w.slug AS slug,
         lower(trim(w.slug)) AS normalized,
         COUNT(*) OVER (PARTITION BY lower(trim(w.slug))) AS sharing
  FROM workspaces AS w)
WHERE sharing > 1
ORDER BY normalized, workspace_id"""

WORKSPACES_WITHOUT_ADMIN: Final = """\
SELECT w.id AS workspace_id, w.name AS workspace, w.slug AS slug,
       (SELECT COUNT(*) FROM workspace_members AS m JOIN users AS u ON u.id = m.user_id
        WHERE m.workspace_id = w.id) AS members
FROM workspaces AS w
WHERE NOT EXISTS (SELECT 1 FROM workspace_members AS m JOIN users AS u ON u.id = m.user_id
                  WHERE m.workspace_id = w.id AND m.role = 'admin')
ORDER BY w.id"""


def _rows_where(condition: str) -> str:
    parts = []
    for t in WORKSPACE_SCOPED_TABLES:
        parts.append(
            f"SELECT '{t}' AS \"table\", r.id AS row_id, r.{label_column(t)} AS label, "
            f"r.owner_id AS owner_id, u.username AS owner, r.workspace_id AS workspace_id\n"
            f"FROM {t} AS r LEFT JOIN users AS u ON u.id = r.owner_id\n"
            f"WHERE {condition}")
    return _union(parts) + '\nORDER BY "table", row_id'


ROWS_WITHOUT_WORKSPACE: Final = _rows_where("r.workspace_id IS NULL")
ROWS_DANGLING_WORKSPACE: Final = _rows_where(
    "r.workspace_id IS NOT NULL\n"
    "  AND NOT EXISTS (SELECT 1 FROM workspaces AS w WHERE w.id = r.workspace_id)")

MEMBERSHIPS_DANGLING: Final = """\
SELECT m.workspace_id AS workspace_id, w.name AS workspace, m.user_id AS user_id,
       u.username AS username, m.role AS role,
       CASE WHEN w.id IS NULL AND u.id IS NULL THEN 'user and workspace missing'
            WHEN w.id IS NULL THEN 'workspace missing' ELSE 'user missing' END AS problem
FROM workspace_members AS m
LEFT JOIN workspaces AS w ON w.id = m.workspace_id
LEFT JOIN users AS u ON u.id = m.user_id
WHERE w.id IS NULL OR u.id IS NULL
ORDER BY m.workspace_id, m.user_id"""

_NOT_MEMBER = ("NOT EXISTS (SELECT 1 FROM workspace_members AS m\n"
               "                 WHERE m.workspace_id = r.workspace_id AND m.user_id = r.owner_id)")


def _isolation_sql() -> str:
    parts = []
    for t in WORKSPACE_SCOPED_TABLES:
        head = (f"SELECT '{t}' AS \"table\", r.id AS row_id, r.{label_column(t)} AS label, "
                "u.username AS owner, w.id AS workspace_id, w.name AS workspace,\n")
        if "connection_id" in LEGACY_COLUMNS[t]:
            # Saved queries: the owner rule and the connection rule, counted once.
            parts.append(
                head
                + f"       CASE WHEN u.id IS NOT NULL AND {_NOT_MEMBER}\n"
                "            THEN 'owner is not a member of the workspace'"
                " || CASE WHEN cw.id IS NOT NULL AND cw.id <> r.workspace_id"
                " THEN '; connection is in workspace ' || cw.name ELSE '' END\n"
                "            ELSE 'connection is in workspace ' || cw.name END AS problem\n"
                f"FROM {t} AS r\n"
                "JOIN workspaces AS w ON w.id = r.workspace_id\n"
                "LEFT JOIN users AS u ON u.id = r.owner_id\n"
                "LEFT JOIN connections AS c ON c.id = r.connection_id\n"
                "LEFT JOIN workspaces AS cw ON cw.id = c.workspace_id\n"
                f"WHERE (u.id IS NOT NULL AND {_NOT_MEMBER})\n"
                "   OR (cw.id IS NOT NULL AND cw.id <> r.workspace_id)")
        else:
            parts.append(
                head + "       'owner is not a member of the workspace' AS problem\n"
                f"FROM {t} AS r\n"
                "JOIN workspaces AS w ON w.id = r.workspace_id\n"
                "JOIN users AS u ON u.id = r.owner_id\n"
                f"WHERE {_NOT_MEMBER}")
    return _union(parts) + '\nORDER BY "table", row_id'


ISOLATION_VIOLATIONS: Final = _isolation_sql()

LEFTOVER_TABLES: Final = (
    "SELECT name AS \"table\" FROM sqlite_master\n"
    f"WHERE type = 'table'\n"
    f"  AND substr(name, 1, {len(ALEMBIC_TMP_PREFIX)}) = '{ALEMBIC_TMP_PREFIX}'\n"
    "ORDER BY name")


# ------------------------------------------------------------------ runners

def fetch(conn: sqlite3.Connection, sql: str, limit: int | None
          ) -> tuple[int, list[dict[str, Any]]]:
    """Count every row of `sql`, keep the first `limit` as dicts."""
    cur = conn.execute(sql)
    names = [d[0] for d in cur.description]
    sample: list[dict[str, Any]] = []
    count = 0
    while True:
        rows = cur.fetchmany(4096)
        if not rows:
            break
        if limit is None or len(sample) < limit:
            room = len(rows) if limit is None else limit - len(sample)
            sample.extend(dict(zip(names, r, strict=True)) for r in rows[:room])
        count += len(rows)
    return count, sample


def sql_check(sql: str) -> CheckFunc:
    def run(conn: sqlite3.Connection, facts: Facts, options: RunOptions) -> Outcome:
        count, sample = fetch(conn, sql, options.sample_limit)
        return Outcome(count, sample, sql)
    return run


def run_integrity(conn: sqlite3.Connection, facts: Facts, options: RunOptions) -> Outcome:
    quick = facts.size > QUICK_CHECK_ABOVE and not options.full_integrity
    sql = "PRAGMA quick_check" if quick else "PRAGMA integrity_check"
    lines = [str(r[0]) for r in conn.execute(sql)]
    if lines == ["ok"]:
        lines = []
    sample = [{"problem": line} for line in lines[: options.sample_limit]]
    note = (f"the file is {facts.size / 2**20:.0f} MiB: quick_check ran instead of the full "
            "integrity_check (ask for --full-integrity)") if quick else ""
    return Outcome(len(lines), sample, sql, note)


def run_foreign_keys(conn: sqlite3.Connection, facts: Facts, options: RunOptions) -> Outcome:
    sql = "PRAGMA foreign_key_check"
    count = 0
    sample: list[dict[str, Any]] = []
    columns: dict[tuple[str, int], str] = {}
    for table, rowid, parent, fkid in conn.execute(sql):
        count += 1
        if options.sample_limit is not None and len(sample) >= options.sample_limit:
            continue
        key = (str(table), int(fkid))
        if key not in columns:
            q = str(table).replace('"', '""')
            for row in conn.execute(f'PRAGMA foreign_key_list("{q}")'):
                columns[(str(table), int(row[0]))] = str(row[3])
        column = columns.get(key, "?")
        value = None
        if rowid is not None:
            q = str(table).replace('"', '""')
            cq = column.replace('"', '""')
            try:
                found = conn.execute(f'SELECT "{cq}" FROM "{q}" WHERE rowid = ?', (rowid,)
                                     ).fetchone()
                value = None if found is None else found[0]
            except sqlite3.Error:
                value = None
        sample.append({"table": table, "row_id": rowid, "column": column, "value": value,
                       "parent": parent})
    return Outcome(count, sample, sql)


def run_schema_drift(conn: sqlite3.Connection, facts: Facts, options: RunOptions) -> Outcome:
    sql = ("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY tbl_name, name;\n"
           "-- compared (tables, columns, NOT NULL, indexes) with a scratch database "
           "built by the revision's own migrations")
    ours = set(WORKSPACE_COLUMN) | set(WORKSPACE_TABLES)
    if not facts.tables & ours:
        raise NotApplicable("the database has none of the backend's tables")
    if len(facts.recorded) > 1:
        raise NotApplicable("alembic_version names several revisions: " + ", ".join(facts.recorded))
    try:
        expected = schema_mod.expected_schema(facts.revision)
    except KeyError:
        raise NotApplicable(f"revision {facts.revision!r} is unknown to this wsadmin") from None
    actual = schema_mod.read_schema(conn)
    optional = ("alembic_version",) if facts.revision is None else ()
    diffs = schema_mod.compare(actual, expected, optional=optional)
    records = [d.as_record() for d in diffs]
    limit = options.sample_limit
    return Outcome(len(records), records if limit is None else records[:limit], sql)


def run_half_upgrade(conn: sqlite3.Connection, facts: Facts, options: RunOptions) -> Outcome:
    records: list[dict[str, Any]] = [
        {"problem": "leftover table from an interrupted migration", "table": str(r[0])}
        for r in conn.execute(LEFTOVER_TABLES)
    ]
    rev = facts.revision
    if not facts.recorded and any(t in facts.tables for t in WORKSPACE_TABLES):
        records.append({"problem": "workspace tables exist but no revision is recorded",
                        "table": ", ".join(t for t in WORKSPACE_TABLES if t in facts.tables)})
    if rev is not None and rev in revisions.ids():
        for gap in schema_gaps(conn, rev, sorted(facts.tables)):
            records.append({"problem": f"revision {rev} is recorded but {gap}",
                            "table": gap.split()[1].split(".")[0]})
    limit = options.sample_limit
    sql = LEFTOVER_TABLES + ";\n-- and: are the tables and columns of the recorded revision there?"
    return Outcome(len(records), records if limit is None else records[:limit], sql)
