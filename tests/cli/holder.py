"""Another program holding a database open, for the tests that must see it named.

Run as `python -m tests.cli.holder [DECORATION] DB`: it opens DB, reads it (so
the file is open), prints `ready`, and waits for its stdin to close. The
decoration only shows in its command line, early enough that wsadmin's cut
of long command lines keeps it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def held_open(db: Path, *decoration: str) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.cli.holder", *decoration, str(db)],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        yield proc
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


def _hold(db: str) -> None:  # pragma: no cover - runs in the child
    conn = sqlite3.connect(db)
    conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchall()
    print("ready", flush=True)
    sys.stdin.read()
    conn.close()


if __name__ == "__main__":  # pragma: no cover - runs in the child
    _hold(sys.argv[-1])
