"""The command line on bad input: one clear line, exit 2, nothing created or changed.

Most cases run in-process (wsadmin.cli.main with capsys) to keep the suite
fast; a few run `python -m wsadmin` in a subprocess to check the real entry
point, the absence of a terminal, and --debug tracebacks.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.builders import HEAD, dashboard, execute, make_at, make_legacy, user
from wsadmin import cli
from wsadmin.db.schema.demo import build_demo
from wsadmin.db.schema.states import State
from wsadmin.db.schema.status import inspect

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
       b"\x00\x00\x00\x1f\x15\xc4\x89" + b"\x00" * 64)

COMMANDS = {
    "status": ["status"],
    "upgrade": ["upgrade", "--yes"],
    "downgrade": ["downgrade", "--to", "001", "--yes"],
}


def _text(folder: Path) -> Path:
    path = folder / "app_metadata.db"
    path.write_text("this is not a database\n", encoding="utf-8")
    return path


def _png(folder: Path) -> Path:
    path = folder / "app_metadata.db"
    path.write_bytes(PNG)
    return path


def _truncated(folder: Path) -> Path:
    full = build_demo(folder / "full.db", 300, "001")
    data = full.read_bytes()
    full.unlink()
    path = folder / "app_metadata.db"
    path.write_bytes(data[: len(data) // 2])
    return path


def _directory(folder: Path) -> Path:
    path = folder / "app_metadata.db"
    path.mkdir()
    return path


def _missing(folder: Path) -> Path:
    return folder / "app_metadata.db"


def _unknown_revision(folder: Path) -> Path:
    path = make_at(folder / "app_metadata.db", users=[user(1)])
    execute(path, "UPDATE alembic_version SET version_num = '999'")
    return path


def _foreign(folder: Path) -> Path:
    path = folder / "app_metadata.db"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE songs(id INTEGER PRIMARY KEY, title TEXT);"
                       "INSERT INTO songs(title) VALUES ('x');")
    conn.close()
    return path


BAD_INPUTS: dict[str, Callable[[Path], Path]] = {
    "text": _text, "png": _png, "truncated": _truncated, "directory": _directory,
    "missing": _missing, "unknown_revision": _unknown_revision, "foreign": _foreign,
}
# SQLite databases whose state `status` can name: it reports them (exit 0); every command
# that would change them refuses.
NAMEABLE = ("unknown_revision", "foreign")


def state_of(folder: Path) -> dict[str, str]:
    """Every entry under `folder` with the sha256 of each file ('dir' for folders)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        out[str(p.relative_to(folder))] = (
            "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest())
    return out


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", BAD_INPUTS)
def test_bad_input_exit_2_one_line_nothing_changed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, command: str) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = BAD_INPUTS[kind](folder)
    before = state_of(tmp_path)
    code = cli.main([*COMMANDS[command], str(path)])
    err = capsys.readouterr().err
    if command == "status" and kind in NAMEABLE:
        assert code == 0 and err == ""
        assert state_of(tmp_path) == before
        return
    assert code == 2, err
    lines = error_lines(err)
    assert len(lines) == 1, err
    assert lines[0].startswith("wsadmin: error: ")
    assert "Traceback" not in err
    assert str(path) in lines[0] or path.name in lines[0]
    assert state_of(tmp_path) == before


@pytest.mark.parametrize(("kind", "words"), [
    ("text", "text file"), ("png", "PNG"), ("truncated", "truncated"),
    ("directory", "folder"), ("missing", "does not exist"),
    ("unknown_revision", "999"), ("foreign", "not the backend's app_metadata.db"),
])
def test_error_line_says_what_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       kind: str, words: str) -> None:
    path = BAD_INPUTS[kind](tmp_path)
    assert cli.main(["upgrade", str(path), "--yes"]) == 2
    assert words in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["text", "missing", "unknown_revision"])
