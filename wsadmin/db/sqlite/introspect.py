"""What a connection can tell about its database: tables, columns, declared
lengths, journal mode, and the one way identifiers are quoted.
"""
from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


def journal_mode(conn: sqlite3.Connection) -> str:
    return str(conn.execute("PRAGMA journal_mode").fetchone()[0])


def table_names(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return [str(r[0]) for r in rows]


def column_names(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(f'PRAGMA table_info("{table}")').fetchall()]


_LENGTH = re.compile(r"\(\s*(\d+)\s*(?:,\s*\d+\s*)?\)")


def declared_length(conn: sqlite3.Connection, table: str, column: str) -> int | None:
    """The length a column is declared with (`VARCHAR(64)`: 64), or None.

    SQLite does not enforce it, but the backend's ORM and other databases do:
    values wsadmin makes up must fit it.
    """
    for row in conn.execute(f"PRAGMA table_info({quote_ident(table)})"):
        if str(row[1]) == column:
            found = _LENGTH.search(str(row[2] or ""))
            return int(found.group(1)) if found and int(found.group(1)) > 0 else None
    return None


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def alembic_revisions(conn: sqlite3.Connection) -> list[str]:
    """The rows of Alembic's alembic_version table (none when there is no such table)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                    "AND name = 'alembic_version'").fetchone() is None:
        return []
    return [str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version")]
