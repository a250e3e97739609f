"""`wsadmin status DB`: where the database stands, and what to do about it.

A report: it exits 0 for every state it can name (SCHEMA.md "States"), `empty`,
`foreign` and `unknown_revision` included; 2 with one error line only when the
file is missing, unreadable or not SQLite.
"""

from __future__ import annotations

import argparse
from typing import Any

from wsadmin.cli.common import print_json
from wsadmin.db.common.text import printable
from wsadmin.db.schema.states import Offer
from wsadmin.db.schema.status import Status, inspect

WHAT_TO_DO = {
    Offer.UPGRADE: "wsadmin upgrade DB",
    Offer.ADOPT: "wsadmin adopt DB",
    Offer.REPAIR: "wsadmin repair DB",
    Offer.INIT: "wsadmin init DB",
    Offer.NOTHING: "nothing to do",
    Offer.REFUSE: "nothing: wsadmin changes only the backend's databases at revisions it knows",
}


def register(sub: Any) -> None:
    p = sub.add_parser("status", help="where a database stands: its state, revision, what "
                                      "the backend does with it, and what to run")
    p.add_argument("db", help="path to app_metadata.db")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    status = inspect(args.db)
    if args.json:
        print_json(status.to_json())
    else:
        print(render(status))
    return 0


def render(status: Status) -> str:
    """The report; every value from the database or the file system is printable."""
    recorded = ", ".join(status.recorded_rows) if len(status.recorded_rows) > 1 else (
        status.current_revision or "(none)")
    lines = [
        f"database:  {printable(status.path)}",
        f"size:      {status.size:,} bytes, journal mode {status.journal_mode or '-'}",
        f"revision:  {printable(recorded)}   head: {status.head}",
        f"state:     {status.state.value}: {printable(status.summary)}",
        f"backend:   {printable(status.symptom)}",
        f"to do:     {WHAT_TO_DO[status.offer]}",
    ]
    if status.counts:
        lines.append("rows:      " + ", ".join(f"{printable(t)} {n:,}"
                                               for t, n in status.counts.items()))
    for p in status.pending:
        lines.append(f"pending:   {p.revision}  {p.description}")
    for problem in status.problems[:5]:
        lines.append(f"problem:   {printable(problem)}")
    return "\n".join(lines)
