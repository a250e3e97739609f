"""The backup catalog: what is listed, what is called good, and what prune may remove."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from tests.builders import make_at, make_legacy, migrate_to, user
from wsadmin.db.backup.catalog import (
    KIND_OTHER,
    KIND_RUNBOOK,
    KIND_WSADMIN,
    CatalogEntry,
    list_backups,
    plan_prune,
    prune,
    unfinished,
)
from wsadmin.db.backup.create import create_backup
from wsadmin.db.backup.folders import (
    configured_backup_dir,
    set_configured_backup_dir,
    settings_path,
)
from wsadmin.db.common import audit


def db_with_users(path: Path, n: int = 10) -> Path:
    return make_legacy(path, users=[user(i) for i in range(1, n + 1)])


def stamp(t: dt.datetime) -> str:
    return t.strftime("%Y%m%dT%H%M%SZ")


def test_settings_round_trip_keeps_other_keys(tmp_path: Path) -> None:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text(json.dumps({"recent": ["a.db"]}))
    assert configured_backup_dir() is None
    set_configured_backup_dir(tmp_path / "b")
    assert configured_backup_dir() == tmp_path / "b"
    assert json.loads(settings_path().read_text())["recent"] == ["a.db"]
    set_configured_backup_dir(None)
    assert configured_backup_dir() is None


def test_lists_every_kind_in_both_folders(tmp_path: Path) -> None:
    db = db_with_users(tmp_path / "app_metadata.db")
    set_configured_backup_dir(tmp_path / "conf")
    ours = create_backup(db)                                  # goes to the configured folder
    beside = create_backup(db, tmp_path)
    runbook = tmp_path / "app_metadata.db.backup"
    runbook.write_bytes(db.read_bytes())
    other = tmp_path / "app_metadata.db.bak"
    other.write_bytes(db.read_bytes())
    # a backup of another database with the same name, in the shared folder: not ours
    (tmp_path / "elsewhere").mkdir()
    elsewhere = db_with_users(tmp_path / "elsewhere" / "app_metadata.db", 3)
    create_backup(elsewhere, tmp_path / "conf")
    # unfinished backups and manifests are never listed
    (tmp_path / ".app_metadata.db.999999.abcd.partial").write_bytes(b"junk")
    (tmp_path / "unrelated.txt").write_text("x")

    entries = list_backups(db, verify=True)
    by_path = {e.path: e for e in entries}
    assert set(by_path) == {ours.path, beside.path, str(runbook), str(other)}
    assert by_path[str(runbook)].kind == KIND_RUNBOOK
    assert by_path[str(other)].kind == KIND_OTHER
    assert by_path[ours.path].kind == KIND_WSADMIN
    assert not by_path[str(runbook)].has_manifest and by_path[ours.path].has_manifest
    assert all(e.status == "good" for e in entries)
    assert all(e.revision is None and e.revision_label == "legacy" for e in entries)
    assert [p.name for p, _stale in unfinished(db)] == [".app_metadata.db.999999.abcd.partial"]


def test_never_calls_a_bad_backup_good(tmp_path: Path) -> None:
    db = db_with_users(tmp_path / "app_metadata.db")
    good = create_backup(db, tmp_path)
    tampered = create_backup(db, tmp_path)
    Path(tampered.path).write_bytes(Path(tampered.path).read_bytes()[:-4096])
    empty = make_legacy(tmp_path / f"app_metadata.db.{stamp(dt.datetime(2020, 1, 1))}.legacy.bak")
    garbage = tmp_path / "app_metadata.db.backup"
    garbage.write_text("not a database")

    checked = {e.path: e for e in list_backups(db, verify=True)}
    assert checked[good.path].status == "good"
    assert checked[tampered.path].status == "FAILED"
    assert checked[str(empty)].status == "FAILED"
    assert checked[str(garbage)].status == "FAILED" and not checked[str(garbage)].readable

    quick = {e.path: e for e in list_backups(db, verify=False)}
    assert quick[good.path].status == "unverified"
    assert quick[tampered.path].status == "FAILED"            # size differs from its manifest
    assert quick[str(garbage)].status == "FAILED"
    assert all(e.status != "good" for e in quick.values())


def test_newest_first_with_revisions(tmp_path: Path) -> None:
    db = db_with_users(tmp_path / "app_metadata.db")
    legacy = create_backup(db, tmp_path)
    os.utime(legacy.path, (0, 0))
    migrate_to(db, "002")
    at_002 = create_backup(db, tmp_path)
    entries = list_backups(db)
    assert [e.path for e in entries] == [at_002.path, legacy.path]
    assert {e.path: e.revision for e in entries} == {legacy.path: None, at_002.path: "002"}


# --- prune ----------------------------------------------------------------------------------


def entry(name: str, rev: str | None, day: int, kind: str = KIND_WSADMIN,
          verified: bool | None = True) -> CatalogEntry:
    return CatalogEntry(path=name, kind=kind, revision=rev, readable=True,
                        created_at=dt.datetime(2026, 1, day, tzinfo=dt.UTC).isoformat(),
                        size=1, has_manifest=True, verified=verified)


def test_plan_keeps_n_newest_and_only_backup_per_revision() -> None:
    entries = sorted([
        entry("a", "002", 9), entry("b", "002", 8), entry("c", "002", 7),
        entry("d", "001", 5), entry("e", None, 3), entry("f", None, 2),
    ], key=lambda e: e.created_at, reverse=True)
    plan = plan_prune(entries, keep=2)
    assert [e.path for e in plan.remove] == ["c", "f"]
    why = {e.path: reason for e, reason in plan.keep}
    assert "newest" in why["a"] and "only backup" in why["d"] and "only backup" in why["e"]


def test_plan_never_removes_runbook_newest_or_foreign_names() -> None:
    entries = [entry("runbook", "001", 9, KIND_RUNBOOK, verified=None),
               entry("x", "002", 8), entry("y", "002", 7), entry("z", "002", 6),
               entry("manual", "002", 5, KIND_OTHER)]
    plan = plan_prune(entries, keep=0)
    assert [e.path for e in plan.remove] == ["y", "z"]
    assert {e.path for e, _ in plan.keep} == {"runbook", "x", "manual"}


def test_plan_does_not_count_a_bad_backup_as_the_one_at_its_revision() -> None:
    entries = [entry("new", "002", 9), entry("bad", "001", 8, verified=False),
               entry("good", "001", 7)]
    plan = plan_prune(entries, keep=1)
    assert [e.path for e in plan.remove] == ["bad"]


def test_plan_rejects_negative_keep() -> None:
    with pytest.raises(Exception, match="keep"):
        plan_prune([], keep=-1)


def test_prune_removes_files_and_manifests_and_audits(tmp_path: Path) -> None:
    db = make_at(tmp_path / "app_metadata.db", "002", users=[user(1)])
    made = []
    for _ in range(4):
        info = create_backup(db, tmp_path)
        made.append(info)
    # distinct times: oldest first
    for i, info in enumerate(made):
        m = Path(info.manifest_path)
        data = json.loads(m.read_text())
        data["created_at"] = dt.datetime(2026, 1, 1 + i, tzinfo=dt.UTC).isoformat()
        m.write_text(json.dumps(data))
    runbook = tmp_path / "app_metadata.db.backup"
    runbook.write_bytes(db.read_bytes())
    os.utime(runbook, (0, 0))
    stale = tmp_path / ".app_metadata.db.999999.beef.partial"
    stale.write_bytes(b"x")

    removed = prune(db, keep=2)
    assert sorted(e.path for e in removed) == sorted([made[0].path, made[1].path])
    for info in made[:2]:
        assert not Path(info.path).exists() and not Path(info.manifest_path).exists()
    for info in made[2:]:
        assert Path(info.path).exists()
    assert runbook.exists() and not stale.exists()
    log = [e for e in audit.entries(db) if e["action"] == "prune"]
    assert len(log) == 1 and log[0]["outcome"] == "ok"
    assert sorted(log[0]["removed"]) == sorted([made[0].path, made[1].path])
    assert prune(db, keep=2) == []
