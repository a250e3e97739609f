"""`wsadmin demo`: what it says it made is what the file holds, in every state; a number of
users where the state has no users table is refused, not ignored."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from wsadmin.cli import main
from wsadmin.db.schema.demo import STATES


def users_in_file(db: Path) -> tuple[int, int] | None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'users'").fetchall():
            return None
        total, active = conn.execute("SELECT COUNT(*), SUM(is_active = 1) FROM users").fetchone()
        return total, active or 0
    finally:
        conn.close()


@pytest.mark.parametrize("state", [s for s in STATES if s != "half_initialised"])
def test_the_line_says_what_the_file_holds(tmp_path: Path, state: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "demo.db"
    assert main(["demo", str(db), "--state", state, "--users", "3"]) == 0
    out = capsys.readouterr().out
    held = re.fullmatch(rf"created {re.escape(str(db))} \((.*), state {state}\) in \S+s\n", out)
    assert held is not None, out
    total, active = users_in_file(db) or (None, None)
    assert total == 3
    assert held.group(1) == ("3 users" if active else "3 users, none active")


def test_half_initialised_has_no_users_and_says_so(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "demo.db"
    for option in (["--users", "30"], ["--bench"]):
        assert main(["demo", str(db), "--state", "half_initialised", *option]) == 2
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1
        assert err.startswith("wsadmin: error: a half_initialised database has no users "
                              "table") and f"{option[0]} cannot apply" in err
        assert not db.exists()
    assert main(["demo", str(db), "--state", "half_initialised"]) == 0
    assert "(no users table, state half_initialised)" in capsys.readouterr().out
    assert users_in_file(db) is None
