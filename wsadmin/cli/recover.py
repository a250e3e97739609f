"""`wsadmin recover DB`: roll back a hot journal left by a killed writer."""

from __future__ import annotations

import argparse
from typing import Any

from wsadmin.cli.common import add_yes, confirm
from wsadmin.db.backup.recover import recover
from wsadmin.db.common.text import printable
from wsadmin.db.sqlite.journal import has_hot_journal


def register(sub: Any) -> None:
    p = sub.add_parser("recover", help="roll back an interrupted write (hot journal)")
    p.add_argument("db")
    add_yes(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not has_hot_journal(args.db):
        result = recover(args.db)  # checks the file; reports "nothing to recover"
        print(printable(f"{result.path}: no interrupted write to roll back"))
        return 0
    confirm(f"Roll back the interrupted write in {args.db} (a copy of both files is kept)?", args)
    result = recover(args.db)
    print(printable(f"recovered {result.path}: quick_check {result.quick_check}; "
                    f"the files as they were are in {result.raw_copy}"))
    return 0
