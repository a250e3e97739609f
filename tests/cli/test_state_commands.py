"""Every state SCHEMA.md names, from the command line: `status` names it and says what
to run, that command takes it to head (shape equal to head.sql, no breaking or
degraded difference, every row kept), and the wrong command refuses, naming the
right one, without touching the file."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from wsadmin.cli import main
from wsadmin.db.schema.compare import Severity, compare
from wsadmin.db.schema.demo import build_demo
from wsadmin.db.schema.shape import HEAD, read_shape
from wsadmin.db.schema.status import inspect

# state -> the command `status` offers for it
OFFERS = {
    "legacy": "upgrade", "001": "upgrade", "stuck_at_001": "upgrade", "head": None,
    "unversioned_head": "adopt", "recorded_ahead_of_shape": "repair",
    "half_initialised": "repair", "mixed": "repair",
}
# Tables whose rows the change itself adds (the default workspace and its rows).
CREATED_BY_CHANGE = {"workspaces", "workspace_members", "workspace_settings",
                     "alembic_version"}


def rows(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


@pytest.mark.parametrize("state", list(OFFERS))
def test_status_offers_the_command_that_takes_it_to_head(
        tmp_path: Path, state: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = build_demo(tmp_path / "app_metadata.db", 30, state)
    assert main(["status", str(db), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    command = OFFERS[state]
    assert shown["offer"] == (command or "nothing")
    for wrong in {"upgrade", "adopt", "repair", "init"} - {command or "upgrade"}:
        raw = db.read_bytes()
        assert main([wrong, str(db), "--yes"]) == 2
        err = capsys.readouterr().err
        # The hint is what `status` says to do: at head, nothing.
        hint = f"(run `wsadmin {command} {db}`)" if command else "(nothing to do)"
        assert err.count("\n") == 1 and err.endswith(f" {hint}\n"), err
        assert db.read_bytes() == raw
    if command is None:
        assert shown["up_to_date"]
        return
    before = rows(db)
    assert main([command, str(db), "--yes", "--backup-dir", str(tmp_path / "bak")]) == 0, \
        capsys.readouterr().err
    after = inspect(db)
    assert after.up_to_date, after.summary
    diffs = compare(read_shape(sqlite3.connect(f"file:{db}?mode=ro", uri=True)), HEAD)
    bad = [d for d in diffs if d.severity in (Severity.BREAKING, Severity.DEGRADED)]
    if command != "adopt":      # adopt records head and touches no table
        assert bad == [], bad
    now = rows(db)
    for table, n in before.items():
        if table not in CREATED_BY_CHANGE and not table.startswith("_alembic_tmp_"):
            assert now.get(table, 0) >= n, f"{table}: {n} -> {now.get(table)}"
    assert list((tmp_path / "bak").glob("*.bak")), "a verified backup was taken first"


def test_init_creates_a_missing_file_at_head_and_never_upgrades_an_empty_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "app_metadata.db"
    assert main(["upgrade", str(missing), "--yes"]) == 2
    assert not missing.exists()
    assert main(["init", str(missing), "--yes"]) == 0, capsys.readouterr().err
    assert inspect(missing).up_to_date
    empty = tmp_path / "empty.db"
    empty.touch()
    assert main(["status", str(empty)]) == 0
    out = capsys.readouterr().out
    assert "state:     empty" in out and "wsadmin init DB" in out
    assert main(["upgrade", str(empty), "--yes"]) == 2
    assert "wsadmin init" in capsys.readouterr().err
    assert empty.stat().st_size == 0
    assert main(["init", str(empty), "--yes", "--backup-dir", str(tmp_path / "bak")]) == 0
    assert inspect(empty).up_to_date


# state -> the command and the first line of its dry run after `database:`
DRY_RUNS = {
    "legacy": ("upgrade", "upgrade:   legacy -> 20251109220344  (applies 001, 002, "),
    "stuck_at_001": ("upgrade", "upgrade:   001 -> 20251109220344  (applies 002, "),
    "unversioned_head": ("adopt", "adopt:     unversioned_head -> 20251109220344  "
                                  "(records head; changes no table)"),
    "recorded_ahead_of_shape": ("repair", "repair:    001 (its tables; 20251109220344 is "
                                          "recorded) -> 20251109220344  (records 001; then "
                                          "applies 002, "),
    "half_initialised": ("repair", "repair:    half_initialised -> 20251109220344  (drops "
                                   "workspace_members, workspace_settings, workspaces; "
                                   "records no revision; then applies 001, "),
    "mixed": ("repair", "repair:    mixed -> 20251109220344  (records no revision; then "
                        "applies 001, "),
}


@pytest.mark.parametrize("state", list(DRY_RUNS))
def test_the_plan_and_the_result_say_where_the_change_really_starts(
        tmp_path: Path, state: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = build_demo(tmp_path / "app_metadata.db", 3, state)
    command, line = DRY_RUNS[state]
    assert main([command, str(db), "--dry-run"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[1].startswith(line), shown[1]
    assert main([command, str(db), "--yes", "--backup-dir", str(tmp_path / "bak")]) == 0
    start = line.split(None, 1)[1].split(" -> ")[0]
    assert f"{db}: {start} -> 20251109220344\n" in capsys.readouterr().out


@pytest.mark.parametrize("slow", ["verification", "change"])
def test_steps_are_reported_in_the_order_the_plan_lists_them(
        tmp_path: Path, slow: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The backup is verified on the other core while adopt records head; whichever ends
    first, its outcome is reported where the change joins it: after the change's own
    steps, before the result is verified and committed, as the plan lists it."""
    from wsadmin.db.backup.create import CopiedBackup
    from wsadmin.db.migrate import prepare
    from wsadmin.db.migrate.preflight import plan

    finish, adopt = CopiedBackup.finish, prepare.adopt

    def slow_finish(self: CopiedBackup) -> object:
        if slow == "verification":
            time.sleep(0.5)
        return finish(self)

    def slow_adopt(conn: sqlite3.Connection) -> str:
        if slow == "change":
            time.sleep(0.5)
        return adopt(conn)

    monkeypatch.setattr(CopiedBackup, "finish", slow_finish)
    monkeypatch.setattr(prepare, "adopt", slow_adopt)
    db = build_demo(tmp_path / "app_metadata.db", 3, "unversioned_head")
    labels = [s.label for s in plan(db, "adopt").steps]
    assert main(["adopt", str(db), "--yes", "--backup-dir", str(tmp_path / "bak")]) == 0
    reported = [line for line in capsys.readouterr().err.splitlines()
                if line.startswith("  [ok] ")]
    assert len(reported) == len(labels)
    for line, label in zip(reported, labels, strict=True):
        assert line.startswith(f"  [ok] {label}"), (line, label)
    assert labels[-3:] == ["Record head: the schema is already the backend's",
                           "Verify the backup (alongside the change)",
                           "Verify the result before committing"]
