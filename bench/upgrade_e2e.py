"""Benchmark: `wsadmin upgrade --yes` legacy -> head, against the verified manual path.

Builds the issue's bench database in the legacy state with the demo's BENCH preset
(1,000,000 users, 1,000,000 dashboards, 2,000,000 charts and as many
dashboard_charts, 100,000 connections, 200,000 csv_data, 3,000,000 logs;
`--users N` scales every count), then times on fresh copies:

- project:  `python -m wsadmin upgrade DB --yes --backup-dir DIR`, the real command
            line end to end: preflight, the write lock, a verified backup
            (quick_check, counts, checksum), all six revisions in one transaction,
            post-verification before COMMIT (revision, schema, quick_check,
            foreign_key_check, row counts), audit;
- baseline: what an operator would type into the `sqlite3` shell to do the same
            verified steps, one after the other: `.backup` to a file, `PRAGMA
            quick_check` and a `COUNT(*)` per table on the backup, the upgrade's own
            SQL (recorded with SQLite's trace callback while the revisions run on a
            scratch copy) in one BEGIN ... COMMIT with foreign keys off, then
            `PRAGMA foreign_key_check` and `PRAGMA quick_check`.

Checks that both upgraded files hold the same row counts and prints
`upgrade_e2e: ratio=X.XX (project Ns, baseline Ms)` as its last line
(target <= 1.3). `--repeat N` runs both N times, alternating, keeping each best.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import fields
from pathlib import Path

from wsadmin.db.migrate.runner import run_alembic
from wsadmin.db.schema import chain
from wsadmin.db.schema.demo import BENCH, Sizes, build_demo
from wsadmin.db.sqlite.connect import connect_rw, prepare_for_migration

_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def sizes_for(users: int) -> Sizes:
    scale = users / BENCH.users
    return Sizes(**{f.name: max(1, round(getattr(BENCH, f.name) * scale))
                    for f in fields(Sizes)})


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


def upgrade_sql(source: Path, scratch: Path) -> list[str]:
    """The statements the six revisions run, recorded on a scratch copy."""
    shutil.copyfile(source, scratch)
    statements: list[str] = []
    conn = connect_rw(scratch)
    try:
        prepare_for_migration(conn)
        conn.set_trace_callback(statements.append)
        run_alembic(scratch, "upgrade", chain.HEAD_REVISION, list(chain.REVISION_IDS),
                    connection=conn)
        conn.set_trace_callback(None)
    finally:
        conn.close()
    scratch.unlink()
    return [s for s in statements if not s.lstrip().upper().startswith(_CONTROL)]


def run_project(db: Path, backups: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "wsadmin", "upgrade", str(db), "--yes",
                           "--backup-dir", str(backups)], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"wsadmin upgrade failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def _sqlite3(db: Path, script: str) -> str:
    done = subprocess.run(["sqlite3", "-bail", str(db)], input=script, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"sqlite3 failed on {db}: {done.stderr}")
    return done.stdout


def run_baseline(db: Path, backup: Path, statements: list[str], tables: list[str]) -> float:
    start = time.perf_counter()
    _sqlite3(db, f".backup '{backup}'\n")
    checked = _sqlite3(backup, "PRAGMA quick_check;\n" + "".join(
        f'SELECT COUNT(*) FROM "{t}";\n' for t in tables))
    if not checked.startswith("ok"):
        raise SystemExit(f"the baseline's backup failed quick_check: {checked[:200]}")
    script = ["PRAGMA foreign_keys=OFF;", "PRAGMA legacy_alter_table=ON;", "BEGIN;"]
    script += [s.rstrip().rstrip(";") + ";" for s in statements]
    script += ["COMMIT;", "PRAGMA foreign_key_check;", "PRAGMA quick_check;"]
    out = _sqlite3(db, "\n".join(script) + "\n")
    elapsed = time.perf_counter() - start
    if not out.rstrip().endswith("ok"):
        raise SystemExit(f"the baseline's result failed quick_check: {out[-200:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=BENCH.users)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workdir", help="folder for the databases (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the built databases")
    args = parser.parse_args()
    if shutil.which("sqlite3") is None:
        raise SystemExit("the baseline needs the sqlite3 shell (Debian package sqlite3)")
    work = Path(args.workdir or tempfile.mkdtemp(prefix="wsadmin-bench-e2e-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("WSADMIN_HOME", str(work / "home"))
    source = work / "legacy.db"
    try:
        if not source.exists():
            t = time.perf_counter()
            build_demo(source, state="legacy", sizes=sizes_for(args.users))
            print(f"built {source.name} ({source.stat().st_size / 2**20:.0f} MiB) "
                  f"in {time.perf_counter() - t:.1f}s", flush=True)
        tables = sorted(counts(source))
        statements = upgrade_sql(source, work / "scratch.db")
        print(f"recorded {len(statements)} statements of the upgrade", flush=True)
        best_p = best_b = float("inf")
        results: dict[str, dict[str, int]] = {}
        for i in range(args.repeat):
            order = ("project", "baseline") if i % 2 == 0 else ("baseline", "project")
            for side in order:
                db = work / f"{side}.db"
                shutil.copyfile(source, db)
                for leftover in work.glob("*.bak*"):
                    leftover.unlink()
                shutil.rmtree(work / "backups", ignore_errors=True)
                if side == "project":
                    t = run_project(db, work / "backups")
                    best_p = min(best_p, t)
                else:
                    t = run_baseline(db, work / "baseline.bak", statements, tables)
                    best_b = min(best_b, t)
                results[side] = counts(db)
                print(f"  {side}: {t:.2f}s", flush=True)
        for table in ("alembic_version",):
            results["baseline"].pop(table, None)
            results["project"].pop(table, None)
        if results["project"] != results["baseline"]:
            raise SystemExit(f"the two upgrades differ: {results}")
        print(f"upgrade_e2e: ratio={best_p / best_b:.2f} (project {best_p:.2f}s, "
              f"baseline {best_b:.2f}s)")
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
