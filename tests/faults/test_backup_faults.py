"""Backups under faults: concurrent writers, kill -9, a full disk, a read-only folder, a
database another process holds locked.

Workers are forked from the test process (cheap, and they share its imports);
a forked child always leaves through os._exit.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.builders import make_legacy, user
from wsadmin.db.backup.catalog import list_backups
from wsadmin.db.backup.create import create_backup
from wsadmin.db.backup.partials import clean_stale_partials
from wsadmin.db.backup.verify import verify_backup
from wsadmin.db.common.errors import WsadminError
from wsadmin.db.schema.demo import build_demo


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def integrity(path: Path) -> list[tuple[object, ...]]:
    return query(path, "PRAGMA integrity_check")


def fork(fn: Callable[[], object]) -> int:
    pid = os.fork()
    if pid == 0:   # pragma: no cover - child
        code = 0
        try:
            fn()
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    return pid


def fork_reporting(fn: Callable[[], object]) -> dict[str, str]:
    """Run fn in a child; return {"ok": ...} or {"error": class name, "message": ...}."""
    r, w = os.pipe()

    def child() -> None:
        os.close(r)
        try:
            fn()
            out = {"ok": "1"}
        except WsadminError as exc:
            out = {"error": type(exc).__name__, "message": exc.one_line(),
                   "bases": ",".join(c.__name__ for c in type(exc).__mro__)}
        except BaseException as exc:
            out = {"error": type(exc).__name__, "message": str(exc), "bases": ""}
        os.write(w, json.dumps(out).encode())
        os.close(w)

    pid = fork(child)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    return dict(json.loads(data))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "app_metadata.db"
    build_demo(path, users=20_000, state="head")
    return path


# --- a writer committing during the backup --------------------------------------------------


def _writer(db: Path, start_id: int, stop: Path) -> None:  # pragma: no cover - child
    conn = sqlite3.connect(db, isolation_level=None, timeout=30)
    conn.execute("PRAGMA wal_autocheckpoint=0")
    i = start_id
    while not stop.exists():
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO users (id, username, email, password_hash, role) "
                     "VALUES (?, ?, ?, 'x', 'viewer')", (i, f"w{i}", f"w{i}@example.org"))
        conn.execute("INSERT INTO dashboards (created_by, name, layout) VALUES (?, ?, '{}')",
                     (i, f"d{i}"))
        conn.execute("COMMIT")
        i += 1
        time.sleep(0.001)   # like a busy backend: back to back, but not a spin that starves
                            # every reader of a rollback-journal database
    conn.close()


@pytest.mark.parametrize("mode", ["delete", "wal"])
def test_backup_holds_a_consistent_prefix_of_concurrent_commits(tmp_path: Path,
                                                                mode: str) -> None:
    base = 3000
    db = make_legacy(tmp_path / "app_metadata.db", users=[user(i) for i in range(1, base + 1)],
                     journal_mode=mode)
    stop = tmp_path / "stop"
    pid = fork(lambda: _writer(db, base + 1, stop))
    try:
        deadline = time.monotonic() + 20
        while query(db, "SELECT COUNT(*) FROM users")[0][0] < base + 50:
            assert time.monotonic() < deadline, "the writer did not start"
            time.sleep(0.01)
        committed_before = int(query(db, "SELECT COUNT(*) FROM users")[0][0])
        infos = [create_backup(db, tmp_path / "bk") for _ in range(3)]
    finally:
        stop.touch()
        os.waitpid(pid, 0)
    final = int(query(db, "SELECT COUNT(*) FROM users")[0][0])
    for info in infos:
        bak = Path(info.path)
        ids = [int(r[0]) for r in query(bak, "SELECT id FROM users ORDER BY id")]
        n = len(ids)
        # every commit before the backup started is in it (in WAL mode, from -wal) ...
        assert n >= committed_before
        # ... and what it holds is a prefix of the commits: no gap, no half transaction
        assert ids == list(range(1, n + 1))
        owners = [int(r[0]) for r in _owners(bak, base)]
        assert owners == list(range(base + 1, n + 1))
        assert info.counts["users"] == n and verify_backup(bak).ok
        assert integrity(bak) == [("ok",)]
    assert final > committed_before
    assert integrity(db) == [("ok",)]


def _owners(path: Path, above: int) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT created_by FROM dashboards WHERE created_by > ? "
                            "ORDER BY created_by", (above,)).fetchall()
    finally:
        conn.close()


# --- kill -9 at random moments --------------------------------------------------------------


def _kill_loop(db: Path, dest: Path, iterations: int, seed: int) -> None:
    rng = random.Random(seed)
    before = sha(db)
    counts = query(db, "SELECT COUNT(*) FROM users")[0][0], \
        query(db, "SELECT COUNT(*) FROM dashboards")[0][0]
    start = time.monotonic()
    create_backup(db, dest)                  # calibrate: how long does one take here?
    duration = time.monotonic() - start
    for entry in list_backups(db, folders=[dest]):
        Path(entry.path).unlink()
        Path(entry.path + ".json").unlink()
    outcomes = {"killed": 0, "finished": 0}
    for _ in range(iterations):
        pid = fork(lambda: create_backup(db, dest))
        time.sleep(rng.uniform(0, duration * 1.3))
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        outcomes["killed" if os.WIFSIGNALED(status) else "finished"] += 1

        assert sha(db) == before
        listed = list_backups(db, verify=True, folders=[dest])
        for entry in listed:
            assert not Path(entry.path).name.startswith(".")
            if entry.status == "good":
                # a backup called good really is the whole database
                bak = Path(entry.path)
                assert (query(bak, "SELECT COUNT(*) FROM users")[0][0],
                        query(bak, "SELECT COUNT(*) FROM dashboards")[0][0]) == counts
                assert Path(entry.path + ".json").exists()
            else:
                pytest.fail(f"a backup that fails verification has a final name: {entry}")
            Path(entry.path).unlink()
            Path(entry.path + ".json").unlink()
        clean_stale_partials(dest)
        assert not [p for p in dest.iterdir() if p.name.endswith(".partial")]
        for orphan in dest.glob("*.json"):       # killed between manifest and rename
            assert not Path(str(orphan)[: -len(".json")]).exists()
            orphan.unlink()
    assert integrity(db) == [("ok",)]
    assert outcomes["killed"] >= 1, outcomes


def test_kill_9_during_backup(demo_db: Path, tmp_path: Path) -> None:
    _kill_loop(demo_db, tmp_path / "bk", 30, seed=1)


@pytest.mark.slow
def test_kill_9_during_backup_long(demo_db: Path, tmp_path: Path) -> None:
    _kill_loop(demo_db, tmp_path / "bk", 200, seed=2)


# --- a full disk ------------------------------------------------------------------------------


def _limited_backup(db: Path, dest: Path, limit: int) -> Callable[[], object]:
    def run() -> object:   # pragma: no cover - child
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
        return create_backup(db, dest)
    return run


def test_file_size_limit_during_backup(demo_db: Path, tmp_path: Path) -> None:
    before = sha(demo_db)
    dest = tmp_path / "bk"
    dest.mkdir()
    out = fork_reporting(_limited_backup(demo_db, dest, demo_db.stat().st_size // 2))
    assert out.get("error") == "DiskFull", out
    assert "did not fit" in out["message"] and "ulimit" in out["message"]
    assert "\n" not in out["message"]
    assert list(dest.iterdir()) == []
    assert sha(demo_db) == before


@contextlib.contextmanager
def tiny_tmpfs(size: str) -> Iterator[Path]:
    mnt = Path(tempfile.mkdtemp(prefix="wsadmin-tmpfs-"))
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)],
                              capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip("cannot mount a tmpfs here (needs root)")
        try:
            yield mnt
        finally:
            subprocess.run(["umount", str(mnt)], check=False)
    finally:
        shutil.rmtree(mnt, ignore_errors=True)


@pytest.mark.skipif(shutil.which("mount") is None or os.geteuid() != 0, reason="needs root")
def test_real_disk_full_during_backup(demo_db: Path) -> None:
    before = sha(demo_db)
    with tiny_tmpfs("2m") as mnt:
        with pytest.raises(WsadminError) as info:
            create_backup(demo_db, mnt)
        assert type(info.value).__name__ == "DiskFull"
        assert "did not fit" in info.value.message
        assert list(mnt.iterdir()) == []
    assert sha(demo_db) == before


# --- a read-only destination ------------------------------------------------------------------


def test_read_only_destination_folder(tmp_path: Path) -> None:
    # root may write anywhere: then the backup runs as `nobody` in a child.
    area = Path(tempfile.mkdtemp(prefix="wsadmin-ro-"))
    try:
        os.chmod(area, 0o755)
        db = make_legacy(area / "app_metadata.db", users=[user(1), user(2)])
        os.chmod(db, 0o644)
        dest = area / "readonly"
        dest.mkdir(mode=0o555)
        os.chmod(dest, 0o555)
        before = sha(db)

        def run() -> object:   # pragma: no cover - child
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            os.environ["WSADMIN_HOME"] = str(area / "home")
            return create_backup(db, dest)

        out = fork_reporting(run)
        assert out.get("error") == "BackupFailed", out
        assert "cannot write in the backup folder" in out["message"]
        assert list(dest.iterdir()) == [] and sha(db) == before
    finally:
        shutil.rmtree(area, ignore_errors=True)


# --- another process holds the database locked ------------------------------------------------


@pytest.mark.parametrize("mode", ["delete", "wal"])
def test_locked_by_another_process(tmp_path: Path, mode: str) -> None:
    db = make_legacy(tmp_path / "app_metadata.db", users=[user(1)], journal_mode=mode)
    r, w = os.pipe()
    release = tmp_path / "release"

    def hold() -> None:   # pragma: no cover - child
        conn = sqlite3.connect(db, isolation_level=None)
        if mode == "wal":
            conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("UPDATE users SET username = 'held' WHERE id = 1")
        os.write(w, b"x")
        while not release.exists():
            time.sleep(0.02)
        conn.execute("ROLLBACK")
        conn.close()

    pid = fork(hold)
    os.close(w)
    try:
        assert os.read(r, 1) == b"x"
        start = time.monotonic()
        with pytest.raises(WsadminError) as info:
            create_backup(db, tmp_path / "bk", busy_timeout=0.5)
        assert time.monotonic() - start >= 0.5
        assert type(info.value).__name__ == "BackupBusy"
        assert "stayed locked by another program for 0.5 s" in info.value.message
        assert list((tmp_path / "bk").iterdir()) == []
    finally:
        release.touch()
        os.waitpid(pid, 0)
        os.close(r)
    info2 = create_backup(db, tmp_path / "bk")
    assert query(Path(info2.path), "SELECT username FROM users") == [("user1",)]
