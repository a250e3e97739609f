"""Default workspace: put every existing user and row in a workspace.

If the database holds any user, dashboard, connection or saved query, a
workspace 'Default Workspace' (slug 'default') is created, or an existing one
with that slug is reused. Every user without a workspace becomes an admin of
it and switches to it; every dashboard, connection and saved query without a
workspace moves into it. Users and rows that already have a workspace keep it.
Then a workspace becomes mandatory for dashboards, connections and saved
queries. Undoing it takes users and rows out of the default workspace again
and deletes it with its memberships.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

from wsadmin.db.contract import (
    ALEMBIC_TMP_PREFIX,
    DEFAULT_NAME,
    DEFAULT_SLUG,
    INDEXES_002,
    WORKSPACE_SCOPED_TABLES,
)

revision = "002"
down_revision = "001"
branch_labels = None
depends_on = None


def _default_id() -> int | None:
    row = op.get_bind().execute(
        sa.text("SELECT id FROM workspaces WHERE slug = :slug ORDER BY id LIMIT 1"),
        {"slug": DEFAULT_SLUG},
    ).fetchone()
    return None if row is None else int(row[0])


_CREATE_TABLE = re.compile(r'^\s*CREATE\s+TABLE\s+(?:"(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|\w+)',
                           re.IGNORECASE)
# The column definition 001 added: `workspace_id INTEGER [NOT NULL] REFERENCES ...`.
_COLUMN = re.compile(r'(?<![\w"`\[])(["`\[]?workspace_id["`\]]?\s+INTEGER)(\s+NOT\s+NULL)?'
                     r'(?=[\s,)])', re.IGNORECASE)


def _table_sql(table: str) -> str:
    row = op.get_bind().exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    return str(row[0])


def _columns(table: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in op.get_bind().exec_driver_sql(
        f'PRAGMA table_info("{table}")').fetchall()]


def _edited_ddl(table: str, tmp: str, nullable: bool) -> str | None:
    """`table`'s own CREATE TABLE text, renamed to `tmp`, with workspace_id's NOT NULL
    added or removed; None when the text does not have the expected shape."""
    sql = _table_sql(table)
    if len(_COLUMN.findall(sql)) != 1 or not _CREATE_TABLE.match(sql):
        return None
    sql = _COLUMN.sub(lambda m: m.group(1) + ("" if nullable else " NOT NULL"), sql)
    return _CREATE_TABLE.sub(f'CREATE TABLE "{tmp}"', sql, count=1)


def _set_workspace_not_null(table: str, nullable: bool) -> None:
    """Add or drop NOT NULL on `table`.workspace_id by rebuilding the table.

    SQLite's own recipe (https://sqlite.org/lang_altertable.html#otheralter):
    create the new table from the old one's CREATE text with only that column
    changed, copy the rows in one INSERT ... SELECT, drop the old table, rename,
    then recreate its indexes and triggers. Unlike Alembic's batch mode, this
    keeps the table's exact definition and its triggers, and copies once. If
    the text is not the shape 001 left (edited by hand), batch mode does it.
    """
    bind = op.get_bind()
    tmp = ALEMBIC_TMP_PREFIX + table
    extras = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL ORDER BY type, name",
        (table,),
    ).fetchall()
    before = _columns(table)
    ddl = _edited_ddl(table, tmp, nullable)
    if ddl is not None:
        bind.exec_driver_sql(ddl)
        after = _columns(tmp)
        expected = [(*c[:3], 0 if c[1] == "workspace_id" and nullable else
                     1 if c[1] == "workspace_id" else c[3], *c[4:]) for c in before]
        if after != expected:
            bind.exec_driver_sql(f'DROP TABLE "{tmp}"')
            ddl = None
    if ddl is None:
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.alter_column("workspace_id", existing_type=sa.Integer(), nullable=nullable)
        present = {r[0] for r in bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL",
            (table,)).fetchall()}
        for (sql,) in extras:
            if sql.lstrip().upper().startswith("CREATE TRIGGER") and sql not in present:
                bind.exec_driver_sql(sql)
        return
    cols = ", ".join(f'"{c[1]}"' for c in before)
    bind.exec_driver_sql(f'INSERT INTO "{tmp}" ({cols}) SELECT {cols} FROM "{table}"')
    bind.exec_driver_sql(f'DROP TABLE "{table}"')
    bind.exec_driver_sql(f'ALTER TABLE "{tmp}" RENAME TO "{table}"')
    for (sql,) in extras:
        bind.exec_driver_sql(sql)


def upgrade() -> None:
    bind = op.get_bind()
    any_rows = " OR ".join(
        f"EXISTS (SELECT 1 FROM {t})" for t in ("users", *WORKSPACE_SCOPED_TABLES)
    )
    bind.execute(
        sa.text(
            "INSERT INTO workspaces (name, slug) SELECT :name, :slug "
            f"WHERE ({any_rows}) "
            "AND NOT EXISTS (SELECT 1 FROM workspaces WHERE slug = :slug)"
        ),
        {"name": DEFAULT_NAME, "slug": DEFAULT_SLUG},
    )
    default_id = _default_id()
    if default_id is not None:
        bind.execute(
            sa.text(
                "INSERT INTO workspace_members (workspace_id, user_id, role) "
                "SELECT :d, u.id, 'admin' FROM users AS u "
                "WHERE u.current_workspace_id IS NULL AND NOT EXISTS ("
                "  SELECT 1 FROM workspace_members AS m"
                "  WHERE m.workspace_id = :d AND m.user_id = u.id)"
            ),
            {"d": default_id},
        )
        bind.execute(
            sa.text("UPDATE users SET current_workspace_id = :d "
                    "WHERE current_workspace_id IS NULL"),
            {"d": default_id},
        )
        for table in WORKSPACE_SCOPED_TABLES:
            bind.execute(
                sa.text(f"UPDATE {table} SET workspace_id = :d WHERE workspace_id IS NULL"),
                {"d": default_id},
            )
    for table in WORKSPACE_SCOPED_TABLES:
        _set_workspace_not_null(table, nullable=False)
    for name, (table, column) in INDEXES_002.items():
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, (table, _column) in INDEXES_002.items():
        op.drop_index(name, table_name=table)
    for table in WORKSPACE_SCOPED_TABLES:
        _set_workspace_not_null(table, nullable=True)
    default_id = _default_id()
    if default_id is None:
        return
    bind = op.get_bind()
    for table in WORKSPACE_SCOPED_TABLES:
        bind.execute(
            sa.text(f"UPDATE {table} SET workspace_id = NULL WHERE workspace_id = :d"),
            {"d": default_id},
        )
    bind.execute(
        sa.text("UPDATE users SET current_workspace_id = NULL WHERE current_workspace_id = :d"),
        {"d": default_id},
    )
    bind.execute(sa.text("DELETE FROM workspace_members WHERE workspace_id = :d"),
                 {"d": default_id})
    bind.execute(sa.text("DELETE FROM workspaces WHERE id = :d"), {"d": default_id})
