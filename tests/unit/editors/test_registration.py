"""New users: exactly what the backend's registration writes (SCHEMA.md), slugs as the
lab measured them, the join option, and passwords bcrypt can verify."""

from __future__ import annotations

from pathlib import Path

import bcrypt
import pytest

from tests.unit.editors.helpers import apply, build, findings, query
from wsadmin.db.editors import FieldError, add_user, new_password_hash
from wsadmin.db.schema.facts import WORKSPACE_SETTINGS_DEFAULTS

PASSWORD = "correct horse"


@pytest.fixture(scope="module")
def password_hash() -> str:
    return new_password_hash(PASSWORD, PASSWORD)


def test_registration_writes_the_backends_five_steps(tmp_path: Path, password_hash: str) -> None:
    db = build(tmp_path)
    change = apply(db, lambda c: add_user(c, "erin", "erin@example.org", password_hash))
    uid = change.created
    assert uid == 5 and change.users == (5,) and change.workspaces == (5,)
    [user] = query(db, "SELECT username, email, password_hash, role, is_active, "
                       "email_verified, theme_preference, current_workspace_id, created_at "
                       f"FROM users WHERE id = {uid}")
    assert user[:2] == ("erin", "erin@example.org")
    assert user[3:8] == ("admin", 1, 0, "light", 5)
    assert len(user[8]) == 26 and user[8][10] == " "      # 'YYYY-MM-DD HH:MM:SS.ffffff'
    assert query(db, "SELECT name, slug, created_by FROM workspaces WHERE id = 5") == [
        ("erin's Workspace", "erins-workspace", 5)]
    assert query(db, "SELECT workspace_id, user_id, role, invited_by FROM workspace_members "
                     "WHERE user_id = 5") == [(5, 5, "admin", 5)]
    settings = query(db, "SELECT redis_enabled, redis_host, redis_port, max_dashboards, "
                         "max_members, redis_password, updated_at IS NOT NULL FROM "
                         "workspace_settings WHERE workspace_id = 5")
    assert settings == [(*(v for _, v in WORKSPACE_SETTINGS_DEFAULTS), None, 1)]
    assert findings(db) == {}


def test_the_password_verifies_with_bcrypt_and_is_a_2b_12_hash(tmp_path: Path,
                                                                password_hash: str) -> None:
    db = build(tmp_path)
    apply(db, lambda c: add_user(c, "erin", "erin@example.org", password_hash))
    [(stored,)] = query(db, "SELECT password_hash FROM users WHERE username = 'erin'")
    assert len(stored) == 60 and stored.startswith("$2b$12$")
    assert bcrypt.checkpw(PASSWORD.encode(), stored.encode())
    assert not bcrypt.checkpw(b"wrong password", stored.encode())


@pytest.mark.parametrize(("names", "slugs"), [
    # The lab's measurements against the running backend (REPORT.md "Slugs").
    (["alice2", "Alice2", "alice2!"], ["alice2s-workspace", "alice2s-workspace-1",
                                       "alice2s-workspace-2"]),
    (["Zoë Ünal", "İrem", "\u212aelvin"], ["zo-nals-workspace", "irems-workspace",
                                           "kelvins-workspace"]),
    (["!!!", "--- ---"], ["s-workspace", "s-workspace-1"]),
])
def test_slugs_follow_the_backends_rule(tmp_path: Path, password_hash: str, names: list[str],
                                        slugs: list[str]) -> None:
    db = build(tmp_path)
    for n, name in enumerate(names):
        apply(db, lambda c, name=name, n=n: add_user(c, name, f"u{n}@example.org", password_hash))
    got = [r[0] for r in query(db, "SELECT slug FROM workspaces WHERE id > 4 ORDER BY id")]
    assert got == slugs


def test_a_taken_slug_gets_the_next_suffix(tmp_path: Path, password_hash: str) -> None:
    # alice's own workspace holds `alices-workspace`; a user named Alice gets `-1`.
    db = build(tmp_path)
    change = apply(db, lambda c: add_user(c, "Alice", "big-a@example.org", password_hash))
    assert change.details["slug"] == "alices-workspace-1"
    assert query(db, "SELECT count(*) FROM workspaces WHERE slug = 'alices-workspace'") == [(1,)]


def test_joining_an_existing_workspace_makes_no_personal_one(tmp_path: Path,
                                                             password_hash: str) -> None:
    db = build(tmp_path)
    change = apply(db, lambda c: add_user(c, "erin", "erin@example.org", password_hash,
                                          join=2, role="editor"))
    assert change.counts == {"insert users": 1, "insert workspace_members": 1}
    assert query(db, "SELECT role, current_workspace_id FROM users WHERE id = 5") == [
        ("viewer", 2)]
    assert query(db, "SELECT workspace_id, role FROM workspace_members WHERE user_id = 5") == [
        (2, "editor")]
    assert query(db, "SELECT count(*) FROM workspaces") == [(4,)]
    assert findings(db) == {}


@pytest.mark.parametrize(("username", "email", "field"), [
    ("alice", "new@example.org", "username"),          # taken
    ("erin", "alice@example.org", "email"),            # taken
    ("er", "erin@example.org", "username"),            # too short for the backend's login
    ("x" * 51, "erin@example.org", "username"),
    ("erin", "not-an-address", "email"),
    ("erin", "a@b", "email"),
    (" erin", "erin@example.org", "username"),
    ("er\nin", "erin@example.org", "username"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
        tmp_path: Path, password_hash: str, username: str, email: str, field: str) -> None:
    db = build(tmp_path)
    before = query(db, "SELECT count(*) FROM users")
    with pytest.raises(FieldError) as caught:
        apply(db, lambda c: add_user(c, username, email, password_hash))
    assert caught.value.field == field
    assert query(db, "SELECT count(*) FROM users") == before


def test_join_needs_an_existing_workspace_and_a_valid_role(tmp_path: Path,
                                                           password_hash: str) -> None:
    db = build(tmp_path)
    with pytest.raises(FieldError) as missing:
        apply(db, lambda c: add_user(c, "erin", "erin@example.org", password_hash, join=99))
    with pytest.raises(FieldError) as role:
        apply(db, lambda c: add_user(c, "erin", "erin@example.org", password_hash, join=1,
                                     role="owner"))
    assert (missing.value.field, role.value.field) == ("workspace", "role")
    assert query(db, "SELECT count(*) FROM users") == [(4,)]


def test_only_a_bcrypt_2b_12_hash_is_ever_written(tmp_path: Path) -> None:
    db = build(tmp_path)
    for bad in ("plain-text-password", "$argon2id$v=19$m=65536,t=3,p=4$abc$def",
                "$2b$04$" + "a" * 53):
        with pytest.raises(FieldError) as caught:
            apply(db, lambda c, bad=bad: add_user(c, "erin", "erin@example.org", bad))
        assert caught.value.field == "password"
    assert query(db, "SELECT count(*) FROM users") == [(4,)]


@pytest.mark.parametrize(("password", "confirm"), [
    ("short", "short"), ("x" * 73, "x" * 73), ("long enough", "long enouhg")])
def test_password_rules_before_hashing(password: str, confirm: str) -> None:
    with pytest.raises(FieldError) as caught:
        new_password_hash(password, confirm)
    assert caught.value.field == "password"
