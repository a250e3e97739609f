"""Add custom theme colours

Adds each user's custom theme colours, empty until chosen. No existing row is changed.
This is head. Undoing it deletes every user's custom colours.
"""

from __future__ import annotations

from alembic import op

from wsadmin.db.schema import steps

revision = "20251109220344"
down_revision = "e73bf9fb92f4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    steps.upgrade(revision, op.get_bind())


def downgrade() -> None:
    steps.downgrade(revision, op.get_bind())
