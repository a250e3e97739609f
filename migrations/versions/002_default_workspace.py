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

import sqlalchemy as sa
from alembic import op

from wsadmin.db.contract import (
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


def _set_workspace_not_null(table: str, nullable: bool) -> None:
    with op.batch_alter_table(table, recreate="always") as batch:
        batch.alter_column("workspace_id", existing_type=sa.Integer(), nullable=nullable)


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
