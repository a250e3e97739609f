-- produced by: the backend's 'alembic upgrade head' on a missing file (same result on an empty file), then once more (fails again, changes nothing)
-- (backend Sarathyvj143/viz-dashboard@ad4f0f1 with SQLAlchemy 2.1.9, Alembic 1.20.1, SQLite 3.40.1; sqlite_master ordered by type, name)
-- table alembic_version ON alembic_version
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
-- table workspace_members ON workspace_members
CREATE TABLE workspace_members (
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
);
-- table workspace_settings ON workspace_settings
CREATE TABLE workspace_settings (
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
);
-- table workspaces ON workspaces
CREATE TABLE workspaces (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	slug VARCHAR(100) NOT NULL, 
	created_by INTEGER NOT NULL, 
	created_at TIMESTAMP NOT NULL, 
	updated_at TIMESTAMP NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(created_by) REFERENCES users (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_workspaces_slug UNIQUE (slug)
);
-- index idx_workspace_members_composite ON workspace_members
CREATE INDEX idx_workspace_members_composite ON workspace_members (user_id, workspace_id);
-- index idx_workspaces_created_by ON workspaces
CREATE INDEX idx_workspaces_created_by ON workspaces (created_by);
-- index idx_workspaces_slug ON workspaces
CREATE INDEX idx_workspaces_slug ON workspaces (slug);
-- index sqlite_autoindex_alembic_version_1 ON alembic_version
-- index sqlite_autoindex_workspace_members_1 ON workspace_members
-- index sqlite_autoindex_workspace_settings_1 ON workspace_settings
-- index sqlite_autoindex_workspaces_1 ON workspaces
-- alembic_version: empty
