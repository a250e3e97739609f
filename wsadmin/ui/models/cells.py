"""How the GUI's tables show a value: one place for every model (printable text only).

A username or a sample value can hold control characters (an ESC sequence, a
line break): shown raw they would break the row; `printable` escapes them
visibly. Columns of the lazy tables are (key, title, getter) records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wsadmin.ui.ops.core import printable


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    get: Callable[[Any], Any]           # the value shown, from a row
    numeric: bool = False
    tip: str = ""
    width: int = 0                      # px; 0: the view's default


def cell_text(value: Any) -> str:
    """A sample's cell (health checks, fix previews): NULL spelled out, long text cut."""
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return "x'" + value.hex() + "'"
    text = printable(value)
    return text if len(text) <= 200 else text[:199] + "…"


def column_text(value: Any) -> str:
    """A lazy table's cell: empty for NULL, yes/no, counts with thousands separators."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return printable(value)
