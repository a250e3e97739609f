"""Databases in the states the backend's OWN tooling leaves behind.

The backend (SCHEMA.md) ships `init_db` (SQLAlchemy `create_all`) and an
Alembic chain that cannot run on SQLite. Each builder here reproduces, with
stdlib sqlite3 only, the `sqlite_master` that running the backend's real code
produced in the lab (the dumps in `tests/data/backend_states/`, compared by
`tests/unit/test_backend_states.py`): same tables, same CREATE text modulo
whitespace, same indexes, same `alembic_version`. Our CI cannot run the
backend, so these builders are how wsadmin's tests meet those databases.

The head and legacy shapes are read from `head.sql` / `legacy.sql`
(`wsadmin/db/schema/sql/` once that package exists, else pass `sql_dir`).
The DDL below is what the backend's revisions emit on SQLite (observed, not
derived from head): `001` names its constraints, makes timestamps NOT NULL
and adds its own indexes, and the `ALTER TABLE ... ADD COLUMN` statements
are the ones Alembic issued, because SQLite splices their text into the
stored CREATE TABLE.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

HEAD_REVISION = "20251109220344"

Rows = Mapping[str, Sequence[Mapping[str, Any]]]

_ALEMBIC_VERSION = """
CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
)"""

# Revision 001 as the backend's chain creates it; these survive its failures.
_REV_001_TABLES = (
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

# 001's column additions; on a fresh install the first one fails (no users table).
_REV_001_COLUMNS = (
    "ALTER TABLE users ADD COLUMN current_workspace_id INTEGER",
    "ALTER TABLE users ADD COLUMN email_verified BOOLEAN",
    "ALTER TABLE dashboards ADD COLUMN workspace_id INTEGER",
    "ALTER TABLE charts ADD COLUMN workspace_id INTEGER",
    "ALTER TABLE connections ADD COLUMN workspace_id INTEGER",
    "ALTER TABLE logs ADD COLUMN workspace_id INTEGER",
)

# a87f1e87be87 .. 20251109220344, which run only after 002 returned early.
_REV_AFTER_002 = (
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
    # a server default, unlike create_all: existing rows read 'light'
    "ALTER TABLE users ADD COLUMN theme_preference VARCHAR(20) DEFAULT 'light'",
    "ALTER TABLE users ADD COLUMN custom_theme_colors TEXT",
)

# bcrypt ($2b$12$) of the lab password "legacy-pass-1": a test fixture, not a secret.
_LAB_HASH = "$2b$12$WIwDWIuLpyya1/Ua13IJd.AlS.IoG3Nus9Zhwtc3l/FxDis8Mt/L."
_T = "2024-02-01 00:00:00.000000"

# The rows the lab's legacy databases held (two active users, so the backend's
# 002 runs its data moves and then fails: the stuck_at_001 case).
LAB_ROWS: Rows = {
    "users": [
        {"id": 1, "username": "root", "email": "root@example.com", "password_hash": _LAB_HASH,
         "role": "admin", "created_at": "2024-01-02 10:00:00.000000",
         "updated_at": "2024-01-02 10:00:00.000000", "is_active": 1},
        {"id": 2, "username": "vic", "email": "vic@example.com", "password_hash": _LAB_HASH,
         "role": "viewer", "created_at": "2024-01-03 10:00:00.000000",
         "updated_at": "2024-01-03 10:00:00.000000", "is_active": 1},
        {"id": 3, "username": "ed", "email": "ed@example.com", "password_hash": _LAB_HASH,
         "role": "editor", "created_at": "2024-01-01 10:00:00.000000",
         "updated_at": "2024-01-01 10:00:00.000000", "is_active": 0},
    ],
    "dashboards": [
        {"id": 1, "name": "Sales", "layout": "{}", "is_public": 0, "public_access_count": 0,
         "created_by": 1, "created_at": _T, "updated_at": _T},
        {"id": 2, "name": "Ops", "layout": "{}", "is_public": 0, "public_access_count": 0,
         "created_by": 2, "created_at": _T, "updated_at": _T},
    ],
    "charts": [{"id": 1, "name": "Revenue", "chart_type": "bar", "config": "{}",
                "created_by": 1, "created_at": _T, "updated_at": _T}],
    "connections": [{"id": 1, "name": "pg", "type": "postgresql",
                     "config": '"Z0FBQUFBX2xhYl9wbGFjZWhvbGRlcg=="', "is_active": 1,
                     "created_by": 1, "created_at": _T, "updated_at": _T}],
    "logs": [{"id": 1, "user_id": 1, "action": "login", "created_at": _T},
             {"id": 2, "user_id": None, "action": "startup", "created_at": _T}],
    "settings": [{"id": 1, "key": "app.name", "value": '{"name": "x"}'}],
    "dashboard_charts": [{"id": 1, "dashboard_id": 1, "chart_id": 1, "position": "{}"}],
    "csv_data": [{"id": 1, "chart_id": 1, "data": "[]", "column_types": "{}", "row_count": 0}],
}


def default_sql_dir() -> Path | None:
    """`wsadmin/db/schema/sql` when the schema package ships it, else None."""
    import wsadmin

    candidate = Path(wsadmin.__file__).parent / "db" / "schema" / "sql"
    return candidate if (candidate / "head.sql").is_file() else None


def _sql(name: str, sql_dir: Path | None) -> str:
    folder = sql_dir if sql_dir is not None else default_sql_dir()
    if folder is None:
        raise FileNotFoundError(
            f"no {name}: wsadmin/db/schema/sql/ is absent; pass sql_dir= "
            "(a folder holding the backend's head.sql and legacy.sql)")
    return (folder / name).read_text(encoding="utf-8")


def _open(path: Path) -> sqlite3.Connection:
    if path.exists() and path.stat().st_size > 0:
        raise FileExistsError(f"{path} already holds a database")
    return sqlite3.connect(path, isolation_level=None)


def _statements(script: str) -> list[str]:
    """Split a dump-like script on `;` at line ends (the DDL holds no such text)."""
    body = "\n".join(line for line in script.splitlines() if not line.startswith("--"))
    return [s.strip() for s in re.split(r";\s*\n", body + "\n") if s.strip()]


def _run(conn: sqlite3.Connection, statements: Sequence[str]) -> None:
    for statement in statements:
        conn.execute(statement)


def _insert(conn: sqlite3.Connection, rows: Rows) -> None:
    for table, table_rows in rows.items():
        for row in table_rows:
            cols = ", ".join(f'"{c}"' for c in row)
            marks = ", ".join("?" for _ in row)
            conn.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})',
                         tuple(row.values()))


def _active_users(conn: sqlite3.Connection) -> int:
    # the backend's 002 counts exactly this
    return int(conn.execute("SELECT COUNT(*) FROM users WHERE is_active = 1").fetchone()[0])


def _stamp(conn: sqlite3.Connection, revision: str | None) -> None:
    conn.execute(_ALEMBIC_VERSION)
    if revision is not None:
        conn.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (revision,))


def _create_all_missing(conn: sqlite3.Connection, sql_dir: Path | None) -> None:
    """What `create_all` does to an existing file: create each head table that is
    absent, with its indexes; leave every existing table (and its indexes) alone."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    statements = _statements(_sql("head.sql", sql_dir))
    tables = {m.group(1): s for s in statements
              if (m := re.match(r"CREATE TABLE (\w+)", s))}
    for name, create in tables.items():
        if name in present:
            continue
        conn.execute(create)
        for s in statements:
            if re.match(rf"CREATE (UNIQUE )?INDEX \w+ ON {name} ", s):
                conn.execute(s)


