"""Add connection permissions

Adds the connection_permissions table (owner, editor or viewer per user and connection).
No existing row is changed. Undoing it deletes every connection permission.
"""

from __future__ import annotations

from alembic import op

from wsadmin.db.schema import steps

revision = "f6554ddc8f18"
down_revision = "a87f1e87be87"
branch_labels = None
depends_on = None


def upgrade() -> None:
    steps.upgrade(revision, op.get_bind())


def downgrade() -> None:
    steps.downgrade(revision, op.get_bind())
