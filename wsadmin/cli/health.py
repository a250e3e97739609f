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
                                   "Exit 0: clean; 1: findings; 2: a check could not run, or "
                                   "the database is not the backend's.")
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
        print(printable_lines(render_report(report, show_sql=args.sql)))
    return report.exit_code


_MARK = {"ok": "ok", "findings": "FOUND", "not_applicable": "n/a", "error": "ERROR"}
PAD = " " * 18


def _cell(value: Any) -> str:
    if isinstance(value, bytes):
        value = "x'" + value.hex() + "'"
    text = "NULL" if value is None else printable(str(value))
    return text if len(text) <= 40 else text[:39] + "…"


def render_report(report: Any, *, show_sql: bool = False) -> str:
    lines = [f"database: {printable(report.database)}",
             f"revision: {printable(report.revision or '(none recorded)')}",
             f"state:    {report.state or '?'}", ""]
    for r in report.checks:
        count = f"{r.count:>8,}" if r.status.value == "findings" else " " * 8
        lines.append(f"[{_MARK[r.status.value]:>5}] {count}  {r.id:<30} {r.title}")
        if r.status.value in ("not_applicable", "error") and r.reason:
            lines.append(f"{PAD}{r.reason}")
        if r.status.value == "findings":
            lines.append(f"{PAD}severity: {r.severity.value}. {r.explanation}")
            for row in r.sample[:5]:
                lines.append(f"{PAD}- " + ", ".join(f"{k}={_cell(v)}" for k, v in row.items()))
            if r.count > 5:
                lines.append(f"{PAD}... {r.count - 5:,} more (--json shows 20)")
            if r.reason:
                lines.append(f"{PAD}note: {r.reason}")
            if r.fixes:
                lines.append(f"{PAD}fixes: {', '.join(r.fixes)}")
        if show_sql or r.status.value == "findings":
            lines.append(f"{PAD}SQL: " + r.sql.replace("\n", "\n" + PAD + "     "))
    found = report.by_severity()
    found = [r for r in found if r.status.value == "findings"]
    errors = [r for r in report.checks if r.status.value == "error"]
    lines.append("")
    if errors:
        lines.append(f"{len(errors)} check(s) could not run; {len(found)} with findings")
    elif found:
        lines.append(f"{len(found)} check(s) with findings, most severe first: "
                     + ", ".join(f"{r.id} ({r.severity.value})" for r in found))
        lines.append("`wsadmin fix DB CHECK_ID --dry-run` shows what a fix would change")
    else:
        lines.append("no problems found")
    return "\n".join(lines)


def render_preview(preview: Any) -> str:
    lines = [f"fix {preview.check_id} / {preview.fix_id}: {preview.title}",
             f"  {preview.description}"]
    if preview.command:
        command = preview.command.replace(" DB", " " + preview.database)
        lines.append(f"  this fix is another command: {command}")
    for note in preview.notes:
        lines.append(f"  note: {note}")
    if preview.empty and not preview.command:
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

    params = {k: v for k, v in (("user", args.user), ("workspace", args.workspace)) if v}
    preview = preview_fix(args.db, args.check_id, args.option, params)
    if args.dry_run or (preview.empty and not preview.command):
        if args.json:
            print_json({"preview": preview.to_json(), "applied": False})
        else:
            print(printable_lines(render_preview(preview)))
        return 0
    if not args.json:
        print(printable_lines(render_preview(preview)))
    if not preview.command:
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
        print(printable(f"done: {result.preview.total:,} change(s); backup {where}"))
        counted = f" ({after.count:,})" if after.count else ""
        print(f"{after.id} now: {after.status.value}{counted}")
        if result.diff is not None:
            print(result.diff.summary())
    if result.diff is not None and not result.diff.ok:
        print("wsadmin: warning: another check got worse (see above)", file=sys.stderr)
    return 0 if result.clean else 1
