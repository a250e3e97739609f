"""Editing users and memberships: every refusal names its field and writes nothing; no
edit leaves a user without a workspace or a workspace without an active admin."""

from __future__ import annotations

from pathlib import Path

import bcrypt
import pytest

from tests.unit.editors.helpers import apply, build, findings, query
from wsadmin.db.editors import (
    FieldError,
    add_member,
    deactivate_user,
    edit_user,
    new_password_hash,
    remove_member,
    set_member_role,
    set_password,
)


def snapshot(db: Path) -> list[object]:
    return [query(db, f"SELECT * FROM {t} ORDER BY id") for t in
            ("users", "workspace_members", "workspaces")]


def refused(db: Path, edit: object) -> str:
    before = snapshot(db)
    with pytest.raises(FieldError) as caught:
        apply(db, edit)  # type: ignore[arg-type]
    assert snapshot(db) == before
    return caught.value.field


def test_a_new_email_resets_its_verification_as_the_backend_does(tmp_path: Path) -> None:
    db = build(tmp_path, "UPDATE users SET email_verified = 1 WHERE id = 2")
    change = apply(db, lambda c: edit_user(c, 2, email="robert@example.org"))
    assert change.users == (2,) and change.counts == {"update users": 1}
    assert query(db, "SELECT email, email_verified FROM users WHERE id = 2") == [
        ("robert@example.org", 0)]
    assert refused(db, lambda c: edit_user(c, 2, email="alice@example.org")) == "email"


def test_the_same_values_change_nothing(tmp_path: Path) -> None:
    db = build(tmp_path)
    before = snapshot(db)
    change = apply(db, lambda c: edit_user(c, 2, email="bob@example.org", active=True,
                                           global_role="admin", current_workspace=2))
    assert change.counts == {} and change.summary == "nothing to change"
    assert snapshot(db) == before


def test_global_role_is_one_of_the_three(tmp_path: Path) -> None:
    db = build(tmp_path)
    apply(db, lambda c: edit_user(c, 3, global_role="admin"))
    assert query(db, "SELECT role FROM users WHERE id = 3") == [("admin",)]
    assert refused(db, lambda c: edit_user(c, 3, global_role="superuser")) == "global_role"


def test_demoting_the_last_global_admin_warns(tmp_path: Path) -> None:
    db = build(tmp_path, "UPDATE users SET role = 'viewer' WHERE id = 2")
    change = apply(db, lambda c: edit_user(c, 1, global_role="editor"))
    assert any("no active global admin" in n for n in change.notes)


def test_current_workspace_only_among_memberships(tmp_path: Path) -> None:
    db = build(tmp_path)
    apply(db, lambda c: edit_user(c, 3, current_workspace=1))      # carol is editor of 1
    assert query(db, "SELECT current_workspace_id FROM users WHERE id = 3") == [(1,)]
    assert refused(db, lambda c: edit_user(c, 3, current_workspace=2)) == "current_workspace"
    assert refused(db, lambda c: edit_user(c, 3, current_workspace=42)) == "current_workspace"
    assert findings(db) == {}


def test_deactivating_the_only_admin_needs_a_successor(tmp_path: Path) -> None:
    db = build(tmp_path)
    assert refused(db, lambda c: deactivate_user(c, 1)) == "successor"
    assert refused(db, lambda c: deactivate_user(c, 1, successor=1)) == "successor"
    change = apply(db, lambda c: deactivate_user(c, 1, successor=3))
    assert query(db, "SELECT is_active FROM users WHERE id = 1") == [(0,)]
    # carol was editor of alice's workspace: promoted, not added twice.
    assert query(db, "SELECT role FROM workspace_members WHERE workspace_id = 1 AND "
                     "user_id = 3") == [("admin",)]
    assert change.counts == {"update workspace_members": 1, "update users": 1}
    assert findings(db) == {}


def test_a_successor_who_is_no_member_joins_as_admin(tmp_path: Path) -> None:
    db = build(tmp_path)
    apply(db, lambda c: deactivate_user(c, 2, successor=4))
    assert query(db, "SELECT role FROM workspace_members WHERE workspace_id = 2 AND "
                     "user_id = 4") == [("admin",)]
    assert findings(db) == {}


def test_an_inactive_successor_is_refused(tmp_path: Path) -> None:
    db = build(tmp_path, "UPDATE users SET is_active = 0 WHERE id = 4")
    assert refused(db, lambda c: deactivate_user(c, 2, successor=4)) == "successor"


