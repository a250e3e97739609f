"""run_edit: head only, one transaction, busy retries, the two-phase audit without a
secret, a backup when asked, and no schema change ever."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from tests.unit.editors.helpers import SECRET_PARTS, apply, audit_text, build, query
from tests.unit.health import helpers as health
from wsadmin.db.backup.verify import verify_backup
from wsadmin.db.common.errors import DatabaseLocked
from wsadmin.db.editors import (
    Change,
    FieldError,
    NotEditable,
    SettingsEdit,
    add_user,
    delete_user,
    edit_user,
    editability,
    new_password_hash,
    run_edit,
    scrub,
    set_password,
    update_settings,
)
from wsadmin.db.schema import chain
from wsadmin.db.schema.states import Offer, State


def entries() -> list[dict[str, object]]:
    return [json.loads(line) for line in audit_text().splitlines()]


@pytest.mark.parametrize(("state", "command"), [
    ("001", "wsadmin upgrade"), ("f6554ddc8f18", "wsadmin upgrade"),
    ("create_all", "wsadmin adopt")])
def test_only_head_is_edited_and_the_refusal_names_the_fix(tmp_path: Path, state: str,
                                                           command: str) -> None:
    db = health.build(tmp_path, state)
    before = query(db, "SELECT * FROM users")
    with pytest.raises(NotEditable) as caught:
        run_edit(db, "user.edit", lambda c: edit_user(c, 2, email="new@example.org"))
    assert f"{command} {db}" in caught.value.hint
    assert caught.value.editability.action == command.split()[1]
    assert query(db, "SELECT * FROM users") == before
    assert [e["outcome"] for e in entries()] == ["started", "refused"]


@pytest.mark.parametrize(("state", "recorded", "offer", "editable", "action"), [
    (State.AT_REVISION, chain.HEAD_REVISION, Offer.NOTHING, True, None),
    (State.AT_REVISION, "002", Offer.UPGRADE, False, "upgrade"),
    (State.RECORDED_AHEAD_OF_SHAPE, chain.HEAD_REVISION, Offer.REPAIR, False, "repair"),
    (State.EMPTY, None, Offer.INIT, False, "init"),
    (State.FOREIGN, None, Offer.REFUSE, False, None),
])
def test_editability(state: State, recorded: str | None, offer: Offer, editable: bool,
                     action: str | None) -> None:
    found = editability(state, recorded, offer)
    assert (found.editable, found.action) == (editable, action)
    assert bool(found.reason) is not editable


def test_an_edit_is_audited_in_two_phases(tmp_path: Path) -> None:
    db = build(tmp_path)
    run_edit(db, "user.edit", lambda c: edit_user(c, 2, email="rob@example.org"),
             audit_fields={"user_id": 2})
    started, done = entries()
    assert (started["outcome"], done["outcome"]) == ("started", "ok")
    assert started["id"] == done["id"] and started["user_id"] == 2
    assert done["counts"] == {"update users": 1} and done["backup"] is None
    assert done["details"] == {"user_id": 2, "email": "rob@example.org"}


def test_a_refused_edit_writes_nothing_and_says_so(tmp_path: Path) -> None:
    db = build(tmp_path)
    with pytest.raises(FieldError):
        run_edit(db, "user.edit", lambda c: edit_user(c, 2, email="alice@example.org"))
    assert query(db, "SELECT email FROM users WHERE id = 2") == [("bob@example.org",)]
    assert [e["outcome"] for e in entries()] == ["started", "refused"]


def test_a_failure_half_way_rolls_back_everything(tmp_path: Path) -> None:
    db = build(tmp_path)

    def half(c: sqlite3.Connection) -> Change:
        edit_user(c, 2, email="rob@example.org")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        run_edit(db, "user.edit", half)
    assert query(db, "SELECT email FROM users WHERE id = 2") == [("bob@example.org",)]
    assert entries()[-1]["outcome"] == "failed-unchanged"


def test_no_secret_reaches_the_audit_or_the_change(tmp_path: Path) -> None:
    db = build(tmp_path)
    password = "pa55word-never-logged"
    hashed = new_password_hash(password, password)
    changes = [
        apply(db, lambda c: set_password(c, 2, hashed)),
        apply(db, lambda c: add_user(c, "erin", "erin@example.org", hashed)),
        apply(db, lambda c: update_settings(c, 2, SettingsEdit(redis_password="redis-pw-991"))),
        apply(db, lambda c: update_settings(c, 1, SettingsEdit(clear_redis_password=True))),
        apply(db, lambda c: delete_user(c, 4, 1), backup=True, backup_dir=tmp_path / "b"),
    ]
    written = audit_text() + "".join(json.dumps(c.to_json()) for c in changes)
    for secret in (password, hashed, hashed[7:29], "redis-pw-991", *SECRET_PARTS):
        assert secret not in written
    assert '"redis_password": "set"' in written and '"redis_password": "cleared"' in written
    assert query(db, "SELECT redis_password FROM workspace_settings WHERE workspace_id = 2") == [
        ("redis-pw-991",)]


def test_scrub_hides_secret_looking_fields() -> None:
    assert scrub({"user_id": 3, "password_hash": "$2b$12$x", "nested": [{"config": "Z0F"}],
                  "redis_password": "set", "public_token": None}) == {
        "user_id": 3, "password_hash": "(hidden)", "nested": [{"config": "(hidden)"}],
        "redis_password": "set", "public_token": None}


def _hold_lock(db: Path, seconds: float) -> threading.Thread:
    ready = threading.Event()

    def hold() -> None:
        other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        ready.set()
        time.sleep(seconds)
        other.execute("ROLLBACK")
        other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait()
    return thread


def test_a_busy_database_is_retried_then_refused(tmp_path: Path) -> None:
    db = build(tmp_path)
    thread = _hold_lock(db, 1.5)
    waits: list[str] = []
    try:
        with pytest.raises(DatabaseLocked) as caught:
            run_edit(db, "user.edit", lambda c: edit_user(c, 2, email="rob@example.org"),
                     busy_timeout=0.1, attempts=3, on_busy=waits.append)
    finally:
        thread.join()
    assert "stayed locked" in caught.value.message and "nothing was changed" in caught.value.message
    assert waits == [f"{db.name} is locked; trying again (2 of 3)",
                     f"{db.name} is locked; trying again (3 of 3)"]
    assert query(db, "SELECT email FROM users WHERE id = 2") == [("bob@example.org",)]
    assert entries()[-1]["outcome"] == "failed-unchanged"


def test_a_lock_released_meanwhile_lets_the_edit_through(tmp_path: Path) -> None:
    db = build(tmp_path)
    thread = _hold_lock(db, 0.3)
    waits: list[str] = []
    try:
        result = run_edit(db, "user.edit", lambda c: edit_user(c, 2, email="rob@example.org"),
                          busy_timeout=0.1, attempts=20, on_busy=waits.append)
    finally:
        thread.join()
    assert result.retries == len(waits) >= 1
    assert query(db, "SELECT email FROM users WHERE id = 2") == [("rob@example.org",)]


def test_a_delete_takes_a_verified_backup_of_the_state_before(tmp_path: Path) -> None:
    db = build(tmp_path)
    result = run_edit(db, "user.delete", lambda c: delete_user(c, 2, 1), backup=True,
                      backup_dir=tmp_path / "backups")
    assert result.backup is not None
    assert verify_backup(result.backup.path).ok
    assert query(Path(result.backup.path), "SELECT count(*) FROM users WHERE id = 2") == [(1,)]
    assert entries()[-1]["backup"] == result.backup.path


def test_edits_work_on_a_wal_database(tmp_path: Path) -> None:
    db = build(tmp_path, "PRAGMA journal_mode=WAL")
    apply(db, lambda c: edit_user(c, 2, email="rob@example.org"))
    assert query(db, "SELECT email FROM users WHERE id = 2") == [("rob@example.org",)]


def test_editing_never_changes_the_schema(tmp_path: Path) -> None:
    db = build(tmp_path)
    schema = query(db, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    hashed = new_password_hash("pa55word", "pa55word")
    apply(db, lambda c: add_user(c, "erin", "erin@example.org", hashed))
    apply(db, lambda c: delete_user(c, 5, 1), backup=True, backup_dir=tmp_path / "b")
    assert query(db, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == schema
