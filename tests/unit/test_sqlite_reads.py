"""sqlite_engine.read_without_side_files: no -wal/-shm left behind, never a stale read."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tests.builders import make_legacy, user
from wsadmin.db.sqlite.connect import read_without_side_files
from wsadmin.db.sqlite.files import check_file


def count_users(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])


def test_header_says_wal(tmp_path: Path) -> None:
    wal = make_legacy(tmp_path / "w.db", users=[user(1)], journal_mode="wal")
    plain = make_legacy(tmp_path / "p.db", users=[user(1)])
    assert check_file(wal).wal_mode
    assert not check_file(plain).wal_mode


@pytest.mark.parametrize("mode", ["wal", "delete"])
def test_quiet_database_read_leaves_nothing(tmp_path: Path, mode: str) -> None:
    path = make_legacy(tmp_path / "db.db", users=[user(1), user(2)], journal_mode=mode)
    assert read_without_side_files(path, count_users) == 2
    assert os.listdir(tmp_path) == ["db.db"]


def test_writer_arriving_during_the_read_is_not_missed(tmp_path: Path) -> None:
    """A writer that starts while we read (immutable) makes us read again, normally."""
    path = make_legacy(tmp_path / "db.db", users=[user(1)], journal_mode="wal")
    writer = sqlite3.connect(path, isolation_level=None)
    calls: list[int] = []

    def work(conn: sqlite3.Connection) -> int:
        n = count_users(conn)
        if not calls:
            writer.execute("PRAGMA wal_autocheckpoint = 0")
            writer.execute("INSERT INTO users (id, username, email, password_hash, role) "
                           "VALUES (2, 'late', 'late@example.org', 'x', 'viewer')")
        calls.append(n)
        return n

    try:
        assert read_without_side_files(path, work) == 2
        assert calls == [1, 2]
    finally:
        writer.close()


def test_damaged_wal_database_raises_without_side_files(tmp_path: Path) -> None:
    path = make_legacy(tmp_path / "db.db", users=[user(i) for i in range(1, 400)],
                       journal_mode="wal")
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xab" * (4096 - 100)
    path.write_bytes(bytes(data))
    with pytest.raises(sqlite3.DatabaseError):
        read_without_side_files(path, count_users)
    assert os.listdir(tmp_path) == ["db.db"]
