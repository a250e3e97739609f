"""Fixes plan first (the preview), then apply exactly that plan.

A fix's plan function is the only place that decides what changes. It fills
TEMP tables with every change through a `Planner` (the main database is not
touched, so a preview runs on a read-only connection) and the planner turns
them into steps: per step the rows it changes (`rows_sql`, readable columns)
and one set-based statement that applies it. Applying = back up, BEGIN
IMMEDIATE, plan again inside the write transaction, run each step's statement
and check that it changed exactly the planned number of rows, commit, audit,
re-run the checks. Preview and apply share this one code path.

Rows are deleted only where SCHEMA.md allows it (dangling memberships, stale
connection permissions, dashboard_charts links across workspaces) and tables
dropped only when they are leftovers; `delete` and `drop` refuse anything else.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from wsadmin.db.health.checks_rows import label
from wsadmin.db.health.model import Facts
from wsadmin.db.health.secret_columns import is_secret
from wsadmin.db.schema.facts import WORKSPACE_SETTINGS_DEFAULTS
from wsadmin.db.schema.registration import timestamp
from wsadmin.db.sqlite.introspect import quote_ident

Params = Mapping[str, str]


@dataclass(frozen=True)
class Step:
    action: str                 # insert | update | delete | drop_table
    table: str
    summary: str
    count: int
    rows_sql: str               # every planned change; readable columns + key/new-value columns
    apply_sql: str              # one set-based statement
    key: tuple[str, ...] = ()   # columns of rows_sql naming the changed row
    sets: tuple[str, ...] = ()  # columns of rows_sql holding the new values (insert: all)


@dataclass(frozen=True)
class Plan:
    steps: list[Step]
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    now: str = ""               # the timestamp new and updated rows get
    command: str | None = None  # a fix wsadmin applies through another command

    @property
    def total(self) -> int:
        return sum(s.count for s in self.steps)


PlanFunc = Callable[[sqlite3.Connection, Facts, Params], Plan]


@dataclass(frozen=True)
class Fix:
    id: str
    title: str
    description: str
    plan: PlanFunc
    params: tuple[str, ...] = ()
    command: str | None = None  # `wsadmin adopt DB`: the fix is that command, not `fix`


DELETABLE: Final = frozenset({"workspace_members", "connection_permissions", "dashboard_charts"})
"""The only tables whose rows a fix may delete (SCHEMA.md "Fixes never delete rows except")."""

NEW_ROWS: Final = {
    "workspaces": ("id", "name", "slug", "created_by", "created_at", "updated_at"),
    "workspace_members": ("id", "workspace_id", "user_id", "role", "invited_by", "joined_at"),
    "workspace_settings": ("id", "workspace_id",
                           *(k for k, _v in WORKSPACE_SETTINGS_DEFAULTS), "updated_at"),
}
"""Tables a fix may insert into, and the columns it writes (the rest stay NULL, as the
backend leaves them)."""

DELETE_SHOWN: Final = {
    "workspace_members": ("id", "workspace_id", "user_id", "role"),
    "connection_permissions": ("id", "connection_id", "user_id", "permission_level"),
    "dashboard_charts": ("id", "dashboard_id", "chart_id"),
}

WORKSPACE_REFERENCES: Final = (
    ("users", "current_workspace_id"), ("dashboards", "workspace_id"), ("charts", "workspace_id"),
    ("connections", "workspace_id"), ("data_sources", "workspace_id"),
    ("csv_data", "workspace_id"), ("logs", "workspace_id"),
    ("workspace_members", "workspace_id"), ("workspace_settings", "workspace_id"),
)


def scalar(conn: sqlite3.Connection, sql: str, params: Any = ()) -> Any:
    row = conn.execute(sql, params).fetchone()
    return None if row is None else row[0]


class Planner:
    """Collects a fix's changes in TEMP tables and turns them into steps."""

    def __init__(self, conn: sqlite3.Connection, facts: Facts) -> None:
        self.conn, self.facts = conn, facts
        self.now = timestamp()
        self.notes: list[str] = []
        self.skipped = 0
        self.drops: list[Step] = []
        for table, cols in NEW_ROWS.items():
            conn.execute(f"DROP TABLE IF EXISTS temp.fix_new_{table}")
            conn.execute(f"CREATE TEMP TABLE fix_new_{table} (id INTEGER PRIMARY KEY, "
                         + ", ".join(cols[1:]) + ")")
        conn.execute("DROP TABLE IF EXISTS temp.fix_set")
        conn.execute("CREATE TEMP TABLE fix_set (tbl TEXT, col TEXT, row_id INTEGER, value, "
                     "PRIMARY KEY (tbl, col, row_id))")
        conn.execute("DROP TABLE IF EXISTS temp.fix_delete")
        conn.execute("CREATE TEMP TABLE fix_delete (tbl TEXT, row_id INTEGER, "
                     "PRIMARY KEY (tbl, row_id))")

    # ------------------------------------------------------------ ids

    def next_id(self, table: str) -> int:
        """Above every id in use or planned; for workspaces also above every id *referenced*:
        a new workspace must never adopt the dangling references of a deleted one."""
        sources = [f"SELECT max(id) FROM {table}", f"SELECT max(id) FROM temp.fix_new_{table}"]
        if table == "workspaces":
            sources += [f"SELECT max({c}) FROM {t}" for t, c in WORKSPACE_REFERENCES
                        if self.facts.has(f"{t}.{c}")]
        return max(int(scalar(self.conn, s) or 0) for s in sources) + 1

    # ------------------------------------------------------------ changes

    def insert(self, table: str, select_sql: str, params: Any = ()) -> int:
        """Plan new rows of `table` from `select_sql` (its columns after id, in NEW_ROWS
        order); ids follow the select's order. Returns how many."""
        cols = NEW_ROWS[table]
        first = self.next_id(table)
        cur = self.conn.execute(
            f"INSERT INTO temp.fix_new_{table} ({', '.join(cols)}) "
            f"SELECT {first} - 1 + row_number() OVER (), * FROM ({select_sql})", params)
        return int(cur.rowcount)

    def insert_rows(self, table: str, rows: list[tuple[Any, ...]]) -> list[int]:
        """Plan new rows given as values (columns after id); returns their ids."""
        first = self.next_id(table)
        cols = NEW_ROWS[table]
        marks = ", ".join("?" for _ in cols)
        ids = list(range(first, first + len(rows)))
        self.conn.executemany(f"INSERT INTO temp.fix_new_{table} ({', '.join(cols)}) "
                              f"VALUES ({marks})", ((i, *r) for i, r in zip(ids, rows,
                                                                            strict=True)))
        return ids

    def add_settings(self, select_ids: str, params: tuple[Any, ...] = ()) -> None:
        """Registration step 4 for the workspace ids `select_ids` yields: default settings,
        updated now."""
        values = ", ".join(repr(v) if isinstance(v, str) else str(v)
                           for _k, v in WORKSPACE_SETTINGS_DEFAULTS)
        self.insert("workspace_settings", f"SELECT x.*, {values}, ? FROM ({select_ids}) AS x",
                    (self.now, *params))

    def settings_for_new_workspaces(self, where: str = "1") -> None:
        self.add_settings(f"SELECT id FROM temp.fix_new_workspaces WHERE {where} ORDER BY id")

    def set(self, table: str, column: str, select_sql: str, params: Any = ()) -> None:
        """Plan `table.column` = value for the (row_id, value) rows of `select_sql`; rows
        already holding that value are left out, so every planned update changes a row."""
        if is_secret(table, column):
            raise ValueError(f"a fix may not write the secret column {table}.{column}")
        self.conn.execute(
            f"INSERT OR REPLACE INTO temp.fix_set (tbl, col, row_id, value) "
            f"SELECT ?, ?, x.* FROM ({select_sql}) AS x", (table, column, *params))
        self.conn.execute(
            f"DELETE FROM temp.fix_set WHERE tbl = ? AND col = ? AND value IS "
            f"(SELECT t.{quote_ident(column)} FROM {quote_ident(table)} AS t "
            "WHERE t.id = fix_set.row_id)", (table, column))

    def set_values(self, table: str, column: str, rows: list[tuple[Any, Any]]) -> None:
        """`set` for (row_id, value) pairs computed in Python (slugs)."""
        self.conn.execute("DROP TABLE IF EXISTS temp.fix_values")
        self.conn.execute("CREATE TEMP TABLE fix_values (k INTEGER PRIMARY KEY, v)")
        self.conn.executemany("INSERT INTO temp.fix_values (k, v) VALUES (?, ?)", rows)
        self.set(table, column, "SELECT k, v FROM temp.fix_values")

    def planned_value(self, table: str, column: str, row_id: str) -> str:
        """SQL: `table.column` of row `row_id` as it will be after the planned updates."""
        return (f"coalesce((SELECT value FROM temp.fix_set WHERE tbl = '{table}' "
                f"AND col = '{column}' AND row_id = {row_id}), "
                f"(SELECT {column} FROM {table} WHERE id = {row_id}))")

    def delete(self, table: str, select_ids: str, params: Any = ()) -> None:
        if table not in DELETABLE:
            raise ValueError(f"a fix may not delete rows of {table}")
        self.conn.execute(f"INSERT OR IGNORE INTO temp.fix_delete (tbl, row_id) "
                          f"SELECT ?, x.* FROM ({select_ids}) AS x", (table, *params))

    def drop(self, table: str, rows: int, why: str) -> None:
        q = table.replace("'", "''")
        self.drops.append(Step(
            "drop_table", table, f"drop the leftover table {table} ({rows:,} rows): {why}", 1,
            f"SELECT '{q}' AS \"table\", {rows} AS rows", f"DROP TABLE {quote_ident(table)}",
            key=("table",)))

    def note(self, text: str, skipped: int = 0) -> None:
        self.notes.append(text)
        self.skipped += skipped

    # ------------------------------------------------------------ steps

    def _count(self, sql: str, params: Any = ()) -> int:
        return int(scalar(self.conn, sql, params) or 0)

    def workspace_name(self, ref: str) -> str:
        return (f"coalesce((SELECT name FROM workspaces WHERE id = {ref}), "
                f"(SELECT name FROM temp.fix_new_workspaces WHERE id = {ref}))")

    def plan(self) -> Plan:
        steps: list[Step] = []
        for table, cols in NEW_ROWS.items():
            n = self._count(f"SELECT COUNT(*) FROM temp.fix_new_{table}")
            if not n:
                continue
            shown = list(cols)
            if table != "workspaces":
                shown.insert(2, self.workspace_name("f.workspace_id") + " AS workspace")
            have = [c for c in cols if self.facts.has(f"{table}.{c}")]
            steps.append(Step(
                "insert", table, f"add {n:,} row(s) to {table}", n,
                "SELECT " + ", ".join(c if " AS " in c else f"f.{c}" for c in shown)
                + f" FROM temp.fix_new_{table} AS f ORDER BY f.id",
                f"INSERT INTO {table} ({', '.join(have)}) SELECT {', '.join(have)} "
                f"FROM temp.fix_new_{table} ORDER BY id",
                key=("id",), sets=tuple(have)))
        for table, column, n in self.conn.execute(
                "SELECT tbl, col, COUNT(*) FROM temp.fix_set GROUP BY tbl, col "
                "ORDER BY tbl, col").fetchall():
            steps.append(self._update_step(table, column, n))
        for table, n in self.conn.execute(
                "SELECT tbl, COUNT(*) FROM temp.fix_delete GROUP BY tbl ORDER BY tbl").fetchall():
            listed = ", ".join(f"t.{c}" for c in DELETE_SHOWN[table])
            steps.append(Step(
                "delete", table, f"delete {n:,} row(s) of {table}", n,
                f"SELECT {listed} FROM temp.fix_delete AS f JOIN {table} AS t ON t.id = f.row_id "
                f"WHERE f.tbl = '{table}' ORDER BY t.id",
                f"DELETE FROM {table} WHERE id IN "
                f"(SELECT row_id FROM temp.fix_delete WHERE tbl = '{table}')",
                key=("id",)))
        return Plan(steps + self.drops, self.skipped, self.notes, self.now)

    def _update_step(self, table: str, column: str, n: int) -> Step:
        q = quote_ident(column)
        name = "t.username" if table == "users" else (
            label(table, "t") if table in ("dashboards", "charts", "connections", "data_sources",
                                           "csv_data", "logs", "workspaces") else "NULL")
        extra = ""
        if column.endswith("workspace_id"):
            extra = ", " + self.workspace_name("f.value") + " AS new_workspace"
        return Step(
            "update", table, f"set {column} of {n:,} row(s) of {table}", n,
            f"SELECT f.row_id AS id, {name} AS name, t.{q} AS \"old_{column}\", "
            f"f.value AS {q}{extra} FROM temp.fix_set AS f JOIN {table} AS t "
            f"ON t.id = f.row_id WHERE f.tbl = '{table}' AND f.col = '{column}' "
            "ORDER BY f.row_id",
            f"UPDATE {table} SET {q} = f.value FROM temp.fix_set AS f WHERE f.tbl = '{table}' "
            f"AND f.col = '{column}' AND f.row_id = {table}.id",
            key=("id",), sets=(column,))
