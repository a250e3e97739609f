"""What each of wsadmin's six revisions does, registered by revision id.

The files in migrations/versions/ stay thin: their upgrade() and downgrade()
call `upgrade(revision, op.get_bind())` / `downgrade(...)` here. Every step
works on the raw sqlite3 connection inside the transaction Alembic (or the
caller) opened, in plain parameterised SQL: one transaction for the whole
command, foreign keys off before BEGIN (DESIGN.md rules 5-6). The demo, the
tests and the benchmark's baseline call the same functions on a sqlite3
connection directly.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, Final

from wsadmin.db.common.errors import UnknownRevision
from wsadmin.db.schema import chain
from wsadmin.db.schema import default_workspace as dw
from wsadmin.db.schema.backend_tooling import statements
from wsadmin.db.schema.ensure import ensure_shape, retreat
from wsadmin.db.schema.rebuild import Fill
from wsadmin.db.schema.registration import timestamp
from wsadmin.db.schema.shape import LEGACY, packaged_sql

Step = Callable[[sqlite3.Connection, str], None]


def raw_connection(bind: Any) -> sqlite3.Connection:
    """The pysqlite connection behind Alembic's bind (or `bind` itself)."""
    if isinstance(bind, sqlite3.Connection):
        return bind
    conn = bind.connection.dbapi_connection
    if not isinstance(conn, sqlite3.Connection):
        raise TypeError("wsadmin's revisions run on SQLite only")
    return conn


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


_ROLE: Final = {"users": [Fill("role", "?", ("viewer",))]}
"""users.role is NOT NULL from legacy on; a NULL there (the backend's own 002 downgrade
re-adds the column nullable) becomes the least privilege wherever a revision must
rebuild users to make it NOT NULL again (002 step 6)."""


def _ensure(conn: sqlite3.Connection, rev_id: str) -> None:
    ensure_shape(conn, chain.shape_at(rev_id), _ROLE)


def _upgrade_001(conn: sqlite3.Connection, rev_id: str) -> None:
    # On an empty database (or one an old backend made without some table) the
    # original tables come first, in legacy.sql's own text, so that undoing 001
    # gives exactly legacy.sql back.
    present = _tables(conn)
    for stmt in statements(packaged_sql("legacy.sql")):
        words = stmt.split()
        table = words[2] if words[1] == "TABLE" else words[words.index("ON") + 1]
        if table not in present and table in LEGACY:
            conn.execute(stmt)
    _ensure(conn, rev_id)


def _upgrade_002(conn: sqlite3.Connection, rev_id: str) -> None:
    _upgrade_001(conn, "001")  # the data steps need 001's columns: a no-op when present
    why = dw.why_002_cannot_run(conn)
    if why is not None:
        raise dw.NoOwnerForDefaultWorkspace(why)
    now = timestamp()
    workspace = dw.ensure_default(conn, now)
    if workspace is not None:
        dw.add_memberships(conn, workspace, now)
        dw.guarantee_admin(conn, workspace, now)
        dw.ensure_settings(conn, workspace, now)
    # Steps 3, 4 and 6 happen while the tables are rebuilt for NOT NULL and keys.
    ensure_shape(conn, chain.shape_at(rev_id), dw.upgrade_fills(workspace))


def _upgrade_e73(conn: sqlite3.Connection, rev_id: str) -> None:
    columns = {r[0] for r in conn.execute("SELECT name FROM pragma_table_info('users')")}
    # Existing users read 'light' only when the column is new (the backend's server
    # default did that); a column that exists keeps its values, NULLs included.
    theme = [] if "theme_preference" in columns else [Fill("theme_preference", "?", ("light",))]
    ensure_shape(conn, chain.shape_at(rev_id), {"users": [*_ROLE["users"], *theme]})


def _retreat(conn: sqlite3.Connection, rev_id: str) -> None:
    retreat(conn, chain.revision(rev_id))


def _downgrade_002(conn: sqlite3.Connection, rev_id: str) -> None:
    workspace = dw.default_id(conn)
    if workspace is None:
        retreat(conn, chain.revision(rev_id))
        return
    retreat(conn, chain.revision(rev_id), dw.in_default(workspace))
    dw.delete_default(conn, workspace)


UPGRADES: Final[dict[str, Step]] = {
    "001": _upgrade_001,
    "002": _upgrade_002,
    "a87f1e87be87": _ensure,
    "f6554ddc8f18": _ensure,
    "e73bf9fb92f4": _upgrade_e73,
    "20251109220344": _ensure,
}

DOWNGRADES: Final[dict[str, Step]] = {
    "001": _retreat,
    "002": _downgrade_002,
    "a87f1e87be87": _retreat,
    "f6554ddc8f18": _retreat,
    "e73bf9fb92f4": _retreat,
    "20251109220344": _retreat,
}


def _step(steps: dict[str, Step], rev_id: str) -> Step:
    try:
        return steps[rev_id]
    except KeyError:
        raise UnknownRevision(f"revision {rev_id!r} is not one of wsadmin's") from None


def upgrade(rev_id: str, bind: Any) -> None:
    """Ensure revision `rev_id`'s shape (and, for 002, its data) on Alembic's bind."""
    _step(UPGRADES, rev_id)(raw_connection(bind), rev_id)


def downgrade(rev_id: str, bind: Any) -> None:
    """Undo revision `rev_id`, back to exactly the previous revision's shape."""
    _step(DOWNGRADES, rev_id)(raw_connection(bind), rev_id)


def upgrade_through(conn: sqlite3.Connection, target: str, start: str = chain.BASE) -> None:
    """Run the revisions after `start` up to `target` on a sqlite3 connection, inside
    the caller's transaction (demo and tests; Alembic records nothing here)."""
    for rev in chain.pending(start)[:chain.position(target) - chain.position(start)]:
        upgrade(rev.id, conn)
