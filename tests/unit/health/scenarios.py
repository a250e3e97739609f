"""Broken databases, as SQL over the standard database of helpers.py.

The first ones are states the backend's own API produces (lab report,
issue 16): a workspace deleted through the API, a member removed from the
workspace they had selected (their connection permission left behind), an
argon2 hash, NULL email_verified, a config stored in clear. The rest break
one thing each for the other checks.
"""

from __future__ import annotations

from typing import Final

from tests.unit.health.helpers import ARGON2_HASH, PLAIN_CONFIG

# DELETE /api/workspaces/2 by bob: the ORM cascades members, settings, dashboards and
# their chart links; charts, connections, data sources, logs and bob's current
# workspace keep pointing at 2.
DELETED_WORKSPACE: Final = """
INSERT INTO logs (id, user_id, workspace_id, action, created_at)
  VALUES (3, 2, 2, 'create_chart', '2024-05-03 10:00:00.000000');
DELETE FROM dashboard_charts
  WHERE dashboard_id IN (SELECT id FROM dashboards WHERE workspace_id = 2);
DELETE FROM dashboards WHERE workspace_id = 2;
DELETE FROM workspace_members WHERE workspace_id = 2;
DELETE FROM workspace_settings WHERE workspace_id = 2;
DELETE FROM workspaces WHERE id = 2;
"""

# carol selected alice's workspace, then alice removed her (DELETE .../members/3): her
# current workspace stays 1, her permission on connection 1 stays.
REMOVED_MEMBER: Final = """
UPDATE users SET current_workspace_id = 1 WHERE id = 3;
DELETE FROM workspace_members WHERE workspace_id = 1 AND user_id = 3;
"""

ARGON2: Final = f"UPDATE users SET password_hash = '{ARGON2_HASH}' WHERE id = 2"
EMAIL_VERIFIED_NULL: Final = "UPDATE users SET email_verified = NULL WHERE id = 4"
PLAINTEXT_CONFIG: Final = f"UPDATE connections SET config = '{PLAIN_CONFIG}' WHERE id = 2"

TEAM: Final = """
INSERT INTO workspaces (id, name, slug, created_by, created_at, updated_at)
  VALUES (5, 'Team', 'team', 1, '2024-03-01 00:00:00', '2024-03-01 00:00:00');
INSERT INTO workspace_members (id, workspace_id, user_id, role, invited_by, joined_at)
  VALUES (6, 5, 4, 'viewer', 1, '2024-03-02 00:00:00'),
         (7, 5, 2, 'editor', 1, '2024-03-01 00:00:00');
INSERT INTO workspace_settings (id, workspace_id, redis_enabled, redis_host, redis_port,
  max_dashboards, max_members, updated_at)
  VALUES (5, 5, 0, 'localhost', 6379, 1000, 100, '2024-03-01 00:00:00');
"""
"""A workspace whose creator (alice) is not a member and which has no admin."""

SLUG_VARIANTS: Final = """
DROP INDEX ix_workspaces_slug;
INSERT INTO workspaces (id, name, slug, created_by, created_at) VALUES
  (5, 'A', 'Team', 1, '2024-03-01 00:00:00'), (6, 'B', 'team', 1, '2024-01-01 00:00:00'),
  (7, 'C', ' team ', 1, '2024-02-01 00:00:00'), (8, 'D', 'team-1', 1, '2024-01-01 00:00:00'),
  (9, 'E', 'team', 1, NULL);
"""
"""Collisions after lower(trim()) and exact ones (the unique index dropped)."""

CROSS_LINKS: Final = """
UPDATE data_sources SET workspace_id = 2 WHERE id = 1;
UPDATE csv_data SET workspace_id = 3 WHERE id = 1;
"""
"""Data source 1 moved away from its connection's workspace; CSV data away from its chart."""