def test_bad_input_through_the_real_entry_point(tmp_path: Path, kind: str) -> None:
    path = BAD_INPUTS[kind](tmp_path)
    before = state_of(tmp_path)
    done = subprocess.run([sys.executable, "-m", "wsadmin", "upgrade", str(path), "--yes"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=120)
    assert done.returncode == 2
    lines = error_lines(done.stderr)
    assert len(lines) == 1 and lines[0].startswith("wsadmin: error: "), done.stderr
    assert state_of(tmp_path) == before


def test_debug_shows_a_traceback(tmp_path: Path) -> None:
    path = _png(tmp_path)
    done = subprocess.run([sys.executable, "-m", "wsadmin", "--debug", "status", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "Traceback (most recent call last)" in done.stderr
    assert "NotADatabase" in done.stderr


# --- confirmation -------------------------------------------------------------------

def test_upgrade_without_yes_and_without_a_terminal_refuses(tmp_path: Path) -> None:
    path = make_legacy(tmp_path / "app_metadata.db", users=[user(1)])
    before = state_of(tmp_path)
    done = subprocess.run([sys.executable, "-m", "wsadmin", "upgrade", str(path)],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=120)
    assert done.returncode == 2
    lines = error_lines(done.stderr)
    assert len(lines) == 1 and lines[0].startswith("wsadmin: error: ")
    assert "--yes" in lines[0]
    assert state_of(tmp_path) == before
    assert inspect(path).state is State.LEGACY


@pytest.mark.parametrize("argv", [["upgrade"], ["downgrade", "--to", "001"]])
def test_change_without_yes_refuses_in_process(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        argv: list[str]) -> None:
    path = make_at(tmp_path / "app_metadata.db", "002", users=[user(1)]) \
        if argv[0] == "downgrade" else make_legacy(tmp_path / "app_metadata.db", users=[user(1)])
    # (at 002, `downgrade --to 001` has one revision to undo)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    before = state_of(tmp_path)
    assert cli.main([*argv, str(path)]) == 2
    err = capsys.readouterr().err
    assert len(error_lines(err)) == 1 and "--yes" in err
    assert state_of(tmp_path) == before


def test_answer_no_on_a_terminal_changes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_legacy(tmp_path / "app_metadata.db", users=[user(1)])
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda _prompt: "n")
    before = state_of(tmp_path)
    assert cli.main(["upgrade", str(path)]) == 2
    assert "not confirmed" in capsys.readouterr().err
    assert state_of(tmp_path) == before


def test_upgrade_with_yes_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_legacy(tmp_path / "app_metadata.db", users=[user(1)])
    assert cli.main(["upgrade", str(path), "--yes", "--backup-dir", str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert HEAD in out
    assert inspect(path).up_to_date
    assert list((tmp_path / "b").glob("*.bak"))


# --- status ----------------------------------------------------------------------------

STATUS_KEYS = {"path", "size", "journal_mode", "state", "current_revision", "head", "pending",
               "counts", "problems", "up_to_date", "summary", "symptom", "offer"}


def test_status_json_keys_and_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    path = make_at(tmp_path / "app_metadata.db", "001", users=[user(1), user(2)],
                   dashboards=[dashboard(1, 1)])
    before = state_of(tmp_path)
    assert cli.main(["status", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= STATUS_KEYS
    assert data["state"] == "stuck_at_001" and data["offer"] == "upgrade"
    assert data["current_revision"] == "001"
    assert data["head"] == HEAD
    assert data["up_to_date"] is False
    assert [p["revision"] for p in data["pending"]][:2] == ["002", "a87f1e87be87"]
    assert {"revision", "description", "details"} <= set(data["pending"][0])
    assert data["counts"]["users"] == 2 and data["counts"]["dashboards"] == 1
    assert data["size"] == path.stat().st_size
    assert data["journal_mode"] == "delete"
    assert data["path"] == str(path)
    assert state_of(tmp_path) == before


@pytest.mark.parametrize("kind", NAMEABLE)
def test_status_reports_a_state_it_can_name_and_exits_0(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    """SCHEMA.md: `status` is a report; only a file that is not SQLite is an error."""
    path = BAD_INPUTS[kind](tmp_path)
    assert cli.main(["status", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["state"] == kind and data["offer"] == "refuse"
    assert captured.err == ""


def test_status_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_legacy(tmp_path / "app_metadata.db", users=[user(1)])
    assert cli.main(["status", str(path)]) == 0
    out = capsys.readouterr().out
    assert "state:     legacy:" in out and "to do:     wsadmin upgrade DB" in out
    assert "backend:   " in out
    assert "pending:   001" in out and f"pending:   {HEAD}" in out


# --- demo ------------------------------------------------------------------------------

@pytest.mark.parametrize(("state", "revision"), [("legacy", None), ("001", "001"),
                                                 ("head", HEAD)])
def test_demo_produces_the_state_it_says(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         state: str, revision: str | None) -> None:
    path = tmp_path / "demo.db"
    assert cli.main(["demo", str(path), "--users", "120", "--state", state]) == 0
    assert str(path) in capsys.readouterr().out
    status = inspect(path)
    assert status.state is {"legacy": State.LEGACY, "001": State.STUCK_AT_001,
                            "head": State.AT_REVISION}[state]
    assert status.current_revision == revision
    assert status.counts["users"] == 120
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT username FROM users")]
        assert any("'" in n for n in names)
        assert any(not n.isascii() for n in names)
        assert conn.execute("SELECT COUNT(*) FROM dashboards WHERE created_by NOT IN "
                            "(SELECT id FROM users)").fetchone()[0] > 0
        assert conn.execute("SELECT COUNT(*) FROM users WHERE password_hash LIKE '$2b$12$%'"
                            ).fetchone()[0] == 120
        if state == "head":
            assert conn.execute("SELECT COUNT(*) FROM users WHERE current_workspace_id IS NULL"
                                ).fetchone() == (0,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()


def test_demo_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_legacy(tmp_path / "app_metadata.db", users=[user(1, "precious")])
    before = state_of(tmp_path)
    assert cli.main(["demo", str(path), "--users", "10"]) == 2
    lines = error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and "already exists" in lines[0]
    assert state_of(tmp_path) == before


def test_demo_force_replaces(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_legacy(tmp_path / "app_metadata.db", users=[user(1, "precious")])
    assert cli.main(["demo", str(path), "--users", "10", "--state", "head", "--force"]) == 0
    capsys.readouterr()
    assert inspect(path).counts["users"] == 10
    assert inspect(path).up_to_date


def test_demo_into_a_missing_folder_is_one_line(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "no" / "such" / "demo.db"
    code = cli.main(["demo", str(path), "--users", "5"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(error_lines(err)) == 1 and err.startswith("wsadmin: error: ")
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("as_json", [False, True])
def test_status_on_a_wal_database_creates_and_changes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], as_json: bool) -> None:
    path = make_at(tmp_path / "app_metadata.db", users=[user(1)])
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode = wal").fetchone() == ("wal",)
    conn.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app_metadata.db"]
    before, mtime = state_of(tmp_path), path.stat().st_mtime_ns
    assert cli.main(["status", str(path), *(["--json"] if as_json else [])]) == 0
    out = capsys.readouterr().out
    assert "wal" in out
    assert state_of(tmp_path) == before
    assert path.stat().st_mtime_ns == mtime


def test_output_cut_short_by_a_pipe_is_not_an_error(tmp_path: Path) -> None:
    """`wsadmin status DB | head -1` must not report an internal error."""
    from wsadmin.db.schema.demo import build_demo

    db = build_demo(tmp_path / "app_metadata.db", users=10, state="legacy")
    proc = subprocess.Popen([sys.executable, "-m", "wsadmin", "status", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before wsadmin writes a byte
    with proc.stderr:
        err = proc.stderr.read()
    assert proc.wait(timeout=30) == 0
    assert err == ""
