"""Paths that are not database files, through the real command line (issue 14, point 5).

A FIFO, a character device, a name too long for the file system, a damaged
file under `check`, another application's database under `check`: each is
refused with one `wsadmin: error:` line and exit 2, and nothing is created
or changed. A refusal is that one line, never a `[FAILED]` step line too.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import make_at, make_legacy, user
from tests.cli.holder import held_open
from wsadmin import cli
from wsadmin.cli.common import print_step
from wsadmin.db.common.errors import BackupFailed, Refused
from wsadmin.db.common.progress import Reporter, Step, StepState

LONG = "n" * 300        # one name over the 255 bytes every common file system allows


def state_of(folder: Path) -> dict[str, str]:
    """Every entry under `folder`: sha256 of regular files, the type of anything else
    (reading a FIFO here would block the test itself)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        mode = p.lstat().st_mode
        out[str(p.relative_to(folder))] = (
            hashlib.sha256(p.read_bytes()).hexdigest() if stat.S_ISREG(mode)
            else stat.filemode(mode))
    return out


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("wsadmin: error: "), err
    assert "Traceback" not in err and "[FAILED]" not in err
    return lines[0]


def commands(path: str, folder: Path, good: Path) -> dict[str, list[str]]:
    bk = str(folder / "bk")
    return {
        "status": ["status", path],
        "status --json": ["status", path, "--json"],
        "check": ["check", path],
        "backup": ["backup", path, "--to", bk],
        "backups": ["backups", path],
        "upgrade": ["upgrade", path, "--yes", "--backup-dir", bk],
        "downgrade": ["downgrade", path, "--to", "001", "--yes", "--backup-dir", bk],
        "verify-backup": ["verify-backup", path],
        "restore into it": ["restore", path, str(good), "--yes", "--safety-dir", bk],
        "restore from it": ["restore", str(good), path, "--yes", "--safety-dir", bk],
        "rollback": ["rollback", path],
        "recover": ["recover", path, "--yes"],
    }


@pytest.fixture
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real database outside the folder under watch (a backup to restore from)."""
    return make_at(tmp_path_factory.mktemp("good") / "app_metadata.db", "002",
                   users=[user(1)])


COMMAND_NAMES = list(commands("x", Path("."), Path(".")))


@pytest.mark.parametrize("command", COMMAND_NAMES)
def test_a_fifo_is_not_a_database(tmp_path: Path, good: Path, command: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "app_metadata.db"
    os.mkfifo(fifo)
    before, good_before = state_of(tmp_path), state_of(good.parent)
    code = cli.main(commands(str(fifo), tmp_path, good)[command])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert "named pipe" in one_error_line(err)
    assert "--json" in command or out == ""
    assert state_of(tmp_path) == before      # no backup, no manifest, no partial
    assert state_of(good.parent) == good_before


@pytest.mark.parametrize("command", ["status", "check", "backup", "upgrade", "verify-backup",
                                     "restore from it", "rollback"])
def test_a_character_device_is_not_a_database(tmp_path: Path, good: Path, command: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    before, good_before = state_of(tmp_path), state_of(good.parent)
    code = cli.main(commands("/dev/zero", tmp_path, good)[command])
    _out, err = capsys.readouterr()
    assert code == 2, err
    assert "character device" in one_error_line(err)
    assert state_of(tmp_path) == before
    assert state_of(good.parent) == good_before


def test_a_fifo_never_blocks_the_real_entry_point(tmp_path: Path) -> None:
    """Nobody writes to this FIFO: opening it for reading would wait forever."""
    fifo = tmp_path / "app_metadata.db"
    os.mkfifo(fifo)
    for argv in (["status", str(fifo)], ["backup", str(fifo), "--to", str(tmp_path / "bk")]):
        done = subprocess.run([sys.executable, "-m", "wsadmin", *argv], capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=60)
        assert done.returncode == 2, done.stderr
        assert "named pipe" in one_error_line(done.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app_metadata.db"]


@pytest.mark.parametrize("command", [*COMMAND_NAMES, "demo", "fix"])
def test_a_name_too_long_is_one_line(tmp_path: Path, good: Path, command: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / LONG)
    argv = {**commands(path, tmp_path, good),
            "demo": ["demo", path, "--users", "3"],
            "fix": ["fix", path, "users_without_workspace", "--yes"]}[command]
    before = state_of(tmp_path)
    code = cli.main(argv)
    _out, err = capsys.readouterr()
    assert code == 2, err
    assert "too long" in one_error_line(err)
    assert state_of(tmp_path) == before


@pytest.mark.parametrize("argv", [
    ["backup", "{db}", "--to", "{long}"],
    ["upgrade", "{db}", "--yes", "--backup-dir", "{long}"],
    ["upgrade", "{db}", "--dry-run", "--backup-dir", "{long}/x"],
    ["fix", "{db}", "users_without_workspace", "--yes", "--backup-dir", "{long}"],
])
def test_a_backup_folder_name_too_long_is_one_line(tmp_path: Path, argv: list[str],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    db = (_at_002_with_a_user_without_workspace(tmp_path) if argv[0] == "fix"
          else make_legacy(tmp_path / "app_metadata.db", users=[user(1)]))
    before = state_of(tmp_path)
    code = cli.main([a.format(db=db, long=tmp_path / LONG) for a in argv])
    _out, err = capsys.readouterr()
    assert code == 2, err
    assert "too long" in one_error_line(err)
    assert state_of(tmp_path) == before


def _at_002_with_a_user_without_workspace(folder: Path) -> Path:
    db = make_at(folder / "app_metadata.db", "002", users=[user(1)])
    conn = sqlite3.connect(db)
    conn.execute("UPDATE users SET current_workspace_id = NULL")
    conn.commit()
    conn.close()
    return db


@pytest.mark.parametrize("command", ["backup", "upgrade"])
def test_a_database_name_too_long_for_a_backup_name(tmp_path: Path, command: str,
                                                    capsys: pytest.CaptureFixture[str]
                                                    ) -> None:
    """240 bytes is a valid file name, but not with `.<stamp>.<revision>.bak.json` added."""
    db = make_legacy(tmp_path / ("d" * 240), users=[user(1)])
    before = state_of(tmp_path)
    argv = {"backup": ["backup", str(db)], "upgrade": ["upgrade", str(db), "--yes"]}[command]
    code = cli.main(argv)
    _out, err = capsys.readouterr()
    assert code == 2, err
    line = one_error_line(err)
    assert "too long" in line and "shorter name" in line
    assert state_of(tmp_path) == before       # nothing copied, no .partial left


# --- check -------------------------------------------------------------------------


def _damage_table(db: Path, table: str) -> None:
    conn = sqlite3.connect(db)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                        (table,)).fetchone()[0]
    conn.close()
    with db.open("r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\xab" * page_size)


@pytest.mark.parametrize("as_json", [False, True])
def test_check_on_a_damaged_file_is_one_error_line(tmp_path: Path, as_json: bool,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The schema still reads, the users table does not: no check result can be trusted
    (the ones that miss the page would say "ok"), so no report, one line."""
    db = make_at(tmp_path / "app_metadata.db", "002", users=[user(i) for i in range(1, 60)])
    _damage_table(db, "users")
    before = state_of(tmp_path)
    code = cli.main(["check", str(db), *(["--json"] if as_json else [])])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert "damaged" in one_error_line(err)
    assert out == ""
    assert state_of(tmp_path) == before


