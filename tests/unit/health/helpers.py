"""Fixture databases for the health tests, in the backend's real shapes.

A database is built from a shape of wsadmin.db.schema (head from the shipped
head.sql, older ones by `chain.shape_at(rev)` rendered), filled with a small
standard data set written the way the backend writes it (registration through
wsadmin.db.schema.registration), then broken with plain SQL. Each standard
database is built once per session and copied for each test.

Every secret value below is unique and greppable: tests/cli/test_check_cli.py
runs every check and fix and looks for them in everything wsadmin writes.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from wsadmin.db.schema import chain, render
from wsadmin.db.schema.registration import register_user
from wsadmin.db.schema.shape import packaged_sql

HEAD: Final = chain.HEAD_REVISION


def bcrypt_like(tag: str) -> str:
    """A well-formed bcrypt hash (60 chars) carrying `tag`, so it can be grepped for."""
    body = (tag + "SECRETHASH" + "x" * 53)[:53]
    return "$2b$12$" + body


SECRETS: Final = {
    "hash_alice": bcrypt_like("alice"), "hash_bob": bcrypt_like("bobby"),
    "hash_carol": bcrypt_like("carol"), "hash_dave": bcrypt_like("daveX"),
    "cipher_1": '"Z0FBQUFBSecretCipherOne' + "Q" * 180 + '"',
    "cipher_2": '"Z0FBQUFBSecretCipherTwo' + "R" * 120 + '"',
    "redis_password": "redis-secret-pw-7731",
    "public_token": "public-token-secret-5519",
}
"""Secret values of the standard database (SCHEMA.md "Secrets")."""

PLAIN_CONFIG: Final = '{"host": "db.internal", "user": "etl", "password": "hunter2-plain-pw"}'
ARGON2_HASH: Final = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$SecretArgonDigestValue42"
MORE_SECRETS: Final = ("hunter2-plain-pw", PLAIN_CONFIG, ARGON2_HASH, "SecretArgonDigestValue42")
SECRET_PARTS: Final = tuple(SECRETS.values()) + MORE_SECRETS + tuple(
    v[8:40] for v in SECRETS.values() if len(v) > 40)

STAMP: Final = "2024-05-01 10:00:00.000000"
USERS: Final = ("alice", "bob", "carol", "dave")

# ids: user n registered n-th owns workspace n (member n, settings n).
ROWS: Final = """
INSERT INTO workspace_members (id, workspace_id, user_id, role, invited_by, joined_at)
  VALUES (5, 1, 3, 'editor', 1, '2024-05-02 10:00:00.000000');
INSERT INTO connections (id, name, type, config, is_active, workspace_id, created_by, created_at)
  VALUES (1, 'warehouse', 'postgresql', :cipher_1, 1, 1, 1, :stamp),
         (2, 'reports', 'mysql', :cipher_2, 1, 2, 2, :stamp);
INSERT INTO data_sources (id, connection_id, name, source_type, source_identifier, is_active,
                          workspace_id, created_by, created_at)
  VALUES (1, 1, 'sales db', 'database', 'sales', 1, 1, 1, :stamp),
         (2, 2, 'ops db', 'database', 'ops', 1, 2, 2, :stamp);
INSERT INTO dashboards (id, name, layout, is_public, public_token, public_access_count,
                        workspace_id, created_by, created_at)
  VALUES (1, 'Sales', '{}', 1, :public_token, 0, 1, 1, :stamp),
         (2, 'Ops', '{}', 0, NULL, 0, 2, 2, :stamp);
INSERT INTO charts (id, name, chart_type, config, data_source_id, workspace_id, created_by,
                    created_at)
  VALUES (1, 'Revenue', 'bar', '{}', 1, 1, 1, :stamp), (2, 'Uptime', 'line', '{}', 2, 2, 2, :stamp);
INSERT INTO csv_data (id, chart_id, workspace_id, data, column_types, row_count, created_at)
  VALUES (1, 1, 1, '[]', '{}', 0, :stamp);
INSERT INTO dashboard_charts (id, dashboard_id, chart_id, position) VALUES (1, 1, 1, '{}'),
  (2, 2, 2, '{}');
INSERT INTO logs (id, user_id, workspace_id, action, created_at)
  VALUES (1, 1, 1, 'login', :stamp), (2, NULL, NULL, 'startup', :stamp);
INSERT INTO connection_permissions (id, connection_id, user_id, permission_level, granted_by,
                                    granted_at)
  VALUES (1, 1, 3, 'viewer', 1, :stamp);
