"""`wsadmin check DB` and `wsadmin fix DB CHECK_ID`: the health checks of wsadmin.db.health."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from wsadmin.cli.common import add_yes, confirm, print_json, print_step
from wsadmin.db.common.text import printable, printable_lines


def register(sub: Any) -> None:
    p = sub.add_parser("check", help="run the health checks (read-only)",
                       description="Run the runbook's diagnosis and more, read-only. "
                                   "Exit 0: clean; 1: findings; 2: a check could not run.")
    p.add_argument("db", help="path to app_metadata.db")
    p.add_argument("--json", action="store_true", help="machine-readable output (stable form)")
    p.add_argument("--only", metavar="ID,...", help="run only these checks (comma-separated)")
    p.add_argument("--full-integrity", action="store_true",
                   help="run the full PRAGMA integrity_check even on files over 256 MiB")
    p.add_argument("--sql", action="store_true", help="print the SQL of every check")
    p.set_defaults(func=run_check)

    f = sub.add_parser("fix", help="preview and apply the fix for one check",
                       description="Show what a fix changes, then (after a backup) apply it in "
                                   "one transaction and run the checks again.")
    f.add_argument("db", help="path to app_metadata.db")
    f.add_argument("check_id", metavar="CHECK_ID", help="the check whose findings to fix")
    f.add_argument("--option", metavar="NAME", help="which fix (default: the first listed)")
    f.add_argument("--user", help="promote_user: the user to make admin")
    f.add_argument("--workspace", help="promote_user: only this workspace (slug or id)")
    f.add_argument("--role", help="add_membership: role of the new memberships")
    f.add_argument("--dry-run", action="store_true", help="only show what would change")
    f.add_argument("--backup-dir", help="where to write the backup (default: beside the DB)")
    f.add_argument("--json", action="store_true", help="machine-readable output")
    add_yes(f)
    f.set_defaults(func=run_fix)


def run_check(args: argparse.Namespace) -> int:
    from wsadmin.db.health.runner import run_checks

    only = [i.strip() for i in args.only.split(",") if i.strip()] if args.only else None
    report = run_checks(args.db, only=only, full_integrity=args.full_integrity)
    if args.json:
        print_json(report.to_json())
    else:
        print(render_report(report, show_sql=args.sql))
    return report.exit_code


_MARK = {"ok": "ok", "findings": "FOUND", "not_applicable": "n/a", "error": "ERROR"}


def _cell(value: Any) -> str:
    """A sample value as it reads in a terminal: controls in it escaped, cut at 40."""
    text = "NULL" if value is None else printable(value)
    return text if len(text) <= 40 else text[:39] + "…"


def fix_ids(check_id: str) -> tuple[str, ...]:
    from wsadmin.db.health.registry import BY_ID

    check = BY_ID.get(check_id)
    return check.fix_ids if check is not None else ()


def render_report(report: Any, *, show_sql: bool = False) -> str:
    lines = [f"database: {printable(report.database)}",
             f"revision: {printable(report.revision or '(none: legacy)')}", ""]
    for r in report.checks:
        count = f"{r.count:>8,}" if r.status.value == "findings" else " " * 8
        lines.append(f"[{_MARK[r.status.value]:>5}] {count}  {r.id:<28} {r.title}")
        if r.status.value in ("not_applicable", "error") and r.reason:
            lines.append(f"                  {printable(r.reason)}")
        if r.status.value == "findings":
            lines.append(f"                  {r.explanation}")
            for row in r.sample[:5]:
                lines.append("                  - " + ", ".join(
                    f"{k}={_cell(v)}" for k, v in row.items()))
            if r.count > 5:
                lines.append(f"                  ... {r.count - 5:,} more (--json shows 20)")
            fixes = fix_ids(r.id)
            if fixes:
                lines.append(f"                  fixes: {', '.join(fixes)}")
        if show_sql or r.status.value == "findings":
            pad = "\n" + " " * 23
            lines.append("                  SQL: " + r.sql.replace("\n", pad))
    found = [r for r in report.checks if r.status.value == "findings"]
    errors = [r for r in report.checks if r.status.value == "error"]
    lines.append("")
    if errors:
        lines.append(f"{len(errors)} check(s) could not run; {len(found)} with findings")
    elif found:
        lines.append(f"{len(found)} check(s) with findings: "
                     "`wsadmin fix DB CHECK_ID --dry-run` shows what a fix would change")
    else:
        lines.append("no problems found")
    return "\n".join(lines)


def render_preview(preview: Any) -> str:
    lines = [f"fix {preview.check_id} / {preview.fix_id}: {preview.title}",
             f"  {preview.description}"]
    for note in preview.notes:
        lines.append(f"  note: {printable(note)}")
    if preview.empty:
        lines.append("  nothing to change")
    for step in preview.steps:
        lines.append(f"  {step.summary} ({step.action} {step.table}: {step.count:,})")
        for row in step.sample[:10]:
            lines.append("    - " + ", ".join(f"{k}={_cell(v)}" for k, v in row.items()))
        if step.count > 10:
            lines.append(f"    ... {step.count - 10:,} more")
    return "\n".join(lines)


def run_fix(args: argparse.Namespace) -> int:
    from wsadmin.db.health.apply import apply_fix, preview_fix

    params = {k: v for k, v in (("user", args.user), ("workspace", args.workspace),
                                ("role", args.role)) if v}
    preview = preview_fix(args.db, args.check_id, args.option, params)
    if args.dry_run or preview.empty:
        if args.json:
            print_json({"preview": preview.to_json(), "applied": False})
        else:
            print(render_preview(preview))
        return 0
    if not args.json:
        print(render_preview(preview))
    confirm(f"Back up {args.db} and apply these {preview.total:,} change(s)?", args)
    result = apply_fix(args.db, args.check_id, preview.fix_id, params,
                       backup_dir=args.backup_dir, progress=print_step)
    after = result.check_after
    if args.json:
        print_json({"preview": result.preview.to_json(), "applied": True,
                    "backup": result.backup.path if result.backup else None,
                    "check_after": after.to_json(),
                    "diff": result.diff.to_json() if result.diff else None})
    else:
        where = result.backup.path if result.backup else "-"
        print(f"done: {result.preview.total:,} change(s); backup {printable(where)}")
        counted = f" ({after.count:,})" if after.count else ""
        print(f"{after.id} now: {after.status.value}{counted}")
        if result.diff is not None:
            print(printable_lines(result.diff.summary()))
    if result.diff is not None and not result.diff.ok:
        print("wsadmin: warning: another check got worse (see above)", file=sys.stderr)
    return 0 if result.clean else 1
