"""Demo databases in every state an operator can meet (the only code that creates files).

`build_demo(path, users, state)` fills realistic rows (demo_data.py) and
brings the schema where `state` says, the way that state arises in the field:
wsadmin's own revisions (steps.py) for `001` and `head`, the backend's tooling
(backend_tooling.py, as measured in the lab) for the states it leaves. Tests
use the same builders, so a demo is exactly what the tests exercise.

| state | built as |
|---|---|
| legacy | legacy.sql + rows |
| 001 | legacy + rows, wsadmin's 001, `001` recorded |
| head | legacy + rows, wsadmin's whole chain, head recorded |
| unversioned_head | the backend's init_db, then users as its registration writes them |
| stuck_at_001 | legacy + rows, the backend's chain (001 commits, 002 fails) |
| recorded_ahead_of_shape | legacy + rows, no active user, the backend's chain (002 no-ops) |
| half_initialised | the backend's chain on an empty file (no rows: nothing could be written) |
| mixed | legacy + rows, then the backend's init_db |
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Final

from wsadmin.db.common.errors import Refused
from wsadmin.db.schema import backend_tooling as bt
from wsadmin.db.schema import chain, steps
from wsadmin.db.schema.demo_data import (
    BENCH,
    Sizes,
    fill_content,
    fill_personal_workspaces,
    fill_users,
)
from wsadmin.db.schema.registration import hash_password
from wsadmin.db.sqlite.connect import translated_errors

__all__ = ["BENCH", "NO_USERS", "STATES", "Sizes", "build_demo", "users_in"]

DEMO_PASSWORD: Final = "demo-password"
"""Every demo user's password (one bcrypt hash, computed once per build)."""


def _legacy(conn: sqlite3.Connection, sizes: Sizes, *, all_inactive: bool = False) -> None:
    bt.run_legacy_sql(conn, indexes=False)
    fill_users(conn, sizes, hash_password(DEMO_PASSWORD), all_inactive=all_inactive)
    fill_content(conn, sizes)
    bt.run_legacy_sql(conn, tables=False)  # an index built once sorts; kept up, it seeks


def _at(target: str) -> Callable[[sqlite3.Connection, Sizes], None]:
    def build(conn: sqlite3.Connection, sizes: Sizes) -> None:
        _legacy(conn, sizes)
        steps.upgrade_through(conn, target)
        bt.stamp(conn, target)
    return build


def _unversioned_head(conn: sqlite3.Connection, sizes: Sizes) -> None:
    bt.run_create_all(conn)
    fill_users(conn, sizes, hash_password(DEMO_PASSWORD), registered=True)
    fill_personal_workspaces(conn, sizes)
    fill_content(conn, sizes)


def _stuck_at_001(conn: sqlite3.Connection, sizes: Sizes) -> None:
    if sizes.users == 0:
        raise Refused("stuck_at_001 needs at least one user",
                      "the backend's 002 only fails with an active user; give --users")
    _legacy(conn, sizes)
    bt.run_backend_001(conn)


def _recorded_ahead(conn: sqlite3.Connection, sizes: Sizes) -> None:
    _legacy(conn, sizes, all_inactive=True)
    bt.run_backend_noop_chain(conn)


def _half_initialised(conn: sqlite3.Connection, sizes: Sizes) -> None:
    bt.run_half_install(conn)


def _mixed(conn: sqlite3.Connection, sizes: Sizes) -> None:
    _legacy(conn, sizes)
    bt.run_create_all(conn)


NO_USERS: Final = frozenset({"half_initialised"})
"""States whose database has no users table (the backend's fresh install fails before
creating it, and nothing else is written): a number of users cannot apply to them."""

BUILDERS: Final[dict[str, Callable[[sqlite3.Connection, Sizes], None]]] = {
    "legacy": lambda conn, sizes: _legacy(conn, sizes),
    "001": _at("001"),
    "head": _at(chain.HEAD_REVISION),
    "unversioned_head": _unversioned_head,
    "stuck_at_001": _stuck_at_001,
    "recorded_ahead_of_shape": _recorded_ahead,
    "half_initialised": _half_initialised,
    "mixed": _mixed,
}
STATES: Final = tuple(BUILDERS)


def users_in(path: str | Path) -> tuple[int, int] | None:
    """(users, active users) in a demo database; None when it has no users table."""
    p = Path(path)
    with translated_errors(p, "read"):
        conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
        try:
            if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'"
                            ).fetchone() is None:
                return None
            total, active = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(is_active = 1), 0) FROM users").fetchone()
            return int(total), int(active)
        finally:
            conn.close()


def build_demo(path: str | Path, users: int = 200, state: str = "legacy", *,
               sizes: Sizes | None = None, overwrite: bool = False) -> Path:
    """Create a demo database at `path` in `state` with `users` users and the bench
    preset's proportions of everything else (`sizes` overrides all counts). States in
    NO_USERS hold no rows whatever the counts (`users_in` says what a demo holds)."""
    if state not in BUILDERS:
        raise Refused(f"unknown demo state {state!r}", "choose one of: " + ", ".join(STATES))
    counts = sizes if sizes is not None else Sizes.for_users(users)
    if min(vars(counts).values()) < 0:
        raise Refused("a demo size cannot be negative")
    p = Path(path)
    with translated_errors(p, "create"):
        if p.exists() and not overwrite:
            raise Refused(f"{p} already exists",
                          "choose a new path; demo never overwrites a file")
        if p.exists():
            p.unlink()
        conn = sqlite3.connect(p, isolation_level=None)
        try:
            # A new file nobody else has open: no journal needed while filling it.
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA foreign_keys=OFF")
            conn.execute("PRAGMA cache_size=-65536")
            conn.execute("BEGIN")
            BUILDERS[state](conn, counts)
            conn.execute("COMMIT")
            conn.execute("PRAGMA journal_mode=DELETE")
        except BaseException:
            conn.close()
            p.unlink(missing_ok=True)
            raise
        conn.close()
    return p
