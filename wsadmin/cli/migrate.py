"""`wsadmin upgrade` and `wsadmin downgrade`."""

from __future__ import annotations

import argparse
from typing import Any

from wsadmin.cli.common import add_yes, confirm, print_step
from wsadmin.cli.status import render
from wsadmin.db import migrate


def register(sub: Any) -> None:
    up = sub.add_parser("upgrade", help="back up, then upgrade to head (or --to REV)")
    up.add_argument("db")
    up.add_argument("--to", default="head", metavar="REV", help="target revision (default head)")
    up.add_argument("--backup-dir", metavar="DIR", help="where to write the backup")
    add_yes(up)
    up.set_defaults(func=run_upgrade)

    down = sub.add_parser("downgrade", help="back up, then downgrade to REV")
    down.add_argument("db")
    down.add_argument("--to", required=True, metavar="REV", help="target revision, or base")
    down.add_argument("--backup-dir", metavar="DIR", help="where to write the backup")
    add_yes(down)
    down.set_defaults(func=run_downgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    status, steps = migrate.plan_upgrade(args.db, args.to)
    if not steps:
        print(f"{args.db}: already at {status.current_revision}; nothing to do")
        return 0
    confirm(f"Back up {args.db}, then apply {', '.join(steps)}?", args)
    result = migrate.upgrade(args.db, args.to, progress=print_step, backup_dir=args.backup_dir)
    print(f"upgraded {args.db}: {status.current_revision or 'legacy'} -> {result.to_revision}")
    if result.backup is not None:
        print(f"backup: {result.backup.path}")
    print(render(result.after))
    return 0


def run_downgrade(args: argparse.Namespace) -> int:
    status, steps = migrate.plan_downgrade(args.db, args.to)
    if not steps:
        print(f"{args.db}: already at {status.current_revision}; nothing to do")
        return 0
    confirm(f"Back up {args.db}, then undo {', '.join(steps)} "
            "(workspace data added by them is removed)?", args)
    result = migrate.downgrade(args.db, args.to, progress=print_step, backup_dir=args.backup_dir)
    print(f"downgraded {args.db}: {status.current_revision} -> {result.to_revision or 'base'}")
    if result.backup is not None:
        print(f"backup: {result.backup.path}")
    print(render(result.after))
    return 0
