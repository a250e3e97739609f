"""The database contract of SCHEMA.md as data: one place, imported everywhere.

The legacy DDL is frozen by the contract (older backends created it without
Alembic), so revision 001 and the legacy fixture builders share this text
instead of keeping copies of it.
"""

from __future__ import annotations

from typing import Final

WORKSPACE_SCOPED_TABLES: Final = ("dashboards", "connections", "saved_queries")
LEGACY_TABLES: Final = ("users", "connections", "dashboards", "saved_queries")
WORKSPACE_TABLES: Final = ("workspaces", "workspace_members")
ALL_TABLES: Final = LEGACY_TABLES + WORKSPACE_TABLES
ROLES: Final = ("admin", "member", "viewer")
DEFAULT_SLUG: Final = "default"
DEFAULT_NAME: Final = "Default Workspace"
ALEMBIC_TMP_PREFIX: Final = "_alembic_tmp_"

LEGACY_DDL: Final[dict[str, str]] = {
    "users": """CREATE TABLE users (
  id              INTEGER PRIMARY KEY,
  username        VARCHAR(64)  NOT NULL UNIQUE,
  email           VARCHAR(255) UNIQUE,
  hashed_password VARCHAR(255) NOT NULL,
  is_active       BOOLEAN      NOT NULL DEFAULT 1,
  is_superuser    BOOLEAN      NOT NULL DEFAULT 0,
  created_at      DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP)""",
    "connections": """CREATE TABLE connections (
  id          INTEGER PRIMARY KEY,
  owner_id    INTEGER REFERENCES users(id),
  name        VARCHAR(255) NOT NULL,
  dialect     VARCHAR(32)  NOT NULL,
  url         TEXT NOT NULL,
  created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)""",
    "dashboards": """CREATE TABLE dashboards (
  id          INTEGER PRIMARY KEY,
  owner_id    INTEGER REFERENCES users(id),
  title       VARCHAR(255) NOT NULL,
  definition  TEXT NOT NULL DEFAULT '{}',
  created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at  DATETIME)""",
    "saved_queries": """CREATE TABLE saved_queries (
  id            INTEGER PRIMARY KEY,
  owner_id      INTEGER REFERENCES users(id),
  connection_id INTEGER REFERENCES connections(id),
  name          VARCHAR(255) NOT NULL,
  sql           TEXT NOT NULL,
  created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)""",
}

LEGACY_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "users": (
        "id", "username", "email", "hashed_password", "is_active", "is_superuser", "created_at",
    ),
    "connections": ("id", "owner_id", "name", "dialect", "url", "created_at"),
    "dashboards": ("id", "owner_id", "title", "definition", "created_at", "updated_at"),
    "saved_queries": ("id", "owner_id", "connection_id", "name", "sql", "created_at"),
}

# The column that 001 adds to each legacy table to tie it to a workspace.
WORKSPACE_COLUMN: Final[dict[str, str]] = {
    "users": "current_workspace_id",
    "dashboards": "workspace_id",
    "connections": "workspace_id",
    "saved_queries": "workspace_id",
}

WORKSPACE_DDL: Final[dict[str, str]] = {
    "workspaces": """CREATE TABLE workspaces (
  id          INTEGER PRIMARY KEY,
  name        VARCHAR(255) NOT NULL,
  slug        VARCHAR(64)  NOT NULL,
  created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)""",
    "workspace_members": """CREATE TABLE workspace_members (
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id      INTEGER NOT NULL REFERENCES users(id)      ON DELETE CASCADE,
  role         VARCHAR(16) NOT NULL DEFAULT 'member',
  created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (workspace_id, user_id))""",
}

INDEXES_002: Final[dict[str, tuple[str, str]]] = {
    "ix_users_current_workspace_id": ("users", "current_workspace_id"),
    "ix_dashboards_workspace_id": ("dashboards", "workspace_id"),
    "ix_connections_workspace_id": ("connections", "workspace_id"),
    "ix_saved_queries_workspace_id": ("saved_queries", "workspace_id"),
    "ix_workspace_members_user_id": ("workspace_members", "user_id"),
}
