"""restore_backup: verified backup in, safety backup out, copied INTO the live file."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import die_while_writing, dump, make_legacy, user
from wsadmin.db.backup.create import create_backup
from wsadmin.db.backup.restore import restore_backup
from wsadmin.db.backup.verify import verify_backup
from wsadmin.db.common import audit
from wsadmin.db.common.errors import Refused


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_restore_puts_the_backup_back_after_a_safety_backup(tmp_path: Path) -> None:
    db = make_legacy(tmp_path / "app_metadata.db", users=[user(1, "ann"), user(2, "bob")])
    info = create_backup(db, tmp_path / "bak")
    wanted = dump(db)
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM users WHERE id = 1")
    conn.execute("INSERT INTO users (id, username, email, password_hash, role) "
                 "VALUES (3, 'cy', 'cy@example.org', 'x', 'viewer')")
    conn.commit()
    conn.close()
    changed = dump(db)
    inode = db.stat().st_ino
    result = restore_backup(db, info.path, safety_dir=tmp_path / "safety")
    assert dump(db) == wanted
    assert db.stat().st_ino == inode  # copied into the file, never renamed over it
    assert result.counts_before["users"] == 2 and result.counts_after["users"] == 2
    assert result.safety_backup is not None and verify_backup(result.safety_backup.path).ok
    # the safety backup holds the state that was replaced
    safety_copy = tmp_path / "safety-copy.db"
    shutil.copyfile(result.safety_backup.path, safety_copy)
    assert dump(safety_copy) == changed
    entry = list(audit.entries(db))[-1]
    assert entry["action"] == "restore" and entry["backup"] == info.path
    assert entry["safety_backup"] == result.safety_backup.path


def test_restore_over_a_stale_wal_with_committed_rows(tmp_path: Path) -> None:
    db = make_legacy(tmp_path / "app_metadata.db", users=[user(1)], journal_mode="wal")
    info = create_backup(db, tmp_path / "bak")
    wanted = dump(db)
    # A writer commits 50 rows into the -wal (no checkpoint) and is killed: the -wal
    # holds committed frames that a rename-based restore would replay over the backup.
    die_while_writing(db, "c.execute('PRAGMA wal_autocheckpoint=0')",
                      "for i in range(2, 52):\n"
                      "    c.execute('INSERT INTO users (id, username, email, password_hash, "
                      "role) VALUES (?, ?, ?, ?, ?)', (i, f'u{i}', f'u{i}@x.org', 'x', 'viewer'))")
    wal = db.with_name(db.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0
    assert rows(db, "SELECT COUNT(*) FROM users") == [(51,)]
    restore_backup(db, info.path, safety_dir=tmp_path / "safety")
    assert dump(db) == wanted
    assert rows(db, "PRAGMA journal_mode") == [("wal",)]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_a_backup_failing_verification_is_refused(tmp_path: Path) -> None:
    db = make_legacy(tmp_path / "app_metadata.db", users=[user(1)])
    info = create_backup(db, tmp_path / "bak")
    conn = sqlite3.connect(info.path)
    conn.execute("DELETE FROM users")
    conn.commit()
    conn.close()
    raw = db.read_bytes()
    with pytest.raises(Refused, match="failed verification"):
        restore_backup(db, info.path)
    assert db.read_bytes() == raw
    assert not list(audit.entries(db))


def test_restore_refuses_while_another_process_holds_the_database(tmp_path: Path) -> None:
    db = make_legacy(tmp_path / "app_metadata.db", users=[user(1)])
    info = create_backup(db, tmp_path / "bak")
    code = (f"import sqlite3, sys\nc = sqlite3.connect({str(db)!r})\n"
            "c.execute('SELECT 1 FROM users').fetchall()\nprint('ready', flush=True)\n"
            "sys.stdin.readline()\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        with pytest.raises(Refused, match=f"pid {proc.pid}"):
            restore_backup(db, info.path)
    finally:
        proc.kill()
        proc.wait()
        for f in (proc.stdin, proc.stdout):
            if f is not None:
                f.close()
