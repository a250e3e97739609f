"""Move existing data into a Default Workspace

Every user without a workspace, active or not, joins the workspace 'default' (created
when needed, named Default Workspace) with their role kept (admin, editor, anything else
viewer), and one admin is guaranteed. Dashboards, charts and connections without a
workspace move into it, deleted creators' rows included, as do logs of users; system logs
stay without one. CSV data takes its chart's workspace. Empty email_verified and is_active
become 0, an empty role viewer. Then a workspace becomes required and indexed. users.role
is kept. Undoing it takes users and rows out of 'default' and deletes it with its
memberships and settings; if 002 reused an existing 'default', that workspace is lost.
"""

from __future__ import annotations

from alembic import op

from wsadmin.db.schema import steps

revision = "002"
down_revision = "001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    steps.upgrade(revision, op.get_bind())


def downgrade() -> None:
    steps.downgrade(revision, op.get_bind())
