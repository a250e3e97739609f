"""Demo rows, set-based: every table is filled by one INSERT ... SELECT over a counter.

A million users take seconds because nothing loops in Python. Rows look like
the backend's own: bcrypt `$2b$12$` hashes (one hash computed once, reused),
ISO timestamps with microseconds, JSON text, connection configs that are
JSON strings holding a Fernet-looking token (`"Z0FBQUFB...`) and one stored as
a clear JSON object, legacy roles including one outside the set, inactive
users and a NULL `is_active`, a dashboard and a CSV upload whose parents are
gone, logs with and without a user, names with apostrophes and non-ASCII
letters. Which columns are filled depends on the table's shape, so the same
code fills a legacy database and a head-shaped one.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Final

from wsadmin.db.schema.facts import WORKSPACE_SETTINGS_DEFAULTS
from wsadmin.db.sqlite.introspect import quote_ident

FIRST_NAMES: Final = (
    "Ann", "Bob", "Chloé", "Dmitri", "Zoë", "Seán", "Ægir", "José", "Łukasz", "Mårten",
    "Nguyễn", "Søren", "Björk", "François", "Jürgen", "Ana", "Renée", "Ümit", "Oğuz", "Mei",
)
LAST_NAMES: Final = (
    "O'Brien", "D'Angelo", "Smith", "Müller", "García", "Øvergaard", "Dvořák", "N'Diaye",
    "O'Neil", "Kowalski", "Ångström", "Lefèvre", "Ødegård", "Ruiz", "Tanaka", "Okafor",
)
CHART_TYPES: Final = ("bar", "line", "pie", "table", "scatter")
CONNECTION_TYPES: Final = ("postgresql", "mysql", "sqlite", "csv", "s3")
ACTIONS: Final = ("login", "dashboard.view", "chart.create", "connection.test", "export")

# A Fernet token (base64 "gAAAAA...") base64-encoded again, as the backend stores
# connection configs: placeholder bytes, no key can decrypt them.
_TOKEN_BODY: Final = "QmxJb0RlbW9Ub2tlbk5vdEFTZWNyZXQ" * 9

_SLUG_KEPT: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_EPOCH: Final = 1_704_067_200  # 2024-01-01 00:00:00 UTC


@dataclass(frozen=True)
class Sizes:
    users: int
    dashboards: int
    charts: int
    dashboard_charts: int
    connections: int
    csv_data: int
    logs: int

    @classmethod
    def for_users(cls, users: int) -> Sizes:
        """A demo's proportions: a dashboard, a chart on it and a log line per user, a
        connection and a CSV upload per ten (BENCH has more of everything)."""
        return cls(users, users, users, users, users // 10, users // 10, users)


BENCH: Final = Sizes(users=1_000_000, dashboards=1_000_000, charts=2_000_000,
                     dashboard_charts=2_000_000, connections=100_000, csv_data=200_000,
                     logs=3_000_000)
"""The issue's benchmark database."""


_COUNTER: Final = ("WITH RECURSIVE n(i) AS (SELECT 1 WHERE ?1 > 0 UNION ALL "
                   "SELECT i + 1 FROM n WHERE i < ?1) ")
"""Rows 1..?1: the first parameter of every fill is its row count."""


_MOMENTS: Final = 100_000


TS: Final = "t.v"
"""A row's timestamp in the backend's text: one of _MOMENTS moments in 2024 picked by
the `moment` of its fill (a join: strftime() per row would cost more than the row)."""


def _moments(conn: sqlite3.Connection) -> None:
    # Filled once per connection: each insert of a build joins it.
    if conn.execute("SELECT 1 FROM temp.sqlite_master WHERE name = 'demo_ts'").fetchone():
        return
    conn.execute("CREATE TEMP TABLE demo_ts (k INTEGER PRIMARY KEY, v TEXT)")
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "INSERT OR IGNORE INTO demo_ts SELECT i, strftime('%Y-%m-%d %H:%M:%S', ? + i * 311, "
        "'unixepoch') || '.' || printf('%06d', (i * 7919) % 1000000) FROM n",
        (_MOMENTS + 10, _EPOCH))


def _pick(words: tuple[str, ...], expr: str) -> str:
    """SQL choosing words[expr % len(words)] by cutting a padded string (substr counts
    characters): far cheaper per row than a CASE or a join. No word ends in a space."""
    width = max(len(w) for w in words)
    padded = "".join(w.ljust(width) for w in words).replace("'", "''")
    return f"rtrim(substr('{padded}', (({expr}) % {len(words)}) * {width} + 1, {width}))"


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))}


