"""Benchmark: `wsadmin check` against the same SQL run through the sqlite3 shell.

Builds a head-shape database (SCHEMA.md's head.sql) with N users (default
1,000,000), each registered as the backend registers (own workspace, admin
membership, settings), plus memberships, connections (encrypted-looking
configs), data sources, dashboards, charts, links, CSV data, logs and
connection permissions in proportion; breaks a few rows of each kind the
checks look for; reads it once so every run starts from a warm page cache;
then times, interleaved over --rounds rounds (median of each):

- project:  `wsadmin check DB --json` in a subprocess: Python start-up, every
            check on two read-only connections, JSON output;
- baseline: `sqlite3 -readonly DB < script`: the statements of every check as
            `wsadmin check` shows them (PRAGMA quick_check at this size, PRAGMA
            foreign_key_check, the schema reads the shape checks make), one
            after the other in one process, output to /dev/null.

The last line is `check: ratio=X.XX (project Ns, baseline Ms)`.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wsadmin.db.health.checks_schema import QUICK_CHECK_ABOVE
from wsadmin.db.health.registry import CHECKS
from wsadmin.db.schema.shape import packaged_sql

TS = "'2024-01-01 09:00:00.000000'"

# One INSERT ... SELECT per table over a counter; :n is the number of users.
FILL = f"""
CREATE TEMP TABLE n (i INTEGER PRIMARY KEY);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < :n)
INSERT INTO n SELECT i FROM c;
INSERT INTO users (id, username, email, password_hash, role, current_workspace_id,
                   email_verified, theme_preference, created_at, updated_at, is_active)
  SELECT i, 'user' || i, 'user' || i || '@example.org',
         '$2b$12$' || substr(hex(randomblob(27)), 1, 53), 'admin', i, 0, 'light', {TS}, {TS}, 1
  FROM n;