def _legacy_then(path: Path, rows: Rows | None, sql_dir: Path | None) -> sqlite3.Connection:
    conn = _open(path)
    _run(conn, _statements(_sql("legacy.sql", sql_dir)))
    _insert(conn, rows or {})
    return conn


def legacy(path: Path, rows: Rows | None = None, *, sql_dir: Path | None = None) -> Path:
    """legacy.sql plus rows: the database before the backend's chain ever ran."""
    _legacy_then(path, rows, sql_dir).close()
    return path


def create_all(path: Path, *, sql_dir: Path | None = None) -> Path:
    """The backend's `init_db` on an empty or missing file: head shape, no alembic_version."""
    conn = _open(path)
    try:
        _create_all_missing(conn, sql_dir)
    finally:
        conn.close()
    return path


def create_all_after_failed_upgrade(path: Path, *, sql_dir: Path | None = None) -> Path:
    """`init_db`, then the backend's `alembic upgrade head`, which fails on 001's
    first CREATE TABLE but has already created an empty alembic_version."""
    conn = _open(path)
    try:
        _create_all_missing(conn, sql_dir)
        _stamp(conn, None)
    finally:
        conn.close()
    return path


def half_install(path: Path) -> Path:
    """The runbook's fresh install (`alembic upgrade head` on a missing or empty file):
    001's three tables stay, alembic_version stays empty; every retry fails."""
    conn = _open(path)
    try:
        _stamp(conn, None)
        _run(conn, _REV_001_TABLES)
    finally:
        conn.close()
    return path