def _insert(conn: sqlite3.Connection, table: str, values: dict[str, str],
            params: tuple[object, ...], *, moment: str = "n.i", or_ignore: bool = False
            ) -> None:
    """One INSERT ... SELECT of rows 1..params[0]: the `values` (column -> SQL over the
    counter `n.i`, the names FIRST, LAST, ... and TS, the moment `moment` picks) the
    table has."""
    have = _columns(conn, table)
    used = {c: v for c, v in values.items() if c in have}
    cols = ", ".join(quote_ident(c) for c in used)
    verb = "INSERT OR IGNORE" if or_ignore else "INSERT"
    _moments(conn)
    named = any(re.search(r"\b[fl]\.", sql) for sql in used.values())
    if named:
        _names(conn)
    joins = f"JOIN demo_ts AS t ON t.k = ({moment}) % {_MOMENTS} "
    conn.execute(f"{_COUNTER}{verb} INTO {quote_ident(table)} ({cols}) "
                 f"SELECT {', '.join(used.values())} FROM n {joins}{_NAMED if named else ''}",
                 params)


def _names(conn: sqlite3.Connection) -> None:
    for table, names in (("demo_first", FIRST_NAMES), ("demo_last", LAST_NAMES)):
        conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} "
                     "(i INTEGER PRIMARY KEY, name TEXT, slug TEXT)")
        # The slug part of a name: what the backend's slug rule keeps of it (no name
        # holds a space or a dash, so only letters and digits survive).
        conn.executemany(f"INSERT OR IGNORE INTO {table} VALUES (?, ?, ?)",
                         [(i, n, "".join(c for c in n.lower() if c in _SLUG_KEPT))
                          for i, n in enumerate(names)])


# Names come from a join on two small tables: cheaper per row than cutting them out
# of a string, which SQLite must walk character by character.
_NAMED: Final = (f"JOIN demo_first AS f ON f.i = n.i % {len(FIRST_NAMES)} JOIN demo_last AS l "
                 f"ON l.i = (n.i / {len(FIRST_NAMES)}) % {len(LAST_NAMES)}")
FIRST, LAST, FIRST_SLUG, LAST_SLUG = "f.name", "l.name", "f.slug", "l.slug"
USERNAME: Final = f"{FIRST} || '.' || {LAST} || n.i"
"""Row n.i's username; its personal workspace is `{USERNAME}'s Workspace`."""


_USER_MOMENT: Final = "n.i * 37"
"""A user registers at this moment; so does their personal workspace."""


def fill_users(conn: sqlite3.Connection, sizes: Sizes, password_hash: str, *,
               all_inactive: bool = False, registered: bool = False) -> None:
    """Users 1..N. `registered`: as the backend's registration writes them (role admin,
    a personal workspace with the same id); else legacy roles and activity."""
    role = ("'admin'" if registered else
            "CASE WHEN n.i = 1 OR n.i % 97 = 0 THEN 'admin' WHEN n.i % 1009 = 3 THEN "
            "'superuser' WHEN n.i % 5 = 0 THEN 'editor' ELSE 'viewer' END")
    active = ("CASE WHEN n.i % 7 = 0 THEN NULL ELSE 0 END" if all_inactive else
              "CASE WHEN n.i = 1 THEN 1 WHEN n.i % 50 = 0 THEN 0 WHEN n.i % 211 = 7 "
              "THEN NULL ELSE 1 END")
    _insert(conn, "users", {
        "id": "n.i",
        "username": USERNAME,
        "email": f"{FIRST_SLUG} || '.' || {LAST_SLUG} || n.i || '@example.com'",
        "password_hash": "?2",
        "role": role,
        "current_workspace_id": "n.i" if registered else "NULL",
        "email_verified": "0" if registered else "NULL",
        "theme_preference": "'light'",
        "created_at": TS, "updated_at": TS,
        "last_login": f"CASE WHEN n.i % 3 = 0 THEN NULL ELSE {TS} END",
        "is_active": active,
    }, (sizes.users, password_hash), moment=_USER_MOMENT)


def fill_personal_workspaces(conn: sqlite3.Connection, sizes: Sizes) -> None:
    """What registration writes beside each user: `{username}'s Workspace` with the
    backend's slug, its creator as admin member, default settings (SCHEMA.md)."""
    _insert(conn, "workspaces", {
        "id": "n.i", "name": USERNAME + " || '''s Workspace'",
        # slugify(username + "'s Workspace"): letters of the names, the digits, "s-workspace"
        "slug": f"{FIRST_SLUG} || {LAST_SLUG} || n.i || 's-workspace'",
        "created_by": "n.i", "created_at": TS, "updated_at": TS,
    }, (sizes.users,), moment=_USER_MOMENT)
    _insert(conn, "workspace_members", {
        "workspace_id": "n.i", "user_id": "n.i", "role": "'admin'", "invited_by": "n.i",
        "joined_at": TS,
    }, (sizes.users,), moment=_USER_MOMENT)
    defaults = {name: repr(value) if isinstance(value, str) else str(value)
                for name, value in WORKSPACE_SETTINGS_DEFAULTS}
    _insert(conn, "workspace_settings", {"workspace_id": "n.i", **defaults, "updated_at": TS},
            (sizes.users,), moment=_USER_MOMENT)


