"""`wsadmin demo PATH`: build a realistic demo database."""

from __future__ import annotations

import argparse
import time
from typing import Any

from wsadmin.db.common.text import printable
from wsadmin.db.demo import STATES, build_demo


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="create a demo app_metadata.db")
    p.add_argument("path")
    p.add_argument("--users", type=int, default=200, help="number of users (default 200)")
    p.add_argument("--state", choices=STATES, default="legacy",
                   help="schema state to leave it in (default legacy)")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    path = build_demo(args.path, args.users, args.state, overwrite=args.force)
    print(f"created {printable(path)} ({args.users:,} users, state {args.state}) "
          f"in {time.perf_counter() - start:.1f}s")
    return 0
