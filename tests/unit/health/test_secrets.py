"""Secrets (SCHEMA.md): one place decides how a secret column is shown, and any statement
naming one raw is refused. The end-to-end grep is in tests/cli/test_check_cli.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.unit.health.helpers import HEAD, PLAIN_CONFIG, SECRETS, build, query
from wsadmin.db.health.fix_plan import Planner
from wsadmin.db.health.querying import head_facts
from wsadmin.db.health.registry import CHECKS
from wsadmin.db.health.secret_columns import (
    SECRET_COLUMNS,
    SecretExposed,
    assert_safe,
    describe,
    describe_config,
    describe_hash,
    describe_presence,
    unmarked,
)


def test_every_check_statement_is_safe() -> None:
    for check in CHECKS:
        assert_safe(check.sql)
        for table, column in SECRET_COLUMNS:
            assert f".{column}" not in unmarked(check.sql), (check.id, table)


@pytest.mark.parametrize("sql", [
    "SELECT id, password_hash FROM users", "SELECT c.config FROM connections AS c",
    'SELECT "redis_password" FROM workspace_settings', "SELECT * FROM dashboards WHERE "
    "public_token IS NOT NULL ORDER BY PUBLIC_TOKEN"])
def test_a_raw_secret_is_refused(sql: str) -> None:
    with pytest.raises(SecretExposed):
        assert_safe(sql)


def test_described_secrets_say_only_their_kind(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, f"UPDATE connections SET config = '{PLAIN_CONFIG}' WHERE id = 2")
    rows = query(db, f"""
        SELECT {describe_config('c.config')}, {describe_hash('u.password_hash')},
               {describe_presence('d.public_token')}, {describe('workspace_settings',
               'redis_password', 's.redis_password')}, {describe('users', 'username', 'u.username')}
        FROM connections AS c JOIN users AS u ON u.id = c.created_by
        JOIN dashboards AS d ON d.id = c.id JOIN workspace_settings AS s ON s.id = c.id
        ORDER BY c.id""")
    assert rows == [(f"encrypted ({len(SECRETS['cipher_1'])} chars)", "bcrypt (60 chars)", "set",
                     "set", "alice"),
                    ("NOT ENCRYPTED", "bcrypt (60 chars)", "not set", "not set", "bob")]


def test_fixes_never_write_a_secret_column(tmp_path: Path) -> None:
    db = build(tmp_path)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        planner = Planner(conn, head_facts())
        for table, column in sorted(SECRET_COLUMNS):
            with pytest.raises(ValueError, match="secret column"):
                planner.set(table, column, "SELECT 1, 'x'")
        with pytest.raises(ValueError, match="may not delete rows of users"):
            planner.delete("users", "SELECT 1")
    finally:
        conn.close()
