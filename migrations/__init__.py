"""Alembic environment and revisions of app_metadata.db (shipped as wsadmin.migrations)."""
