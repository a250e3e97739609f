"""The DDL the backend's own Alembic revisions run on SQLite, as observed in the lab.

Our CI cannot run the backend, so wsadmin's tests and demo meet the databases
its tooling leaves through this text (DESIGN.md: fixtures are built "by the
real migrations or by legacy builders in one place"). It is the text Alembic
1.20 emitted for the backend's revisions (alembic/versions/ in the backend),
checked against the lab's `sqlite_master` dumps by
tests/unit/test_backend_states.py: `001` names its constraints, makes its
timestamps NOT NULL and adds its own indexes; `ALTER TABLE ... ADD COLUMN` is
kept as issued because SQLite splices that text into the stored CREATE TABLE.
Nothing here is wsadmin's own schema (that is chain.py, derived from head).
"""

from __future__ import annotations

from typing import Final

ALEMBIC_VERSION: Final = """CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
)"""

# 001_add_workspace_schema.py:25-72: the three tables, before its first ALTER TABLE
# (they survive every failure of the backend's chain).
REV_001_TABLES: Final = (
    """CREATE TABLE workspaces (
    id INTEGER NOT NULL,
    name VARCHAR(100) NOT NULL,
    slug VARCHAR(100) NOT NULL,
    created_by INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(created_by) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT uq_workspaces_slug UNIQUE (slug)
)""",
    "CREATE INDEX idx_workspaces_slug ON workspaces (slug)",
    "CREATE INDEX idx_workspaces_created_by ON workspaces (created_by)",
    """CREATE TABLE workspace_members (
    id INTEGER NOT NULL,
    workspace_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    role VARCHAR(20) NOT NULL,
    invited_by INTEGER,
    joined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT check_valid_role CHECK (role IN ('admin', 'editor', 'viewer')),
    FOREIGN KEY(workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE,
    FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE,
    FOREIGN KEY(invited_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT uq_workspace_user UNIQUE (workspace_id, user_id)
)""",
    "CREATE INDEX idx_workspace_members_composite ON workspace_members (user_id, workspace_id)",
    """CREATE TABLE workspace_settings (
    id INTEGER NOT NULL,
    workspace_id INTEGER NOT NULL,
    redis_enabled BOOLEAN,
    redis_host VARCHAR(255),
    redis_port INTEGER,
    redis_password TEXT,
    max_dashboards INTEGER,
    max_members INTEGER,
    updated_by INTEGER,
    updated_at TIMESTAMP,
    PRIMARY KEY (id),
    FOREIGN KEY(workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE,
    FOREIGN KEY(updated_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT uq_workspace_settings_workspace UNIQUE (workspace_id)
)""",
)

# 001_add_workspace_schema.py:75-80; on a fresh install the first one fails (no users).
REV_001_COLUMNS: Final = (
    "ALTER TABLE users ADD COLUMN current_workspace_id INTEGER",
    "ALTER TABLE users ADD COLUMN email_verified BOOLEAN",
    "ALTER TABLE dashboards ADD COLUMN workspace_id INTEGER",
    "ALTER TABLE charts ADD COLUMN workspace_id INTEGER",
    "ALTER TABLE connections ADD COLUMN workspace_id INTEGER",
    "ALTER TABLE logs ADD COLUMN workspace_id INTEGER",
)

# a87f1e87be87 .. 20251109220344, which run only after 002 returned early.
REV_AFTER_002: Final = (
    # a87f1e87be87_add_datasource_model_for_managing_.py:24-43 (no charts.data_source_id)
    """CREATE TABLE data_sources (
    id INTEGER NOT NULL,
    connection_id INTEGER NOT NULL,
    name VARCHAR(100) NOT NULL,
    source_type VARCHAR(50) NOT NULL,
    source_identifier VARCHAR(500) NOT NULL,
    is_active BOOLEAN,
    workspace_id INTEGER NOT NULL,
    created_by INTEGER NOT NULL,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    PRIMARY KEY (id),
    FOREIGN KEY(connection_id) REFERENCES connections (id) ON DELETE CASCADE,
    FOREIGN KEY(created_by) REFERENCES users (id) ON DELETE CASCADE,
    FOREIGN KEY(workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE,
    CONSTRAINT uq_connection_source UNIQUE (connection_id, source_identifier)
)""",
    "CREATE INDEX idx_datasource_workspace ON data_sources (workspace_id)",
    "CREATE INDEX ix_data_sources_connection_id ON data_sources (connection_id)",
    "CREATE INDEX ix_data_sources_workspace_id ON data_sources (workspace_id)",
    # f6554ddc8f18_add_connection_permissions.py:24-46
    """CREATE TABLE connection_permissions (
    id INTEGER NOT NULL,
    connection_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    permission_level VARCHAR(20) NOT NULL,
    granted_by INTEGER NOT NULL,
    granted_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(connection_id) REFERENCES connections (id) ON DELETE CASCADE,
    FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE,
    FOREIGN KEY(granted_by) REFERENCES users (id),
    CONSTRAINT unique_connection_user UNIQUE (connection_id, user_id),
    CONSTRAINT valid_permission_level CHECK (permission_level IN ('owner', 'editor', 'viewer'))
)""",
    "CREATE INDEX ix_connection_permissions_connection_id"
    " ON connection_permissions (connection_id)",
    "CREATE INDEX ix_connection_permissions_user_id ON connection_permissions (user_id)",
    "CREATE INDEX ix_connection_permissions_user_connection"
    " ON connection_permissions (user_id, connection_id)",
    # e73bf9fb92f4_add_user_theme_preference.py:24: a server default, unlike create_all,
    # so existing rows read 'light'
    "ALTER TABLE users ADD COLUMN theme_preference VARCHAR(20) DEFAULT 'light'",
    # 20251109220344_add_custom_theme_colors.py:23
    "ALTER TABLE users ADD COLUMN custom_theme_colors TEXT",
)
