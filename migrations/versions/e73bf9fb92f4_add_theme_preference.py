"""Add theme preference

Adds each user's theme preference; existing users get 'light' when the column is new,
and keep their value when it already exists. Undoing it deletes every user's theme.
"""

from __future__ import annotations

from alembic import op

from wsadmin.db.schema import steps

revision = "e73bf9fb92f4"
down_revision = "f6554ddc8f18"
branch_labels = None
depends_on = None


def upgrade() -> None:
    steps.upgrade(revision, op.get_bind())


def downgrade() -> None:
    steps.downgrade(revision, op.get_bind())