@pytest.mark.parametrize("as_json", [False, True])
def test_check_refuses_another_applications_database(tmp_path: Path, as_json: bool,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    db = tmp_path / "app_metadata.db"
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE songs (id INTEGER PRIMARY KEY, title TEXT);"
                       "INSERT INTO songs (title) VALUES ('x');")
    conn.close()
    before = state_of(tmp_path)
    code = cli.main(["check", str(db), *(["--json"] if as_json else [])])
    out, err = capsys.readouterr()
    assert code == 2, err
    line = one_error_line(err)
    assert "not the backend's app_metadata.db" in line.lower() and "songs" in line
    assert out == ""
    assert state_of(tmp_path) == before


# --- a refusal is one line -----------------------------------------------------------


def test_a_refused_downgrade_prints_only_the_error_line(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    """`rollback --downgrade` goes straight into the pipeline: its preflight refuses
    (another program has the database open); no `[FAILED]` step line comes first."""
    db = make_at(tmp_path / "app_metadata.db", "002", users=[user(1)])
    with held_open(db) as holder:
        before = state_of(tmp_path)
        code = cli.main(["rollback", str(db), "--downgrade", "--yes"])
        _out, err = capsys.readouterr()
        assert code == 2, err
        assert f"pid {holder.pid}" in one_error_line(err)
        assert state_of(tmp_path) == before


def test_a_refusal_is_not_a_failed_step() -> None:
    seen: list[Step] = []
    reporter = Reporter(seen.append)
    for exc in (Refused("no"), BackupFailed("broke")):
        with pytest.raises(type(exc)), reporter.step("s", "Step"):
            raise exc
    failed = [s for s in seen if s.state is StepState.FAILED]
    assert [(s.detail, s.refused) for s in failed] == [("no", True), ("broke", False)]
    printed: list[str] = []
    for s in failed:
        buf = io.StringIO()
        with contextlib.redirect_stderr(buf):
            print_step(s)
        printed.append(buf.getvalue())
    assert printed == ["", "  [FAILED] Step: broke\n"]

