"""`wsadmin backup`, `wsadmin backups` and `wsadmin verify-backup`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from wsadmin.cli.common import add_yes, confirm, print_json, print_step, table
from wsadmin.db.backup import catalog as backup_catalog
from wsadmin.db.backup.catalog import CatalogEntry
from wsadmin.db.backup.create import create_backup
from wsadmin.db.backup.verify import verify_backup
from wsadmin.db.common.errors import CorruptDatabase, DatabaseMissing
from wsadmin.db.common.text import printable
from wsadmin.db.sqlite.files import check_file

EXIT_VERIFIED, EXIT_FAILED_VERIFICATION = 0, 1


def register(sub: Any) -> None:
    b = sub.add_parser("backup", help="write a verified backup of a database")
    b.add_argument("db", help="path to app_metadata.db")
    b.add_argument("--to", metavar="DIR",
                   help="backup folder (default: the configured one, else beside the database)")
    b.add_argument("--timeout", type=float, default=30.0, metavar="S",
                   help="how long to wait for a database another program has locked (default 30)")
    b.add_argument("--json", action="store_true", help="print the manifest as JSON")
    b.set_defaults(func=run_backup)

    ls = sub.add_parser("backups", help="list (and prune) the backups of a database")
    ls.add_argument("db", help="path to app_metadata.db")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.add_argument("--no-verify", action="store_true",
                    help="skip the full verification of each backup (faster; cheap checks only)")
    ls.add_argument("--prune", action="store_true",
                    help="remove old backups (never the newest, the only one at a revision, "
                         "or the runbook's .backup)")
    ls.add_argument("--keep", type=int, metavar="N", help="with --prune: how many to keep")
    add_yes(ls)
    ls.set_defaults(func=run_backups)

    v = sub.add_parser("verify-backup",
                       help="check a backup file (exit 0 verified, 1 failed verification)")
    v.add_argument("file", help="the backup file")
    v.add_argument("--json", action="store_true", help="machine-readable output")
    v.set_defaults(func=run_verify)


def run_backup(args: argparse.Namespace) -> int:
    info = create_backup(args.db, args.to, progress=print_step, busy_timeout=args.timeout)
    if args.json:
        print_json(info.to_json())
        return 0
    print(f"backup:   {printable(info.path)}")
    print(f"manifest: {printable(info.manifest_path)}")
    print(f"revision: {printable(info.revision or 'legacy')}   size: {info.size:,} bytes   "
          f"sha256: {info.sha256[:16]}...")
    if info.counts:
        print("rows:     " + ", ".join(f"{printable(t)} {n:,}" for t, n in info.counts.items()))
    return 0


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def _notes(e: CatalogEntry) -> str:
    notes = [] if e.has_manifest else ["no manifest"]
    if e.last_upgrade:
        notes.append("taken before the last upgrade")
    if e.found_in == backup_catalog.FOUND_IN_AUDIT_LOG:
        notes.append("outside the folders above; named by the audit log")
    return f"  ({'; '.join(notes)})" if notes else ""


def render(db: str, entries: list[CatalogEntry]) -> str:
    """The listing; every path, revision and problem in it made printable."""
    folders = ", ".join(printable(f) for f in backup_catalog.backup_folders(db))
    lines = [f"backups of {printable(Path(db).absolute())} (looked in: {folders})"]
    if not entries:
        lines.append("  none found")
        return "\n".join(lines)
    header, *rows = table(
        ("STATUS", "REV", "CREATED (UTC)", "SIZE", "KIND", "FILE"),
        [(e.status, printable(e.revision_label), printable(e.created_at.replace("T", " ")[:19]),
          _size(e.size), e.kind, printable(e.path) + _notes(e)) for e in entries],
        right={3})
    lines.append(f"  {header}")
    for e, row in zip(entries, rows, strict=True):
        lines.append(f"  {row}")
        lines.extend(f"      - {printable(p)}" for p in e.problems[:3])
    return "\n".join(lines)


def run_backups(args: argparse.Namespace) -> int:
    try:
        check_file(args.db)
    except (DatabaseMissing, CorruptDatabase) as exc:
        # Listing the backups of a missing or damaged database is how one restores it.
        print(f"wsadmin: note: {printable(exc.message)}", file=sys.stderr)
    if args.keep is not None and not args.prune:
        from wsadmin.db.common.errors import Refused

        raise Refused("--keep only goes with --prune")
    entries = backup_catalog.list_backups(args.db, verify=not args.no_verify)
    if args.prune:
        return _prune(args, entries)
    left = backup_catalog.unfinished(args.db)
    if args.json:
        print_json({
            "database": str(Path(args.db).absolute()),
            "folders": [str(f) for f in backup_catalog.backup_folders(args.db)],
            "backups": [e.to_json() for e in entries],
            "unfinished": [{"path": str(p), "stale": stale} for p, stale in left],
        })
        return 0
    print(render(args.db, entries))
    if left:
        print(f"  ({len(left)} unfinished .partial file(s) from interrupted backups are "
              "ignored; `--prune` removes those whose process is gone)")
    return 0


def _prune(args: argparse.Namespace, entries: list[CatalogEntry]) -> int:
    from wsadmin.db.common.errors import Refused

    if args.keep is None:
        raise Refused("--prune needs --keep N", "say how many recent backups to keep")
    plan = backup_catalog.plan_prune(entries, args.keep)
    out = sys.stderr if args.json else sys.stdout
    for e, why in plan.keep:
        print(f"keep    {printable(e.path)}  ({why})", file=out)
    for e in plan.remove:
        print(printable(f"remove  {e.path}  ({e.revision_label}, {e.created_at}, {e.status})"),
              file=out)
    if not plan.remove:
        print("nothing to prune", file=out)
        if args.json:
            print_json({"removed": []})
        return 0
    confirm(f"Remove {len(plan.remove)} backup(s)?", args)
    removed = backup_catalog.prune(args.db, args.keep, entries=entries)
    if args.json:
        print_json({"removed": [e.to_json() for e in removed]})
    else:
        print(f"removed {len(removed)} backup(s)")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    facts = check_file(args.file)    # missing, a folder, not SQLite, truncated: exit 2
    result = verify_backup(facts.path)
    if args.json:
        snap = result.snapshot
        print_json({"file": str(facts.path), "ok": result.ok, "problems": result.problems,
                    "revision": snap.revision if snap else None,
                    "counts": snap.counts if snap else None})
    elif result.ok:
        snap = result.snapshot
        rev = (snap.revision or "legacy") if snap else "?"
        print(printable(f"{facts.path}: verified (revision {rev})"))
    else:
        print(f"{printable(facts.path)}: FAILED verification", file=sys.stderr)
        for p in result.problems:
            print(f"  - {printable(p)}", file=sys.stderr)
    return EXIT_VERIFIED if result.ok else EXIT_FAILED_VERIFICATION