def test_deactivating_twice_is_refused(tmp_path: Path) -> None:
    db = build(tmp_path)
    apply(db, lambda c: deactivate_user(c, 1, successor=3))
    assert refused(db, lambda c: deactivate_user(c, 1)) == "active"


def test_set_password_stores_a_hash_bcrypt_verifies(tmp_path: Path) -> None:
    db = build(tmp_path)
    hashed = new_password_hash("new secret 1", "new secret 1")
    change = apply(db, lambda c: set_password(c, 2, hashed))
    assert hashed not in repr(change.to_json())
    [(stored,)] = query(db, "SELECT password_hash FROM users WHERE id = 2")
    assert len(stored) == 60 and stored.startswith("$2b$12$")
    assert bcrypt.checkpw(b"new secret 1", stored.encode())
    assert refused(db, lambda c: set_password(c, 2, "new secret 1")) == "password"


def test_add_member_and_change_role(tmp_path: Path) -> None:
    db = build(tmp_path)
    change = apply(db, lambda c: add_member(c, 2, 4, "viewer"))
    assert (change.users, change.workspaces) == ((4,), (2,))
    apply(db, lambda c: set_member_role(c, 2, 4, "admin"))
    apply(db, lambda c: set_member_role(c, 2, 2, "editor"))   # dave is admin there now
    assert query(db, "SELECT user_id, role FROM workspace_members WHERE workspace_id = 2 "
                     "ORDER BY user_id") == [(2, "editor"), (4, "admin")]
    assert refused(db, lambda c: add_member(c, 2, 4, "viewer")) == "member"
    assert refused(db, lambda c: add_member(c, 2, 3, "owner")) == "role"
    assert findings(db) == {}


def test_adding_a_user_without_workspace_makes_it_current(tmp_path: Path) -> None:
    db = build(tmp_path, "UPDATE users SET current_workspace_id = NULL WHERE id = 4",
               "DELETE FROM workspace_members WHERE user_id = 4")
    change = apply(db, lambda c: add_member(c, 1, 4, "viewer"))
    assert query(db, "SELECT current_workspace_id FROM users WHERE id = 4") == [(1,)]
    assert change.notes


def test_the_last_active_admin_cannot_be_demoted_or_removed(tmp_path: Path) -> None:
    db = build(tmp_path)
    assert refused(db, lambda c: set_member_role(c, 1, 1, "editor")) == "role"
    assert refused(db, lambda c: remove_member(c, 1, 1, new_current=1)) == "member"


def test_an_inactive_admin_does_not_count(tmp_path: Path) -> None:
    # Workspace 1 gets a second admin who is inactive: alice is still its only active one.
    db = build(tmp_path, "UPDATE workspace_members SET role = 'admin' WHERE id = 5",
               "UPDATE users SET is_active = 0 WHERE id = 3")
    assert refused(db, lambda c: set_member_role(c, 1, 1, "viewer")) == "role"
    # ...and demoting the inactive admin is fine.
    apply(db, lambda c: set_member_role(c, 1, 3, "viewer"))


def test_removing_the_current_workspace_needs_another(tmp_path: Path) -> None:
    db = build(tmp_path, "UPDATE users SET current_workspace_id = 1 WHERE id = 3")
    assert refused(db, lambda c: remove_member(c, 1, 3)) == "current_workspace"
    assert refused(db, lambda c: remove_member(c, 1, 3, new_current=2)) == "current_workspace"
    change = apply(db, lambda c: remove_member(c, 1, 3, new_current=3))
    assert query(db, "SELECT current_workspace_id FROM users WHERE id = 3") == [(3,)]
    # carol's viewer permission on connection 1 is now stale: said, not silently deleted.
    assert any("stale" in n for n in change.notes)
    assert query(db, "SELECT count(*) FROM connection_permissions") == [(1,)]


def test_a_users_only_workspace_cannot_be_taken_away(tmp_path: Path) -> None:
    db = build(tmp_path, "UPDATE workspace_members SET role = 'admin' WHERE id = 5",
               "DELETE FROM workspace_members WHERE user_id = 3 AND workspace_id = 3",
               "UPDATE users SET current_workspace_id = 1 WHERE id = 3")
    assert refused(db, lambda c: remove_member(c, 1, 3, new_current=3)) == "member"


def test_removing_a_member_elsewhere_keeps_their_current(tmp_path: Path) -> None:
    db = build(tmp_path)
    apply(db, lambda c: remove_member(c, 1, 3))
    assert query(db, "SELECT current_workspace_id FROM users WHERE id = 3") == [(3,)]
    assert query(db, "SELECT count(*) FROM workspace_members WHERE user_id = 3") == [(1,)]
