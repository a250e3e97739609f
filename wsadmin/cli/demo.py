"""`wsadmin demo PATH`: build a realistic demo database."""

from __future__ import annotations

import argparse
import time
from typing import Any

from wsadmin.db.common.text import printable
from wsadmin.db.schema.demo import BENCH, STATES, build_demo


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="create a demo app_metadata.db in any state the "
                                    "backend's tooling leaves databases in")
    p.add_argument("path")
    p.add_argument("--users", type=int, default=200, help="number of users (default 200)")
    p.add_argument("--state", choices=STATES, default="legacy",
                   help="schema state to leave it in (default legacy)")
    p.add_argument("--bench", action="store_true",
                   help="the benchmark's sizes: 1,000,000 users, 1,000,000 dashboards, "
                        "2,000,000 charts, ... (ignores --users)")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    if args.bench:
        args.users = BENCH.users
    path = build_demo(args.path, args.users, args.state, overwrite=args.force,
                      sizes=BENCH if args.bench else None)
    print(f"created {printable(path)} ({args.users:,} users, state {args.state}) "
          f"in {time.perf_counter() - start:.1f}s")
    return 0
