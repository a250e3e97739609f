"""Running a check's SQL: count every offending row, keep a sample, show what ran.

A data check is one SELECT listing the offending records with readable
columns; its count is the number of rows it returns (SCHEMA.md's count) and
its sample the first ones. The statement is built for the tables and columns
the database has (a legacy or half-upgraded one lacks some), and the text
that ran is the text shown: pasted into sqlite3 it gives the same rows.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

from wsadmin.db.health.model import CheckFunc, Facts, NotApplicable, Outcome, RunOptions
from wsadmin.db.health.secret_columns import assert_safe
from wsadmin.db.schema.shape import HEAD

SqlBuilder = Callable[[Facts], str]


@functools.cache
def head_facts() -> Facts:
    """The facts of a database in the head shape: what a check's record shows."""
    return Facts(
        path="", size=0, tables=HEAD.table_names,
        columns={t.name: t.column_names for t in HEAD.tables}, recorded=(),
        declared={(t.name, c.name): c.type for t in HEAD.tables for c in t.columns})


def fetch(conn: sqlite3.Connection, sql: str, limit: int | None
          ) -> tuple[int, list[dict[str, Any]]]:
    """Count every row of `sql`, keep the first `limit` as dicts."""
    assert_safe(sql)
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


def first_rows(conn: sqlite3.Connection, sql: str, limit: int | None) -> list[dict[str, Any]]:
    """The first `limit` rows of `sql` as dicts (all of them for None), without counting."""
    assert_safe(sql)
    if limit is not None and limit <= 0:
        return []   # (fetchmany(0) would fetch everything)
    cur = conn.execute(sql)
    names = [d[0] for d in cur.description]
    rows = cur.fetchall() if limit is None else cur.fetchmany(limit)
    return [dict(zip(names, r, strict=True)) for r in rows]


def sql_check(build: SqlBuilder, note: Callable[[Facts], str] | None = None) -> CheckFunc:
    """A check that runs what `build` makes of the database's facts."""
    def run(conn: sqlite3.Connection, facts: Facts, options: RunOptions) -> Outcome:
        sql = build(facts)
        count, sample = fetch(conn, sql, options.sample_limit)
        return Outcome(count, sample, sql, note(facts) if note is not None else "")
    return run


def union(parts: Iterable[str], order: str) -> str:
    """UNION ALL of `parts` (NotApplicable when none applies), then ORDER BY `order`."""
    chosen = [p for p in parts if p]
    if not chosen:
        raise NotApplicable("none of the tables it reads has the columns it needs")
    return "\nUNION ALL\n".join(chosen) + f"\nORDER BY {order}"


def skipped_note(wanted: Iterable[str], facts: Facts) -> str:
    """Say which of the `table.column`s a check would also read are missing here."""
    gone = facts.missing(list(wanted))
    return f"not checked (missing here): {', '.join(gone)}" if gone else ""


def literal(text: str) -> str:
    """A SQL string literal (for identifiers the check itself chose, shown in rows)."""
    return "'" + text.replace("'", "''") + "'"
