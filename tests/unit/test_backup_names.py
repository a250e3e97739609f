"""Backups made in the same second never share a name (issue 14, point 7).

Each backup claims its name (manifest created with O_EXCL, then a link that
fails rather than replaces), so concurrent backups of one database into one
folder all survive, each with its own manifest, and nothing that was already
there is ever replaced.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.builders import make_legacy, user
from wsadmin.db.backup import copy as backup_copy
from wsadmin.db.backup import create as backup_create
from wsadmin.db.backup.create import create_backup
from wsadmin.db.backup.manifest import BackupInfo
from wsadmin.db.backup.names import candidates, manifest_path_for
from wsadmin.db.backup.verify import verify_backup
from wsadmin.db.common.errors import DiskFull

SECOND = dt.datetime(2026, 11, 24, 10, 15, 0, tzinfo=dt.UTC)


class _Frozen(dt.datetime):
    """A clock stuck in one second: every backup of a test is made "at the same time"."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return SECOND


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen = SimpleNamespace(datetime=_Frozen, UTC=dt.UTC)
    # the copy stamps a backup's time; an empty database's is stamped where it is made
    monkeypatch.setattr(backup_copy, "dt", frozen)
    monkeypatch.setattr(backup_create, "dt", frozen)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _backups_concurrently(db: Path, dest: Path, threads: int, rounds: int
                          ) -> tuple[list[BackupInfo], list[BaseException]]:
    made: list[BackupInfo] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def work() -> None:
        for _ in range(rounds):
            try:
                start.wait(timeout=60)
                info = create_backup(db, dest)
            except BaseException as exc:  # collected and reported by the test
                with lock:
                    errors.append(exc)
                start.abort()       # the others stop waiting for this one
                return
            with lock:
                made.append(info)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
    return made, errors


@pytest.mark.usefixtures("frozen_clock")
def test_concurrent_backups_in_one_second_all_survive(tmp_path: Path) -> None:
    db = make_legacy(tmp_path / "app_metadata.db", users=[user(i) for i in range(1, 300)])
    dest = tmp_path / "bk"
    made, errors = _backups_concurrently(db, dest, threads=4, rounds=6)
    assert errors == []
    assert len(made) == 24
    paths = [Path(i.path) for i in made]
    assert len(set(paths)) == 24                                  # nobody replaced anybody
    expected = {p.name for p in list(candidates(db, None, dest.absolute(), SECOND))[:24]}
    on_disk = {p.name for p in dest.iterdir()}
    assert on_disk == expected | {manifest_path_for(Path(n)).name for n in expected}
    for info in made:
        manifest = json.loads(Path(info.manifest_path).read_text())
        assert manifest["path"] == info.path                      # each its own manifest
        assert manifest["sha256"] == sha(Path(info.path))
        assert verify_backup(info.path).ok


@pytest.mark.usefixtures("frozen_clock")
def test_a_backup_never_replaces_what_holds_its_name(tmp_path: Path) -> None:
    db = make_legacy(tmp_path / "app_metadata.db", users=[user(1)])
    dest = tmp_path / "bk"
    dest.mkdir()
    first, second, third = list(candidates(db, None, dest.absolute(), SECOND))[:3]
    first.write_bytes(b"a copy somebody made by hand\n")          # a name without manifest
    manifest_path_for(second).write_text("{}")                     # a claim whose owner died
    before = {p.name: sha(p) for p in dest.iterdir()}
    info = create_backup(db, dest)
    assert info.path == str(third)
    assert {p.name: sha(p) for p in dest.iterdir() if p.name in before} == before
    assert verify_backup(third).ok
    assert not [p for p in dest.iterdir() if p.name.endswith(".partial")]


@pytest.mark.usefixtures("frozen_clock")
def test_without_hard_links_names_are_still_claimed(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Some file systems (FAT, some network shares) refuse link(): then the manifest claim
    alone keeps the name, and an existing file is still never replaced."""
    def no_links(_src: Any, _dst: Any) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    db = make_legacy(tmp_path / "app_metadata.db", users=[user(1)])
    dest = tmp_path / "bk"
    made, errors = _backups_concurrently(db, dest, threads=3, rounds=3)
    assert errors == []
    assert len({i.path for i in made}) == 9
    assert all(verify_backup(i.path).ok for i in made)
    assert not [p for p in dest.iterdir() if p.name.endswith(".partial")]


def test_a_failed_manifest_write_leaves_no_claim(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    db = make_legacy(tmp_path / "app_metadata.db", users=[user(1)])
    dest = tmp_path / "bk"
    real_fsync = os.fsync

    def full_for_manifests(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".bak.json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_for_manifests)
    with pytest.raises(DiskFull):
        create_backup(db, dest)
    assert list(dest.iterdir()) == []       # no manifest claim, no backup, no .partial
