"""kill -9 at random moments during backup-then-upgrade, downgrade and restore.

Afterwards the database opens, passes integrity_check, and holds either the
state before the operation or the state after it (compared row by row with
tests.builders.dump), never a mix; and every finished backup file verifies.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from tests.builders import dump
from tests.faults.conftest import ForkServer, kill
from wsadmin.db.backup.create import create_backup
from wsadmin.db.backup.verify import verify_backup
from wsadmin.db.migrate import pipeline, rollback
from wsadmin.db.schema.demo import build_demo

ITERATIONS = int(os.environ.get("WSADMIN_FAULT_ITERATIONS", "30"))
LONG_ITERATIONS = 200


# Times 002 writes as "now" for the rows it creates: two runs differ only there.
NOW_COLUMNS = {"workspaces": ("updated_at",), "workspace_settings": ("updated_at",),
               "workspace_members": ("joined_at",)}


def normalized(path: Path) -> dict[str, Any]:
    """dump() without the times 002 writes as 'now'."""
    data = dump(path)
    for table, columns in NOW_COLUMNS.items():
        if table in data["rows"]:
            names = [c[0] for c in data["schema"][table]["columns"]]
            keep = [i for i, n in enumerate(names) if n not in columns]
            data["rows"][table] = sorted((tuple(r[i] for i in keep)
                                          for r in data["rows"][table]), key=repr)
    return data


def open_and_check(path: Path) -> None:
    conn = sqlite3.connect(path)  # read-write: rolls back a hot journal, as the backend would
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("kill-states")
    legacy = build_demo(base / "legacy.db", users=300, state="legacy")
    upgraded = base / "upgraded.db"
    shutil.copyfile(legacy, upgraded)
    at_001 = base / "at-001.db"            # 002 downgraded: what `rollback --downgrade` makes
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WSADMIN_HOME", str(base / "home"))
        pipeline.run(upgraded, backup_dir=base / "bak")
        shutil.copyfile(upgraded, at_001)
        rollback.downgrade_one(at_001, backup_dir=base / "bak")
    legacy_wal = base / "legacy-wal.db"
    shutil.copyfile(legacy, legacy_wal)
    conn = sqlite3.connect(legacy_wal)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    return {"legacy": legacy, "upgraded": upgraded, "old": normalized(legacy),
            "new": normalized(upgraded), "at_001": normalized(at_001), "base": base,
            "legacy_wal": legacy_wal}


# The two states each operation may leave: the one before it and the one after it.
OUTCOMES = {"upgrade": ("old", "new"), "upgrade-wal": ("old", "new"),
            "restore": ("new", "old"), "downgrade": ("new", "at_001")}


def _calibrate(server: ForkServer, **req: Any) -> float:
    t0 = time.monotonic()
    server.start(**req)
    status = server.wait()
    assert os.WEXITSTATUS(status) == 0, status
    return time.monotonic() - t0


def _run_kills(server: ForkServer, states: dict[str, Any], tmp: Path, op: str, n: int) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    home = tmp / "home"

    def prepare(i: int) -> dict[str, Any]:
        work = tmp / f"it{i}"
        work.mkdir()
        db = work / "app_metadata.db"
        req: dict[str, Any] = {"op": op, "db": db, "backups": work / "bak", "home": home}
        if op in ("upgrade", "upgrade-wal"):
            req["op"] = "upgrade"
            shutil.copyfile(states["legacy_wal" if op == "upgrade-wal" else "legacy"], db)
        else:
            shutil.copyfile(states["upgraded"], db)
            if op == "restore":
                req["backup"] = states["legacy_backup"]
        return req

    # The fastest of three runs: one slow run (cold cache, a busy machine) would
    # otherwise put every kill after the end of the operation.
    duration = min(_calibrate(server, **prepare(-1 - k)) for k in range(3))
    before, after = OUTCOMES[op]
    outcomes = {"old": 0, "new": 0}     # old: the state before the operation
    window = duration * 1.1
    i = 0
    while i < n or (n >= 30 and not (outcomes["old"] and outcomes["new"]) and i < 3 * n):
        if i >= n:
            # Timing drifted on this machine: narrow (only "new" seen) or widen the window.
            window = window * 0.5 if outcomes["new"] else window * 1.5
        req = prepare(i)
        i += 1
        pid = server.start(**req)
        time.sleep(rng.uniform(0, window))
        kill(pid)
        server.wait()
        db = req["db"]
        open_and_check(db)
        got = normalized(db)
        which = "old" if got == states[before] else "new" if got == states[after] else None
        assert which is not None, f"iteration {i} (seed {seed}): a mix of old and new state"
        outcomes[which] += 1
        bak = Path(req["backups"])
        for f in (bak.glob("*.bak") if bak.exists() else []):
            assert verify_backup(f).ok, f"iteration {i} (seed {seed}): {f} is listed but bad"
        shutil.rmtree(db.parent)
    # Both outcomes must be reachable, or the kills did not land inside the operation.
    if n >= 30:
        assert outcomes["old"] and outcomes["new"], (outcomes, seed)


@pytest.fixture(scope="module")
def legacy_backup(states: dict[str, Any]) -> Path:
    info = create_backup(states["legacy"], states["base"] / "restore-src")
    states["legacy_backup"] = info.path
    return Path(info.path)


def test_kill_during_upgrade(forkserver: ForkServer, states: dict[str, Any],
                             tmp_path: Path) -> None:
    _run_kills(forkserver, states, tmp_path, "upgrade", ITERATIONS)


def test_kill_during_restore(forkserver: ForkServer, states: dict[str, Any],
                             legacy_backup: Path, tmp_path: Path) -> None:
    _run_kills(forkserver, states, tmp_path, "restore", ITERATIONS)


def test_kill_during_upgrade_of_a_wal_database(forkserver: ForkServer, states: dict[str, Any],
                                               tmp_path: Path) -> None:
    _run_kills(forkserver, states, tmp_path, "upgrade-wal", ITERATIONS)


def test_kill_during_downgrade(forkserver: ForkServer, states: dict[str, Any],
                               tmp_path: Path) -> None:
    _run_kills(forkserver, states, tmp_path, "downgrade", ITERATIONS)


@pytest.mark.slow
def test_kill_during_downgrade_long(forkserver: ForkServer, states: dict[str, Any],
                                    tmp_path: Path) -> None:
    _run_kills(forkserver, states, tmp_path, "downgrade", LONG_ITERATIONS)


@pytest.mark.slow
def test_kill_during_upgrade_long(forkserver: ForkServer, states: dict[str, Any],
                                  tmp_path: Path) -> None:
    _run_kills(forkserver, states, tmp_path, "upgrade", LONG_ITERATIONS)


@pytest.mark.slow
def test_kill_during_restore_long(forkserver: ForkServer, states: dict[str, Any],
                                  legacy_backup: Path, tmp_path: Path) -> None:
    _run_kills(forkserver, states, tmp_path, "restore", LONG_ITERATIONS)
