"""`wsadmin backup`, `wsadmin backups` and `wsadmin verify-backup`, driven through main()."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.builders import make_at, make_legacy, user
from wsadmin.cli import main


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_at(tmp_path / "app_metadata.db", "002", users=[user(1), user(2, "Zoë")])


def test_backup_then_list_then_verify(db: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(capsys, "backup", str(db), "--to", str(tmp_path / "bk"), "--json")
    assert code == 0
    made = json.loads(out)
    assert Path(made["path"]).parent == tmp_path / "bk" and made["counts"]["users"] == 2
    monkeypatch.setenv("WSADMIN_BACKUP_DIR", str(tmp_path / "bk"))
    code, out, _ = run(capsys, "backups", str(db), "--json")
    assert code == 0
    listing = json.loads(out)
    assert [(b["path"], b["status"], b["revision"]) for b in listing["backups"]] == \
        [(made["path"], "good", "002")]
    code, out, _ = run(capsys, "verify-backup", made["path"])
    assert code == 0 and "verified (revision 002)" in out


def test_backups_text_shows_runbook_backup_and_no_manifest(db: Path,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    runbook = db.with_name(db.name + ".backup")
    runbook.write_bytes(db.read_bytes())
    code, out, _ = run(capsys, "backups", str(db))
    assert code == 0
    line = next(x for x in out.splitlines() if str(runbook) in x)
    assert "good" in line and "runbook" in line and "(no manifest)" in line and "002" in line


def test_backups_columns_are_as_wide_as_their_content(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    # A head backup (a 14-character revision) and the runbook's copy (a longer KIND).
    db = make_at(tmp_path / "app_metadata.db", users=[user(1)])
    assert run(capsys, "backup", str(db))[0] == 0
    db.with_name(db.name + ".backup").write_bytes(db.read_bytes())
    code, out, _ = run(capsys, "backups", str(db))
    assert code == 0
    header, *rows = [x for x in out.splitlines()[1:] if not x.startswith("      - ")]
    assert len(rows) == 2 and any("20251109220344" in r for r in rows)
    starts = [header.index(h) for h in ("REV", "CREATED (UTC)", "KIND", "FILE")]
    for row in rows:
        _status, rev, day, _time, size, unit, kind, path = row.split(None, 7)
        # every cell starts under its heading, two spaces at least after the one before
        assert [row.index(f" {c}", s - 1) + 1 for c, s in zip((rev, day, kind, path), starts,
                                                             strict=True)] == starts
        assert row.index(f"{size} {unit}") + len(f"{size} {unit}") == \
            header.index("SIZE") + len("SIZE")
        assert f"{rev}  {day}" in row


@pytest.mark.parametrize("bad", ["text", "png", "dir", "missing", "truncated"])
def test_bad_inputs_exit_2_one_line_untouched(tmp_path: Path, db: Path, bad: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "input.db"
    if bad == "text":
        target.write_text("hello\n")
    elif bad == "png":
        target.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 200)
    elif bad == "dir":
        target.mkdir()
    elif bad == "truncated":
        target.write_bytes(db.read_bytes()[:3000])
    before = sha(target) if target.is_file() else None
    for argv in (["backup", str(target), "--to", str(tmp_path / "bk")],
                 ["verify-backup", str(target)]):
        code, _out, err = run(capsys, *argv)
        assert code == 2, (argv, err)
        assert err.startswith("wsadmin: error: ") and len(err.strip().splitlines()) == 1
        assert "Traceback" not in err
    if before is not None:
        assert sha(target) == before
    assert not (tmp_path / "bk").exists() or list((tmp_path / "bk").iterdir()) == []


def test_backups_of_a_missing_database_still_lists(tmp_path: Path, db: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "backup", str(db))
    assert code == 0
    db.unlink()
    code, out, err = run(capsys, "backups", str(db), "--json")
    assert code == 0 and "does not exist" in err
    assert len(json.loads(out)["backups"]) == 1


def test_verify_backup_exit_1_on_failures(tmp_path: Path, db: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    empty = make_legacy(tmp_path / "empty.bak")
    code, _, err = run(capsys, "verify-backup", str(empty))
    assert code == 1 and "no rows" in err
    zero = tmp_path / "zero.bak"
    zero.touch()
    assert run(capsys, "verify-backup", str(zero))[0] == 1
    code, out, _ = run(capsys, "backup", str(db), "--json")
    made = json.loads(out)
    manifest = Path(made["manifest_path"])
    data = json.loads(manifest.read_text())
    data["counts"]["users"] = 3
    manifest.write_text(json.dumps(data))
    code, out, err = run(capsys, "verify-backup", made["path"], "--json")
    assert code == 1
    assert json.loads(out)["ok"] is False
    assert any("users has 2 rows instead of 3" in p for p in json.loads(out)["problems"])


def test_prune_needs_confirmation_then_removes(tmp_path: Path, db: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    paths = []
    for _ in range(3):
        code, out, _ = run(capsys, "backup", str(db), "--json")
        paths.append(json.loads(out)["path"])
    code, _, err = run(capsys, "backups", str(db), "--prune", "--keep", "1")
    assert code == 2 and "--yes" in err
    assert all(Path(p).exists() for p in paths)
    code, out, _ = run(capsys, "backups", str(db), "--prune", "--keep", "1", "--yes")
    assert code == 0 and "removed 2 backup(s)" in out
    assert [Path(p).exists() for p in paths] == [False, False, True]
    code, _, err = run(capsys, "backups", str(db), "--prune")
    assert code == 2 and "--keep" in err


def test_the_dry_run_names_the_folder_the_run_writes_to(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With a configured backup folder, the plan and the run name the same place."""
    folder = tmp_path / "configured"
    monkeypatch.setenv("WSADMIN_BACKUP_DIR", str(folder))
    db = make_legacy(tmp_path / "app_metadata.db", users=[user(1)])
    assert main(["upgrade", str(db), "--dry-run"]) == 0
    planned = [line.split(None, 1)[1] for line in capsys.readouterr().out.splitlines()
               if line.startswith("backup:")]
    assert len(planned) == 1 and Path(planned[0]).parent == folder
    assert main(["upgrade", str(db), "--yes", "--json"]) == 0
    made = Path(json.loads(capsys.readouterr().out)["backup"])
    assert made.parent == folder
