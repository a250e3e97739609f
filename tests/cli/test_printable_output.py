"""Text output cannot be forged (issue 14, point 6).

ESC, CR and LF in a database path, a username, another program's command line
or a table name are escaped visibly in text output and one-line errors; JSON
output stays exact; ordinary Unicode is printed as it is.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from tests.builders import make_at, user
from tests.cli.holder import held_open
from wsadmin import cli
from wsadmin.db.common import audit
from wsadmin.db.common.errors import NotADatabase
from wsadmin.db.common.text import json_safe, printable

# Clears the screen, returns to the start of the line, and starts a line of our own.
EVIL = "\x1b[2J\r\nwsadmin: error: forged"
EVIL_SHOWN = "\\x1b[2J\\r\\nwsadmin: error: forged"


def assert_clean(text: str) -> None:
    """No character a terminal acts on, and no line that is not ours."""
    assert "\x1b" not in text and "\r" not in text
    assert not any(line.startswith("wsadmin: error: forged") for line in text.splitlines())


@pytest.mark.parametrize(("raw", "shown"), [
    ("Zoë O'Brien", "Zoë O'Brien"),
    ("日本語 ünïcødé 🙂", "日本語 ünïcødé 🙂"),
    (EVIL, EVIL_SHOWN),
    ("tab\there", "tab\\there"),
    ("nul\x00del\x7f", "nul\\x00del\\x7f"),
    ("c1 csi\x9b31m", "c1 csi\\x9b31m"),
    ("bidi \u202egnp.exe", "bidi \\u202egnp.exe"),
    ("line\u2028sep", "line\\u2028sep"),
    ("undecodable \udcff byte", "undecodable \\xff byte"),
])
def test_printable(raw: str, shown: str) -> None:
    assert printable(raw) == shown
    assert printable(shown) == shown      # what it gives needs no more escaping


def test_json_safe_is_the_same_json() -> None:
    values = [EVIL, "c1 \x9b", "bidi \u202e", "sep \u2028", "surrogate \udcff", "Zoë"]
    dumped = json_safe(json.dumps(values, ensure_ascii=False))
    assert json.loads(dumped) == values
    assert not any(ch in dumped for ch in "\x1b\r\n\x9b\u202e\u2028")
    assert "Zoë" in dumped


def test_one_line_errors_escape_what_they_embed() -> None:
    exc = NotADatabase(f"/data/{EVIL}.db is a text file")
    assert exc.one_line() == f"/data/{EVIL_SHOWN}.db is a text file ({NotADatabase.hint})"
    assert exc.message == f"/data/{EVIL}.db is a text file"     # the data itself is kept


@pytest.fixture
def evil_db(tmp_path: Path) -> Path:
    folder = tmp_path / EVIL
    folder.mkdir()
    return make_at(folder / "app_metadata.db", "002",
                   users=[user(1, "Zoë O'Brien"), user(2, f"mallory{EVIL}")])


def test_status_of_a_database_under_an_evil_path(evil_db: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["status", str(evil_db)]) == 0
    out = capsys.readouterr().out
    assert_clean(out)
    assert f"database:  {printable(evil_db)}" in out.splitlines()
    assert cli.main(["status", str(evil_db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["path"] == str(evil_db)


def test_backup_and_backups_under_an_evil_path(evil_db: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["backup", str(evil_db)]) == 0
    out, err = capsys.readouterr()
    assert_clean(out + err)
    assert cli.main(["backups", str(evil_db)]) == 0
    out, err = capsys.readouterr()
    assert_clean(out + err)
    rows = [line for line in out.splitlines() if line.startswith("  good")]
    assert len(rows) == 1 and EVIL_SHOWN in rows[0]
    assert cli.main(["backups", str(evil_db), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["database"] == str(evil_db)
    assert Path(listed["backups"][0]["path"]).parent == evil_db.parent


def test_check_sample_with_an_evil_username(evil_db: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    conn = sqlite3.connect(evil_db)
    conn.execute("UPDATE users SET current_workspace_id = NULL")
    conn.commit()
    conn.close()
    assert cli.main(["check", str(evil_db), "--only", "users_without_workspace"]) == 1
    out = capsys.readouterr().out
    assert_clean(out)
    assert "username=Zoë O'Brien" in out
    assert "username=mallory\\x1b[2J\\r\\nwsadmin: erro" in out
    assert cli.main(["check", str(evil_db), "--only", "users_without_workspace", "--json"]) == 1
    sample = json.loads(capsys.readouterr().out)["checks"][0]["sample"]
    assert {row["username"] for row in sample} == {"Zoë O'Brien", f"mallory{EVIL}"}


def test_an_error_about_an_evil_path_is_one_line(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / f"notes{EVIL}.db"
    path.write_text("not a database\n", encoding="utf-8")
    assert cli.main(["status", str(path)]) == 2
    err = capsys.readouterr().err
    assert_clean(err)
    assert err.count("\n") == 1 and err.startswith("wsadmin: error: ")
    assert f"notes{EVIL_SHOWN}.db is a text file" in err


def test_a_table_name_in_a_foreign_database_is_escaped(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    db = tmp_path / "app_metadata.db"
    conn = sqlite3.connect(db)
    conn.execute(f'CREATE TABLE "songs{EVIL}" (id INTEGER PRIMARY KEY)')
    conn.close()
    assert cli.main(["status", str(db)]) == 0       # a report: it names the state
    out, err = capsys.readouterr()
    assert_clean(out + err)
    assert f"songs{EVIL_SHOWN}" in out and err == ""
    assert cli.main(["check", str(db)]) == 2        # checks refuse another application's
    out, err = capsys.readouterr()
    assert_clean(out + err)
    assert err.count("\n") == 1 and f"songs{EVIL_SHOWN}" in err


def test_an_evil_command_line_of_a_holder_is_escaped(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    db = make_at(tmp_path / "app_metadata.db", "002", users=[user(1)])
    for argv in (["rollback", str(db), "--downgrade", "--yes"],
                 ["downgrade", str(db), "--to", "001", "--yes"]):
        with held_open(db, EVIL) as holder:
            code = cli.main(argv)
            err = capsys.readouterr().err
        assert code == 2, err
        assert_clean(err)
        assert err.count("\n") == 1 and err.startswith("wsadmin: error: ")
        assert f"pid {holder.pid} (" in err and EVIL_SHOWN in err


def test_a_file_name_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    """Linux file names are bytes: \\xff arrives as a surrogate. It is shown as `\\xff`,
    kept exact in JSON, and neither SQLite's URI nor the audit log chokes on it."""
    db = Path(os.fsdecode(bytes(tmp_path) + b"/app\xff.db"))
    make_at(db, "001", users=[user(1)])
    assert cli.main(["status", str(db)]) == 0
    assert f"database:  {tmp_path}/app\\xff.db" in capsys.readouterr().out.splitlines()
    assert cli.main(["status", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["path"] == str(db)
    code = cli.main(["upgrade", str(db), "--yes", "--backup-dir", str(tmp_path / "bk")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "\\xff" in out and "\udcff" not in out
    assert [(e["database"], e["outcome"]) for e in audit.entries(db)] == [
        (str(db.resolve()), "started"), (str(db.resolve()), "ok")]
    assert cli.main(["backups", str(db), "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)["backups"]
    assert listed["last_upgrade"] is True and listed["status"] == "good"


def test_the_dry_run_plan_under_an_evil_path_has_only_our_lines(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each value is escaped on its own: a newline inside a path cannot start a line."""
    folder = tmp_path / EVIL
    folder.mkdir()
    db = make_at(folder / "app_metadata.db", "001", users=[user(1)])
    assert cli.main(["upgrade", str(db), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert_clean(out)
    assert EVIL_SHOWN in out
    keys = [line.split(":", 1)[0] for line in out.splitlines() if not line.startswith("  ")]
    assert keys == ["database", "upgrade", "rows", "backup", "free disk", "steps",
                    "would run"]
