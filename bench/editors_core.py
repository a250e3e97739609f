"""Benchmark: the users editor's reads and one edit on a big head database, Qt-free.

Builds `build_demo(path, --users, "head")` (or takes --db), reads it once so the
page cache is warm, then reports the median over --rounds of each read the
users view makes (all ids, the first page, a page of rows, each filter) and of
one edit through run_edit (open, busy timeout, head check, one transaction,
audit), plus the process's peak RSS with every id in memory.

The ratio compares the text filter as wsadmin runs it (two covering-index
scans, username's and email's) with the way the backend's own user search
runs it (`username LIKE ? OR email LIKE ?` over the table). The last line is
`editors_core: ratio=X.XX (project Ns, baseline Ms)`.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wsadmin.db.editors import (
    UserFilter,
    edit_user,
    run_edit,
    user_ids,
    user_rows,
    workspace_ids,
    workspace_rows,
)
from wsadmin.db.schema.demo import build_demo


def median(fn: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="an existing head database (not changed "
                                                "except one user's email, put back)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("WSADMIN_HOME", tmp)
        db = args.db
        if db is None:
            db = Path(tmp) / "app_metadata.db"
            start = time.perf_counter()
            build_demo(db, args.users, "head")
            print(f"built {args.users:,} users in {time.perf_counter() - start:.1f} s")
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        conn.execute("SELECT count(*) FROM users").fetchone()
        ids = user_ids(conn)                                   # warms the page cache
        needle = "zz9"
        rows: dict[str, float] = {
            "all ids (id order)": median(lambda: user_ids(conn), args.rounds),
            "all ids (username order)": median(lambda: user_ids(conn, sort="username"),
                                               args.rounds),
            "first page (200 ids + rows)": median(
                lambda: user_rows(conn, user_ids(conn, limit=200)), args.rounds),
            "a page of 200 rows (middle)": median(
                lambda: user_rows(conn, ids[len(ids) // 2:len(ids) // 2 + 200]), args.rounds),
            "global admins": median(lambda: user_ids(conn, UserFilter(global_admins=True)),
                                    args.rounds),
            "inactive": median(lambda: user_ids(conn, UserFilter(inactive=True)), args.rounds),
            "without workspace": median(
                lambda: user_ids(conn, UserFilter(without_workspace=True)), args.rounds),
            "member of workspace 1": median(lambda: user_ids(conn, UserFilter(member_of=1)),
                                            args.rounds),
            "workspaces page": median(lambda: workspace_rows(conn, workspace_ids(conn)[:50]),
                                      args.rounds),
        }
        project = median(lambda: user_ids(conn, UserFilter(text=needle)), args.rounds)
        baseline = median(lambda: conn.execute(
            "SELECT id FROM users WHERE username LIKE ?1 OR email LIKE ?1 ORDER BY id",
            (f"%{needle}%",)).fetchall(), args.rounds)
        rows["text filter"] = project
        [(email,)] = conn.execute("SELECT email FROM users WHERE id = 2").fetchall()
        conn.close()
        edits = ["bench-a@example.org", email] * args.rounds
        rows["one edit through run_edit"] = median(
            lambda: run_edit(db, "user.edit", lambda c: edit_user(c, 2, email=edits.pop(0))),
            args.rounds * 2)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        for label, seconds in rows.items():
            print(f"{label:<32} {seconds * 1000:>9.1f} ms")
        print(f"{'peak RSS (all ids held)':<32} {rss:>9.1f} MB ({len(ids):,} ids)")
        print(f"editors_core: ratio={project / baseline:.2f} (project {project:.3f}s, "
              f"baseline {baseline:.3f}s)")


if __name__ == "__main__":
    main()
