"""`wsadmin status DB`: where the database stands."""

from __future__ import annotations

import argparse
from typing import Any

from wsadmin.cli.common import print_json
from wsadmin.db.common.errors import ForeignDatabase, UnknownRevision
from wsadmin.db.common.text import printable
from wsadmin.db.inspect import State, Status, inspect


def register(sub: Any) -> None:
    p = sub.add_parser("status", help="show the migration status of a database")
    p.add_argument("db", help="path to app_metadata.db")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    status = inspect(args.db)
    if args.json:
        print_json(status.to_json())
    else:
        print(render(status))
    if status.state is State.UNKNOWN_REVISION:
        raise UnknownRevision(f"{status.path} is {status.summary}")
    if status.state is State.FOREIGN:
        raise ForeignDatabase(f"{status.path} is " + status.summary)
    return 0


def render(status: Status) -> str:
    """The report; the path, the recorded revision and the table names a foreign schema
    puts in the summary are made printable."""
    lines = [
        f"database:  {printable(status.path)}",
        f"size:      {status.size:,} bytes, journal mode {status.journal_mode or '-'}",
        f"revision:  {printable(status.current_revision or '(none)')}   head: {status.head}",
        f"state:     {printable(status.summary)}",
    ]
    if status.counts:
        lines.append("rows:      " + ", ".join(f"{printable(t)} {n:,}"
                                               for t, n in status.counts.items()))
    for p in status.pending:
        lines.append(f"pending:   {p.revision}  {p.description}")
    return "\n".join(lines)
