"""Exit codes, audit entries and Ctrl-C tell the truth about what happened.

Exit 1: the change failed and the database is as it was; exit 4: it failed and
could not be put back (the message says what to run). The audit log holds the
intent of every change before it starts and its outcome after; a log that
cannot be written refuses the change before anything happens, and a log that
fails after the change never turns it into a failure. Ctrl-C after the commit
reports the success; Ctrl-C never prints a traceback.
"""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.builders import die_while_writing, dump
from wsadmin.cli import main
from wsadmin.db.backup import restore
from wsadmin.db.backup.create import create_backup
from wsadmin.db.backup.verify import take_snapshot
from wsadmin.db.common import audit
from wsadmin.db.common.errors import RestoreFailed
from wsadmin.db.common.progress import Step, StepState
from wsadmin.db.migrate import pipeline
from wsadmin.db.schema.demo import build_demo
from wsadmin.db.schema.status import inspect


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build_demo(tmp_path / "app_metadata.db", users=60, state="legacy")


def _upgrade(db: Path, *extra: str) -> int:
    return main(["upgrade", str(db), "--yes", "--backup-dir", str(db.parent / "bak"), *extra])


def _outcomes(db: Path, action: str) -> list[str]:
    return [e["outcome"] for e in audit.entries(db) if e["action"] == action]


def test_failed_change_whose_restore_fails_too_exits_4(
        db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "post_commit_problems",
                        lambda conn, goal: ["injected failure after commit"])

    def broken_restore(*_args: Any) -> None:
        raise RestoreFailed("injected: the disk is full")

    monkeypatch.setattr(pipeline, "restore_into", broken_restore)
    assert _upgrade(db) == 4
    err = capsys.readouterr().err
    assert err.count("wsadmin: error:") == 1 and "Traceback" not in err
    assert "restoring the backup failed too" in err and "wsadmin restore" in err
    assert _outcomes(db, "upgrade") == ["started", "failed-not-restored"]


def test_failed_change_put_back_exits_1(db: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    before = dump(db)
    monkeypatch.setattr(pipeline, "post_commit_problems",
                        lambda conn, goal: ["injected failure after commit"])
    assert _upgrade(db) == 1
    assert "Your database was restored from" in capsys.readouterr().err
    assert dump(db) == before


def _head_with_backup(db: Path) -> Path:
    older = Path(create_backup(db, db.parent / "older").path)
    pipeline.run(db, backup_dir=db.parent / "bak")
    return older


def test_restore_whose_copy_fails_says_the_database_is_as_it_was(
        db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    older = _head_with_backup(db)
    before = dump(db)

    def full(_src: sqlite3.Connection, _dst: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(restore, "copy_database", full)
    code = main(["restore", str(db), str(older), "--yes", "--safety-dir", str(db.parent / "s")])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "as it was before the restore" in err
    assert dump(db) == before
    assert _outcomes(db, "restore") == ["started", "failed-unchanged"]


def test_restore_that_went_in_wrong_exits_4(db: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    older = _head_with_backup(db)
    other = build_demo(db.parent / "other.db", users=5, state="legacy")
    real_copy = restore.copy_database

    def wrong_pages(_src: sqlite3.Connection, dst: sqlite3.Connection) -> None:
        src = sqlite3.connect(other)
        try:
            real_copy(src, dst)
        finally:
            src.close()

    monkeypatch.setattr(restore, "copy_database", wrong_pages)
    code = main(["restore", str(db), str(older), "--yes", "--safety-dir", str(db.parent / "s")])
    err = capsys.readouterr().err
    assert code == 4, err
    assert "is not as it was" in err and f"wsadmin restore {db} {older}" in err
    assert _outcomes(db, "restore") == ["started", "failed-not-restored"]


def test_a_hot_journal_left_by_a_failed_copy_is_rolled_back_before_judging(db: Path) -> None:
    conn = sqlite3.connect(db)
    expected = take_snapshot(conn)
    conn.close()
    die_while_writing(db, "c.execute('PRAGMA cache_size=1')", "c.execute('BEGIN')",
                      "c.execute('DELETE FROM users')")
    assert db.with_name(db.name + "-journal").stat().st_size > 0
    assert restore.settle_after_failed_copy(db, expected) is None
    assert not db.with_name(db.name + "-journal").exists()


def test_unwritable_audit_log_refuses_before_anything_changes(
        db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the audit folder should be")
    monkeypatch.setenv("WSADMIN_HOME", str(blocker / "home"))
    before = dump(db)
    code = _upgrade(db)
    err = capsys.readouterr().err
    assert code == 2 and err.count("wsadmin: error:") == 1, err
    assert "audit log" in err
    assert dump(db) == before
    assert not (db.parent / "bak").exists()


@pytest.mark.allow_warning_logs
def test_audit_failure_after_the_change_does_not_fail_it(
        db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    real_append = audit._append

    def outcome_fails(entry: Any) -> None:
        if entry["outcome"] != audit.STARTED:
            raise OSError(28, "No space left on device")
        real_append(entry)

    monkeypatch.setattr(audit, "_append", outcome_fails)
    assert _upgrade(db) == 0
    assert "wsadmin: error" not in capsys.readouterr().err
    # The command line's logging prints this warning on stderr.
    warnings = [r.getMessage() for r in caplog.records if r.name == "wsadmin.audit"]
    assert len(warnings) == 1 and "ended (ok)" in warnings[0]
    assert "could not be written" in warnings[0]
    assert inspect(db).up_to_date


def test_ctrl_c_after_the_commit_reports_success_and_audits_it(
        db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    real = pipeline.post_commit_problems

    def interrupted(conn: sqlite3.Connection, goal: str | None) -> list[str]:
        os.kill(os.getpid(), signal.SIGINT)       # the operator presses Ctrl-C now
        return real(conn, goal)

    monkeypatch.setattr(pipeline, "post_commit_problems", interrupted)
    assert _upgrade(db) == 0
    out, err = capsys.readouterr()
    assert "Ctrl-C came once the change was verified and committing: it is complete" in out
    assert "Traceback" not in err
    assert inspect(db).up_to_date
    assert _outcomes(db, "upgrade") == ["started", "ok"]


def test_ctrl_c_before_the_commit_rolls_back_without_a_traceback(
        db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    before = dump(db)

    def press_ctrl_c(step: Step) -> None:
        if step.id.startswith("upgrade:") and step.state is StepState.DONE:
            signal.raise_signal(signal.SIGINT)      # to this thread, now

    import wsadmin.cli.migrate as cli_migrate

    monkeypatch.setattr(cli_migrate, "print_step", press_ctrl_c)
    # Ctrl-C as a terminal's wsadmin gets it: a shell without job control starts its
    # background jobs (a CI script run with `&`) with SIGINT ignored, and Python keeps
    # that, so without this the interrupt would never come and the upgrade would finish.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code = _upgrade(db)
    finally:
        signal.signal(signal.SIGINT, previous)
    err = capsys.readouterr().err
    assert code == 130, err
    assert err.strip().splitlines() == [
        "wsadmin: interrupted: the upgrade was interrupted. It was rolled back: your "
        "database is unchanged"]
    assert dump(db) == before
    assert _outcomes(db, "upgrade") == ["started", "failed-unchanged"]


def test_ctrl_c_at_the_confirmation_prints_one_line(
        db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def ctrl_c(_prompt: str = "") -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", ctrl_c)
    code = main(["upgrade", str(db)])
    err = capsys.readouterr().err
    assert code == 130 and err.strip() == "wsadmin: interrupted"
    assert inspect(db).current_revision is None
