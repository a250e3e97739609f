"""Databases as the backend's own tooling leaves them, for the schema tests.

Shapes wsadmin expects are built from the data (render.build). What the
backend's Alembic revisions and its init_db leave is mimicked here, in one
place, by the DDL Alembic 1.20 emits for them on SQLite: it differs from head
in names, NOT NULL timestamps, extra indexes and DEFAULT clauses, and those
differences are exactly what the classifier must see through. Each block
names the backend file it stands for (alembic/versions/ in the backend).

Checked once by hand against databases made by the backend's real tooling
(/work/lab, helper b2): stuck at 001, the no-op 002 path to head and the
fresh install's leftover read back as shapes equal to these.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from wsadmin.db.schema import render
from wsadmin.db.schema.shape import HEAD, Shape

ALEMBIC_VERSION_DDL = (
    "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL, "
    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")

# 001_add_workspace_schema.py:25-72: the three tables, before its first ALTER TABLE.
BACKEND_001_TABLES = """
CREATE TABLE workspaces (
	id INTEGER NOT NULL, name VARCHAR(100) NOT NULL, slug VARCHAR(100) NOT NULL,
	created_by INTEGER NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(created_by) REFERENCES users (id) ON DELETE RESTRICT,
	CONSTRAINT uq_workspaces_slug UNIQUE (slug)
);
CREATE INDEX idx_workspaces_slug ON workspaces (slug);
CREATE INDEX idx_workspaces_created_by ON workspaces (created_by);
CREATE TABLE workspace_members (
	id INTEGER NOT NULL, workspace_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
	role VARCHAR(20) NOT NULL, invited_by INTEGER, joined_at TIMESTAMP NOT NULL,
	PRIMARY KEY (id),
	CONSTRAINT check_valid_role CHECK (role IN ('admin', 'editor', 'viewer')),
	FOREIGN KEY(workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE,
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE,
	FOREIGN KEY(invited_by) REFERENCES users (id) ON DELETE SET NULL,
	CONSTRAINT uq_workspace_user UNIQUE (workspace_id, user_id)
);
CREATE INDEX idx_workspace_members_composite ON workspace_members (user_id, workspace_id);
CREATE TABLE workspace_settings (
	id INTEGER NOT NULL, workspace_id INTEGER NOT NULL, redis_enabled BOOLEAN,
	redis_host VARCHAR(255), redis_port INTEGER, redis_password TEXT, max_dashboards INTEGER,
	max_members INTEGER, updated_by INTEGER, updated_at TIMESTAMP,
	PRIMARY KEY (id),
	FOREIGN KEY(workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE,
	FOREIGN KEY(updated_by) REFERENCES users (id) ON DELETE SET NULL,
	CONSTRAINT uq_workspace_settings_workspace UNIQUE (workspace_id)
);
"""

# 001_add_workspace_schema.py:75-80: the columns, on a legacy database.
BACKEND_001_COLUMNS = """
ALTER TABLE users ADD COLUMN current_workspace_id INTEGER;
ALTER TABLE users ADD COLUMN email_verified BOOLEAN;
ALTER TABLE dashboards ADD COLUMN workspace_id INTEGER;
ALTER TABLE charts ADD COLUMN workspace_id INTEGER;
ALTER TABLE connections ADD COLUMN workspace_id INTEGER;
ALTER TABLE logs ADD COLUMN workspace_id INTEGER;
"""

# a87f1e87be87_add_datasource_model_for_managing_.py:24-43 (no charts.data_source_id).
BACKEND_A87 = """
CREATE TABLE data_sources (
	id INTEGER NOT NULL, connection_id INTEGER NOT NULL, name VARCHAR(100) NOT NULL,
	source_type VARCHAR(50) NOT NULL, source_identifier VARCHAR(500) NOT NULL,
	is_active BOOLEAN, workspace_id INTEGER NOT NULL, created_by INTEGER NOT NULL,
	created_at TIMESTAMP, updated_at TIMESTAMP,
	PRIMARY KEY (id),
	FOREIGN KEY(connection_id) REFERENCES connections (id) ON DELETE CASCADE,
	FOREIGN KEY(created_by) REFERENCES users (id) ON DELETE CASCADE,
	FOREIGN KEY(workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE,
	CONSTRAINT uq_connection_source UNIQUE (connection_id, source_identifier)
);
CREATE INDEX idx_datasource_workspace ON data_sources (workspace_id);
CREATE INDEX ix_data_sources_connection_id ON data_sources (connection_id);
CREATE INDEX ix_data_sources_workspace_id ON data_sources (workspace_id);
"""

# f6554ddc8f18_add_connection_permissions.py:24-46.
BACKEND_F65 = """
CREATE TABLE connection_permissions (
	id INTEGER NOT NULL, connection_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
	permission_level VARCHAR(20) NOT NULL, granted_by INTEGER NOT NULL,
	granted_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(connection_id) REFERENCES connections (id) ON DELETE CASCADE,
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE,
	FOREIGN KEY(granted_by) REFERENCES users (id),
	CONSTRAINT unique_connection_user UNIQUE (connection_id, user_id),
	CONSTRAINT valid_permission_level CHECK (permission_level IN ('owner', 'editor', 'viewer'))
);
CREATE INDEX ix_connection_permissions_connection_id ON connection_permissions (connection_id);
CREATE INDEX ix_connection_permissions_user_id ON connection_permissions (user_id);
CREATE INDEX ix_connection_permissions_user_connection
	ON connection_permissions (user_id, connection_id);
"""

# e73bf9fb92f4_add_user_theme_preference.py:24 and 20251109220344_add_custom_theme_colors.py:23.
BACKEND_E73 = "ALTER TABLE users ADD COLUMN theme_preference VARCHAR(20) DEFAULT 'light';"
BACKEND_2025 = "ALTER TABLE users ADD COLUMN custom_theme_colors TEXT;"

BACKEND_AFTER_002 = (BACKEND_A87, BACKEND_F65, BACKEND_E73, BACKEND_2025)
"""What the backend's chain runs after its 002 returned early (no active user)."""


def new_db() -> sqlite3.Connection:
    return sqlite3.connect(":memory:", isolation_level=None)


def build(shape: Shape, *scripts: str, recorded: Iterable[str] | None = None
          ) -> sqlite3.Connection:
    """A database in `shape`, then `scripts` run, then alembic_version holding `recorded`.

    recorded=None: no alembic_version table; recorded=(): the table, empty.
    """
    conn = new_db()
    render.build(conn, shape)
    for script in scripts:
        conn.executescript(script)
    if recorded is not None:
        stamp(conn, *recorded)
    return conn


def stamp(conn: sqlite3.Connection, *revisions: str) -> None:
    """What `alembic stamp` leaves (several ids only by hand or from branches)."""
    conn.execute(ALEMBIC_VERSION_DDL)
    conn.execute("DELETE FROM alembic_version")
    conn.executemany("INSERT INTO alembic_version VALUES (?)", [(r,) for r in revisions])


def create_all(conn: sqlite3.Connection) -> None:
    """The backend's init_db (Base.metadata.create_all): every missing head table with its
    indexes; tables that exist are left exactly as they are."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for table in HEAD.tables:
        if table.name not in present:
            for stmt in render.create_statements(table):
                conn.execute(stmt)