def stuck_at_001(path: Path, rows: Rows = LAB_ROWS, *, sql_dir: Path | None = None) -> Path:
    """A legacy database after the backend's `alembic upgrade head`: 001 committed,
    002 failed and rolled its data moves back, so only 001's changes remain
    (new columns NULL in every existing row) and `001` is recorded."""
    conn = _legacy_then(path, rows, sql_dir)
    try:
        if _active_users(conn) == 0:
            raise ValueError("the backend's 002 no-ops without an active user; "
                             "use noop_002_at_head for that state")
        _stamp(conn, "001")
        _run(conn, _REV_001_TABLES + _REV_001_COLUMNS)
    finally:
        conn.close()
    return path


def noop_002_at_head(path: Path, rows: Rows | None = None, *,
                     sql_dir: Path | None = None) -> Path:
    """A legacy database without an active user after the backend's chain: 002
    returned early, the rest ran, head is recorded; the workspace columns stay
    nullable and unindexed, charts.data_source_id and csv_data.workspace_id absent."""
    conn = _legacy_then(path, rows, sql_dir)
    try:
        if _active_users(conn) > 0:
            raise ValueError("with an active user the backend's 002 fails instead; "
                             "use stuck_at_001 for that state")
        _stamp(conn, HEAD_REVISION)
        _run(conn, _REV_001_TABLES + _REV_001_COLUMNS + _REV_AFTER_002)
    finally:
        conn.close()
    return path


def init_db_over_legacy(path: Path, rows: Rows | None = None, *,
                        sql_dir: Path | None = None) -> Path:
    """`init_db` run over a legacy database (state `mixed`): legacy tables untouched,
    the tables legacy lacks created in head shape, no alembic_version."""
    conn = _legacy_then(path, rows, sql_dir)
    try:
        _create_all_missing(conn, sql_dir)
    finally:
        conn.close()
    return path


def init_db_over_half_install(path: Path, *, sql_dir: Path | None = None) -> Path:
    """`init_db` run over the half install: 001's three workspace tables kept as 001
    made them, every other head table created, alembic_version still empty."""
    half_install(path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        _create_all_missing(conn, sql_dir)
    finally:
        conn.close()
    return path


def stamped_head(path: Path, *, sql_dir: Path | None = None) -> Path:
    """`init_db` then `alembic stamp head`, what the backend's authors did by hand."""
    conn = _open(path)
    try:
        _create_all_missing(conn, sql_dir)
        _stamp(conn, HEAD_REVISION)
    finally:
        conn.close()
    return path


def master(path: Path) -> tuple[dict[tuple[str, str], tuple[str, str | None]], str]:
    """(type, name) -> (table, CREATE text with whitespace collapsed), and the
    alembic_version as `absent`, `empty` or the comma-joined versions."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        objects = {(t, n): (tbl, normalise(sql)) for t, n, tbl, sql in conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master")}
        if ("table", "alembic_version") not in objects:
            return objects, "absent"
        versions = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
        return objects, ",".join(versions) or "empty"
    finally:
        conn.close()


def normalise(sql: str | None) -> str | None:
    """CREATE text compared modulo whitespace: runs collapsed, none inside parentheses' edges."""
    if sql is None:
        return None
    text = re.sub(r"\s+", " ", sql).strip()
    return re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", text))
