"""The upgrade_002 benchmark stays runnable: a tiny run replays 002's own statements
and finds both results equal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_bench_runs_and_results_match(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "upgrade_002.py"),
                           "--users", "2000", "--workdir", str(tmp_path / "work")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert "results equal" in done.stdout and "users=2000, dashboards=2000, charts=4000" \
        in lines[0]
    assert lines[-1].startswith("upgrade_002: ratio=")
    assert "project" in lines[-1] and "baseline" in lines[-1]
    assert not (tmp_path / "work").exists()
