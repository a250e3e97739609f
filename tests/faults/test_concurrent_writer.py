"""Every command that changes a database, run while a backend-like writer commits.

The writer (tests.faults.writer) opens a connection per request and commits
every few milliseconds; the /proc scan of the preflight cannot see it between
requests, so the commands run with --force, as if it had been missed. Whatever
the command does, every commit the writer was told is durable must be in the
database afterwards (for a restore: in the database or in the safety backup
the restore took first), the file must pass integrity_check, and it must be in
the state before or after the command. The writer must not be able to commit
between the backup and the change: it waits for the lock, or gives up
unacknowledged.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from wsadmin.cli import main
from wsadmin.db.backup.create import create_backup
from wsadmin.db.migrate import pipeline
from wsadmin.db.schema.chain import HEAD_REVISION as HEAD
from wsadmin.db.schema.demo import build_demo

REPO = Path(__file__).resolve().parents[2]
TRIALS = int(os.environ.get("WSADMIN_WRITER_TRIALS", "2"))
LONG_TRIALS = 50
USERS = 3000
LONG_USERS = 20000


@dataclass
class Prepared:
    db: Path
    revision_before: str | None
    backup: Path | None = None


def _revision(db: Path) -> str | None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if "alembic_version" not in tables:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return None if row is None else str(row[0])
    finally:
        conn.close()


def _usernames(db: Path) -> set[str]:
    conn = sqlite3.connect(db)      # read-write: rolls back a hot journal as a backend would
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return {str(r[0]) for r in conn.execute("SELECT username FROM users")}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, int], Path]:
    """A legacy or an upgraded demo of a given size, each built once per module."""
    base = tmp_path_factory.mktemp("writer-bases")
    built: dict[tuple[str, int], Path] = {}

    def get(start: str, users: int) -> Path:
        if (start, users) not in built:
            legacy = build_demo(base / f"legacy-{users}.db", users=users, state="legacy")
            at_head = base / f"head-{users}.db"
            shutil.copyfile(legacy, at_head)
            with pytest.MonkeyPatch.context() as env:
                env.setenv("WSADMIN_HOME", str(base / "home"))
                pipeline.run(at_head, backup_dir=base / "bak")
            built[("legacy", users)], built[("head", users)] = legacy, at_head
        return built[(start, users)]

    return get


def _copy(src: Path, dst: Path, journal: str) -> Path:
    shutil.copyfile(src, dst)
    conn = sqlite3.connect(dst, isolation_level=None)
    try:
        conn.execute(f"PRAGMA journal_mode={journal}")
    finally:
        conn.close()
    return dst


class Writer:
    def __init__(self, db: Path, folder: Path) -> None:
        self.acks, self.stop = folder / "acks.txt", folder / "stop"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.writer", str(db), str(self.acks),
             str(self.stop), "0.01"], cwd=REPO)

    def acknowledged(self) -> list[str]:
        try:
            return self.acks.read_text(encoding="utf-8").split()
        except FileNotFoundError:
            return []

    def wait_for(self, n: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged()) < n:
            assert self.proc.poll() is None, "the writer died"
            assert time.monotonic() < deadline, "the writer never committed"
            time.sleep(0.01)

    def finish(self) -> list[str]:
        self.stop.touch()
        self.proc.wait(timeout=30)
        return self.acknowledged()


Command = Callable[[Prepared, Path], list[str]]


def _upgrade(p: Prepared, tmp: Path) -> list[str]:
    return ["upgrade", str(p.db), "--yes", "--force", "--backup-dir", str(tmp / "bak")]


def _downgrade(p: Prepared, tmp: Path) -> list[str]:
    return ["downgrade", str(p.db), "--to", "e73bf9fb92f4", "--yes", "--force",
            "--backup-dir", str(tmp / "bak")]


def _rollback_downgrade(p: Prepared, tmp: Path) -> list[str]:
    return ["rollback", str(p.db), "--downgrade", "--yes", "--force"]


def _rollback_backup(p: Prepared, tmp: Path) -> list[str]:
    assert p.backup is not None
    return ["rollback", str(p.db), "--backup", str(p.backup), "--yes", "--force", "--json"]


def _restore(p: Prepared, tmp: Path) -> list[str]:
    assert p.backup is not None
    return ["restore", str(p.db), str(p.backup), "--yes", "--force", "--json",
            "--safety-dir", str(tmp / "bak")]


def _fix(p: Prepared, tmp: Path) -> list[str]:
    return ["fix", str(p.db), "users_without_workspace", "--option", "default", "--yes",
            "--backup-dir", str(tmp / "bak")]


COMMANDS: dict[str, tuple[str, Command]] = {
    "upgrade": ("legacy", _upgrade),
    "downgrade": ("head", _downgrade),
    "rollback --downgrade": ("head", _rollback_downgrade),
    "rollback --backup": ("head", _rollback_backup),
    "restore": ("head", _restore),
    "fix": ("head", _fix),
}


def _prepare(bases: Callable[[str, int], Path], start: str, users: int, tmp: Path,
             journal: str) -> Prepared:
    db = _copy(bases(start, users), tmp / "app_metadata.db", journal)
    prepared = Prepared(db, _revision(db))
    if start == "head":
        # A backup to restore: the database as it was, before the writer's rows.
        prepared.backup = Path(create_backup(db, tmp / "older").path)
    return prepared


def _trial(name: str, journal: str, bases: Callable[[str, int], Path], users: int, tmp: Path,
           capsys: pytest.CaptureFixture[str]) -> None:
    tmp.mkdir()
    start, command = COMMANDS[name]
    prepared = _prepare(bases, start, users, tmp, journal)
    writer = Writer(prepared.db, tmp)
    try:
        writer.wait_for(3)
        code = main(command(prepared, tmp))
        time.sleep(0.05)          # a few commits after the command, too
    finally:
        acked = writer.finish()
    out, err = capsys.readouterr()
    # The writer waits for the lock (or gives up unacknowledged): the command itself
    # must go through. A fix exits 1 when its check still finds something afterwards,
    # which the writer's new users without a workspace make likely.
    assert code == 0 or (name == "fix" and code == 1 and "done:" in out), \
        f"{name} ({journal}) exit {code}: {err}"
    present = _usernames(prepared.db)
    if name in ("restore", "rollback --backup") and code == 0:
        safety = json.loads(out)["safety_backup"]
        present |= _usernames(Path(safety))
    lost = [a for a in acked if a not in present]
    assert not lost, f"{name} ({journal}): {len(lost)} of {len(acked)} acknowledged " \
                     f"commits lost, e.g. {lost[:3]}; exit {code}: {err}"
    assert _revision(prepared.db) in (prepared.revision_before, _expected_after(name, prepared))
    shutil.rmtree(tmp)      # 50 trials of a 20,000-user database and its backups add up


def _expected_after(name: str, prepared: Prepared) -> str | None:
    if name == "upgrade":
        return HEAD
    if name in ("downgrade", "rollback --downgrade"):
        return "e73bf9fb92f4"
    if name in ("restore", "rollback --backup"):
        assert prepared.backup is not None
        return _revision(prepared.backup)
    return prepared.revision_before


@pytest.mark.parametrize("journal", ["delete", "wal"])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_acknowledged_commit_is_lost(name: str, journal: str, bases: Callable[[str, int], Path],
                                        tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    for i in range(TRIALS):
        _trial(name, journal, bases, USERS, tmp_path / f"t{i}", capsys)


@pytest.mark.slow
@pytest.mark.parametrize("journal", ["delete", "wal"])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_acknowledged_commit_is_lost_long(name: str, journal: str,
                                             bases: Callable[[str, int], Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(LONG_TRIALS):
        _trial(name, journal, bases, LONG_USERS, tmp_path / f"t{i}", capsys)
