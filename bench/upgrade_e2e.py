"""Benchmark: end-to-end backup-then-upgrade against the bare migration.

Builds a legacy database with N users (default 1,000,000; wsadmin.db.demo),
copies it twice (the copies are identical files), then times, in the same run:

- project:  wsadmin.db.migrate.pipeline.run(copy): preflight (revision, leftovers,
            disk, open handles), verified backup, exclusive lock, 001 + 002 in
            one transaction, post-verification before commit (revision,
            quick_check, foreign_key_check against the pre-upgrade one, row
            counts), audit;
- baseline: wsadmin.db.migrate.runner.run_alembic(copy, "upgrade", "002", ["001", "002"]):
            the same revisions in one transaction, no backup, no checks.

Checks that both upgraded files hold the same rows, and prints
`upgrade_e2e: ratio=X.XX (project Ns, baseline Ms)` as its last line
(target <= 2.0).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from wsadmin.db.common.progress import Step
from wsadmin.db.migrate import pipeline
from wsadmin.db.migrate.runner import run_alembic
from wsadmin.db.schema.demo import build_demo


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--workdir", help="folder for the databases (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the built databases")
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="wsadmin-bench-e2e-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("WSADMIN_HOME", str(work / "home"))
    source = work / "legacy.db"
    try:
        if not source.exists():
            t = time.perf_counter()
            build_demo(source, users=args.users, state="legacy")
            print(f"built {source} ({source.stat().st_size / 1e6:.0f} MB) "
                  f"in {time.perf_counter() - t:.1f}s")
        project_db, baseline_db = work / "project.db", work / "baseline.db"
        shutil.copyfile(source, project_db)
        shutil.copyfile(source, baseline_db)

        # Warm-up: load Alembic and the migration scripts once, for both sides alike.
        warm = work / "warm.db"
        warm.unlink(missing_ok=True)
        build_demo(warm, users=10, state="legacy")
        run_alembic(warm, "upgrade", "002", ["001", "002"])

        t = time.perf_counter()
        run_alembic(baseline_db, "upgrade", "002", ["001", "002"])
        baseline = time.perf_counter() - t

        steps: dict[str, float] = {}
        started: dict[str, float] = {}

        def progress(step: Step) -> None:
            now = time.perf_counter()
            if step.state.value == "running" and step.id not in started:
                started[step.id] = now
            elif step.state.value == "done" and step.id in started:
                steps[step.id] = now - started[step.id]

        t = time.perf_counter()
        result = pipeline.run(project_db, backup_dir=work / "backups", progress=progress)
        project = time.perf_counter() - t
        assert result.outcome == "upgraded", result
        assert _counts(project_db) == _counts(baseline_db), "the two upgrades differ"
        print("steps: " + ", ".join(f"{k} {v:.2f}s" for k, v in steps.items()))
        print(f"upgrade_e2e: ratio={project / baseline:.2f} "
              f"(project {project:.2f}s, baseline {baseline:.2f}s)")
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
