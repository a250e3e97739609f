"""`wsadmin upgrade`, `downgrade`, `adopt`, `repair` and `init`: the backup-then-change
pipeline (wsadmin.db.migrate.pipeline) for each way a database can be changed.

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
from wsadmin.db.migrate import model, pipeline, preflight, rehearse
from wsadmin.db.schema.status import inspect


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
    _common(up)
    up.set_defaults(func=run_upgrade)

    down = sub.add_parser("downgrade", help="back up, then downgrade to REV")
    down.add_argument("--to", required=True, metavar="REV", help="target revision, or base")
    _common(down)
    down.set_defaults(func=_runner("downgrade"), rehearse=False)

    for action, text in (
            ("adopt", "record head on a database that already has the head schema but no "
                      "revision (made by the backend's init_db); changes no table"),
            ("repair", "record the revision the schema is really at, drop leftovers of an "
                       "interrupted migration or a failed fresh install, then upgrade to head"),
            ("init", "initialise a missing or empty file with the backend's whole schema")):
        cmd = sub.add_parser(action, help=text)
        _common(cmd)
        cmd.set_defaults(func=_runner(action), to="head", rehearse=False)


def run_upgrade(args: argparse.Namespace) -> int:
    if args.rehearse:
        result = rehearse.rehearse(args.db, args.to, progress=print_step)
        if args.json:
            print_json(result.to_json())
        else:
            print(printable_lines(result.render()))
        return 0 if result.ok else 1
    return _run(args, "upgrade")


def _runner(action: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        return _run(args, action)
    return run


_QUESTION = {"upgrade": "apply {revs}", "downgrade": "undo {revs} (data added by them is "
             "removed)", "adopt": "record head ({goal}) without changing any table",
             "repair": "record the revision its schema is at, then apply {revs}",
             "init": "create the backend's schema ({revs})"}


def _run(args: argparse.Namespace, action: str) -> int:
    plan = preflight.plan(args.db, action, args.to, backup_dir=args.backup_dir)
    if args.dry_run:
        if args.json:
            print_json(plan.to_json())
        else:
            print(printable_lines(plan.render()))
        return 0 if plan.can_run or _only_forceable(plan, args.force) else 2
    preflight.refuse(args.db, plan, args.force)
    if not plan.steps:
        print(printable(f"{args.db}: already at {plan.from_revision or 'legacy'}; nothing to do"))
        return 0
    verb = "Back up {db}, then " if plan.backup_path else "Create {db}, then "
    question = (verb + _QUESTION[action] + "?").format(
        db=args.db, revs=", ".join(plan.revisions), goal=plan.to_revision)
    confirm(question, args)
    try:
        result = pipeline.run(args.db, action, args.to, progress=print_step,
                              backup_dir=args.backup_dir, force=args.force)
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

