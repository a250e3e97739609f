"""Checks of the file and the schema: integrity, foreign keys, drift, revision, leftovers.

The schema checks read the classification wsadmin.db.schema.states made of
the database (shapes compared as data, SCHEMA.md "Shape comparison"): no
scratch database, no migration is run to find out what a revision should look
like.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Final

from wsadmin.db.health.model import Check, Facts, NotApplicable, Outcome, RunOptions, Severity
from wsadmin.db.health.secret_columns import is_secret
from wsadmin.db.schema import chain
from wsadmin.db.schema.compare import Severity as DiffSeverity
from wsadmin.db.schema.shape import LEFTOVER_PREFIX
from wsadmin.db.schema.states import Classification, State
from wsadmin.db.schema.wording import where
from wsadmin.db.sqlite.introspect import quote_ident

QUICK_CHECK_ABOVE: Final = 256 * 1024 * 1024   # bytes: SCHEMA.md's threshold for quick_check


def _limit(records: list[dict[str, Any]], options: RunOptions) -> list[dict[str, Any]]:
    limit = options.sample_limit
    return records if limit is None else records[:limit]


def run_integrity(conn: sqlite3.Connection, facts: Facts, options: RunOptions) -> Outcome:
    quick = facts.size > QUICK_CHECK_ABOVE and not options.full_integrity
    sql = "PRAGMA quick_check" if quick else "PRAGMA integrity_check"
    lines = [str(r[0]) for r in conn.execute(sql)]
    if lines == ["ok"]:
        lines = []
    note = (f"the file is {facts.size / 2**20:.0f} MiB: quick_check ran instead of the full "
            "integrity_check (ask for --full-integrity)") if quick else ""
    return Outcome(len(lines), _limit([{"problem": line} for line in lines], options), sql, note)


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
            for row in conn.execute("SELECT id, \"from\" FROM pragma_foreign_key_list(?)",
                                    (str(table),)):
                columns[(str(table), int(row[0]))] = str(row[1])
        column = columns.get(key, "?")
        value: Any = None
        if is_secret(str(table), column):
            value = "(secret, not shown)"
        elif rowid is not None and column != "?":
            found = conn.execute(f"SELECT {quote_ident(column)} FROM {quote_ident(str(table))} "
                                 "WHERE rowid = ?", (rowid,)).fetchone()
            value = None if found is None else found[0]
        sample.append({"table": table, "row_id": rowid, "column": column, "value": value,
                       "parent": parent})
    return Outcome(count, sample, sql)


def classification(facts: Facts) -> Classification:
    cls = facts.classification
    if cls is None or cls.state is State.EMPTY:
        raise NotApplicable("the database has no tables yet")
    if cls.state is State.UNKNOWN_REVISION:
        raise NotApplicable(f"alembic_version records {', '.join(cls.recorded_rows) or '?'}, "
                            "which this wsadmin does not know")
    return cls


def _against(cls: Classification) -> str:
    ref = cls.reference or chain.HEAD_REVISION
    return "the legacy shape" if ref == chain.BASE else f"the shape of revision {ref}"


SHAPE_SQL: Final = ("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name;\n"
                    "-- then PRAGMA table_info, index_list, index_info and foreign_key_list "
                    "of each table,\n-- compared with {against} (SCHEMA.md \"Shape comparison\")")


def run_schema_drift(conn: sqlite3.Connection, facts: Facts, options: RunOptions) -> Outcome:
    cls = classification(facts)
    counted: list[dict[str, Any]] = []
    listed: list[dict[str, Any]] = []
    for d in cls.differences:
        if d.kind == "leftover_table":
            continue   # half_upgrade's finding, not counted twice
        record = {"severity": d.severity.value, "kind": d.kind, "table": d.table,
                  "column": d.column, "message": d.message}
        (listed if d.severity is DiffSeverity.COSMETIC else counted).append(record)
    note = (f"{len(listed)} cosmetic difference(s) listed after the counted ones, not counted"
            if listed else "")
    return Outcome(len(counted), _limit(counted + listed, options),
                   SHAPE_SQL.format(against=_against(cls)), note)


MISMATCH_SQL: Final = ("SELECT version_num FROM alembic_version;\n"
                       "-- compared with the revision whose shape the tables have "
                       "(SCHEMA.md \"States\")")
MISMATCHED: Final = {State.UNVERSIONED_HEAD: "adopt", State.RECORDED_AHEAD_OF_SHAPE: "repair"}


def run_revision_mismatch(conn: sqlite3.Connection, facts: Facts, options: RunOptions
                          ) -> Outcome:
    cls = classification(facts)
    action = MISMATCHED.get(cls.state)
    if action is None:
        return Outcome(0, [], MISMATCH_SQL)
    record = {"state": cls.state.value, "recorded": cls.recorded or "(nothing)",
              "shape_at": where(cls.highest_present), "run": f"wsadmin {action} DB",
              "summary": cls.summary}
    return Outcome(1, _limit([record], options), MISMATCH_SQL)


LEFTOVER_TABLES: Final = (
    "SELECT name AS \"table\" FROM sqlite_master\n"
    "WHERE type = 'table'\n"
    f"  AND substr(name, 1, {len(LEFTOVER_PREFIX)}) = '{LEFTOVER_PREFIX}'\n"
    "ORDER BY name")


HALF_UPGRADE_SQL: Final = (LEFTOVER_TABLES + ";\n-- and: workspace tables without a users "
                           "table (SCHEMA.md state half_initialised)")


def run_half_upgrade(conn: sqlite3.Connection, facts: Facts, options: RunOptions) -> Outcome:
    records: list[dict[str, Any]] = []
    for (name,) in conn.execute(LEFTOVER_TABLES).fetchall():
        original = str(name)[len(LEFTOVER_PREFIX):]
        rows = conn.execute(f"SELECT COUNT(*) FROM {quote_ident(str(name))}").fetchone()[0]
        records.append({
            "table": name, "rows": rows,
            "problem": "left by an interrupted table rebuild" + (
                "" if original in facts.tables else
                f"; {original} itself is missing: this may be the only copy of its rows")})
    cls = facts.classification
    if cls is not None and cls.state is State.HALF_INITIALISED:
        for name in sorted(facts.tables - {"alembic_version"}):
            rows = conn.execute(f"SELECT COUNT(*) FROM {quote_ident(name)}").fetchone()[0]
            records.append({"table": name, "rows": rows,
                            "problem": "left by a fresh install whose first migration failed"})
    return Outcome(len(records), _limit(records, options), HALF_UPGRADE_SQL)


CHECKS: Final[tuple[Check, ...]] = (
    Check(
        "sqlite_integrity", "SQLite file integrity",
        "PRAGMA integrity_check (on files over 256 MiB PRAGMA quick_check, unless the full "
        "check is asked for) reports damage: the backend may fail with \"database disk image "
        "is malformed\" at any time, and no other finding can be trusted. Restore a backup; "
        "do not write to the file.",
        Severity.DAMAGE, "PRAGMA integrity_check", ("problem",), run_integrity, cost=60,
        symptom="\"database disk image is malformed\" at any time"),
    Check(
        "foreign_keys", "Broken references (foreign_key_check)",
        "Rows PRAGMA foreign_key_check prints: a reference naming a missing row. The backend "
        "never turns foreign keys on, so every deletion through its API can leave these; the "
        "data checks above say what each kind does to the backend.",
        Severity.WARNING, "PRAGMA foreign_key_check",
        ("table", "row_id", "column", "value", "parent"), run_foreign_keys, cost=80,
        symptom="see the data checks: each dangling reference has its own symptom"),
    Check(
        "schema_drift", "Schema differs from its revision",
        "Breaking and degraded differences between the tables and the shape of the recorded "
        "revision (head for a database init_db made, legacy when nothing is recorded): a "
        "missing table or column, a column nullable where NOT NULL is expected, a missing "
        "unique, non-unique index or foreign key. Cosmetic differences are listed, not "
        "counted. A missing column makes the backend's routes that touch it answer 500.",
        Severity.CRITICAL, SHAPE_SQL.format(against="the shape of the recorded revision"),
        ("severity", "kind", "table", "column", "message"), run_schema_drift, cost=1,
        symptom="500 on the routes that touch the missing column"),
    Check(
        "revision_mismatch", "Recorded revision disagrees with the tables",
        "alembic_version and the tables disagree: head tables with no revision recorded "
        "(made by the backend's init_db: adopt records head without changing a table), or a "
        "recorded revision whose tables are not all there (the backend's no-op 002, a hand "
        "`alembic stamp`: repair records what is there, then upgrades). A database stuck at "
        "001 is consistent and not counted. `alembic upgrade` fails on the first, and skips "
        "the missing work on the second.",
        Severity.WARNING, MISMATCH_SQL, ("state", "recorded", "shape_at", "run", "summary"),
        run_revision_mismatch, cost=1, symptom="`alembic upgrade` fails or skips work"),
    Check(
        "half_upgrade", "Interrupted migration",
        "Leftover _alembic_tmp_* tables of an interrupted table rebuild, or the workspace "
        "tables a failed fresh install leaves without a users table. Every upgrade fails "
        "until they are gone.",
        Severity.CRITICAL, HALF_UPGRADE_SQL, ("table", "rows", "problem"), run_half_upgrade,
        cost=1, symptom="every upgrade fails"),
)
