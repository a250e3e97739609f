"""Workspace schema: add workspaces and their members.

Creates the workspaces and workspace_members tables and gives users,
dashboards, connections and saved queries a workspace column (empty for now).
No existing row is changed. On an empty database it first creates the
legacy tables. Undoing it deletes every workspace, every membership and every
row's workspace assignment.
"""

from __future__ import annotations

from alembic import op

from wsadmin.db.contract import (
    ALEMBIC_TMP_PREFIX,
    LEGACY_COLUMNS,
    LEGACY_DDL,
    WORKSPACE_COLUMN,
    WORKSPACE_DDL,
)

revision = "001"
down_revision = None
branch_labels = None
depends_on = None


def _existing_tables() -> set[str]:
    rows = op.get_bind().exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type='table'"
    ).fetchall()
    return {r[0] for r in rows}


def upgrade() -> None:
    existing = _existing_tables()
    for table, ddl in LEGACY_DDL.items():
        if table not in existing:
            op.execute(ddl)
    for ddl in WORKSPACE_DDL.values():
        op.execute(ddl)
    op.execute("CREATE UNIQUE INDEX ux_workspaces_slug ON workspaces(slug)")
    for table, column in WORKSPACE_COLUMN.items():
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES workspaces(id)")


def _rebuild_as_legacy(table: str) -> None:
    """Rebuild `table` with its exact legacy DDL, keeping every row.

    SQLite cannot DROP a column that carries REFERENCES, so this does what
    Alembic's batch mode does (copy, drop, rename) but from the contract's DDL
    rather than from reflection, so the legacy table comes back exactly.
    Triggers on the table are recreated; its own indexes other than 001's are
    kept.
    """
    bind = op.get_bind()
    tmp = ALEMBIC_TMP_PREFIX + table
    extras = bind.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? "
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL",
        (table,),
    ).fetchall()
    cols = ", ".join(LEGACY_COLUMNS[table])
    op.execute(LEGACY_DDL[table].replace(f"CREATE TABLE {table} (", f"CREATE TABLE {tmp} (", 1))
    op.execute(f"INSERT INTO {tmp} ({cols}) SELECT {cols} FROM {table}")
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {tmp} RENAME TO {table}")
    for _kind, _name, sql in extras:
        if WORKSPACE_COLUMN[table] not in sql:
            # Raw driver SQL: op.execute() would read `:word` in a trigger body as a
            # bind parameter.
            bind.exec_driver_sql(sql)


def downgrade() -> None:
    op.execute("DROP TABLE workspace_members")
    op.execute("DROP INDEX IF EXISTS ux_workspaces_slug")
    op.execute("DROP TABLE workspaces")
    for table in WORKSPACE_COLUMN:
        _rebuild_as_legacy(table)
