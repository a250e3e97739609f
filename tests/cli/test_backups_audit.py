"""`wsadmin backups` and the audit log (issue 14, point 7).

The backup the last upgrade was taken from is never pruned, whatever the clock
said when it was made; backups an operation wrote with `--backup-dir`
elsewhere are listed (the audit log names them) and pruned like the others,
but a file outside the backup folders is only ever removed when it is a
wsadmin backup whose manifest names this database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.builders import make_legacy, user
from wsadmin import cli
from wsadmin.db.backup.create import create_backup, manifest_path_for
from wsadmin.db.common import audit


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def backed_up(capsys: pytest.CaptureFixture[str], db: Path, *extra: str) -> Path:
    code, out, err = run(capsys, "backup", str(db), "--json", *extra)
    assert code == 0, err
    return Path(json.loads(out)["path"])


def age(backup: Path, days: float) -> None:
    """Make a backup look `days` older than now, in its manifest and its mtime."""
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    manifest = manifest_path_for(backup)
    data = json.loads(manifest.read_text())
    data["created_at"] = when.isoformat(timespec="seconds")
    manifest.write_text(json.dumps(data))
    os.utime(backup, (when.timestamp(), when.timestamp()))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    return make_legacy(tmp_path / "data" / "app_metadata.db",
                       users=[user(i) for i in range(1, 30)])


def test_prune_keeps_the_backup_of_the_last_upgrade_whatever_the_clock_said(
        db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    legacy = [backed_up(capsys, db), backed_up(capsys, db)]
    # The clock then stepped back a day, and the upgrade ran: its backup looks oldest.
    code, out, err = run(capsys, "upgrade", str(db), "--yes", "--json")
    assert code == 0, err
    before_upgrade = Path(json.loads(out)["backup"])
    age(before_upgrade, 1)
    after = [backed_up(capsys, db), backed_up(capsys, db)]

    code, out, err = run(capsys, "backups", str(db), "--prune", "--keep", "1", "--yes")
    assert code == 0, err
    assert f"keep    {before_upgrade}  (taken before the last upgrade)" in out.splitlines()
    assert before_upgrade.exists() and manifest_path_for(before_upgrade).exists()
    # The other rules still apply: the newest is kept, and the pinned backup is the one
    # kept at its revision (legacy), so the other legacy backups go.
    assert [p.exists() for p in legacy] == [False, False]
    assert [p.exists() for p in after] == [False, True]

    code, out, _ = run(capsys, "backups", str(db), "--json", "--no-verify")
    flagged = [b["path"] for b in json.loads(out)["backups"] if b["last_upgrade"]]
    assert flagged == [str(before_upgrade)]


def test_backups_lists_an_upgrade_backup_written_elsewhere(
        db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    code, out, err = run(capsys, "upgrade", str(db), "--yes", "--json",
                         "--backup-dir", str(elsewhere))
    assert code == 0, err
    taken = json.loads(out)["backup"]
    assert Path(taken).parent == elsewhere

    code, out, _ = run(capsys, "backups", str(db))
    assert code == 0
    line = next(x for x in out.splitlines() if taken in x)
    assert line.lstrip().startswith("good")
    assert "taken before the last upgrade" in line and "named by the audit log" in line

    code, out, _ = run(capsys, "backups", str(db), "--json")
    (listed,) = json.loads(out)["backups"]
    assert (listed["path"], listed["found_in"], listed["status"], listed["last_upgrade"]) == \
        (taken, "audit-log", "good", True)


def test_prune_removes_outside_files_only_when_they_are_our_backups_of_this_database(
        db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere, other = tmp_path / "elsewhere", tmp_path / "other"
    ours = backed_up(capsys, db, "--to", str(elsewhere))          # manifest: source is db
    no_manifest = elsewhere / ours.name.replace(".legacy.bak", "-7.legacy.bak")
    shutil.copyfile(ours, no_manifest)
    restored_from = tmp_path / "copy-of-app_metadata.sqlite"
    shutil.copyfile(db, restored_from)
    (other / "data").mkdir(parents=True)
    stranger_db = make_legacy(other / "data" / "app_metadata.db", users=[user(1)])
    strangers = create_backup(stranger_db, other)                 # same name, another source
    for path in (ours, no_manifest, restored_from, Path(strangers.path)):
        audit.record("fix", db, "ok", backup=str(path))
    age(ours, 2)
    os.utime(no_manifest, (0, 0))
    os.utime(restored_from, (0, 0))
    inside = [backed_up(capsys, db), backed_up(capsys, db)]

    code, out, _ = run(capsys, "backups", str(db), "--json", "--no-verify")
    listed = {b["path"]: b for b in json.loads(out)["backups"]}
    assert set(listed) == {str(p) for p in (ours, no_manifest, restored_from, *inside)}
    assert {p for p, b in listed.items() if b["found_in"] == "audit-log"} == \
        {str(ours), str(no_manifest), str(restored_from)}

    code, out, err = run(capsys, "backups", str(db), "--prune", "--keep", "1", "--yes")
    assert code == 0, err
    assert not ours.exists() and not manifest_path_for(ours).exists()
    for kept in (no_manifest, restored_from, Path(strangers.path), inside[1]):
        assert kept.exists(), kept
    assert not inside[0].exists()
    for kept in (no_manifest, restored_from):
        assert f"keep    {kept}  (outside the backup folders and not known to be a wsadmin " \
               "backup of this database)" in out.splitlines()
