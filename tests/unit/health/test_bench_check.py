"""bench/check.py stays runnable: a tiny run finds exactly what it broke and prints its line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_bench_check_runs(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "check.py"), "--users", "1000",
                           "--rounds", "1", "--keep", str(tmp_path)],
                          capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"check: ratio=\d+\.\d\d \(project \d+\.\d\ds, baseline \d+\.\d\ds\)\n",
                        done.stdout)
