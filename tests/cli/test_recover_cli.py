"""A hot journal: read commands say so in one line; `wsadmin recover` rolls it back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import dump
from wsadmin.cli import main
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


@pytest.fixture
def hot_db(tmp_path: Path) -> tuple[Path, dict[str, object]]:
    db = build_demo(tmp_path / "app_metadata.db", users=300, state="head")
    committed = dump(db)
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(db)], check=False)
    assert (tmp_path / "app_metadata.db-journal").stat().st_size > 0
    return db, committed


def test_read_commands_name_the_hot_journal(hot_db: tuple[Path, dict[str, object]],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = hot_db
    for command in (["status", str(db)], ["check", str(db)]):
        assert main(command) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1
        assert "hot journal" in err[0] and "wsadmin recover" in err[0]


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
