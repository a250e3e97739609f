"""How the GUI writes sizes, counts and times: one formatter for every view and dialog.

Qt-free and at the bottom of the GUI's layers, so that item models and widgets
(which may not import each other) say "1.5 MiB" and "1 row" the same way.
Sizes use binary units with their binary names: 1,536 bytes is "1.5 KiB".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt


_UNITS = ("KiB", "MiB", "GiB", "TiB")

# Table -> (one, many) for the backend's tables (SCHEMA.md), in the order an operator
# reads them; other tables by name.
NOUNS = {
    "users": ("user", "users"),
    "workspaces": ("workspace", "workspaces"),
    "workspace_members": ("membership", "memberships"),
    "workspace_settings": ("workspace settings row", "workspace settings rows"),
    "dashboards": ("dashboard", "dashboards"),
    "charts": ("chart", "charts"),
    "dashboard_charts": ("dashboard chart link", "dashboard chart links"),
    "connections": ("connection", "connections"),
    "connection_permissions": ("connection permission", "connection permissions"),
    "data_sources": ("data source", "data sources"),
    "csv_data": ("CSV data row", "CSV data rows"),
    "logs": ("log entry", "log entries"),
    "settings": ("setting", "settings"),
}


def plural(n: int, one: str, many: str | None = None) -> str:
    """plural(1, "row") -> "1 row"; plural(2_000, "row") -> "2,000 rows"."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def human_size(n: int) -> str:
    """1 -> "1 byte", 1023 -> "1,023 bytes", 1536 -> "1.5 KiB", 521_000_000 -> "496.9 MiB"."""
    if n < 1024:
        return plural(n, "byte")
    value = float(n)
    for unit in _UNITS:
        value /= 1024
        if value < 1024 or unit == _UNITS[-1]:
            return f"{value:,.1f} {unit}"
    raise AssertionError("unreachable")


def count_phrase(counts: dict[str, int], *, zero: str = "no rows") -> str:
    """{'users': 1, 'logs': 2} -> '1 user, 2 log entries' (the tables above in their
    order, then the others by name; Alembic's own table left out)."""
    known = [t for t in NOUNS if t in counts]
    others = [t for t in counts if t not in NOUNS and not t.startswith("alembic")]
    parts = []
    for table in known + others:
        one, many = NOUNS.get(table, (table.replace("_", " "),) * 2)
        parts.append(plural(counts[table], one, many))
    return ", ".join(parts) or zero


def local_time(when: dt.datetime | None, *, seconds: bool = True) -> str:
    """A timestamp in the operator's time zone ("unknown" for None); naive ones are
    taken as they are."""
    if when is None:
        return "unknown"
    local = when.astimezone() if when.tzinfo else when
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def parse_time(iso: str | None) -> dt.datetime | None:
    """An ISO 8601 time from a manifest or the catalog, or None when it is not one."""
    import datetime as dt  # here: the first screen parses no time

    try:
        return dt.datetime.fromisoformat(iso) if iso else None
    except ValueError:
        return None


def revision_name(rev: str | None) -> str:
    return rev if rev is not None else "legacy (before 001)"


def elapsed(seconds: float) -> str:
    """9.4 -> "9 s", 75 -> "1 min 15 s"."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    return f"{whole // 60} min {whole % 60:02d} s"


def rich_text(text: str) -> str:
    """`text` shown as itself inside a label's rich text: &, < and > escaped. The
    first screen uses this rather than html.escape, whose module loads every named
    HTML entity (~4 ms of the start-up here)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
