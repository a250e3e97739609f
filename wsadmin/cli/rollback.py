"""`wsadmin rollback` (the two ways back and their cost) and `wsadmin restore`."""

from __future__ import annotations

import argparse
from typing import Any

from wsadmin.cli.common import FORCE_HELP, add_change_options, confirm, print_json, print_step
from wsadmin.db.backup.restore import restore_backup
from wsadmin.db.common.errors import Refused
from wsadmin.db.common.text import printable, printable_lines
from wsadmin.db.migrate import rollback


def register(sub: Any) -> None:
    rb = sub.add_parser("rollback", help="explain the ways back (downgrade one revision or "
                                         "restore a backup) and what each discards")
    rb.add_argument("db")
    how = rb.add_mutually_exclusive_group()
    how.add_argument("--downgrade", action="store_true",
                     help="undo the current revision (a backup is taken first)")
    how.add_argument("--backup", metavar="PATH", help="restore this backup")
    rb.add_argument("--accept-loss", action="store_true",
                    help="downgrade even though it destroys data that existed before the "
                         "upgrade (a reused `default` workspace)")
    add_change_options(rb)
    rb.set_defaults(func=run_rollback)

    rs = sub.add_parser("restore", help="put a backup back into the database (after a "
                                        "safety backup of its current state)")
    rs.add_argument("db")
    rs.add_argument("backup")
    rs.add_argument("--safety-dir", metavar="DIR", help="where to write the safety backup")
    add_change_options(rs, FORCE_HELP + ", or the database is too damaged for a safety "
                           "backup")
    rs.set_defaults(func=run_restore)


def run_rollback(args: argparse.Namespace) -> int:
    plan = rollback.plan_rollback(args.db, args.backup)
    if not args.downgrade and not args.backup:
        if args.json:
            print_json(plan.to_json())
        else:
            print(printable_lines(plan.explain()))
        return 0
    if args.downgrade:
        cost = plan.downgrade.cost
        if cost is not None and not cost.lossless:
            question = (f"Back up {args.db}, then undo {cost.revision} (discards "
                        f"{cost.discard_text()})?")
        else:
            question = f"Back up {args.db}, then undo {plan.current_revision}?"
        if cost is not None and cost.reused_default and not args.accept_loss:
            raise Refused("the downgrade would destroy the `default` workspace that existed "
                          "before 002: " + "; ".join(cost.notes),
                          "restore the pre-upgrade backup instead (`wsadmin rollback DB "
                          "--backup PATH`), or pass --accept-loss")
        confirm(question, args)
        result = rollback.downgrade_one(args.db, progress=print_step,
                                        accept_loss=args.accept_loss, force=args.force)
        if args.json:
            print_json(result.to_json())
        else:
            print(printable(result.message))
            if result.backup is not None:
                print(f"backup taken first: {printable(result.backup.path)}")
        return 0
    return _restore(args.db, args.backup, args, plan)


def run_restore(args: argparse.Namespace) -> int:
    return _restore(args.db, args.backup, args, None)


def _restore(db: str, backup: str, args: argparse.Namespace,
             plan: rollback.RollbackPlan | None) -> int:
    changes = plan.restore.changes if plan is not None and plan.restore is not None else []
    detail = ("; it undoes: " + "; ".join(changes)) if changes else ""
    confirm(f"Replace the contents of {db} with {backup} (a safety backup is taken "
            f"first){detail}?", args)
    result = restore_backup(db, backup, progress=print_step,
                            safety_dir=getattr(args, "safety_dir", None), force=args.force)
    if args.json:
        print_json(result.to_json())
        return 0
    print(printable(f"restored {db} from {backup} (revision {result.revision or 'legacy'})"))
    if result.safety_backup is not None:
        print(f"safety backup of the previous state: {printable(result.safety_backup.path)}")
    return 0
