"""Benchmark: revision 002 alone on the issue's bench database, against its own SQL.

Builds the bench database at revision 001 with the demo's BENCH preset
(1,000,000 users, 1,000,000 dashboards, 2,000,000 charts and as many
dashboard_charts, 100,000 connections, 200,000 csv_data, 3,000,000 logs;
`--users N` scales every count), copies it twice, then times

- project:  wsadmin.db.migrate.runner.run_alembic(copy, "upgrade", "002", ["002"]), the
            revision through Alembic in one transaction, no backup; SQLite's trace
            callback records every statement it runs;
- baseline: exactly those statements, replayed through Python's `sqlite3` on the
            other copy inside one BEGIN ... COMMIT (foreign keys off first, as a
            migration runs): the same set-based SQL without Alembic, SQLAlchemy or
            wsadmin's Python around it,

checks both results hold the same rows, and prints
`upgrade_002: ratio=X.XX (project Ns, baseline Ms)` as its last line. On a
shared machine one run of each is noise-prone: `--repeat N` times both N times
on fresh copies, alternating which goes first, and keeps each one's best.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from wsadmin.db.migrate.runner import run_alembic
from wsadmin.db.schema.demo import BENCH, Sizes, build_demo
from wsadmin.db.sqlite.connect import connect_rw, prepare_for_migration

_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def sizes_for(users: int) -> Sizes:
    return Sizes(**{k: v * users // BENCH.users for k, v in vars(BENCH).items()})


def run_project(db: Path) -> tuple[float, list[str]]:
    """run_alembic on `db`, timed; the statements SQLite saw, in order."""
    conn = connect_rw(db)
    statements: list[str] = []
    try:
        prepare_for_migration(conn)
        conn.set_trace_callback(statements.append)
        t0 = time.perf_counter()
        run_alembic(db, "upgrade", "002", ["002"], connection=conn)
        elapsed = time.perf_counter() - t0
    finally:
        conn.set_trace_callback(None)
        conn.close()
    return elapsed, statements


def run_baseline(db: Path, statements: list[str]) -> float:
    """The project's statements (transaction control aside) in one transaction."""
    work = [s for s in statements if not s.lstrip().upper().startswith(_CONTROL)]
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("PRAGMA legacy_alter_table=ON")
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for statement in work:
            conn.execute(statement).fetchall()
        conn.execute("COMMIT")
        return time.perf_counter() - t0
    finally:
        conn.close()


def facts(path: Path) -> dict[str, object]:
    """Schema, row counts and checksums of what 002 writes: equal facts, equal results."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out: dict[str, object] = {"schema": conn.execute(
            "SELECT type, name, sql FROM sqlite_master ORDER BY 1, 2").fetchall()}
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                     "AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall():
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            sums = ", ".join(f'TOTAL(length(CAST("{c}" AS TEXT)))' for c in cols)
            nulls = ", ".join(f'SUM("{c}" IS NULL)' for c in cols)
            out[table] = conn.execute(f'SELECT COUNT(*), {sums}, {nulls} FROM "{table}"'
                                      ).fetchone()
        for table in ("users", "dashboards", "charts", "connections", "logs", "csv_data"):
            column = "current_workspace_id" if table == "users" else "workspace_id"
            out[f"{table}.{column}"] = conn.execute(
                f'SELECT TOTAL("{column}"), TOTAL(id * "{column}") FROM "{table}"').fetchone()
        out["members"] = conn.execute("SELECT TOTAL(user_id * workspace_id), "
                                      "group_concat(DISTINCT role) FROM workspace_members"
                                      ).fetchone()
    finally:
        conn.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=BENCH.users,
                        help="scale every BENCH count to this many users")
    parser.add_argument("--workdir", help="folder for the databases (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds on fresh copies, alternating the order; best of each")
    args = parser.parse_args(argv)

    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-upgrade-002-"))
    created = not work.exists() or not args.workdir
    work.mkdir(parents=True, exist_ok=True)
    source, ours, theirs = work / "source.db", work / "project.db", work / "baseline.db"
    try:
        for db in (source, ours, theirs):
            db.unlink(missing_ok=True)
        sizes = sizes_for(args.users)
        t0 = time.perf_counter()
        build_demo(source, state="001", sizes=sizes)
        print(f"built {sizes} at 001 in {time.perf_counter() - t0:.1f}s "
              f"({source.stat().st_size / 1e6:.0f} MB)", flush=True)
        projects: list[float] = []
        baselines: list[float] = []
        statements: list[str] = []
        for round_ in range(max(args.repeat, 1)):
            shutil.copyfile(source, ours)
            shutil.copyfile(source, theirs)
            # The first round records the statements; later ones alternate the order.
            for which in (("project", "baseline") if round_ % 2 == 0 else
                          ("baseline", "project")):
                os.sync()  # neither run pays for writing back the copies
                if which == "project":
                    elapsed, traced = run_project(ours)
                    statements = statements or traced
                    projects.append(elapsed)
                else:
                    baselines.append(run_baseline(theirs, statements))
            print(f"round {round_ + 1}: project {projects[-1]:.2f}s, "
                  f"baseline {baselines[-1]:.2f}s", flush=True)
        project, baseline = min(projects), min(baselines)
        got, want = facts(ours), facts(theirs)
        if got != want:
            diff = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
            print(f"upgrade_002: results differ in {diff}", file=sys.stderr)
            return 1
        version = sqlite3.connect(f"file:{ours}?mode=ro", uri=True)
        try:
            assert version.execute("SELECT version_num FROM alembic_version").fetchall() == [
                ("002",)]
        finally:
            version.close()
        print(f"results equal ({len(statements)} statements replayed)")
    finally:
        if not args.keep:
            for db in (source, ours, theirs):
                db.unlink(missing_ok=True)
            if created:
                shutil.rmtree(work, ignore_errors=True)
    print(f"upgrade_002: ratio={project / baseline:.2f} "
          f"(project {project:.2f}s, baseline {baseline:.2f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
