"""Facts about the backend that its DDL does not show, checked against its source.

The backend is `Sarathyvj143/viz-dashboard`, folder `backend/` (SCHEMA.md).
Each constant says where in that source it comes from, so a new backend
version can be checked line by line.
"""

from __future__ import annotations

from typing import Final

CORE_TABLES: Final = frozenset({"users", "dashboards", "charts", "connections", "logs"})
"""Tables every version of the backend has: the chain's own SQL needs them
(SCHEMA.md "certain"). A database without all of them is not the backend's,
unless it is the half-initialised leftover of a fresh install."""

DERIVED_TABLES: Final = frozenset({"settings", "dashboard_charts", "csv_data"})
"""Legacy tables known only from today's models (SCHEMA.md "derived"): an older
backend may not have had them, so a legacy database lacking them is still legacy."""

WORKSPACE_TABLES: Final = frozenset({"workspaces", "workspace_members", "workspace_settings"})
"""What the backend's `001` creates before it fails on `ALTER TABLE users`
(alembic/versions/001_add_workspace_schema.py:25-72)."""

ORM_FILLED: Final = frozenset({
    # (table, column) of every column with a Python-side `default=` in
    # app/models/sqlite_models.py: the ORM writes a value on every INSERT, so a
    # NOT NULL the models do not declare cannot make the backend's writes fail.
    ("users", "role"), ("users", "email_verified"), ("users", "theme_preference"),
    ("users", "created_at"), ("users", "updated_at"), ("users", "is_active"),
    ("charts", "created_at"), ("charts", "updated_at"),
    ("dashboards", "is_public"), ("dashboards", "public_access_count"),
    ("dashboards", "created_at"), ("dashboards", "updated_at"),
    ("connections", "is_active"), ("connections", "created_at"), ("connections", "updated_at"),
    ("data_sources", "is_active"), ("data_sources", "created_at"),
    ("data_sources", "updated_at"),
    ("settings", "updated_at"),
    ("logs", "created_at"),
    ("csv_data", "created_at"),
    ("workspaces", "created_at"), ("workspaces", "updated_at"),
    ("workspace_members", "joined_at"),
    ("workspace_settings", "redis_enabled"), ("workspace_settings", "redis_host"),
    ("workspace_settings", "redis_port"), ("workspace_settings", "max_dashboards"),
    ("workspace_settings", "max_members"), ("workspace_settings", "updated_at"),
    ("connection_permissions", "granted_at"),
})

WORKSPACE_SETTINGS_DEFAULTS: Final = (
    ("redis_enabled", 0), ("redis_host", "localhost"), ("redis_port", 6379),
    ("max_dashboards", 1000), ("max_members", 100),
)
"""What app/core/workspace_factory.py:78-84 (and the backend's 002 step 5) write."""
