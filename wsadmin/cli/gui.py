"""`wsadmin gui [DB]`: open the desktop app."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("gui", help="open the desktop app (the default)")
    p.add_argument("db", nargs="?", help="database to open")
    p.set_defaults(func=lambda args: open_gui(args.db))


def open_gui(db: str | None) -> int:
    from wsadmin.ui.app import main as gui_main

    return gui_main([db] if db else [])