INSERT INTO settings (id, "key", value) VALUES (1, 'app.name', '"viz"');
UPDATE workspace_settings SET redis_password = :redis_password WHERE workspace_id = 1;
"""

_cache: dict[str, Path] = {}


def _head(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.executescript(packaged_sql("head.sql"))
        conn.execute("BEGIN")
        for n, name in enumerate(USERS, start=1):
            register_user(conn, name, f"{name}@example.org", SECRETS[f"hash_{name}"])
            conn.execute("UPDATE users SET created_at = ?, updated_at = ? WHERE id = ?",
                         (f"2024-01-0{n} 09:00:00.000000",) * 2 + (n,))
        conn.execute("UPDATE users SET role = 'editor' WHERE id IN (3, 4)")
        params: Mapping[str, Any] = {**SECRETS, "stamp": STAMP}
        for statement in ROWS.split(";"):
            if statement.strip():
                conn.execute(statement, {k: v for k, v in params.items()
                                         if f":{k}" in statement})
        _stamp(conn, HEAD)
        conn.execute("COMMIT")
    finally:
        conn.close()


def _stamp(conn: sqlite3.Connection, revision: str | None) -> None:
    if revision is None:
        return
    conn.execute("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL, "
                 "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")
    conn.execute("DELETE FROM alembic_version")
    conn.execute("INSERT INTO alembic_version VALUES (?)", (revision,))


def _older(path: Path, rev: str) -> None:
    """A database in the shape wsadmin's chain leaves at `rev` (chain.BASE: legacy) with
    the standard users and rows as they were before workspaces: no workspace at all."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        render.build(conn, chain.shape_at(rev))
        cols = {t: {r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')}
                for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for n, name in enumerate(USERS, start=1):
            _insert(conn, cols, "users", {
                "id": n, "username": name, "email": f"{name}@example.org",
                "password_hash": SECRETS[f"hash_{name}"],
                "role": "admin" if n == 1 else "editor", "is_active": 1,
                "created_at": f"2024-01-0{n} 09:00:00.000000"})
        for cid, owner in ((1, 1), (2, 2)):
            _insert(conn, cols, "connections", {
                "id": cid, "name": f"conn{cid}", "type": "postgresql",
                "config": SECRETS[f"cipher_{cid}"], "is_active": 1, "created_by": owner})
            _insert(conn, cols, "dashboards", {"id": cid, "name": f"dash{cid}", "layout": "{}",
                                               "created_by": owner})
            _insert(conn, cols, "charts", {"id": cid, "name": f"chart{cid}", "chart_type": "bar",
                                           "config": "{}", "created_by": owner})
        _insert(conn, cols, "logs", {"id": 1, "user_id": 1, "action": "login"})
        _stamp(conn, None if rev == chain.BASE else rev)
        conn.execute("COMMIT")
    finally:
        conn.close()


def _head_data_at(path: Path, rev: str, head_db: Path) -> None:
    """The standard head data in the shape of revision `rev` (002 and later)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        render.build(conn, chain.shape_at(rev))
        conn.execute("ATTACH DATABASE ? AS src", (str(head_db),))
        for table in chain.shape_at(rev).tables:
            names = ", ".join(f'"{c}"' for c in table.column_names)
            conn.execute(f'INSERT INTO main."{table.name}" ({names}) '
                         f'SELECT {names} FROM src."{table.name}"')
        _stamp(conn, rev)
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE src")
    finally:
        conn.close()
    head_db.unlink()


def _insert(conn: sqlite3.Connection, cols: dict[str, set[str]], table: str,
            row: dict[str, Any]) -> None:
    kept = {k: v for k, v in row.items() if k in cols[table]}
    conn.execute(f"INSERT INTO {table} ({', '.join(kept)}) VALUES "
                 f"({', '.join('?' for _ in kept)})", tuple(kept.values()))


def build(tmp: Path, state: str = HEAD, *sql: str) -> Path:
    """A copy of the standard database at `state` (a revision id, chain.BASE, or 'create_all'
    for head without alembic_version), then `sql` run on it."""
    if state not in _cache:
        folder = tmp.parent / f"health-base-{state}"
        folder.mkdir(exist_ok=True)
        base = folder / "base.db"
        if not base.exists():
            part = folder / "base.db.part"
            part.unlink(missing_ok=True)
            if state in (HEAD, "create_all"):
                _head(part)
                if state == "create_all":
                    execute(part, "DROP TABLE alembic_version")
            elif state in (chain.BASE, "001"):
                _older(part, state)
            else:
                _head_data_at(part, state, build(tmp, HEAD))
            part.rename(base)
        _cache[state] = base
    path = tmp / "app_metadata.db"
    n = 1
    while path.exists():
        n += 1
        path = tmp / f"app_metadata-{n}.db"
    shutil.copyfile(_cache[state], path)
    if sql:
        execute(path, *sql)
    return path


def execute(path: Path, *scripts: str) -> None:
    """Run SQL as a careless writer would: foreign keys off, CHECK constraints ignored;
    each script on a new connection (so one may edit the schema for the next)."""
    for sql in scripts:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("PRAGMA ignore_check_constraints = ON")
            conn.executescript(sql)
        finally:
            conn.close()


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def snapshot(path: Path) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every row of every table keyed by its primary key (rowid when it has none)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        out: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                     "AND name NOT LIKE 'sqlite_%'").fetchall():
            info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
            pk = [r["name"] for r in sorted(info, key=lambda r: r["pk"]) if r["pk"]]
            cols = ", ".join(f'"{c}"' for c in pk) if pk else "rowid"
            rows = conn.execute(f'SELECT {cols}, * FROM "{table}"').fetchall()
            width = max(1, len(pk))
            out[table] = {tuple(r)[:width]: dict(zip(r.keys()[width:], tuple(r)[width:],
                                                      strict=True)) for r in rows}
        return out
    finally:
        conn.close()
