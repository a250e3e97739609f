-- produced by: the half install (missing file, backend's 'alembic upgrade head' failed), then the backend's init_database() (create_all)
-- (backend Sarathyvj143/viz-dashboard@ad4f0f1 with SQLAlchemy 2.1.9, Alembic 1.20.1, SQLite 3.40.1; sqlite_master ordered by type, name)
-- table alembic_version ON alembic_version
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
-- table charts ON charts
CREATE TABLE charts (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	description TEXT, 
	chart_type VARCHAR(50) NOT NULL, 
	config JSON NOT NULL, 
	data_source_id INTEGER, 
	"query" TEXT, 
	workspace_id INTEGER NOT NULL, 
	created_by INTEGER NOT NULL, 
	created_at TIMESTAMP, 
	updated_at TIMESTAMP, 
	PRIMARY KEY (id), 
	FOREIGN KEY(data_source_id) REFERENCES data_sources (id) ON DELETE SET NULL, 
	FOREIGN KEY(workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE, 
	FOREIGN KEY(created_by) REFERENCES users (id) ON DELETE CASCADE
);
-- table connection_permissions ON connection_permissions
CREATE TABLE connection_permissions (
	id INTEGER NOT NULL, 
	connection_id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	permission_level VARCHAR(20) NOT NULL, 
	granted_by INTEGER NOT NULL, 
	granted_at TIMESTAMP NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT unique_connection_user UNIQUE (connection_id, user_id), 
	CONSTRAINT valid_permission_level CHECK (permission_level IN ('owner', 'editor', 'viewer')), 
	FOREIGN KEY(connection_id) REFERENCES connections (id) ON DELETE CASCADE, 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	FOREIGN KEY(granted_by) REFERENCES users (id)
);
-- table connections ON connections
CREATE TABLE connections (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	type VARCHAR(50) NOT NULL, 
	config JSON NOT NULL, 
	is_active BOOLEAN, 
	workspace_id INTEGER NOT NULL, 
	created_by INTEGER NOT NULL, 
	created_at TIMESTAMP, 
	updated_at TIMESTAMP, 
	PRIMARY KEY (id), 
	FOREIGN KEY(workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE, 
	FOREIGN KEY(created_by) REFERENCES users (id) ON DELETE CASCADE
);
-- table csv_data ON csv_data
CREATE TABLE csv_data (
	id INTEGER NOT NULL, 
	chart_id INTEGER NOT NULL, 
	workspace_id INTEGER NOT NULL, 
	data JSON NOT NULL, 
	column_types JSON NOT NULL, 
	row_count INTEGER NOT NULL, 
	created_at TIMESTAMP, 
	PRIMARY KEY (id), 
	FOREIGN KEY(chart_id) REFERENCES charts (id) ON DELETE CASCADE, 
	FOREIGN KEY(workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
-- table dashboard_charts ON dashboard_charts
CREATE TABLE dashboard_charts (
	id INTEGER NOT NULL, 
	dashboard_id INTEGER NOT NULL, 
	chart_id INTEGER NOT NULL, 
	position JSON NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_dashboard_chart UNIQUE (dashboard_id, chart_id), 
	FOREIGN KEY(dashboard_id) REFERENCES dashboards (id) ON DELETE CASCADE, 
	FOREIGN KEY(chart_id) REFERENCES charts (id) ON DELETE CASCADE
);
-- table dashboards ON dashboards
CREATE TABLE dashboards (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	description TEXT, 
	layout JSON NOT NULL, 
	is_public BOOLEAN, 
	public_token VARCHAR(100), 
	public_token_expires_at TIMESTAMP, 
	public_token_created_at TIMESTAMP, 
	public_access_count INTEGER, 
	workspace_id INTEGER NOT NULL, 
	created_by INTEGER NOT NULL, 
	created_at TIMESTAMP, 
	updated_at TIMESTAMP, 
	PRIMARY KEY (id), 
	FOREIGN KEY(workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE, 
	FOREIGN KEY(created_by) REFERENCES users (id) ON DELETE CASCADE
);
-- table data_sources ON data_sources
CREATE TABLE data_sources (
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
	CONSTRAINT uq_connection_source UNIQUE (connection_id, source_identifier), 
	FOREIGN KEY(connection_id) REFERENCES connections (id) ON DELETE CASCADE, 
	FOREIGN KEY(workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE, 
	FOREIGN KEY(created_by) REFERENCES users (id) ON DELETE CASCADE
);
-- table logs ON logs
CREATE TABLE logs (
	id INTEGER NOT NULL, 
	user_id INTEGER, 
	workspace_id INTEGER, 
	action VARCHAR(100) NOT NULL, 
	resource_type VARCHAR(50), 
	resource_id INTEGER, 
	details JSON, 
	ip_address VARCHAR(45), 
	created_at TIMESTAMP, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE SET NULL, 
	FOREIGN KEY(workspace_id) REFERENCES workspaces (id) ON DELETE SET NULL
);
-- table settings ON settings
CREATE TABLE settings (
	id INTEGER NOT NULL, 
	"key" VARCHAR(100) NOT NULL, 
	value JSON NOT NULL, 
	description TEXT, 
	updated_by INTEGER, 
	updated_at TIMESTAMP, 
	PRIMARY KEY (id), 
	FOREIGN KEY(updated_by) REFERENCES users (id) ON DELETE SET NULL
);
-- table users ON users
CREATE TABLE users (
	id INTEGER NOT NULL, 
	username VARCHAR(50) NOT NULL, 
	email VARCHAR(100) NOT NULL, 
	password_hash VARCHAR(255) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	current_workspace_id INTEGER, 
	email_verified BOOLEAN, 
	theme_preference VARCHAR(20), 
	custom_theme_colors TEXT, 
	created_at TIMESTAMP, 
	updated_at TIMESTAMP, 
	last_login TIMESTAMP, 
	is_active BOOLEAN, 
	PRIMARY KEY (id), 
	UNIQUE (email), 
	FOREIGN KEY(current_workspace_id) REFERENCES workspaces (id) ON DELETE SET NULL
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
-- index idx_datasource_workspace ON data_sources
CREATE INDEX idx_datasource_workspace ON data_sources (workspace_id);
-- index idx_workspace_members_composite ON workspace_members
CREATE INDEX idx_workspace_members_composite ON workspace_members (user_id, workspace_id);
-- index idx_workspaces_created_by ON workspaces
CREATE INDEX idx_workspaces_created_by ON workspaces (created_by);
-- index idx_workspaces_slug ON workspaces
CREATE INDEX idx_workspaces_slug ON workspaces (slug);
-- index ix_charts_workspace_id ON charts
CREATE INDEX ix_charts_workspace_id ON charts (workspace_id);
-- index ix_connection_permissions_connection_id ON connection_permissions
CREATE INDEX ix_connection_permissions_connection_id ON connection_permissions (connection_id);
-- index ix_connection_permissions_user_connection ON connection_permissions
CREATE INDEX ix_connection_permissions_user_connection ON connection_permissions (user_id, connection_id);
-- index ix_connection_permissions_user_id ON connection_permissions
CREATE INDEX ix_connection_permissions_user_id ON connection_permissions (user_id);
-- index ix_connections_workspace_id ON connections
CREATE INDEX ix_connections_workspace_id ON connections (workspace_id);
-- index ix_csv_data_workspace_id ON csv_data
CREATE INDEX ix_csv_data_workspace_id ON csv_data (workspace_id);
-- index ix_dashboards_public_token ON dashboards
CREATE UNIQUE INDEX ix_dashboards_public_token ON dashboards (public_token);
-- index ix_dashboards_workspace_id ON dashboards
CREATE INDEX ix_dashboards_workspace_id ON dashboards (workspace_id);
-- index ix_data_sources_connection_id ON data_sources
CREATE INDEX ix_data_sources_connection_id ON data_sources (connection_id);
-- index ix_data_sources_workspace_id ON data_sources
CREATE INDEX ix_data_sources_workspace_id ON data_sources (workspace_id);
-- index ix_logs_created_at ON logs
CREATE INDEX ix_logs_created_at ON logs (created_at);
-- index ix_logs_workspace_id ON logs
CREATE INDEX ix_logs_workspace_id ON logs (workspace_id);
-- index ix_settings_key ON settings
CREATE UNIQUE INDEX ix_settings_key ON settings ("key");
-- index ix_users_username ON users
CREATE UNIQUE INDEX ix_users_username ON users (username);
-- index sqlite_autoindex_alembic_version_1 ON alembic_version
-- index sqlite_autoindex_connection_permissions_1 ON connection_permissions
-- index sqlite_autoindex_dashboard_charts_1 ON dashboard_charts
-- index sqlite_autoindex_data_sources_1 ON data_sources
-- index sqlite_autoindex_users_1 ON users
-- index sqlite_autoindex_workspace_members_1 ON workspace_members
-- index sqlite_autoindex_workspace_settings_1 ON workspace_settings
-- index sqlite_autoindex_workspaces_1 ON workspaces
-- alembic_version: empty
