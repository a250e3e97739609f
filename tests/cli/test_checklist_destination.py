"""`wsadmin checklist --report FILE` refuses a report it could not write before any step
runs: finding out after the upgrade would lose the run's record."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.unit.health.helpers import build
from wsadmin.cli import main
from wsadmin.db.schema import chain


@pytest.mark.parametrize("where", ["missing-folder/report.md", "a-folder.md"])
def test_an_unwritable_report_is_refused_before_anything_runs(
        tmp_path: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str],
        where: str) -> None:
    db = build(tmp_path, chain.BASE)
    (tmp_path / "a-folder.md").mkdir()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    code = main(["checklist", str(db), "--report", str(tmp_path / where), "--yes",
                 "--backup-dir", str(tmp_path / "bak")])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("wsadmin: error: ") and err.count("\n") == 1
    assert "Traceback" not in err and "rehearsal" not in out + err
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not (tmp_path / "bak").exists()
