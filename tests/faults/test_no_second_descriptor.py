"""No command opens the database file itself while SQLite has it open in this process.

On POSIX, closing ANY descriptor of a file drops every lock the process holds
on it (SQLite's "How To Corrupt An SQLite Database File", 2.2): one `open()` of
the database for a header check while the migration connection held its lock
let a backend commit in the middle of an upgrade and lose its rows. This test
wraps the Python-level ways to open a file and fails when one of them opens
the database (or its -wal/-shm, where WAL keeps its locks) while a descriptor
of it is already open in this process, i.e. while SQLite has it open.
"""

from __future__ import annotations

import builtins
import io
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from wsadmin.cli import main
from wsadmin.db.backup.create import create_backup
from wsadmin.db.schema.demo import build_demo


def _open_here(real: str) -> bool:
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == real:
                return True
        except OSError:
            continue
    return False


@pytest.fixture
def guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], list[str]]]:
    """guard(db) starts watching db; it returns the list of violations found so far."""
    watched: set[str] = set()
    violations: list[str] = []

    def check(file: Any, how: str) -> None:
        if isinstance(file, int):
            return
        try:
            real = os.path.realpath(os.fspath(file))
        except TypeError:
            return
        if real in watched and _open_here(real):
            violations.append(f"{how}({real}) while SQLite has it open")

    real_open, real_os_open = builtins.open, os.open

    def wrapped_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        check(file, "open")
        return real_open(file, *args, **kwargs)

    def wrapped_os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        check(path, "os.open")
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", wrapped_open)
    monkeypatch.setattr(io, "open", wrapped_open)
    monkeypatch.setattr(os, "open", wrapped_os_open)

    def watch(db: Path) -> list[str]:
        base = os.path.realpath(db)
        watched.update({base, base + "-wal", base + "-shm"})
        return violations

    yield watch


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("guard") / "legacy.db", users=400, state="legacy")


def _fresh(legacy: Path, tmp: Path, journal: str) -> Path:
    import sqlite3

    db = tmp / "app_metadata.db"
    shutil.copyfile(legacy, db)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(f"PRAGMA journal_mode={journal}")
    conn.close()
    return db


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_every_command_keeps_sqlites_locks(journal: str, legacy: Path, tmp_path: Path,
                                           guard: Callable[[Path], list[str]],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    db = _fresh(legacy, tmp_path, journal)
    older = Path(create_backup(db, tmp_path / "older").path)
    violations = guard(db)
    bak = str(tmp_path / "bak")
    commands = [
        ["status", str(db)],
        ["check", str(db)],
        ["backup", str(db), "--to", bak],
        ["upgrade", str(db), "--yes", "--backup-dir", bak],
        ["fix", str(db), "users_without_workspace", "--option", "default", "--yes",
         "--backup-dir", bak],
        ["downgrade", str(db), "--to", "001", "--yes", "--backup-dir", bak],
        ["upgrade", str(db), "--yes", "--backup-dir", bak],
        ["rollback", str(db), "--downgrade", "--yes"],
        ["rollback", str(db), "--backup", str(older), "--yes"],
        ["upgrade", str(db), "--yes", "--backup-dir", bak],
        ["restore", str(db), str(older), "--yes", "--safety-dir", bak],
        ["recover", str(db), "--yes"],
    ]
    for argv in commands:
        code = main(argv)
        err = capsys.readouterr().err
        assert code in (0, 1), f"{argv[0]}: exit {code}: {err}"
        assert not violations, f"{' '.join(argv[:1])}: {violations}"


def test_the_guard_catches_a_second_descriptor(legacy: Path, tmp_path: Path,
                                               guard: Callable[[Path], list[str]]) -> None:
    """The guard itself works: opening the file beside a live connection is caught."""
    import sqlite3

    db = _fresh(legacy, tmp_path, "delete")
    violations = guard(db)
    with db.open("rb"):
        pass
    assert violations == []
    conn = sqlite3.connect(db)
    try:
        conn.execute("SELECT COUNT(*) FROM users").fetchone()
        with db.open("rb"):
            pass
    finally:
        conn.close()
    assert len(violations) == 1
