"""A realistic demo app_metadata.db, built with set-based SQL.

Names carry apostrophes and non-ASCII letters, connection URLs carry
passwords, some rows have no owner, and passwords are PHC strings (argon2id
for most users, bcrypt for a few legacy ones). A million users take seconds:
every table is filled by one INSERT ... SELECT over a recursive counter.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Final

from wsadmin.db.common.errors import Refused
from wsadmin.db.contract import LEGACY_DDL
from wsadmin.db.migrate.runner import run_alembic
from wsadmin.db.sqlite.connect import connect_rw, prepare_for_migration, translated_errors

FIRST_NAMES: Final = (
    "Ann", "Bob", "Chloé", "Dmitri", "Zoë", "Seán", "Ægir", "José", "Łukasz", "Mårten",
    "Nguyễn", "Søren", "Björk", "François", "Jürgen", "Ana", "Renée", "Ümit", "Oğuz", "Mei",
)
LAST_NAMES: Final = (
    "O'Brien", "D'Angelo", "Smith", "Müller", "García", "Øvergaard", "Dvořák", "N'Diaye",
    "O'Neil", "Kowalski", "Ångström", "Lefèvre", "Ødegård", "Ruiz", "Tanaka", "Okafor",
)
DIALECTS: Final = ("postgresql", "sqlite", "mysql", "mssql")
STATES: Final = ("legacy", "001", "002")

# One real argon2id string (password "demo") and one legacy bcrypt string: hashing a
# million passwords would take hours, and every demo user logs in with "demo".
ARGON2_DEMO: Final = (
    "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$"
    "Y6ZJ9bZ2mY1v5mVHc9bQm4kqZ0m4J7k2fN2u6f2b3oA"
)
BCRYPT_DEMO: Final = "$2b$12$KIXQ7eH1Qm5E0mQe8hW3YuH0m1d0e1X2o3l4m5n6o7p8q9r0s1t2u"


def _values(items: tuple[str, ...]) -> str:
    return ", ".join("(" + str(i) + ", '" + s.replace("'", "''") + "')"
                     for i, s in enumerate(items))


def build_demo(path: str | Path, users: int = 200, state: str = "002",
               overwrite: bool = False) -> Path:
    """Create a demo database at `path` with `users` users, at `state`."""
    if state not in STATES:
        raise Refused(f"unknown demo state {state!r}", "choose legacy, 001 or 002")
    if users < 0:
        raise Refused("the number of users cannot be negative")
    p = Path(path)
    with translated_errors(p, "create"):    # even exists() fails on a name that is too long
        if p.exists() and not overwrite:
            raise Refused(f"{p} already exists",
                          "choose a new path; demo never overwrites a file")
        if p.exists():
            p.unlink()
        conn = connect_rw(p, create=True)
        try:
            _fill_legacy(conn, users)
            if state != "legacy":
                prepare_for_migration(conn)
                run_alembic(p, "upgrade", state, ["001"] if state == "001" else ["001", "002"],
                            connection=conn)
            conn.execute("PRAGMA optimize")
        finally:
            conn.close()
    return p


def _fill_legacy(conn: sqlite3.Connection, users: int) -> None:
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA synchronous=OFF")  # a demo being built has nothing to lose yet
    conn.execute("BEGIN")
    for ddl in LEGACY_DDL.values():
        conn.execute(ddl)
    conn.execute("CREATE TEMP TABLE fn(i INTEGER PRIMARY KEY, v TEXT)")
    conn.execute(f"INSERT INTO fn VALUES {_values(FIRST_NAMES)}")
    conn.execute("CREATE TEMP TABLE ln(i INTEGER PRIMARY KEY, v TEXT)")
    conn.execute(f"INSERT INTO ln VALUES {_values(LAST_NAMES)}")
    nf, nl = len(FIRST_NAMES), len(LAST_NAMES)
    conn.execute(
        f"""
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
        INSERT INTO users (id, username, email, hashed_password, is_active, is_superuser,
                           created_at)
        SELECT n.i,
               lower(fn.v) || '.' || replace(lower(ln.v), ' ', '') || n.i,
               CASE WHEN n.i % 23 = 0 THEN NULL
                    ELSE lower(fn.v) || '.' || n.i || '@example.org' END,
               CASE WHEN n.i % 10 = 0 THEN ? ELSE ? END,
               n.i % 37 <> 0,
               n.i = 1,
               datetime('2023-01-01', '+' || (n.i % 900) || ' days', '+' || (n.i % 86400)
                        || ' seconds')
        FROM n JOIN fn ON fn.i = n.i % {nf} JOIN ln ON ln.i = (n.i / {nf}) % {nl}
        """,
        (users, BCRYPT_DEMO, ARGON2_DEMO),
    )
    # Two dashboards, one connection and one saved query per two users on
    # average (three scoped rows per user); every 50th row has no owner.
    conn.execute(
        """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
        INSERT INTO dashboards (id, owner_id, title, definition, created_at, updated_at)
        SELECT i, CASE WHEN i % 50 = 0 THEN NULL ELSE (i + 1) / 2 END,
               'Dashboard ' || i || CASE i % 3 WHEN 0 THEN ' — revenue' WHEN 1 THEN '''s KPIs'
                                      ELSE ' (São Paulo)' END,
               '{"widgets": ' || (i % 7) || '}',
               datetime('2023-06-01', '+' || (i % 500) || ' days'),
               CASE WHEN i % 4 = 0 THEN datetime('2024-06-01', '+' || (i % 300) || ' days') END
        FROM n
        """,
        (2 * users,),
    )
    conn.execute(
        """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
        INSERT INTO connections (id, owner_id, name, dialect, url, created_at)
        SELECT i, CASE WHEN i % 50 = 0 THEN NULL ELSE 2 * i - 1 END,
               'Warehouse ' || i,
               CASE i % 4 WHEN 0 THEN 'postgresql' WHEN 1 THEN 'sqlite'
                          WHEN 2 THEN 'mysql' ELSE 'mssql' END,
               CASE i % 4
                 WHEN 1 THEN 'sqlite:////srv/data/warehouse' || i || '.db'
                 ELSE CASE i % 4 WHEN 0 THEN 'postgresql://' WHEN 2 THEN 'mysql://'
                                 ELSE 'mssql+pyodbc://' END
                      || 'analyst' || i || ':s3cr3t-' || (i * 7919 % 100000)
                      || '@db' || (i % 5) || '.internal/warehouse' END,
               datetime('2023-03-01', '+' || (i % 600) || ' days')
        FROM n
        """,
        ((users + 1) // 2,),
    )
    conn.execute(
        """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
        INSERT INTO saved_queries (id, owner_id, connection_id, name, sql, created_at)
        SELECT i, CASE WHEN i % 50 = 0 THEN NULL ELSE 2 * i - 1 END, i,
               'Top customers ' || i,
               'SELECT name FROM customers WHERE region = ''EU'' LIMIT ' || (i % 100 + 1),
               datetime('2023-04-01', '+' || (i % 600) || ' days')
        FROM n
        """,
        (users // 2,),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA synchronous=FULL")
