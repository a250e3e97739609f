"""Failures inside and around backup-then-upgrade: each one leaves the database as it
was and says so (exit 1 after the backup, exit 2 when refused before any write)."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builders import die_while_writing, dump, execute, make_at, make_legacy, user
from tests.faults.test_kill import normalized
from wsadmin.cli import main
from wsadmin.db.common import audit
from wsadmin.db.migrate import model, pipeline
from wsadmin.db.schema.demo import build_demo
from wsadmin.db.schema.status import inspect

REPO = Path(__file__).resolve().parents[2]


def files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def upgrade(db: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["upgrade", str(db), "--yes", "--backup-dir", str(db.parent / "bak"), *extra])
    return code, capsys.readouterr().err


def legacy_db(tmp_path: Path, users: int = 40) -> Path:
    return build_demo(tmp_path / "app_metadata.db", users=users, state="legacy")


def test_trigger_aborting_an_update_leaves_database_unchanged(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = legacy_db(tmp_path)
    execute(db, "CREATE TRIGGER frozen BEFORE UPDATE ON users "
                "BEGIN SELECT RAISE(ABORT, 'users are frozen'); END;")
    before = dump(db)
    code, err = upgrade(db, capsys)
    assert code == 1, err
    assert "users are frozen" in err
    assert dump(db) == before
    assert inspect(db).current_revision is None


def test_failure_after_commit_restores_the_backup(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = legacy_db(tmp_path)
    before = dump(db)
    monkeypatch.setattr(pipeline, "post_commit_problems",
                        lambda conn, goal: ["injected failure after commit"])
    steps: list[tuple[str, str]] = []
    with pytest.raises(model.PipelineFailed) as info:
        pipeline.run(db, backup_dir=tmp_path / "bak",
                         progress=lambda s: steps.append((s.id, s.state.value)))
    result = info.value.result
    assert result.outcome == "failed-restored"
    assert result.backup is not None
    assert f"Your database was restored from {result.backup.path}" in info.value.message
    assert ("restore", "done") in steps
    assert dump(db) == before
    # and through the CLI: exit 1 with the same sentence
    code, err = upgrade(db, capsys)
    assert code == 1 and "Your database was restored from" in err
    assert dump(db) == before
    outcomes = [e["outcome"] for e in audit.entries(db) if e["action"] == "upgrade"]
    assert outcomes == ["started", "failed-restored"] * 2


def test_disk_full_during_upgrade(tmp_path: Path) -> None:
    db = legacy_db(tmp_path, users=3000)
    before = dump(db)
    size = db.stat().st_size
    limit = size + 8192  # the backup (same size) fits, the upgraded database does not

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-m", "wsadmin", "upgrade", str(db), "--yes",
         "--backup-dir", str(tmp_path / "bak")],
        cwd=REPO, capture_output=True, text=True, preexec_fn=limited, timeout=120,
        env={**os.environ})
    assert done.returncode == 1, done.stderr
    assert "disk is full for this process: its file size limit" in done.stderr
    assert "your database is unchanged" in done.stderr
    assert done.stderr.count("wsadmin: error:") == 1
    assert dump(db) == before
    assert not db.with_name(db.name + "-journal").exists()


@contextlib.contextmanager
def holder(db: Path, wal: bool = False) -> Iterator[subprocess.Popen[str]]:
    code = (f"import sqlite3, sys, time\nc = sqlite3.connect({str(db)!r})\n"
            + ("c.execute('PRAGMA journal_mode=WAL')\n" if wal else "")
            + "c.execute('SELECT COUNT(*) FROM users').fetchone()\n"
            "print('ready', flush=True)\nsys.stdin.readline()\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        yield proc
    finally:
        proc.kill()
        proc.wait()
        for f in (proc.stdin, proc.stdout):
            if f is not None:
                f.close()


@pytest.mark.parametrize("wal", [False, True], ids=["rollback-journal", "wal"])
def test_another_process_holding_the_database_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], wal: bool) -> None:
    db = legacy_db(tmp_path)
    with holder(db, wal) as proc:
        before = dump(db)
        code, err = upgrade(db, capsys)
        assert code == 2, err
        assert f"pid {proc.pid}" in err and "python" in err
        assert "--force" in err
        assert dump(db) == before
        assert not (tmp_path / "bak").exists()  # refused before the backup
    last = list(audit.entries(db))[-1]
    assert last["outcome"] == "refused"


def test_force_upgrades_despite_an_idle_holder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = legacy_db(tmp_path)
    with holder(db):
        code, err = upgrade(db, capsys, "--force")
    assert code == 0, err
    assert inspect(db).up_to_date


def test_stale_hot_journal_refuses_the_upgrade_until_recovered(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = legacy_db(tmp_path)
    before = dump(db)
    die_while_writing(db, "c.execute('PRAGMA cache_size=1')", "c.execute('BEGIN')",
                      "c.execute(\"UPDATE users SET username = username || '-x'\")",
                      "c.execute(\"INSERT INTO dashboards (name, layout, created_by) "
                      "SELECT 'junk' || id, '{}', id FROM users\")")
    journal = db.with_name(db.name + "-journal")
    assert journal.exists() and journal.stat().st_size > 0
    raw = db.read_bytes(), journal.read_bytes()
    for argv in (["upgrade", str(db), "--dry-run"], ["upgrade", str(db), "--yes"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"run `wsadmin recover {db}`" in err, err
        # Neither rolled back on the side nor backed up: recover keeps the raw files first.
        assert (db.read_bytes(), journal.read_bytes()) == raw
    assert not (tmp_path / "bak").exists()
    assert main(["recover", str(db), "--yes"]) == 0
    code, err = upgrade(db, capsys)
    assert code == 0, err
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT COUNT(*) FROM users WHERE username LIKE '%-x'"
                            ).fetchone()[0] == 0
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
    # the upgraded data is the old committed state, upgraded
    assert {t: len(r) for t, r in dump(db)["rows"].items() if t in before["rows"]} == {
        t: len(r) for t, r in before["rows"].items()}


def test_unknown_future_revision_is_refused_untouched(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = make_at(tmp_path / "app_metadata.db", "002", users=[user(1), user(2)])
    execute(db, "UPDATE alembic_version SET version_num = '007'")
    raw = db.read_bytes()
    listing = files(tmp_path)
    code, err = upgrade(db, capsys)
    assert code == 2
    assert "'007'" in err and err.count("\n") == 1
    assert db.read_bytes() == raw and files(tmp_path) == listing


def test_leftover_tables_are_refused_by_upgrade_then_repaired(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = make_at(tmp_path / "app_metadata.db", "001", users=[user(1)])
    execute(db, "CREATE TABLE _alembic_tmp_dashboards (id INTEGER)")
    raw = db.read_bytes()
    code, err = upgrade(db, capsys)
    assert code == 2 and "_alembic_tmp_dashboards" in err and "wsadmin repair" in err
    assert err.count("\n") == 1
    assert db.read_bytes() == raw
    code = main(["repair", str(db), "--yes", "--backup-dir", str(db.parent / "bak")])
    assert code == 0, capsys.readouterr().err
    st = inspect(db)
    assert st.up_to_date and not st.problems and not st.leftovers


def test_a_leftover_that_may_hold_the_only_copy_of_its_rows_is_not_dropped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A rebuild killed between dropping the table and renaming its copy: the copy is all
    there is."""
    db = make_at(tmp_path / "app_metadata.db", "001", users=[user(1)])
    execute(db, "CREATE TABLE _alembic_tmp_settings AS SELECT * FROM settings;"
                "INSERT INTO _alembic_tmp_settings (id, key, value) VALUES (1, 'k', '1');"
                "DROP TABLE settings")
    raw = db.read_bytes()
    code = main(["repair", str(db), "--yes", "--backup-dir", str(db.parent / "bak")])
    err = capsys.readouterr().err
    assert code == 2 and "only copy" in err and err.count("\n") == 1
    assert db.read_bytes() == raw


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """chmod for ordinary users; root ignores modes, so use the immutable attribute."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(mode & ~0o222)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("running as root and chattr +i is not available")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.mark.parametrize("which", ["file", "folder"])
def test_read_only_database_or_folder_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = make_legacy(folder / "app_metadata.db", users=[user(1)])
    raw = db.read_bytes()
    with read_only(db if which == "file" else folder):
        code = main(["upgrade", str(db), "--yes", "--backup-dir", str(tmp_path / "bak")])
        err = capsys.readouterr().err
        assert code == 2, err
        assert "read-only" in err and err.count("\n") == 1
        assert db.read_bytes() == raw


def test_dry_run_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = legacy_db(tmp_path)
    raw, listing, mtime = db.read_bytes(), files(tmp_path), db.stat().st_mtime_ns
    time.sleep(0.01)
    assert main(["upgrade", str(db), "--dry-run", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"upgrade:002"' in out and '"can_run": true' in out
    assert db.read_bytes() == raw and files(tmp_path) == listing
    assert db.stat().st_mtime_ns == mtime


def test_round_trip_rehearsal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = legacy_db(tmp_path)
    raw = db.read_bytes()
    assert main(["upgrade", str(db), "--rehearse"]) == 0
    out = capsys.readouterr().out
    assert "round trip preserved every row" in out
    assert db.read_bytes() == raw
    assert normalized(db) == normalized(db)
