"""Benchmark: `wsadmin check` against the same SQL run through the sqlite3 shell.

Builds a demo database at revision 002 with N users (default 1,000,000: about
780 MB, so the integrity check is PRAGMA quick_check), breaks a few rows
(users without / with a deleted workspace, a case-only duplicate slug, a
dangling membership, a row in a deleted workspace, an isolation violation),
reads it once so every run starts from a warm page cache, then times,
interleaved over --rounds rounds (median of each):

- project:  `wsadmin check DB --json` in a subprocess: Python start-up, every
            check on two read-only connections, JSON output;
- baseline: `sqlite3 -readonly DB < script`: the SQL of every check (as
            `wsadmin check` shows it, plus PRAGMA quick_check, PRAGMA
            foreign_key_check and the schema pragmas the drift check reads),
            one after the other in one process, output to /dev/null.

The last line is `check: ratio=X.XX (project Ns, baseline Ms)`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wsadmin.db.demo import build_demo
from wsadmin.db.health.checks import QUICK_CHECK_ABOVE
from wsadmin.db.health.registry import CHECKS
from wsadmin.db.sqlite.connect import connect_rw

BREAK = """
UPDATE users SET current_workspace_id = NULL WHERE id IN (11, 12, 13, 14, 15);
UPDATE users SET current_workspace_id = 4242 WHERE id IN (21, 22, 23);
INSERT INTO workspaces (id, name, slug) VALUES (7, 'Default copy', 'DEFAULT');
INSERT INTO workspaces (id, name, slug) VALUES (8, 'Team', 'team');
INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (999, 31, 'admin');
UPDATE dashboards SET workspace_id = 4343 WHERE id IN (41, 42);
UPDATE dashboards SET workspace_id = 8 WHERE id IN (51, 52, 53);
"""


def baseline_script(db: Path) -> str:
    """The statements `wsadmin check` runs, as the sqlite3 shell takes them."""
    conn = connect_rw(db)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        indexes = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")]
    finally:
        conn.close()
    parts = []
    for check in CHECKS:
        if check.id == "sqlite_integrity":   # what the project runs at this size
            big = db.stat().st_size > QUICK_CHECK_ABOVE
            parts.append("PRAGMA quick_check;" if big else "PRAGMA integrity_check;")
        elif check.id == "schema_drift":
            parts.append(check.sql + ";")
            parts += [f'PRAGMA table_info("{t}"); PRAGMA index_list("{t}");' for t in tables]
            parts += [f'PRAGMA index_info("{i}");' for i in indexes]
        else:
            parts.append(check.sql.split(";\n--")[0].rstrip(";") + ";")
    return "\n".join(parts) + "\n"


def timed(argv: list[str], stdin: Path | None = None, env: dict[str, str] | None = None
          ) -> tuple[float, int]:
    start = time.perf_counter()
    with open(stdin or os.devnull, "rb") as fin, open(os.devnull, "wb") as fout:
        rc = subprocess.run(argv, stdin=fin, stdout=fout, env=env, check=False).returncode
    return time.perf_counter() - start, rc


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="wsadmin-bench-check-") as tmp:
        folder = Path(tmp)
        db = folder / "app_metadata.db"
        t0 = time.perf_counter()
        build_demo(db, users=args.users, state="002")
        conn = connect_rw(db)
        try:
            conn.executescript(BREAK)
        finally:
            conn.close()
        print(f"built {args.users:,} users, {db.stat().st_size / 2**20:.0f} MiB in "
              f"{time.perf_counter() - t0:.1f}s", file=sys.stderr)
        script = folder / "baseline.sql"
        script.write_text(baseline_script(db), encoding="utf-8")
        env = dict(os.environ, WSADMIN_HOME=str(folder / "home"))
        wsadmin = str(Path(sys.executable).with_name("wsadmin"))
        project_cmd = [wsadmin, "check", str(db), "--json"]
        baseline_cmd = ["sqlite3", "-readonly", str(db)]

        # Warm-up (page cache, and the expected-schema cache the CLI keeps on disk),
        # and a sanity check that the project finds what was broken.
        out = subprocess.run(project_cmd, capture_output=True, env=env, check=False)
        found = {c["id"]: c["count"] for c in json.loads(out.stdout)["checks"]
                 if c["status"] == "findings"}
        print(f"findings: {found}", file=sys.stderr)
        timed(baseline_cmd, script)

        project, baseline = [], []
        for _ in range(args.rounds):
            p, rc = timed(project_cmd, env=env)
            if rc not in (0, 1):
                raise SystemExit(f"wsadmin check failed with exit code {rc}")
            project.append(p)
            b, rc = timed(baseline_cmd, script)
            if rc != 0:
                raise SystemExit(f"sqlite3 failed with exit code {rc}")
            baseline.append(b)
        p_med, b_med = statistics.median(project), statistics.median(baseline)
        print(f"project runs: {', '.join(f'{t:.2f}' for t in project)}; "
              f"baseline runs: {', '.join(f'{t:.2f}' for t in baseline)}", file=sys.stderr)
        print(f"check: ratio={p_med / b_med:.2f} (project {p_med:.2f}s, baseline {b_med:.2f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
