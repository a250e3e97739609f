"""Fixes for health findings: plan first (the preview), then apply that plan.

A fix's plan function is the only place that decides what changes. It fills
TEMP tables with every change (the main database is not touched, so it runs
on a read-only connection for a preview) and returns steps: per step the
rows it changes (`rows_sql`, readable columns) and one set-based statement
that applies it from the temp table. Applying = back up, BEGIN IMMEDIATE,
plan again inside the write transaction, run each step's statement and
check that it changed exactly the planned number of rows, commit, audit,
re-run the checks. Preview and apply therefore share one code path.

Nothing is deleted except dangling memberships and leftover _alembic_tmp_*
tables.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from wsadmin.db.common.errors import Refused
from wsadmin.db.contract import (
    ALEMBIC_TMP_PREFIX,
    DEFAULT_NAME,
    DEFAULT_SLUG,
    LEGACY_COLUMNS,
    WORKSPACE_COLUMN,
    WORKSPACE_SCOPED_TABLES,
)
from wsadmin.db.health import slugs
from wsadmin.db.health.model import Facts
from wsadmin.db.sqlite.introspect import declared_length

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


# ------------------------------------------------------------------ helpers

TEMP_TABLES: Final = {
    "fix_ws": "id INTEGER PRIMARY KEY, name TEXT NOT NULL, slug TEXT NOT NULL, user_id INTEGER",
    "fix_members": "workspace_id INTEGER, user_id INTEGER, role TEXT NOT NULL, "
                   "PRIMARY KEY (workspace_id, user_id)",
    "fix_users": "user_id INTEGER PRIMARY KEY, workspace_id INTEGER",
    "fix_rows": "tbl TEXT NOT NULL, row_id INTEGER NOT NULL, workspace_id INTEGER, "
                "PRIMARY KEY (tbl, row_id)",
    "fix_roles": "workspace_id INTEGER, user_id INTEGER, PRIMARY KEY (workspace_id, user_id)",
    "fix_slugs": "id INTEGER PRIMARY KEY, slug TEXT NOT NULL",
    "fix_delete": "rid INTEGER PRIMARY KEY",
}


def reset_temp(conn: sqlite3.Connection) -> None:
    for name, ddl in TEMP_TABLES.items():
        conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
        conn.execute(f"CREATE TEMP TABLE {name} ({ddl})")


def scalar(conn: sqlite3.Connection, sql: str, params: Any = ()) -> Any:
    row = conn.execute(sql, params).fetchone()
    return None if row is None else row[0]


def _count(conn: sqlite3.Connection, table: str, where: str = "") -> int:
    return int(scalar(conn, f"SELECT COUNT(*) FROM temp.{table}" + (f" WHERE {where}" if where
                                                                     else "")))


def next_workspace_id(conn: sqlite3.Connection, facts: Facts) -> int:
    """An id above every workspace id in use *or referenced*: a new workspace must never
    adopt the dangling references of a deleted one."""
    sources = ["SELECT max(id) FROM workspaces"]
    for table, column in WORKSPACE_COLUMN.items():
        if facts.has(f"{table}.{column}"):
            sources.append(f"SELECT max({column}) FROM {table}")
    if facts.has("workspace_members.workspace_id"):
        sources.append("SELECT max(workspace_id) FROM workspace_members")
    top = max(int(scalar(conn, s) or 0) for s in sources)
    return top + 1


def _ensure_default(conn: sqlite3.Connection, facts: Facts, notes: list[str]) -> int:
    """The id of the `default` workspace; planned in temp.fix_ws when it does not exist."""
    found = scalar(conn, "SELECT id FROM workspaces WHERE slug = ? ORDER BY id LIMIT 1",
                   (DEFAULT_SLUG,))
    if found is not None:
        return int(found)
    planned = scalar(conn, "SELECT id FROM temp.fix_ws WHERE slug = ?", (DEFAULT_SLUG,))
    if planned is not None:
        return int(planned)
    new_id = next_workspace_id(conn, facts)
    conn.execute("INSERT INTO temp.fix_ws (id, name, slug) VALUES (?, ?, ?)",
                 (new_id, DEFAULT_NAME, DEFAULT_SLUG))
    notes.append(f"creates the workspace {DEFAULT_NAME!r} (slug {DEFAULT_SLUG!r}, id {new_id})")
    return new_id


def _ws_name(alias: str, ref: str) -> str:
    return (f"coalesce((SELECT name FROM workspaces AS {alias} WHERE {alias}.id = {ref}), "
            f"(SELECT name FROM temp.fix_ws AS n_{alias} WHERE n_{alias}.id = {ref}))")


def standard_steps(conn: sqlite3.Connection, what: str) -> list[Step]:
    """The steps for whatever the plan put in the temp tables, in a safe order."""
    steps: list[Step] = []
    n = _count(conn, "fix_ws")
    if n:
        steps.append(Step(
            "insert", "workspaces", f"create {n} workspace(s)", n,
            "SELECT id, name, slug, user_id AS for_user_id FROM temp.fix_ws ORDER BY id",
            "INSERT INTO workspaces (id, name, slug) SELECT id, name, slug FROM temp.fix_ws "
            "ORDER BY id",
            key=("id",), sets=("id", "name", "slug")))
    n = _count(conn, "fix_slugs")
    if n:
        steps.append(Step(
            "update", "workspaces", f"rename the slug of {n} workspace(s)", n,
            "SELECT f.id, w.name AS workspace, w.slug AS old_slug, f.slug FROM temp.fix_slugs AS f "
            "JOIN workspaces AS w ON w.id = f.id ORDER BY f.id",
            "UPDATE workspaces SET slug = f.slug FROM temp.fix_slugs AS f "
            "WHERE f.id = workspaces.id",
            key=("id",), sets=("slug",)))
    n = _count(conn, "fix_members")
    if n:
        steps.append(Step(
            "insert", "workspace_members", f"add {n} membership(s)", n,
            "SELECT f.workspace_id, " + _ws_name("w", "f.workspace_id") + " AS workspace, "
            "f.user_id, u.username, f.role FROM temp.fix_members AS f "
            "LEFT JOIN users AS u ON u.id = f.user_id ORDER BY f.workspace_id, f.user_id",
            "INSERT INTO workspace_members (workspace_id, user_id, role) "
            "SELECT workspace_id, user_id, role FROM temp.fix_members "
            "ORDER BY workspace_id, user_id",
            key=("workspace_id", "user_id"), sets=("workspace_id", "user_id", "role")))
    n = _count(conn, "fix_roles")
    if n:
        steps.append(Step(
            "update", "workspace_members", f"make {n} member(s) admin", n,
            "SELECT f.workspace_id, " + _ws_name("w", "f.workspace_id") + " AS workspace, "
            "f.user_id, u.username, m.role AS old_role, 'admin' AS role "
            "FROM temp.fix_roles AS f JOIN workspace_members AS m "
            "ON m.workspace_id = f.workspace_id AND m.user_id = f.user_id "
            "LEFT JOIN users AS u ON u.id = f.user_id ORDER BY f.workspace_id, f.user_id",
            "UPDATE workspace_members SET role = 'admin' FROM temp.fix_roles AS f "
            "WHERE f.workspace_id = workspace_members.workspace_id "
            "AND f.user_id = workspace_members.user_id",
            key=("workspace_id", "user_id"), sets=("role",)))
    n = _count(conn, "fix_users")
    if n:
        steps.append(Step(
            "update", "users", f"switch the current workspace of {n} user(s)", n,
            "SELECT f.user_id AS id, u.username, u.current_workspace_id AS old_workspace_id, "
            "f.workspace_id AS current_workspace_id, " + _ws_name("w", "f.workspace_id")
            + " AS workspace FROM temp.fix_users AS f JOIN users AS u ON u.id = f.user_id "
            "ORDER BY f.user_id",
            "UPDATE users SET current_workspace_id = f.workspace_id FROM temp.fix_users AS f "
            "WHERE f.user_id = users.id",
            key=("id",), sets=("current_workspace_id",)))
    for t in WORKSPACE_SCOPED_TABLES:
        n = _count(conn, "fix_rows", f"tbl = '{t}'")
        if n:
            label = "title" if "title" in LEGACY_COLUMNS[t] else "name"
            steps.append(Step(
                "update", t, f"move {n} row(s) of {t}", n,
                f"SELECT f.row_id AS id, r.{label} AS label, r.workspace_id AS old_workspace_id, "
                "f.workspace_id AS workspace_id, " + _ws_name("w", "f.workspace_id")
                + f" AS workspace FROM temp.fix_rows AS f JOIN {t} AS r ON r.id = f.row_id "
                f"WHERE f.tbl = '{t}' ORDER BY f.row_id",
                f"UPDATE {t} SET workspace_id = f.workspace_id FROM temp.fix_rows AS f "
                f"WHERE f.tbl = '{t}' AND f.row_id = {t}.id",
                key=("id",), sets=("workspace_id",)))
    n = _count(conn, "fix_delete")
    if n:
        steps.append(Step(
            "delete", "workspace_members", f"delete {n} dangling membership(s)", n,
            "SELECT m.workspace_id, m.user_id, m.role FROM temp.fix_delete AS f "
            "JOIN workspace_members AS m ON m.rowid = f.rid ORDER BY m.workspace_id, m.user_id",
            "DELETE FROM workspace_members WHERE rowid IN (SELECT rid FROM temp.fix_delete)",
            key=("workspace_id", "user_id")))
    del what
    return steps


# ------------------------------------------------------------------ users

USERS_WITHOUT: Final = "u.current_workspace_id IS NULL"
USERS_DANGLING: Final = ("u.current_workspace_id IS NOT NULL AND NOT EXISTS "
                         "(SELECT 1 FROM workspaces AS w WHERE w.id = u.current_workspace_id)")


def _taken_slugs(conn: sqlite3.Connection) -> set[str]:
    return {str(r[0]) for r in conn.execute(
        "SELECT lower(trim(slug)) FROM workspaces WHERE slug IS NOT NULL")}


def users_to_personal(where: str) -> PlanFunc:
    def plan(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
        reset_temp(conn)
        users = conn.execute(f"SELECT u.id, u.username FROM users AS u WHERE {where} "
                             "ORDER BY u.id").fetchall()
        taken = _taken_slugs(conn)
        first = next_workspace_id(conn, facts)
        slug_len = declared_length(conn, "workspaces", "slug")
        name_len = declared_length(conn, "workspaces", "name")
        planned = []
        for i, (uid, username) in enumerate(users):
            # A username may be a BLOB, hold control characters or be longer than the
            # workspace columns: the name and slug made from it are readable and fit.
            name = slugs.readable_name(username, f"user {uid}")
            slug = slugs.unique_slug(slugs.slug_base(name, slug_len), taken, slug_len)
            planned.append((first + i, slugs.workspace_name(name, name_len), slug, uid))
        conn.executemany(
            "INSERT INTO temp.fix_ws (id, name, slug, user_id) VALUES (?, ?, ?, ?)", planned)
        conn.execute("INSERT INTO temp.fix_members (workspace_id, user_id, role) "
                     "SELECT id, user_id, 'admin' FROM temp.fix_ws")
        conn.execute("INSERT INTO temp.fix_users (user_id, workspace_id) "
                     "SELECT user_id, id FROM temp.fix_ws")
        return Plan(standard_steps(conn, "personal"))
    return plan


def users_to_default(where: str) -> PlanFunc:
    def plan(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
        reset_temp(conn)
        notes: list[str] = []
        if not scalar(conn, f"SELECT EXISTS (SELECT 1 FROM users AS u WHERE {where})"):
            return Plan([])
        default = _ensure_default(conn, facts, notes)
        # As revision 002 does: admin of `default` unless already a member.
        conn.execute(
            "INSERT INTO temp.fix_members (workspace_id, user_id, role) "
            f"SELECT ?, u.id, 'admin' FROM users AS u WHERE {where} AND NOT EXISTS "
            "(SELECT 1 FROM workspace_members AS m WHERE m.workspace_id = ? AND m.user_id = u.id)",
            (default, default))
        conn.execute("INSERT INTO temp.fix_users (user_id, workspace_id) "
                     f"SELECT u.id, ? FROM users AS u WHERE {where}", (default,))
        return Plan(standard_steps(conn, "default"), notes=notes)
    return plan


NOT_MEMBER_OF_CURRENT: Final = (
    "FROM users AS u JOIN workspaces AS w ON w.id = u.current_workspace_id "
    "WHERE NOT EXISTS (SELECT 1 FROM workspace_members AS m "
    "WHERE m.workspace_id = u.current_workspace_id AND m.user_id = u.id)")


def plan_add_membership(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    reset_temp(conn)
    role = params.get("role", "member")
    if role not in ("admin", "member", "viewer"):
        raise Refused(f"unknown role {role!r}", "choose admin, member or viewer")
    conn.execute("INSERT INTO temp.fix_members (workspace_id, user_id, role) "
                 f"SELECT u.current_workspace_id, u.id, ? {NOT_MEMBER_OF_CURRENT}", (role,))
    return Plan(standard_steps(conn, "add_membership"))


def _pick_for_each(conn: sqlite3.Connection, table: str, columns: str, key: str, pick: str,
                   scope: str) -> int:
    """For each row of `scope` (a FROM ... WHERE clause), put (its `key`, the value the
    `pick` subquery chooses) into temp `table` (`columns`), skipping rows the subquery
    finds nothing for; returns how many were skipped."""
    conn.execute(f"INSERT INTO temp.{table} ({columns}) SELECT k, picked FROM ("
                 f"SELECT {key} AS k, ({pick}) AS picked {scope}) WHERE picked IS NOT NULL")
    return int(scalar(conn, f"SELECT COUNT(*) {scope}")) - _count(conn, table)


def plan_switch_workspace(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    reset_temp(conn)
    skipped = _pick_for_each(
        conn, "fix_users", "user_id, workspace_id", "u.id",
        "SELECT m.workspace_id FROM workspace_members AS m "
        "JOIN workspaces AS w2 ON w2.id = m.workspace_id WHERE m.user_id = u.id "
        "ORDER BY m.created_at, m.workspace_id LIMIT 1", NOT_MEMBER_OF_CURRENT)
    notes = [f"{skipped} user(s) belong to no workspace and are left as they are "
             "(use the add_membership fix for them)"] if skipped else []
    return Plan(standard_steps(conn, "switch"), skipped, notes)


# ------------------------------------------------------------------ workspaces

def plan_rename_slugs(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    reset_temp(conn)
    rows = conn.execute(
        "SELECT id, lower(trim(slug)) AS k FROM (SELECT id, slug, created_at, "
        "COUNT(*) OVER (PARTITION BY lower(trim(slug))) AS n FROM workspaces) WHERE n > 1 "
        "ORDER BY k, created_at IS NULL, created_at, id").fetchall()
    taken = _taken_slugs(conn)
    slug_len = declared_length(conn, "workspaces", "slug")
    previous: object = object()
    renames: list[tuple[int, str]] = []
    for wid, key in rows:
        if key != previous:          # the oldest of each group keeps its slug
            previous = key
            continue
        base = key if key else "workspace"
        renames.append((int(wid), slugs.unique_slug(str(base), taken, slug_len)))
    conn.executemany("INSERT INTO temp.fix_slugs (id, slug) VALUES (?, ?)", renames)
    return Plan(standard_steps(conn, "rename"))


WITHOUT_ADMIN: Final = (
    "FROM workspaces AS w WHERE NOT EXISTS (SELECT 1 FROM workspace_members AS m "
    "JOIN users AS u ON u.id = m.user_id WHERE m.workspace_id = w.id AND m.role = 'admin')")


def plan_promote_oldest(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    reset_temp(conn)
    skipped = _pick_for_each(
        conn, "fix_roles", "workspace_id, user_id", "w.id",
        "SELECT m.user_id FROM workspace_members AS m "
        "JOIN users AS u ON u.id = m.user_id WHERE m.workspace_id = w.id "
        "ORDER BY m.created_at, m.user_id LIMIT 1", WITHOUT_ADMIN)
    notes = [f"{skipped} workspace(s) have no member to promote (use the promote_user fix)"
             ] if skipped else []
    return Plan(standard_steps(conn, "promote"), skipped, notes)


def _find_user(conn: sqlite3.Connection, who: str) -> int:
    row = conn.execute("SELECT id FROM users WHERE username = ?", (who,)).fetchone()
    if row is None and who.isdigit():
        row = conn.execute("SELECT id FROM users WHERE id = ?", (int(who),)).fetchone()
    if row is None:
        raise Refused(f"no user {who!r}", "give an existing username or user id")
    return int(row[0])


def plan_promote_user(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    reset_temp(conn)
    who = params.get("user")
    if not who:
        raise Refused("promote_user needs a user", "pass --user USERNAME")
    uid = _find_user(conn, who)
    where = WITHOUT_ADMIN
    args: tuple[Any, ...] = ()
    if params.get("workspace"):
        where += " AND (w.slug = ? OR CAST(w.id AS TEXT) = ?)"
        args = (params["workspace"], params["workspace"])
    member = ("EXISTS (SELECT 1 FROM workspace_members AS x "
              "WHERE x.workspace_id = w.id AND x.user_id = ?)")
    conn.execute(f"INSERT INTO temp.fix_roles (workspace_id, user_id) SELECT w.id, ? {where} "
                 f"AND {member}", (uid, *args, uid))
    conn.execute("INSERT INTO temp.fix_members (workspace_id, user_id, role) "
                 f"SELECT w.id, ?, 'admin' {where} AND NOT {member}", (uid, *args, uid))
    return Plan(standard_steps(conn, "promote_user"))


# ------------------------------------------------------------------ rows

ROWS_WITHOUT: Final = "r.workspace_id IS NULL"
ROWS_DANGLING: Final = ("r.workspace_id IS NOT NULL AND NOT EXISTS "
                        "(SELECT 1 FROM workspaces AS w WHERE w.id = r.workspace_id)")
OWNER_HOME: Final = (
    "CASE WHEN EXISTS (SELECT 1 FROM workspaces AS w JOIN workspace_members AS m "
    "ON m.workspace_id = w.id AND m.user_id = u.id WHERE w.id = u.current_workspace_id) "
    "THEN u.current_workspace_id END")


def rows_to(where: str, *, owner_first: bool) -> PlanFunc:
    def plan(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
        reset_temp(conn)
        notes: list[str] = []
        target = OWNER_HOME if owner_first else "NULL"
        for t in WORKSPACE_SCOPED_TABLES:
            conn.execute(
                "INSERT INTO temp.fix_rows (tbl, row_id, workspace_id) "
                f"SELECT '{t}', r.id, {target} FROM {t} AS r "
                f"LEFT JOIN users AS u ON u.id = r.owner_id WHERE {where}")
        if _count(conn, "fix_rows", "workspace_id IS NULL"):
            default = _ensure_default(conn, facts, notes)
            conn.execute("UPDATE temp.fix_rows SET workspace_id = ? WHERE workspace_id IS NULL",
                         (default,))
            # The owners keep seeing their rows: they join `default` as members.
            for t in WORKSPACE_SCOPED_TABLES:
                conn.execute(
                    "INSERT OR IGNORE INTO temp.fix_members (workspace_id, user_id, role) "
                    f"SELECT DISTINCT ?, u.id, 'member' FROM temp.fix_rows AS f "
                    f"JOIN {t} AS r ON r.id = f.row_id JOIN users AS u ON u.id = r.owner_id "
                    f"WHERE f.tbl = '{t}' AND f.workspace_id = ? AND NOT EXISTS "
                    "(SELECT 1 FROM workspace_members AS m WHERE m.workspace_id = ? "
                    "AND m.user_id = u.id)", (default, default, default))
            if scalar(conn, "SELECT EXISTS (SELECT 1 FROM temp.fix_ws)"):
                notes.append("the new default workspace has no admin: promote one with the "
                             "workspaces_without_admin fix")
        return Plan(standard_steps(conn, "rows"), notes=notes)
    return plan


def plan_delete_memberships(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    reset_temp(conn)
    conn.execute(
        "INSERT INTO temp.fix_delete (rid) SELECT m.rowid FROM workspace_members AS m "
        "LEFT JOIN workspaces AS w ON w.id = m.workspace_id "
        "LEFT JOIN users AS u ON u.id = m.user_id WHERE w.id IS NULL OR u.id IS NULL")
    return Plan(standard_steps(conn, "delete"))


# ------------------------------------------------------------------ isolation

OWNER_NOT_MEMBER: Final = (
    "r.workspace_id IN (SELECT id FROM workspaces) AND u.id IS NOT NULL AND NOT EXISTS "
    "(SELECT 1 FROM workspace_members AS m WHERE m.workspace_id = r.workspace_id "
    "AND m.user_id = r.owner_id)")
CONNECTION_ELSEWHERE: Final = (
    "r.workspace_id IN (SELECT id FROM workspaces) AND EXISTS (SELECT 1 FROM connections AS c "
    "JOIN workspaces AS cw ON cw.id = c.workspace_id WHERE c.id = r.connection_id "
    "AND c.workspace_id <> r.workspace_id)")


def _isolation_total(conn: sqlite3.Connection) -> int:
    from wsadmin.db.health.checks import ISOLATION_VIOLATIONS

    return int(scalar(conn, f"SELECT COUNT(*) FROM ({ISOLATION_VIOLATIONS})"))


def _has_connection(t: str) -> bool:
    return "connection_id" in LEGACY_COLUMNS[t]


def plan_isolation_add_member(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    reset_temp(conn)
    fixed = 0
    for t in WORKSPACE_SCOPED_TABLES:
        conn.execute(
            "INSERT OR IGNORE INTO temp.fix_members (workspace_id, user_id, role) "
            f"SELECT DISTINCT r.workspace_id, r.owner_id, 'member' FROM {t} AS r "
            f"JOIN users AS u ON u.id = r.owner_id WHERE {OWNER_NOT_MEMBER}")
        extra = f" AND NOT ({CONNECTION_ELSEWHERE})" if _has_connection(t) else ""
        fixed += int(scalar(conn, f"SELECT COUNT(*) FROM {t} AS r LEFT JOIN users AS u "
                                  f"ON u.id = r.owner_id WHERE {OWNER_NOT_MEMBER}{extra}"))
    skipped = _isolation_total(conn) - fixed
    notes = [f"{skipped} saved quer(ies) use a connection of another workspace: membership "
             "does not fix that (use the move fix)"] if skipped else []
    return Plan(standard_steps(conn, "add_member"), skipped, notes)


def plan_isolation_move(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    reset_temp(conn)
    for t in WORKSPACE_SCOPED_TABLES:
        if _has_connection(t):
            # A query goes where its connection is, if its owner (if any) belongs there;
            # otherwise to its owner's home, if its connection (if any) is there too.
            conn_ws = ("(SELECT cw.id FROM connections AS c JOIN workspaces AS cw "
                       "ON cw.id = c.workspace_id WHERE c.id = r.connection_id)")
            target = (f"CASE WHEN {CONNECTION_ELSEWHERE} THEN {conn_ws} "
                      f"ELSE {OWNER_HOME} END")
            ok = ("(x.target IS NOT NULL AND (x.owner IS NULL OR EXISTS (SELECT 1 FROM "
                  "workspace_members AS m WHERE m.workspace_id = x.target "
                  "AND m.user_id = x.owner)) AND (x.conn_ws IS NULL OR x.conn_ws = x.target))")
            conn.execute(
                "INSERT INTO temp.fix_rows (tbl, row_id, workspace_id) "
                f"SELECT '{t}', x.id, x.target FROM (SELECT r.id AS id, u.id AS owner, "
                f"{target} AS target, {conn_ws} AS conn_ws FROM {t} AS r "
                f"LEFT JOIN users AS u ON u.id = r.owner_id "
                f"WHERE ({OWNER_NOT_MEMBER}) OR ({CONNECTION_ELSEWHERE})) AS x WHERE {ok}")
        else:
            # Moving a connection must not strand the saved queries that use it.
            strand = ""
            if any(_has_connection(o) for o in WORKSPACE_SCOPED_TABLES) and t == "connections":
                strand = (" AND NOT EXISTS (SELECT 1 FROM saved_queries AS s JOIN workspaces AS "
                          "sw ON sw.id = s.workspace_id WHERE s.connection_id = x.id "
                          "AND s.workspace_id <> x.target)")
            conn.execute(
                "INSERT INTO temp.fix_rows (tbl, row_id, workspace_id) "
                f"SELECT '{t}', x.id, x.target FROM (SELECT r.id AS id, {OWNER_HOME} AS target "
                f"FROM {t} AS r JOIN users AS u ON u.id = r.owner_id WHERE {OWNER_NOT_MEMBER}) "
                f"AS x WHERE x.target IS NOT NULL{strand}")
    skipped = _isolation_total(conn) - _count(conn, "fix_rows")
    notes = [f"{skipped} row(s) have no workspace to move to that their owner belongs to "
             "(use the add_member fix for them)"] if skipped else []
    return Plan(standard_steps(conn, "move"), skipped, notes)


# ------------------------------------------------------------------ half upgrade

def plan_drop_leftovers(conn: sqlite3.Connection, facts: Facts, params: Params) -> Plan:
    reset_temp(conn)
    steps = []
    for table in sorted(t for t in facts.tables if t.startswith(ALEMBIC_TMP_PREFIX)):
        q = table.replace('"', '""')
        steps.append(Step(
            "drop_table", table, f"drop the leftover table {table}", 1,
            f"SELECT '{table.replace(chr(39), chr(39) * 2)}' AS \"table\", "
            f"(SELECT COUNT(*) FROM \"{q}\") AS rows",
            f'DROP TABLE "{q}"', key=("table",)))
    return Plan(steps)


# ------------------------------------------------------------------ the list

def row_move_fixes(where: str) -> tuple[Fix, ...]:
    """The two ways to home workspace-scoped rows selected by `where`."""
    return (
        Fix("owner", "Move to the owner's current workspace",
            "Each row moves to its owner's current workspace when the owner belongs to it; "
            "otherwise to `default` (created if missing), which the owner joins as a member.",
            rows_to(where, owner_first=True)),
        Fix("default", "Move to the default workspace",
            "Every row moves to `default` (created if missing); owners join it as members.",
            rows_to(where, owner_first=False)),
    )


FIXES: Final[dict[str, tuple[Fix, ...]]] = {
    "users_without_workspace": (
        Fix("personal", "Give each user a personal workspace",
            "As registration does: a workspace \"{username}'s Workspace\" with a slug from "
            "the username, the user as its admin, set as current workspace.",
            users_to_personal(USERS_WITHOUT)),
        Fix("default", "Put the users in the default workspace",
            "As revision 002 does: admin of `default` (created if missing), set as current.",
            users_to_default(USERS_WITHOUT)),
    ),
    "users_dangling_workspace": (
        Fix("personal", "Give each user a personal workspace",
            "As registration does: a workspace \"{username}'s Workspace\" with a slug from "
            "the username, the user as its admin, set as current workspace.",
            users_to_personal(USERS_DANGLING)),
        Fix("default", "Put the users in the default workspace",
            "Admin of `default` (created if missing), set as current workspace.",
            users_to_default(USERS_DANGLING)),
    ),
    "users_not_member_of_current": (
        Fix("add_membership", "Add the missing membership",
            "Each user becomes a member (role from --role, default member) of their current "
            "workspace.", plan_add_membership, ("role",)),
        Fix("switch", "Switch to a workspace they belong to",
            "The current workspace becomes the user's oldest membership; users with no "
            "membership are left as they are.", plan_switch_workspace),
    ),
    "duplicate_slugs": (
        Fix("rename", "Rename colliding slugs",
            "In each group of colliding slugs the oldest workspace keeps its slug; the others "
            "get the normalized slug with -2, -3, ... (the first one free).", plan_rename_slugs),
    ),
    "workspaces_without_admin": (
        Fix("promote_oldest", "Promote the oldest member",
            "The member who joined first becomes admin; workspaces without members are left.",
            plan_promote_oldest),
        Fix("promote_user", "Make a chosen user admin",
            "The user given with --user becomes admin (joining if needed) of every workspace "
            "without one, or only of --workspace.", plan_promote_user, ("user", "workspace")),
    ),
    "rows_without_workspace": row_move_fixes(ROWS_WITHOUT),
    "rows_dangling_workspace": row_move_fixes(ROWS_DANGLING),
    "memberships_dangling": (
        Fix("delete", "Delete the dangling memberships",
            "Deletes memberships whose user or workspace does not exist (what ON DELETE "
            "CASCADE would have done).", plan_delete_memberships),
    ),
    "isolation_violations": (
        Fix("add_member", "Add the owner to the row's workspace",
            "Each owner becomes a member of the workspaces holding their rows.",
            plan_isolation_add_member),
        Fix("move", "Move the row",
            "Saved queries move to their connection's workspace; other rows to their owner's "
            "current workspace (only where the owner belongs and nothing else breaks).",
            plan_isolation_move),
    ),
    "half_upgrade": (
        Fix("drop_leftovers", "Drop leftover _alembic_tmp_* tables",
            "Drops the tables an interrupted migration left behind (after a backup). Missing "
            "tables or columns are not fixed here: restore the pre-upgrade backup.",
            plan_drop_leftovers),
    ),
}


def fixes_for(check_id: str) -> tuple[Fix, ...]:
    return FIXES.get(check_id, ())
