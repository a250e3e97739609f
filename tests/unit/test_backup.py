"""create_backup / verify_backup: contents, manifest, permissions, WAL, cancel, busy."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest

from tests.builders import execute, make_at, make_legacy, user
from wsadmin.db.backup.create import create_backup
from wsadmin.db.backup.manifest import read_manifest
from wsadmin.db.backup.verify import verify_backup
from wsadmin.db.common.errors import BackupBusy, BackupFailed, DatabaseLocked
from wsadmin.db.common.progress import Cancelled, CancelToken, Step


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def users_db(path: Path, n: int = 30, journal_mode: str = "delete") -> Path:
    return make_legacy(path, users=[user(i) for i in range(1, n + 1)], journal_mode=journal_mode)


def visible(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_backup_has_final_name_manifest_and_same_rows(tmp_path: Path) -> None:
    db = make_at(tmp_path / "app_metadata.db", "002", users=[user(1), user(2, "O'Brien")])
    before = sha(db)
    info = create_backup(db, tmp_path / "bk")
    bak = Path(info.path)
    assert bak.parent == tmp_path / "bk"
    assert bak.name.startswith("app_metadata.db.") and bak.name.endswith(".002.bak")
    assert info.revision == "002"
    assert rows(bak, "SELECT id, username FROM users ORDER BY id") == \
        rows(db, "SELECT id, username FROM users ORDER BY id")
    manifest = read_manifest(bak)
    assert manifest is not None
    assert manifest["sha256"] == sha(bak) and manifest["size"] == bak.stat().st_size
    assert manifest["source"] == str(db.resolve())
    assert manifest["counts"]["users"] == 2 and manifest["counts"]["workspaces"] == 1
    assert manifest["journal_mode"] == "delete" and manifest["revision"] == "002"
    assert manifest["tool_version"] and manifest["created_at"].endswith("+00:00")
    assert verify_backup(bak).ok
    assert sha(db) == before
    # nothing else was left in the folder (no .partial, no journal)
    assert visible(tmp_path / "bk") == {bak.name, bak.name + ".json"}


def test_default_folder_is_configured_then_beside_db(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    db = users_db(tmp_path / "app_metadata.db")
    info = create_backup(db)
    assert Path(info.path).parent == tmp_path
    monkeypatch.setenv("WSADMIN_BACKUP_DIR", str(tmp_path / "conf"))
    info = create_backup(db)
    assert Path(info.path).parent == tmp_path / "conf"
    assert info.revision is None and Path(info.path).name.endswith(".legacy.bak")


def test_permissions_no_wider_than_source(tmp_path: Path) -> None:
    db = users_db(tmp_path / "app_metadata.db")
    os.chmod(db, 0o600)
    info = create_backup(db, tmp_path / "bk")
    assert stat.S_IMODE(os.stat(info.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(info.manifest_path).st_mode) == 0o600
    os.chmod(db, 0o640)
    info = create_backup(db, tmp_path / "bk")
    assert stat.S_IMODE(os.stat(info.path).st_mode) == 0o640


def test_wal_rows_still_in_wal_are_in_the_backup(tmp_path: Path) -> None:
    db = users_db(tmp_path / "app_metadata.db", 5, journal_mode="wal")
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        for i in range(100, 140):
            writer.execute("INSERT INTO users (id, username, email, password_hash, role) "
                           "VALUES (?, ?, ?, 'x', 'viewer')", (i, f"wal{i}", f"wal{i}@x.org"))
        wal = Path(str(db) + "-wal")
        assert wal.stat().st_size > 0
        # the main file alone does not hold the new rows: a `cp` would lose them
        raw = tmp_path / "cp.db"
        raw.write_bytes(db.read_bytes())
        assert rows(raw, "SELECT COUNT(*) FROM users") == [(5,)]
        info = create_backup(db, tmp_path / "bk")
    finally:
        writer.close()
    bak = Path(info.path)
    assert info.journal_mode == "wal" and info.counts["users"] == 45
    assert rows(bak, "SELECT COUNT(*) FROM users") == [(45,)]
    assert bak.read_bytes()[18:20] == b"\x01\x01"        # a self-contained rollback file
    assert not Path(str(bak) + "-wal").exists()
    assert verify_backup(bak).ok


def test_quiet_wal_database_gets_no_side_files(tmp_path: Path) -> None:
    db = users_db(tmp_path / "app_metadata.db", 5, journal_mode="wal")
    assert not Path(str(db) + "-wal").exists()
    before = sha(db)
    info = create_backup(db, tmp_path / "bk")
    assert info.counts["users"] == 5
    assert not Path(str(db) + "-wal").exists() and not Path(str(db) + "-shm").exists()
    assert sha(db) == before


def test_empty_file_backs_up_to_empty_verified_backup(tmp_path: Path) -> None:
    db = tmp_path / "app_metadata.db"
    db.touch()
    info = create_backup(db, tmp_path / "bk")
    assert Path(info.path).stat().st_size == 0
    assert verify_backup(info.path).ok


@pytest.mark.parametrize("at_step", ["backup", "verify"])
def test_cancel_leaves_no_file(tmp_path: Path, at_step: str) -> None:
    db = users_db(tmp_path / "app_metadata.db", 2000)
    token = CancelToken()
    seen: list[str] = []

    def progress(step: Step) -> None:
        # "backup": cancel mid-copy (after pages were written to the .partial file);
        # "verify": cancel once the copy is complete and being checked.
        seen.append(step.id)
        if step.id == at_step and (at_step == "verify" or step.fraction is not None):
            token.cancel()

    with pytest.raises(Cancelled):
        create_backup(db, tmp_path / "bk", progress=progress, cancel=token)
    assert at_step in seen
    assert visible(tmp_path / "bk") == set()


def test_busy_database_waits_then_says_so(tmp_path: Path) -> None:
    db = users_db(tmp_path / "app_metadata.db")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        start = time.monotonic()
        with pytest.raises(BackupBusy) as info:
            create_backup(db, tmp_path / "bk", busy_timeout=0.4)
        assert time.monotonic() - start >= 0.4
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert isinstance(info.value, DatabaseLocked) and isinstance(info.value, BackupFailed)
    assert "locked" in info.value.message and "\n" not in info.value.one_line()
    assert visible(tmp_path / "bk") == set()


def test_busy_wait_ends_when_lock_is_released(tmp_path: Path) -> None:
    db = users_db(tmp_path / "app_metadata.db")
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    timer = threading.Timer(0.3, lambda: holder.execute("ROLLBACK"))
    timer.start()
    try:
        info = create_backup(db, tmp_path / "bk", busy_timeout=10)
    finally:
        timer.join()
        holder.close()
    assert info.counts["users"] == 30


def test_busy_wait_is_cancellable(tmp_path: Path) -> None:
    db = users_db(tmp_path / "app_metadata.db")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    token = CancelToken()
    threading.Timer(0.2, token.cancel).start()
    try:
        start = time.monotonic()
        with pytest.raises(Cancelled):
            create_backup(db, tmp_path / "bk", busy_timeout=30, cancel=token)
        assert time.monotonic() - start < 5
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_bad_source_leaves_nothing(tmp_path: Path) -> None:
    text = tmp_path / "notes.db"
    text.write_text("hello")
    with pytest.raises(Exception) as info:
        create_backup(text, tmp_path / "bk")
    assert "not a SQLite database" in str(info.value)
    assert not (tmp_path / "bk").exists() or visible(tmp_path / "bk") == set()


# --- verification ---------------------------------------------------------------------------


def test_empty_valid_database_without_manifest_fails(tmp_path: Path) -> None:
    empty = make_legacy(tmp_path / "app_metadata.db.20260101T000000Z.legacy.bak")
    result = verify_backup(empty)
    assert not result.ok and "no rows" in result.problems[0]
    bare = tmp_path / "bare.bak"
    sqlite3.connect(bare).close()          # a database file with no table at all
    bare.write_bytes(bare.read_bytes())
    assert not verify_backup(bare).ok


def test_manifestless_backup_with_rows_verifies(tmp_path: Path) -> None:
    db = users_db(tmp_path / "app_metadata.db.backup", 3)
    assert verify_backup(db).ok


def _good_backup(tmp_path: Path) -> Path:
    db = users_db(tmp_path / "app_metadata.db", 50)
    return Path(create_backup(db, tmp_path / "bk").path)


def test_tampered_manifest_counts_fail(tmp_path: Path) -> None:
    bak = _good_backup(tmp_path)
    m = bak.with_name(bak.name + ".json")
    data = json.loads(m.read_text())
    data["counts"]["users"] = 49
    m.write_text(json.dumps(data))
    result = verify_backup(bak)
    assert not result.ok and any("users has 50 rows instead of 49" in p for p in result.problems)


def test_tampered_manifest_checksum_and_json_fail(tmp_path: Path) -> None:
    bak = _good_backup(tmp_path)
    m = bak.with_name(bak.name + ".json")
    data = json.loads(m.read_text())
    data["sha256"] = "0" * 64
    m.write_text(json.dumps(data))
    assert any("checksum" in p for p in verify_backup(bak).problems)
    m.write_text("{not json")
    assert not verify_backup(bak).ok
    del data["sha256"]
    m.write_text(json.dumps(data))
    assert not verify_backup(bak).ok


def test_changed_backup_bytes_fail(tmp_path: Path) -> None:
    bak = _good_backup(tmp_path)
    execute(bak, "UPDATE users SET username = 'mallory' WHERE id = 1")
    result = verify_backup(bak)
    assert not result.ok
    assert any("checksum" in p or "size" in p for p in result.problems)


def test_truncated_backup_fails(tmp_path: Path) -> None:
    bak = _good_backup(tmp_path)
    data = bak.read_bytes()
    bak.write_bytes(data[: len(data) // 2])
    assert not verify_backup(bak).ok


def test_backup_through_a_connection_holding_an_exclusive_lock(tmp_path: Path) -> None:
    db = users_db(tmp_path / "app_metadata.db", 7)
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")        # the exclusive lock stays held
        with pytest.raises(BackupBusy):
            create_backup(db, tmp_path / "bk", busy_timeout=0.2)
        info = create_backup(db, tmp_path / "bk", connection=conn)
        assert info.counts["users"] == 7 and not conn.in_transaction
        conn.execute("UPDATE users SET username = 'still mine' WHERE id = 1")  # still usable
    finally:
        conn.close()
    assert verify_backup(info.path).ok


def test_a_backup_removed_while_it_is_verified_fails_verification(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pruning by hand during a verification gives a verdict, never an exception."""
    from wsadmin.db.backup import verify as verify_mod

    db = make_at(tmp_path / "app_metadata.db", "002", users=[user(1)])
    info = create_backup(db, tmp_path / "bak")
    real = verify_mod.sha256_file

    def removed_meanwhile(path: Path, **kwargs: object) -> str:
        Path(info.path).unlink()
        return real(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(verify_mod, "sha256_file", removed_meanwhile)
    result = verify_backup(info.path)
    assert not result.ok
    assert any("cannot be read" in p for p in result.problems)
