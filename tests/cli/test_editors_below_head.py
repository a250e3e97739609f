"""`wsadmin user ...` and `wsadmin workspace ...` on databases below head, built as the field
leaves them (demo): reads work where the editors can show the database (the GUI's read-only
view, from revision 001's tables on), and every other case is one refusal line (exit 2) that
names the state and the command that brings the database to head; nothing is written."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from wsadmin.cli import main
from wsadmin.db.schema.demo import build_demo

Capture = pytest.CaptureFixture[str]

USER = "id:1"
READS = (("user", "list"), ("user", "show", USER), ("workspace", "list"),
         ("workspace", "show", "id:1"), ("workspace", "members", "id:1"))
EDITS = (("user", "add", "zed", "--email", "zed@example.org", "--password-stdin", "--yes"),
         ("user", "edit", USER, "--email", "new@example.org", "--yes"),
         ("user", "passwd", USER, "--password-stdin", "--yes"),
         ("user", "deactivate", USER, "--yes"),
         ("user", "rm", USER, "--heir", "id:2", "--yes"),
         ("workspace", "add", "Team", "--creator", USER, "--yes"),
         ("workspace", "edit", "id:1", "--name", "Other", "--yes"),
         ("workspace", "members", "id:1", "--add", "id:2", "--yes"),
         ("workspace", "rm", "id:1", "--rows-to", "id:2", "--dry-run"),
         ("workspace", "move-rows", "id:1", "id:2", "--table", "charts", "--all", "--yes"))

# state -> (the words naming it in the refusal, the command that brings it to head)
BELOW_HEAD = {"legacy": ("legacy", "upgrade"), "half_initialised": ("half initialised", "repair"),
              "mixed": ("mixed", "repair"), "stuck_at_001": ("stuck at 001", "upgrade"),
              "unversioned_head": ("unversioned head", "adopt")}
UNREADABLE = ("legacy", "half_initialised", "mixed")
"""No workspace tables or users.current_workspace_id: nothing for the editors to show."""


@pytest.fixture(scope="module")
def demos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("below-head")
    return {state: build_demo(folder / f"{state}.db", 3, state) for state in BELOW_HEAD}


def run(capsys: Capture, monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...], db: Path
        ) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pw\ns3cret-pw\n"))
    code = main([argv[0], argv[1], str(db), *argv[2:]])
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(code: int, out: str, err: str, state: str, db: Path) -> None:
    words, command = BELOW_HEAD[state]
    assert (code, out) == (2, ""), err
    assert err.startswith("wsadmin: error: ") and err.count("\n") == 1, err
    assert words in err and f"(run `wsadmin {command} {db}` first)" in err
    assert "internal error" not in err


@pytest.mark.parametrize("state", UNREADABLE)
@pytest.mark.parametrize("argv", READS + EDITS, ids=" ".join)
def test_no_command_reaches_a_database_without_workspace_tables(
        demos: dict[str, Path], capsys: Capture, monkeypatch: pytest.MonkeyPatch,
        state: str, argv: tuple[str, ...]) -> None:
    db = demos[state]
    before = db.read_bytes()
    code, out, err = run(capsys, monkeypatch, argv, db)
    assert_refused(code, out, err, state, db)
    assert db.read_bytes() == before


@pytest.mark.parametrize("state", ["stuck_at_001", "unversioned_head"])
def test_reads_show_a_readable_database_and_edits_are_refused(
        demos: dict[str, Path], capsys: Capture, monkeypatch: pytest.MonkeyPatch,
        state: str) -> None:
    db = demos[state]
    before = db.read_bytes()
    code, out, err = run(capsys, monkeypatch, ("user", "list"), db)
    assert (code, err) == (0, "") and "3 of 3 user(s)" in out
    code, out, err = run(capsys, monkeypatch, ("workspace", "list"), db)
    workspaces = 3 if state == "unversioned_head" else 0
    assert (code, err) == (0, "") and f"{workspaces} of {workspaces} workspace(s)" in out
    for argv in EDITS:
        assert_refused(*run(capsys, monkeypatch, argv, db), state, db)
    assert db.read_bytes() == before
