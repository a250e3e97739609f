"""Benchmark: revision 002 on a large database against a plain SQL baseline.

Builds a database at revision 001 with N users (default 1,000,000) and 3 N
workspace-scoped rows (wsadmin.db.demo), copies it twice, then times

- project:  wsadmin.db.migrate.runner.run_alembic(copy, "upgrade", "002", ["002"]): the
            revision's work through Alembic, in one transaction, no backup;
- baseline: the same work written by hand as one SQL script (default workspace,
            memberships, set-based UPDATEs, table rebuilds for NOT NULL, CREATE
            INDEX, the version row) piped into the `sqlite3` command line inside
            BEGIN ... COMMIT,

checks that both results hold the same rows and constraints (with --repeat N,
both run N times alternately on fresh copies and each keeps its best time), and prints
`upgrade_002: ratio=X.XX (project Ns, baseline Ms)` as its last line.
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
from pathlib import Path

from wsadmin.db.contract import (
    DEFAULT_NAME,
    DEFAULT_SLUG,
    INDEXES_002,
    LEGACY_COLUMNS,
    LEGACY_DDL,
    WORKSPACE_SCOPED_TABLES,
)
from wsadmin.db.demo import build_demo
from wsadmin.db.migrate.runner import run_alembic


def baseline_script() -> str:
    """002 by hand, as an operator would write it for the sqlite3 shell."""
    name = DEFAULT_NAME.replace("'", "''")
    lines = [
        "PRAGMA foreign_keys=OFF;",
        "BEGIN;",
        f"INSERT INTO workspaces (name, slug) SELECT '{name}', '{DEFAULT_SLUG}' "
        "WHERE (EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM dashboards) "
        "OR EXISTS (SELECT 1 FROM connections) OR EXISTS (SELECT 1 FROM saved_queries)) "
        f"AND NOT EXISTS (SELECT 1 FROM workspaces WHERE slug = '{DEFAULT_SLUG}');",
        "CREATE TEMP TABLE d AS SELECT id FROM workspaces "
        f"WHERE slug = '{DEFAULT_SLUG}' ORDER BY id LIMIT 1;",
        "INSERT INTO workspace_members (workspace_id, user_id, role) "
        "SELECT d.id, u.id, 'admin' FROM users AS u, d WHERE u.current_workspace_id IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM workspace_members AS m "
        "WHERE m.workspace_id = d.id AND m.user_id = u.id);",
        "UPDATE users SET current_workspace_id = (SELECT id FROM d) "
        "WHERE current_workspace_id IS NULL;",
    ]
    for table in WORKSPACE_SCOPED_TABLES:
        lines.append(f"UPDATE {table} SET workspace_id = (SELECT id FROM d) "
                     "WHERE workspace_id IS NULL;")
    for table in WORKSPACE_SCOPED_TABLES:
        ddl = LEGACY_DDL[table].rstrip().removesuffix(")")
        ddl = ddl.replace(f"CREATE TABLE {table} (", f"CREATE TABLE new_{table} (", 1)
        cols = ", ".join((*LEGACY_COLUMNS[table], "workspace_id"))
        lines += [
            f"{ddl},\n  workspace_id INTEGER NOT NULL REFERENCES workspaces(id));",
            f"INSERT INTO new_{table} ({cols}) SELECT {cols} FROM {table};",
            f"DROP TABLE {table};",
            f"ALTER TABLE new_{table} RENAME TO {table};",
        ]
    for index, (table, column) in INDEXES_002.items():
        lines.append(f"CREATE INDEX {index} ON {table} ({column});")
    lines += ["UPDATE alembic_version SET version_num = '002';", "COMMIT;"]
    return "\n".join(lines) + "\n"


def facts(path: Path) -> dict[str, object]:
    """Row counts, NOT NULL columns, indexes, revision and default assignment counts."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]
        out: dict[str, object] = {
            f"rows:{t}": conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
            for t in tables}
        for t in WORKSPACE_SCOPED_TABLES:
            out[f"notnull:{t}"] = [r[1] for r in conn.execute(f"PRAGMA table_info({t})")
                                   if r[3]]
            out[f"null:{t}"] = conn.execute(
                f"SELECT COUNT(*) FROM {t} WHERE workspace_id IS NULL").fetchone()[0]
        out["indexes"] = sorted(r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='index' AND name LIKE 'ix_%'"))
        out["revision"] = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        out["default_members"] = conn.execute(
            "SELECT COUNT(*) FROM workspace_members m JOIN workspaces w "
            "ON w.id = m.workspace_id WHERE w.slug = ?", (DEFAULT_SLUG,)).fetchone()[0]
    finally:
        conn.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--workdir", help="folder for the databases (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--repeat", type=int, default=1,
                        help="time both N times, alternating, and keep each one's best "
                             "(steadier on a busy machine)")
    args = parser.parse_args(argv)
    sqlite3_cli = shutil.which("sqlite3")
    if sqlite3_cli is None:
        print("upgrade_002: the sqlite3 command line is needed for the baseline", file=sys.stderr)
        return 2

    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-upgrade-002-"))
    created = not work.exists() or not args.workdir
    work.mkdir(parents=True, exist_ok=True)
    source, ours, theirs = work / "source.db", work / "project.db", work / "baseline.db"
    try:
        for db in (source, ours, theirs):
            if db.exists():
                db.unlink()
        t0 = time.perf_counter()
        build_demo(source, args.users, "001")
        shutil.copyfile(source, ours)
        shutil.copyfile(source, theirs)
        before = facts(source)
        scoped = sum(int(str(before[f"rows:{t}"])) for t in WORKSPACE_SCOPED_TABLES)
        print(f"built {args.users:,} users and {scoped:,} workspace-scoped rows at 001 "
              f"in {time.perf_counter() - t0:.1f}s ({source.stat().st_size / 1e6:.0f} MB)")

        script = baseline_script()
        baselines, projects = [], []
        for attempt in range(args.repeat):
            if attempt:     # fresh copies at 001 for the next round
                shutil.copyfile(source, ours)
                shutil.copyfile(source, theirs)
            os.sync()   # neither run pays for writing back the copies
            t0 = time.perf_counter()
            subprocess.run([sqlite3_cli, "-bail", str(theirs)], input=script, text=True,
                           check=True, capture_output=True)
            baselines.append(time.perf_counter() - t0)

            os.sync()
            t0 = time.perf_counter()
            run_alembic(ours, "upgrade", "002", ["002"])
            projects.append(time.perf_counter() - t0)
        baseline, project = min(baselines), min(projects)

        got, want = facts(ours), facts(theirs)
        if got != want:
            diff = {k: (got.get(k), want.get(k)) for k in sorted(set(got) | set(want))
                    if got.get(k) != want.get(k)}
            print(f"upgrade_002: results differ (project, baseline): {diff}", file=sys.stderr)
            return 1
        assert got["revision"] == [("002",)]
        rows = ", ".join(f"{k[5:]} {v:,}" for k, v in got.items()
                         if k.startswith("rows:") and isinstance(v, int))
        print(f"results equal: {rows}")
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