INSERT INTO workspaces (id, name, slug, created_by, created_at, updated_at)
  SELECT i, 'user' || i || '''s Workspace', 'user' || i || 's-workspace', i, {TS}, {TS} FROM n;
INSERT INTO workspace_members (id, workspace_id, user_id, role, invited_by, joined_at)
  SELECT i, i, i, 'admin', i, {TS} FROM n;
INSERT INTO workspace_members (workspace_id, user_id, role, invited_by, joined_at)
  SELECT i, (i * 7) % :n + 1, 'viewer', i, {TS} FROM n WHERE i % 5 = 0 AND (i * 7) % :n + 1 <> i;
INSERT INTO workspace_settings (id, workspace_id, redis_enabled, redis_host, redis_port,
                                max_dashboards, max_members, updated_at)
  SELECT i, i, 0, 'localhost', 6379, 1000, 100, {TS} FROM n;
INSERT INTO connections (id, name, type, config, is_active, workspace_id, created_by, created_at)
  SELECT i / 10, 'conn ' || i, 'postgresql', '"Z0FBQUFB' || hex(randomblob(100)) || '"', 1,
         i, i, {TS} FROM n WHERE i % 10 = 0;
INSERT INTO data_sources (id, connection_id, name, source_type, source_identifier, is_active,
                          workspace_id, created_by, created_at)
  SELECT i / 10, i / 10, 'db ' || i, 'database', 'db' || i, 1, i, i, {TS} FROM n WHERE i % 10 = 0;
INSERT INTO dashboards (id, name, layout, is_public, public_access_count, workspace_id,
                        created_by, created_at)
  SELECT i, 'dash ' || i, '{{}}', 0, 0, (i * 3) % :n + 1, (i * 3) % :n + 1, {TS}
  FROM n WHERE i <= :n * 3 / 10;
INSERT INTO charts (id, name, chart_type, config, data_source_id, workspace_id, created_by,
                    created_at)
  SELECT i, 'chart ' || i, 'bar', '{{}}',
         CASE WHEN ((i * 3) % :n + 1) % 10 = 0 THEN ((i * 3) % :n + 1) / 10 END,
         (i * 3) % :n + 1, (i * 3) % :n + 1, {TS} FROM n WHERE i <= :n * 3 / 10;
INSERT INTO dashboard_charts (id, dashboard_id, chart_id, position)
  SELECT i, i, i, '{{}}' FROM n WHERE i <= :n * 3 / 10;
INSERT INTO csv_data (id, chart_id, workspace_id, data, column_types, row_count, created_at)
  SELECT i, i, (i * 3) % :n + 1, '[]', '{{}}', 0, {TS} FROM n WHERE i <= :n / 20;
INSERT INTO logs (id, user_id, workspace_id, action, created_at)
  SELECT i, i, i, 'login', {TS} FROM n;
INSERT INTO connection_permissions (id, connection_id, user_id, permission_level, granted_by,
                                    granted_at)
  SELECT i / 10, i / 10, i, 'owner', i, {TS} FROM n WHERE i % 10 = 0;
DROP TABLE temp.n;
"""

# A few findings of each kind (ids well inside every table at 1,000 users and more).
BREAK = """
UPDATE users SET current_workspace_id = NULL WHERE id IN (11, 12, 13);
UPDATE users SET current_workspace_id = 99999999 WHERE id IN (21, 22);
DELETE FROM workspace_members WHERE user_id = 31 AND workspace_id = 31;
UPDATE workspaces SET slug = 'User41s-Workspace' WHERE id = 42;
UPDATE workspaces SET slug = 'Bad Slug' WHERE id = 43;
DELETE FROM workspace_settings WHERE workspace_id = 44;
UPDATE workspaces SET created_by = 99999999 WHERE id = 45;
UPDATE connections SET workspace_id = 99999999 WHERE id = 5;
UPDATE dashboards SET created_by = 99999999 WHERE id = 6;
INSERT INTO workspace_members (workspace_id, user_id, role, joined_at)
  VALUES (99999999, 7, 'viewer', '2024-01-01');
UPDATE users SET role = 'superuser' WHERE id = 8;
UPDATE data_sources SET workspace_id = 2 WHERE id = 9;
UPDATE users SET password_hash = '$argon2id$v=19$m=65536,t=3,p=4$abc$def' WHERE id = 10;
UPDATE users SET email_verified = NULL WHERE id = 14;
UPDATE connections SET config = '{"host": "h"}' WHERE id = 15;
"""


EXPECTED = {
    "users_without_workspace": 3, "users_dangling_workspace": 2,
    "users_not_member_of_current": 1, "duplicate_slugs": 2, "invalid_slugs": 2,
    "workspaces_without_admin": 1, "workspaces_without_settings": 1,
    "workspace_creator_missing": 1, "rows_dangling_workspace": 1, "rows_orphaned_creator": 1,
    "memberships_dangling": 1, "invalid_roles": 1, "isolation_violations": 2,
    "stale_connection_permissions": 1, "unusable_password_hashes": 1, "users_unreadable": 1,
    "unencrypted_connection_configs": 1, "foreign_keys": 6,
}
"""What BREAK leaves for `wsadmin check` to find (counts as SCHEMA.md defines them)."""


def build(db: Path, users: int) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.executescript(packaged_sql("head.sql"))
        conn.execute("BEGIN")
        for statement in FILL.split(";\n"):
            if statement.strip():
                conn.execute(statement, {"n": users} if ":n" in statement else {})
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                     "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")
        conn.execute("INSERT INTO alembic_version VALUES ('20251109220344')")
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute("COMMIT")
        conn.executescript(BREAK)
    finally:
        conn.close()


def baseline_script(db: Path) -> str:
    """The statements `wsadmin check` runs, as the sqlite3 shell takes them."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
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
        elif check.id in ("schema_drift", "revision_mismatch", "half_upgrade"):
            parts.append(check.sql.split(";")[0] + ";")
        else:
            parts.append(check.sql + ";")
    # What the state classification reads (once per run in the project).
    parts += [f"SELECT * FROM pragma_table_info('{t}'); SELECT * FROM pragma_index_list('{t}');"
              f" SELECT * FROM pragma_foreign_key_list('{t}');" for t in tables]
    parts += [f"SELECT * FROM pragma_index_info('{i}');" for i in indexes]
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
    ap.add_argument("--keep", metavar="DIR", help="build (or reuse) the database in DIR")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="wsadmin-bench-check-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / f"app_metadata-{args.users}.db"
        if not db.exists():
            t0 = time.perf_counter()
            build(folder / "building.db", args.users)
            (folder / "building.db").rename(db)
            print(f"built {args.users:,} users, {db.stat().st_size / 2**20:.0f} MiB in "
                  f"{time.perf_counter() - t0:.1f}s", file=sys.stderr)
        script = folder / "baseline.sql"
        script.write_text(baseline_script(db), encoding="utf-8")
        # As installed: byte-compiled (this checkout may run with PYTHONDONTWRITEBYTECODE);
        # the warm-up run writes the .pyc files, outside the checkout.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(WSADMIN_HOME=str(Path(tmp) / "home"),
                   PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"))
        wsadmin = str(Path(sys.executable).with_name("wsadmin"))
        project_cmd = [wsadmin, "check", str(db), "--json"]
        baseline_cmd = ["sqlite3", "-readonly", str(db)]

        # Warm-up (page cache), and a sanity check that the project finds what was broken.
        out = subprocess.run(project_cmd, capture_output=True, env=env, check=False)
        found = {c["id"]: c["count"] for c in json.loads(out.stdout)["checks"]
                 if c["status"] != "ok"}
        if found != EXPECTED:
            raise SystemExit(f"wsadmin check found {found}, expected {EXPECTED}")
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
