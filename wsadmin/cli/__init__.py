"""The `wsadmin` command line: a thin layer over wsadmin.db.

Each command module registers its sub-commands; this module owns the shared
rules: one-line errors on stderr (`wsadmin: error: ...`), exit 2 for refused or
bad input, exit 1 for an operation that failed and left the database as it
was, a traceback only with --debug.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

# argparse, importlib and logging are imported where they are used: `wsadmin gui [DB]`
# (the desktop app's start-up, bench/startup.py) needs none of them.

# Command modules, in the order their commands appear in --help.
COMMAND_MODULES = (
    "wsadmin.cli.status",
    "wsadmin.cli.migrate",
    "wsadmin.cli.backup",
    "wsadmin.cli.rollback",
    "wsadmin.cli.health",
    "wsadmin.cli.users",
    "wsadmin.cli.workspaces",
    "wsadmin.cli.checklist",
    "wsadmin.cli.recover",
    "wsadmin.cli.demo",
    "wsadmin.cli.gui",
)

EXIT_OK, EXIT_FAILED, EXIT_REFUSED, EXIT_BUG, EXIT_NOT_RESTORED = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130     # the shell's convention for a command stopped by SIGINT


def build_parser() -> argparse.ArgumentParser:
    import argparse
    import importlib

    parser = argparse.ArgumentParser(
        prog="wsadmin",
        description="Inspect, back up, upgrade, check and roll back the backend's "
                    "app_metadata.db. Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action=_version_action(),
                        help="print the versions of wsadmin, Python, Qt, PySide6, SQLAlchemy, "
                             "Alembic and SQLite, and exit")
    parser.add_argument("--debug", action="store_true",
                        help="show tracebacks and debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _version_action() -> type[argparse.Action]:
    import argparse

    class VersionAction(argparse.Action):
        """Like argparse's "version", but the lines are computed only when asked for:
        the Qt line imports PySide6.QtCore, which `--help` and every command can skip."""

        def __init__(self, option_strings: Sequence[str], dest: str,
                     help: str | None = None) -> None:
            super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                             help=help)

        def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                     values: object, option_string: str | None = None) -> None:
            from wsadmin.versions import version_text

            print(version_text())
            parser.exit()

    return VersionAction


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt as exc:
        # Ctrl-C: never a traceback. The services say what state the database is in
        # (a change interrupted before its commit is rolled back whole).
        print(f"wsadmin: interrupted{': ' + str(exc) if str(exc) else ''}", file=sys.stderr)
        return EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not [a for a in args_list if a != "--debug"]:
        from wsadmin.cli.gui import open_gui

        return open_gui(None)
    gui_args = [a for a in args_list if a != "--debug"]
    if gui_args[0] == "gui" and len(gui_args) <= 2 and not any(
            a.startswith("-") for a in gui_args[1:]):
        # Fast start: `wsadmin gui [DB]` does not import every command's services.
        from wsadmin.cli.gui import open_gui

        return open_gui(gui_args[1] if len(gui_args) == 2 else None)
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        from wsadmin.cli.gui import open_gui

        return open_gui(None)
    import logging

    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    return run_command(args)


def run_command(args: argparse.Namespace) -> int:
    import logging

    from wsadmin.db.common.errors import WsadminError
    from wsadmin.db.common.progress import Cancelled
    from wsadmin.db.common.text import printable

    try:
        return int(args.func(args) or 0)
    except WsadminError as exc:
        if args.debug:
            raise
        print(f"wsadmin: error: {exc.one_line()}", file=sys.stderr)
        # 1: failed, the database is as it was; 2: refused, nothing written;
        # 4: failed and not put back (the message says what to restore).
        return exc.exit_code
    except Cancelled as exc:
        print(printable(f"wsadmin: cancelled: {exc}"), file=sys.stderr)
        return EXIT_REFUSED
    except BrokenPipeError:
        # `wsadmin status DB | head`: the reader left; that is not an error. Point
        # stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        logging.getLogger("wsadmin").debug("internal error", exc_info=True)
        print(printable(f"wsadmin: internal error: {type(exc).__name__}: {exc} "
                        "(this is a bug in wsadmin; run again with --debug and report the "
                        "traceback)"), file=sys.stderr)
        return EXIT_BUG
