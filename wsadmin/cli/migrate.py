"""`wsadmin upgrade` and `wsadmin downgrade`: the backup-then-change pipeline.

Exit codes: 0 done (or nothing to do), 1 failed after the backup and the
database is as it was (rolled back or restored), 2 refused or bad input
(nothing written), 4 failed and the backup could not be put back.
"""

from __future__ import annotations

import argparse
from typing import Any

from wsadmin.cli.common import add_change_options, confirm, print_json, print_step
from wsadmin.cli.status import render
from wsadmin.db.common.text import printable, printable_lines
from wsadmin.db.inspect import inspect
from wsadmin.db.migrate import model, pipeline, preflight, rehearse


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("db")
    p.add_argument("--backup-dir", metavar="DIR", help="where to write the backup")
    p.add_argument("--dry-run", action="store_true",
                   help="print the plan (steps, backup path, revisions, row counts) and "
                        "change nothing")
    add_change_options(p)


def register(sub: Any) -> None:
    up = sub.add_parser("upgrade", help="back up, then upgrade to head (or --to REV); "
                                        "restores the backup if anything fails")
    up.add_argument("--to", default="head", metavar="REV", help="target revision (default head)")
    up.add_argument("--rehearse", action="store_true",
                    help="upgrade, downgrade and upgrade again a temporary copy and report "
                         "whether the round trip preserved every row (changes nothing)")
    up.add_argument("--clean-leftovers", action="store_true",
                    help="drop `_alembic_tmp_*` tables left by an interrupted migration "
                         "(after the backup)")
    _common(up)
    up.set_defaults(func=run_upgrade)

    down = sub.add_parser("downgrade", help="back up, then downgrade to REV")
    down.add_argument("--to", required=True, metavar="REV", help="target revision, or base")
    _common(down)
    down.set_defaults(func=run_downgrade, rehearse=False, clean_leftovers=False)


def run_upgrade(args: argparse.Namespace) -> int:
    if args.rehearse:
        result = rehearse.rehearse(args.db, args.to, progress=print_step)
        if args.json:
            print_json(result.to_json())
        else:
            print(printable_lines(result.render()))
        return 0 if result.ok else 1
    return _run(args, "upgrade")


def run_downgrade(args: argparse.Namespace) -> int:
    return _run(args, "downgrade")


def _run(args: argparse.Namespace, action: str) -> int:
    plan = preflight.plan(args.db, action, args.to, backup_dir=args.backup_dir,
                             clean_leftovers=args.clean_leftovers)
    if args.dry_run:
        if args.json:
            print_json(plan.to_json())
        else:
            print(printable_lines(plan.render()))
        return 0 if plan.can_run or _only_forceable(plan, args.force) else 2
    preflight.refuse(args.db, plan, args.force)
    if not plan.revisions:
        print(printable(f"{args.db}: already at {plan.from_revision or 'legacy'}; nothing to do"))
        return 0
    if plan.revisions:
        what = "apply" if action == "upgrade" else "undo"
        extra = "" if action == "upgrade" else " (workspace data added by them is removed)"
        confirm(f"Back up {args.db}, then {what} {', '.join(plan.revisions)}{extra}?", args)
    try:
        result = pipeline.run(args.db, action, args.to, progress=print_step,
                                  backup_dir=args.backup_dir, force=args.force,
                                  clean_leftovers=args.clean_leftovers)
    except model.PipelineFailed as exc:
        if args.json:
            print_json(exc.result.to_json())
        raise
    if args.json:
        print_json(result.to_json())
        return 0
    print(printable(result.message))
    if result.backup is not None:
        print(f"backup: {printable(result.backup.path)}")
    print(render(inspect(args.db)))
    return 0


def _only_forceable(plan: model.Plan, force: bool) -> bool:
    blocking = [f for f in plan.findings if f.blocking]
    return force and all(f.forceable for f in blocking)