def fill_content(conn: sqlite3.Connection, sizes: Sizes) -> None:
    """Dashboards, charts, their links, connections, CSV data, logs and settings.

    Creators cycle through the users; a workspace column, when the table has one,
    is the creator's personal workspace (same id, see fill_personal_workspaces).
    """
    if sizes.users == 0:
        return  # every row needs a creator
    users = sizes.users
    creator = f"((n.i - 1) % {users}) + 1"
    # The last dashboard's creator was deleted (the backend's 002 refuses to run).
    _insert(conn, "dashboards", {
        "id": "n.i", "name": LAST + " || '''s dashboard ' || n.i",
        "description": "'Quarterly figures for ' || " + FIRST, "layout": "'{\"items\": []}'",
        "is_public": "n.i % 10 = 0",
        "public_token": "CASE WHEN n.i % 10 = 0 THEN 'demo-token-' || n.i END",
        "public_access_count": "CASE WHEN n.i % 10 = 0 THEN n.i % 50 ELSE 0 END",
        "created_by": f"CASE WHEN n.i = ?1 THEN ?2 + 1 ELSE {creator} END",
        "workspace_id": creator, "created_at": TS, "updated_at": TS,
    }, (sizes.dashboards, sizes.users))
    _insert(conn, "charts", {
        "id": "n.i", "name": "'Chart ' || n.i || ' of ' || " + FIRST,
        "chart_type": _pick(CHART_TYPES, "n.i"),
        "config": "'{\"x\": \"region\", \"y\": \"sales\"}'",
        "query": "'SELECT region, sales FROM sales WHERE region = ''north'''",
        "created_by": creator, "workspace_id": creator,
        "created_at": TS, "updated_at": TS,
    }, (sizes.charts,))
    charts, dashboards = max(sizes.charts, 1), max(sizes.dashboards, 1)
    _insert(conn, "dashboard_charts", {
        "id": "n.i", "chart_id": f"((n.i - 1) % {charts}) + 1",
        # a new offset each round through the charts keeps (dashboard, chart) pairs apart
        "dashboard_id": f"((n.i - 1 + (n.i - 1) / {charts}) % {dashboards}) + 1",
        "position": "'{\"x\": 0, \"y\": ' || (n.i % 12) || '}'",
    }, (sizes.dashboard_charts if sizes.charts and sizes.dashboards else 0,), or_ignore=True)
    _insert(conn, "connections", {
        "id": "n.i", "name": LAST + " || '''s ' || " + _pick(CONNECTION_TYPES, "n.i"),
        "type": _pick(CONNECTION_TYPES, "n.i"),
        # one config stored in clear, the rest encrypted the backend's way
        "config": "CASE WHEN n.i = 1 THEN '{\"host\": \"db.internal\", \"user\": \"report\", "
                  "\"password\": \"demo-only\"}' ELSE '\"Z0FBQUFB' || printf('%08d', n.i) || "
                  f"'{_TOKEN_BODY}' || '=\"' END",
        "is_active": "n.i % 9 <> 0", "created_by": creator, "workspace_id": creator,
        "created_at": TS, "updated_at": TS,
    }, (sizes.connections,))
    # The last CSV upload's chart is gone.
    _insert(conn, "csv_data", {
        "id": "n.i", "chart_id": f"CASE WHEN n.i = ?1 THEN ?2 + 1 ELSE ((n.i - 1) % {charts}) "
                                "+ 1 END",
        "workspace_id": f"(((n.i - 1) % {charts}) % {users}) + 1",
        "data": "'[{\"region\": \"north\", \"sales\": ' || n.i || '}]'",
        "column_types": "'{\"region\": \"text\", \"sales\": \"integer\"}'", "row_count": "1",
        "created_at": TS,
    }, (sizes.csv_data, sizes.charts))
    _insert(conn, "logs", {
        "id": "n.i", "user_id": f"CASE WHEN n.i % 4 = 0 THEN NULL ELSE {creator} END",
        "workspace_id": f"CASE WHEN n.i % 4 = 0 THEN NULL ELSE {creator} END",
        "action": _pick(ACTIONS, "n.i"),
        "resource_type": "'dashboard'", "resource_id": f"((n.i - 1) % {dashboards}) + 1",
        "details": "'{\"via\": \"web\"}'",
        "ip_address": "'10.0.' || (n.i / 256 % 256) || '.' || (n.i % 256)",
        "created_at": TS,
    }, (sizes.logs,))
    # The keys the backend's own seed writes (app/seeds/init_db.py).
    conn.executemany(
        "INSERT INTO settings (\"key\", value, description, updated_at) VALUES (?, ?, ?, ?)",
        [(key, value, note, "2024-01-01 00:00:00.000000") for key, value, note in (
            ("app.name", '"Zoë\'s Dashboards"', "Shown in the title bar"),
            ("app.theme", '"light"', None), ("export.max_size_mb", "50", None),
            ("query.timeout_seconds", "30", None), ("query.max_results", "10000", None))])

