"""Registration semantics: the rows the backend's register route and workspace creation write."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import bcrypt
import pytest

from wsadmin.db.errors import Refused
from wsadmin.db.schema import chain, render
from wsadmin.db.schema.registration import (
    NameTaken,
    NotRegistrable,
    PasswordRejected,
    create_workspace,
    hash_password,
    register_user,
    slugify,
    timestamp,
    unique_slug,
    valid_slug,
)
from wsadmin.db.schema.shape import HEAD, LEGACY, Shape

NOW = datetime(2025, 11, 20, 9, 30, 15, 123456)
AT = "2025-11-20 09:30:15.123456"
# A fixed, valid bcrypt hash (cost 4) keeps these tests fast; hash_password is tested alone.
HASH = bcrypt.hashpw(b"s3cret-pw", bcrypt.gensalt(rounds=4)).decode()


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    render.build(conn, HEAD)
    yield conn
    conn.close()


def row(conn: sqlite3.Connection, sql: str, *args: object) -> dict[str, object]:
    cur = conn.execute(sql, args)
    found = cur.fetchone()
    assert found is not None
    return dict(zip([c[0] for c in cur.description], found, strict=True))


@pytest.mark.parametrize("name, slug", [
    ("alice's Workspace", "alices-workspace"),
    ("Default Workspace", "default-workspace"),
    ("  --Team  A--  ", "team-a"),
    ("Zoë's Café", "zos-caf"),
    ("東京チーム", "workspace"),
    ("", "workspace"),
    ("---", "workspace"),
    ("tab\tseparated", "tabseparated"),  # only the ASCII space becomes '-'
    ("İstanbul", "istanbul"),  # Python lower-cases 'İ' to 'i' + a combining dot
    ("\u212aelvin", "kelvin"),  # the Kelvin sign lower-cases to ASCII 'k'
    ("a_b.c/d", "abcd"),
    # Measured on the backend itself (register and POST /api/workspaces, lab report).
    ("Zoë Ünal's Workspace", "zo-nals-workspace"),
    ("İrem's Workspace", "irems-workspace"),
    ("\u212aelvin's Workspace", "kelvins-workspace"),
    ("!!!'s Workspace", "s-workspace"),
    ("--- ---'s Workspace", "s-workspace"),
    ("!!!", "workspace"),
    ("Team  Ops", "team-ops"),
    ("Ünïcode Ωmega", "ncode-mega"),
])
def test_slugify_follows_the_backends_rule(name: str, slug: str) -> None:
    assert slugify(name) == slug
    assert valid_slug(slugify(name))


@pytest.mark.parametrize("slug, ok", [
    ("alices-workspace", True), ("a", True), ("a1-2b", True), ("default", True),
    ("", False), ("-a", False), ("a-", False), ("a--b", False), ("A", False),
    ("a b", False), ("a\n", False), ("é", False), ("a_b", False),
])
def test_valid_slug(slug: str, ok: bool) -> None:
    assert valid_slug(slug) is ok


def test_unique_slug_appends_a_counter_while_taken(db: sqlite3.Connection) -> None:
    assert unique_slug(db, "alices-workspace") == "alices-workspace"
    register_user(db, "alice", "a@example.com", HASH, now=NOW)
    assert unique_slug(db, "alices-workspace") == "alices-workspace-1"
    db.execute("INSERT INTO workspaces (name, slug, created_by) VALUES ('x', "
               "'alices-workspace-1', 1), ('y', 'alices-workspace-2', 1),"
               " ('z', 'alices-workspace-10', 1), ('w', 'ALICES-WORKSPACE-3', 1)")
    # Exact match, as the backend's query: another case is another slug.
    assert unique_slug(db, "alices-workspace") == "alices-workspace-3"
    assert unique_slug(db, "alices") == "alices"


def test_the_second_alice_gets_the_suffix(db: sqlite3.Connection) -> None:
    first = register_user(db, "alice", "a@example.com", HASH, now=NOW)
    ws = create_workspace(db, "alice's Workspace", first.user_id, now=NOW)
    assert (first.workspace.slug, ws.slug) == ("alices-workspace", "alices-workspace-1")


def test_hash_password_is_bcrypt_2b_cost_12_and_verifies() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$2b$12$") and len(hashed) == 60
    assert bcrypt.checkpw(b"correct horse", hashed.encode())
    assert not bcrypt.checkpw(b"wrong horse", hashed.encode())
    assert hash_password("correct horse") != hashed  # salted


@pytest.mark.parametrize("password", ["", "five5", "x" * 73, "é" * 37])
def test_hash_password_refuses_what_the_backend_or_bcrypt_cannot_use(password: str) -> None:
    with pytest.raises(PasswordRejected):
        hash_password(password)


def test_timestamps_are_utc_text_with_microseconds() -> None:
    assert timestamp(NOW) == AT
    assert timestamp(datetime(2025, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))) == \
        "2025-01-01 00:00:00.000000"
    assert len(timestamp()) == len(AT)
    assert timestamp().startswith(datetime.now(UTC).strftime("%Y-%m-%d"))


def test_register_user_writes_the_five_steps(db: sqlite3.Connection) -> None:
    new = register_user(db, "alice", "alice@example.com", HASH, now=NOW)
    user = row(db, "SELECT * FROM users WHERE id = ?", new.user_id)
    assert user == {
        "id": new.user_id, "username": "alice", "email": "alice@example.com",
        "password_hash": HASH, "role": "admin", "current_workspace_id": new.workspace.workspace_id,
        "email_verified": 0, "theme_preference": "light", "custom_theme_colors": None,
        "created_at": AT, "updated_at": AT, "last_login": None, "is_active": 1}
    ws = row(db, "SELECT * FROM workspaces")
    assert ws == {"id": new.workspace.workspace_id, "name": "alice's Workspace",
                  "slug": "alices-workspace", "created_by": new.user_id,
                  "created_at": AT, "updated_at": AT}
    member = row(db, "SELECT * FROM workspace_members")
    assert member == {"id": new.workspace.member_id, "workspace_id": ws["id"],
                      "user_id": new.user_id, "role": "admin", "invited_by": new.user_id,
                      "joined_at": AT}
    settings = row(db, "SELECT * FROM workspace_settings")
    assert settings == {"id": new.workspace.settings_id, "workspace_id": ws["id"],
                        "redis_enabled": 0, "redis_host": "localhost", "redis_port": 6379,
                        "redis_password": None, "max_dashboards": 1000, "max_members": 100,
                        "updated_by": None, "updated_at": AT}
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_register_user_stays_inside_the_callers_transaction(db: sqlite3.Connection) -> None:
    db.execute("BEGIN")
    register_user(db, "alice", "alice@example.com", HASH, now=NOW)
    assert db.in_transaction
    db.execute("ROLLBACK")
    assert db.execute("SELECT count(*) FROM users").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM workspaces").fetchone() == (0,)


def test_a_failing_step_leaves_nothing_behind(db: sqlite3.Connection) -> None:
    # A settings row already claims the id the new workspace will get: step 4 fails.
    db.execute("INSERT INTO workspace_settings (workspace_id) VALUES (1)")
    db.execute("BEGIN")
    with pytest.raises(sqlite3.IntegrityError):
        register_user(db, "alice", "alice@example.com", HASH, now=NOW)
    assert db.in_transaction  # the caller's transaction is still theirs to end
    db.execute("COMMIT")
    counts = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("users", "workspaces", "workspace_members", "workspace_settings")]
    assert counts == [0, 0, 0, 1]


def test_taken_names_and_bad_input_are_refused_before_any_write(db: sqlite3.Connection) -> None:
    register_user(db, "alice", "alice@example.com", HASH, now=NOW)
    with pytest.raises(NameTaken, match="username"):
        register_user(db, "alice", "other@example.com", HASH)
    with pytest.raises(NameTaken, match="email"):
        register_user(db, "alicia", "alice@example.com", HASH)
    with pytest.raises(PasswordRejected):
        register_user(db, "bob", "bob@example.com", "$argon2id$v=19$m=65536,t=3,p=4$abc")
    with pytest.raises(PasswordRejected):
        register_user(db, "bob", "bob@example.com", "plaintext")
    with pytest.raises(Refused, match="3 to 50"):
        register_user(db, "bo", "bob@example.com", HASH)
    with pytest.raises(Refused, match="email"):
        register_user(db, "bob", "bob.example.com", HASH)
    assert db.execute("SELECT count(*) FROM users").fetchone() == (1,)


def test_registration_needs_the_workspace_tables_and_columns() -> None:
    conn = sqlite3.connect(":memory:")
    try:
        render.build(conn, LEGACY)
        with pytest.raises(NotRegistrable, match="workspaces"):
            register_user(conn, "alice", "alice@example.com", HASH)
        # init_db over legacy: the workspace tables exist, users is still legacy.
        for table in HEAD.tables:
            if table.name not in LEGACY:
                render.build(conn, Shape((table,)))
        with pytest.raises(NotRegistrable, match="current_workspace_id"):
            register_user(conn, "alice", "alice@example.com", HASH)
        with pytest.raises(NotRegistrable):
            create_workspace(conn, "Team", 1)
        assert conn.execute("SELECT count(*) FROM workspaces").fetchone() == (0,)
    finally:
        conn.close()


def test_registration_before_the_theme_column_exists_writes_the_rest() -> None:
    conn = sqlite3.connect(":memory:")
    try:
        render.build(conn, chain.shape_at("002"))
        new = register_user(conn, "alice", "alice@example.com", HASH, now=NOW)
        user = row(conn, "SELECT * FROM users")
        assert "theme_preference" not in user
        assert user["current_workspace_id"] == new.workspace.workspace_id
    finally:
        conn.close()


def test_create_workspace_writes_steps_2_to_4_and_sets_an_unset_current_workspace(
        db: sqlite3.Connection) -> None:
    db.execute("INSERT INTO users (username, email, password_hash, role) "
               "VALUES ('bob', 'bob@example.com', ?, 'viewer')", (HASH,))
    first = create_workspace(db, "Team Alpha", 1, now=NOW)
    assert first.slug == "team-alpha"
    assert row(db, "SELECT current_workspace_id FROM users") == {
        "current_workspace_id": first.workspace_id}
    second = create_workspace(db, "Team Alpha", 1, now=NOW)
    assert second.slug == "team-alpha-1"
    # An existing current workspace is kept, as the backend's route keeps it.
    assert row(db, "SELECT current_workspace_id FROM users") == {
        "current_workspace_id": first.workspace_id}
    assert db.execute("SELECT role, invited_by FROM workspace_members WHERE workspace_id = ?",
                      (second.workspace_id,)).fetchall() == [("admin", 1)]
    assert db.execute("SELECT count(*) FROM workspace_settings").fetchone() == (2,)


def test_create_workspace_refuses_a_missing_creator_or_a_bad_name(
        db: sqlite3.Connection) -> None:
    with pytest.raises(Refused, match="user 7 does not exist"):
        create_workspace(db, "Team", 7)
    db.execute("INSERT INTO users (username, email, password_hash, role) "
               "VALUES ('bob', 'bob@example.com', ?, 'viewer')", (HASH,))
    for name in ("", "x" * 101):
        with pytest.raises(Refused, match="1 to 100"):
            create_workspace(db, name, 1)
    assert db.execute("SELECT count(*) FROM workspaces").fetchone() == (0,)
