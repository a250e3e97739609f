"""The upgrade_002 benchmark stays runnable: a tiny run checks both results agree."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="needs the sqlite3 command line")
def test_bench_runs_and_results_match(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "upgrade_002.py"),
                           "--users", "1500", "--workdir", str(tmp_path / "work")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert "results equal" in done.stdout
    assert lines[-1].startswith("upgrade_002: ratio=")
    assert "project" in lines[-1] and "baseline" in lines[-1]
    assert not (tmp_path / "work").exists()
