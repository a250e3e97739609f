"""Add workspaces

Creates the workspace tables (workspaces, their members and their settings) and adds an
empty workspace column to users, dashboards, charts, connections and logs. No existing
row is changed. On an empty database it first creates the backend's original tables.
Undoing it deletes every workspace, membership and workspace setting, and every row's
workspace assignment.
"""

from __future__ import annotations

from alembic import op

from wsadmin.db.schema import steps

revision = "001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    steps.upgrade(revision, op.get_bind())


def downgrade() -> None:
    steps.downgrade(revision, op.get_bind())
