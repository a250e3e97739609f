"""Helpers shared by the command modules: confirmation, output, progress."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from wsadmin.db.common.errors import Refused
from wsadmin.db.common.progress import Step, step_line
from wsadmin.db.common.text import json_safe, printable


def confirm(question: str, args: argparse.Namespace) -> None:
    """Ask on a terminal; without one, refuse unless --yes was given."""
    if getattr(args, "yes", False):
        return
    if not sys.stdin.isatty():
        raise Refused(f"{question.rstrip('?')}: needs confirmation",
                      "pass --yes to confirm without a terminal")
    answer = input(printable(f"{question} [y/N] ")).strip().lower()
    if answer not in ("y", "yes"):
        raise Refused("not confirmed; nothing was changed")


def add_yes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--yes", "-y", action="store_true",
                        help="do not ask for confirmation")


FORCE_HELP = "go ahead even though another program has the database open"


def add_change_options(parser: argparse.ArgumentParser, force_help: str = FORCE_HELP) -> None:
    """--force, --json and --yes: the options of every command that changes a database."""
    parser.add_argument("--force", action="store_true", help=force_help)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_yes(parser)


def print_json(data: Any) -> None:
    """Exact JSON; characters a terminal would act on are written as `\\uXXXX` escapes."""
    sys.stdout.write(json_safe(json.dumps(data, indent=2, ensure_ascii=False, default=str)))
    sys.stdout.write("\n")


def table(header: Sequence[str], rows: Iterable[Sequence[str]], *,
          right: Collection[int] = ()) -> list[str]:
    """The header and each row as one line of columns as wide as their widest cell, two
    spaces apart (`right`: indexes of columns aligned right, numbers). Cells are final text
    (already printable: escaping changes a width); the last column is not padded."""
    grid = [list(header), *(list(r) for r in rows)]
    widths = [max(len(r[i]) for r in grid) for i in range(len(header))]
    last = len(header) - 1
    return ["  ".join(cell.rjust(w) if i in right else cell if i == last else cell.ljust(w)
                      for i, (cell, w) in enumerate(zip(r, widths, strict=True))).rstrip()
            for r in grid]


def print_step(step: Step) -> None:
    """Progress on stderr, one line per finished step, so stdout stays for results.

    A refusal is not a failed step: its `wsadmin: error:` line follows and says why.
    """
    line = step_line(step)
    if line is not None:
        print(printable(line), file=sys.stderr)
