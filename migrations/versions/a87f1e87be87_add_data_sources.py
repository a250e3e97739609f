"""Add data sources

Adds the data_sources table (a database or folder inside a connection) and an empty
data source link on every chart. No existing row is changed. Undoing it deletes every
data source and every chart's link to one.
"""

from __future__ import annotations

from alembic import op

from wsadmin.db.schema import steps

revision = "a87f1e87be87"
down_revision = "002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    steps.upgrade(revision, op.get_bind())


def downgrade() -> None:
    steps.downgrade(revision, op.get_bind())
