"""A hot journal: every command refuses it in the same line; `wsadmin recover` rolls it
back."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import dump
from wsadmin.cli import main
from wsadmin.db.backup.create import create_backup
from wsadmin.db.schema.demo import build_demo

KILLED_WRITER = """
import os, signal, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size=1")  # spill pages to the file before the kill
conn.execute("BEGIN")
conn.execute("UPDATE users SET username = username || '-half'")
conn.execute("UPDATE dashboards SET name = name || '-half'")
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.fixture(scope="module")
def committed_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A head database and a verified backup of it, in a folder of their own."""
    folder = tmp_path_factory.mktemp("committed")
    db = build_demo(folder / "app_metadata.db", users=300, state="head")
    backup = create_backup(db, folder / "backups")
    return db, Path(backup.path)


@pytest.fixture
def hot_db(tmp_path: Path, committed_db: tuple[Path, Path]) -> tuple[Path, dict[str, object]]:
    db = tmp_path / "app_metadata.db"
    shutil.copyfile(committed_db[0], db)
    committed = dump(db)
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(db)], check=False)
    assert (tmp_path / "app_metadata.db-journal").stat().st_size > 0
    return db, committed


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


COMMANDS = {
    "status": [], "check": [], "upgrade": ["--yes"], "upgrade --dry-run": ["--dry-run"],
    "downgrade": ["--to", "001", "--yes"], "adopt": ["--yes"], "repair": ["--yes"],
    "init": ["--yes"], "backup": [], "rollback": ["--yes"], "restore": ["BACKUP", "--yes"],
    "fix": ["invalid_roles", "--yes"], "user list": [],
    "user edit": ["id:1", "--email", "new@example.org", "--yes"], "workspace list": [],
    "workspace edit": ["id:1", "--name", "Other", "--yes"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_refuses_a_hot_journal_with_one_sentence_and_touches_nothing(
        hot_db: tuple[Path, dict[str, object]], committed_db: tuple[Path, Path],
        command: str, capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = hot_db
    before = files(db.parent)
    words = command.removesuffix(" --dry-run").split()
    extra = [str(committed_db[1]) if a == "BACKUP" else a for a in COMMANDS[command]]
    assert main([*words, str(db), *extra]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"wsadmin: error: {db} has a hot journal: a write to it was interrupted "
                   f"and has not been rolled back yet (run `wsadmin recover {db}`: it keeps a "
                   "copy of both files, then lets SQLite put back the last committed state)\n")
    assert files(db.parent) == before       # no backup, no rollback of the journal


def test_recover_rolls_back_and_keeps_the_raw_files(hot_db: tuple[Path, dict[str, object]],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    db, committed = hot_db
    assert main(["recover", str(db)]) == 2  # no terminal, no --yes: refused
    assert (db.parent / "app_metadata.db-journal").stat().st_size > 0
    capsys.readouterr()
    assert main(["recover", str(db), "--yes"]) == 0
    assert dump(db) == committed
    kept = [p for p in db.parent.iterdir() if p.name.endswith(".pre-recovery")]
    assert len(kept) == 1
    assert sorted(p.name for p in kept[0].iterdir()) == ["app_metadata.db",
                                                          "app_metadata.db-journal"]
    assert main(["status", str(db)]) == 0
    assert main(["recover", str(db), "--yes"]) == 0
    assert "no interrupted write" in capsys.readouterr().out
