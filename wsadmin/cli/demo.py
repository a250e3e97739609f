"""`wsadmin demo PATH`: build a realistic demo database."""

from __future__ import annotations

import argparse
import time
from typing import Any

from wsadmin.db.common.errors import Refused
from wsadmin.db.common.text import counted, printable
from wsadmin.db.schema.demo import BENCH, NO_USERS, STATES, build_demo, users_in


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="create a demo app_metadata.db in any state the "
                                    "backend's tooling leaves databases in")
    p.add_argument("path")
    p.add_argument("--users", type=int, help="number of users (default 200; "
                   + ", ".join(sorted(NO_USERS)) + " has no users table)")
    p.add_argument("--state", choices=STATES, default="legacy",
                   help="schema state to leave it in (default legacy)")
    p.add_argument("--bench", action="store_true",
                   help="the benchmark's sizes: 1,000,000 users, 1,000,000 dashboards, "
                        "2,000,000 charts, ... (ignores --users)")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    if args.state in NO_USERS and (args.bench or args.users):
        option = "--bench" if args.bench else "--users"
        raise Refused(f"a {args.state} database has no users table (the backend's fresh "
                      f"install fails before creating it): {option} cannot apply",
                      f"leave out {option}")
    users = BENCH.users if args.bench else 200 if args.users is None else args.users
    path = build_demo(args.path, users, args.state, overwrite=args.force,
                      sizes=BENCH if args.bench else None)
    # What the file holds, not what was asked for.
    made = users_in(path)
    held = ("no users table" if made is None else counted(made[0], "user")
            + (", none active" if made[0] and not made[1] else ""))
    print(f"created {printable(path)} ({held}, state {args.state}) "
          f"in {time.perf_counter() - start:.1f}s")
    return 0
