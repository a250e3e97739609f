"""The six revisions as data: ids, operator words, and the shape each one leaves.

wsadmin's chain keeps the backend's revision ids (SCHEMA.md "Revisions") so a
database stamped by the backend's tooling is recognised. What each revision
adds is declared here once, as data; the target shape of every revision is
derived from HEAD by taking away what later revisions add. The same data tells
a migration what it has to ensure, and tests prove that taking everything away
gives legacy.sql.

BASE ("base", Alembic's name for "before the first revision") stands for the
legacy shape.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Final, NamedTuple

if TYPE_CHECKING:
    from wsadmin.db.schema.shape import Shape, Table

BASE: Final = "base"


class AddTable(NamedTuple):
    """A table in its head shape."""

    table: str


class AddColumn(NamedTuple):
    """A column as head declares it, with the foreign keys, indexes and checks on it."""

    table: str
    column: str


class SetNotNull(NamedTuple):
    table: str
    column: str


class AddForeignKey(NamedTuple):
    table: str
    columns: tuple[str, ...]


class AddIndex(NamedTuple):
    """Every head index (not constraint) on exactly these columns."""

    table: str
    columns: tuple[str, ...]


Addition = AddTable | AddColumn | SetNotNull | AddForeignKey | AddIndex


class Revision(NamedTuple):
    id: str
    down: str | None
    title: str
    description: str
    """What wsadmin's revision ensures, in operator words."""
    backend_note: str
    """How the backend's own revision with this id differs, for plans and reports."""
    adds: tuple[Addition, ...]
    undo: str = ""
    """What undoing it discards, in operator words (the rollback plan counts it)."""


_WS = ("dashboards", "charts", "connections")

REVISIONS: Final[tuple[Revision, ...]] = (
    Revision(
        "001", None, "Add workspaces",
        "Creates the workspace tables (workspaces, members, settings) and adds empty workspace "
        "columns to users, dashboards, charts, connections and logs. On an empty database it "
        "first creates the original tables.",
        "The backend's 001 fails on an empty database (no users table) after creating the "
        "workspace tables; it also adds non-unique indexes idx_workspaces_slug and "
        "idx_workspaces_created_by and makes the workspace timestamps NOT NULL.",
        (AddTable("workspaces"), AddTable("workspace_members"), AddTable("workspace_settings"),
         AddColumn("users", "current_workspace_id"), AddColumn("users", "email_verified"),
         *(AddColumn(t, "workspace_id") for t in (*_WS, "logs"))),
        undo=("Undoing it deletes every workspace, membership and workspace setting, and "
              "every row's workspace assignment."),
    ),
    Revision(
        "002", "001", "Move existing data into a Default Workspace",
        "Gives every user without a workspace a membership in the workspace 'default' "
        "(created when needed, roles kept, one admin guaranteed) and moves dashboards, charts, "
        "connections, user logs and CSV data without a workspace into it; then makes the "
        "workspace columns required, indexed and linked. Keeps users.role.",
        "The backend's 002 never completes on SQLite when an active user exists (it stops at "
        "ALTER COLUMN ... SET NOT NULL), does nothing at all when none is active, would drop "
        "users.role, and never adds csv_data.workspace_id.",
        (AddColumn("csv_data", "workspace_id"),
         *(SetNotNull(t, "workspace_id") for t in _WS),
         *(AddForeignKey(t, ("workspace_id",)) for t in (*_WS, "logs")),
         AddForeignKey("users", ("current_workspace_id",)),
         *(AddIndex(t, ("workspace_id",)) for t in (*_WS, "logs"))),
        undo=("Undoing it takes users and rows out of 'default' and deletes it with its "
              "memberships and settings; if 002 reused an existing 'default', that "
              "workspace is lost."),
    ),
    Revision(
        "a87f1e87be87", "002", "Add data sources",
        "Adds the data_sources table (a database or folder inside a connection) and links "
        "charts to a data source.",
        "The backend's a87f1e87be87 creates data_sources but never adds charts.data_source_id, "
        "which its chart routes select.",
        (AddTable("data_sources"), AddColumn("charts", "data_source_id")),
        undo=("Undoing it deletes every data source and every chart's link to one."),
    ),
    Revision(
        "f6554ddc8f18", "a87f1e87be87", "Add connection permissions",
        "Adds per-user permissions on connections (owner, editor or viewer).",
        "Same table as the backend's; its granted_at has DEFAULT CURRENT_TIMESTAMP there.",
        (AddTable("connection_permissions"),),
        undo=("Undoing it deletes every connection permission."),
    ),
    Revision(
        "e73bf9fb92f4", "f6554ddc8f18", "Add theme preference",
        "Adds each user's theme preference; existing users get 'light'.",
        "Same column as the backend's; the backend's carries DEFAULT 'light'.",
        (AddColumn("users", "theme_preference"),),
        undo=("Undoing it deletes every user's theme."),
    ),
    Revision(
        "20251109220344", "e73bf9fb92f4", "Add custom theme colours",
        "Adds each user's custom theme colours (empty until chosen). This is head.",
        "Same column as the backend's.",
        (AddColumn("users", "custom_theme_colors"),),
        undo=("Undoing it deletes every user's custom colours."),
    ),
)

REVISION_IDS: Final = tuple(r.id for r in REVISIONS)
HEAD_REVISION: Final = REVISION_IDS[-1]
_BY_ID: Final = {r.id: r for r in REVISIONS}


def revision(rev_id: str) -> Revision:
    """The revision with this id; KeyError for an id wsadmin does not know."""
    return _BY_ID[rev_id]


def position(rev_id: str) -> int:
    """0 for BASE, 1 for 001, ..., 6 for head: order of the points a database can be at."""
    return 0 if rev_id == BASE else REVISION_IDS.index(rev_id) + 1


def path(start: str | None, goal: str | None) -> list[str]:
    """The revisions between two points (None or BASE: before 001), in the order they
    run: ascending for an upgrade, newest first for a downgrade."""
    a, b = position(start or BASE), position(goal or BASE)
    if a <= b:
        return list(REVISION_IDS[a:b])
    return list(reversed(REVISION_IDS[b:a]))


def below(rev_id: str) -> str | None:
    """The revision a downgrade of `rev_id` lands on (None: before 001)."""
    at = position(rev_id)
    return REVISION_IDS[at - 2] if at > 1 else None


def pending(rev_id: str) -> tuple[Revision, ...]:
    """The revisions an upgrade from `rev_id` (or BASE) to head runs, in order."""
    return REVISIONS[position(rev_id):]


def _undo(shape: Shape, change: Addition) -> Shape:
    from wsadmin.db.schema.shape import Shape

    if isinstance(change, AddTable):
        return Shape(tuple(t for t in shape.tables if t.name != change.table))
    table = shape.table(change.table)
    if table is None:
        raise ValueError(f"{change}: head has no table {change.table}")
    return Shape(tuple(_undo_in_table(t, change) if t is table else t for t in shape.tables))


def _undo_in_table(t: Table, change: Addition) -> Table:
    from dataclasses import replace

    if isinstance(change, AddColumn):
        if t.column(change.column) is None:
            raise ValueError(f"{change}: head has no column {t.name}.{change.column}")
        col = change.column
        return replace(
            t,
            columns=tuple(c for c in t.columns if c.name != col),
            foreign_keys=tuple(fk for fk in t.foreign_keys if col not in fk.columns),
            indexes=tuple(i for i in t.indexes if col not in i.columns),
            # A check naming the column goes with it; head has none on added columns.
            checks=tuple(c for c in t.checks if col not in c.sql),
        )
    if isinstance(change, SetNotNull):
        return replace(t, columns=tuple(
            replace(c, not_null=False) if c.name == change.column else c for c in t.columns))
    if isinstance(change, AddForeignKey):
        kept = tuple(fk for fk in t.foreign_keys if fk.columns != change.columns)
        if len(kept) == len(t.foreign_keys):
            raise ValueError(f"{change}: head has no such foreign key")
        return replace(t, foreign_keys=kept)
    if isinstance(change, AddIndex):
        kept_ix = tuple(i for i in t.indexes
                        if i.constraint or i.columns != change.columns)
        if len(kept_ix) == len(t.indexes):
            raise ValueError(f"{change}: head has no such index")
        return replace(t, indexes=kept_ix)
    raise TypeError(change)


@cache
def _derive() -> dict[str, Shape]:
    """Every revision's shape, made on first use: the revisions' ids and words (what the
    GUI's first screen needs of this module) do not need the reference shapes."""
    from wsadmin.db.schema.shape import HEAD

    shapes = {HEAD_REVISION: HEAD}
    shape = HEAD
    for rev, below in zip(reversed(REVISIONS), reversed((BASE, *REVISION_IDS[:-1])),
                          strict=True):
        for change in reversed(rev.adds):
            shape = _undo(shape, change)
        shapes[below] = shape
    return shapes


def shape_at(rev_id: str) -> Shape:
    """The shape wsadmin's chain leaves at `rev_id`; BASE gives the legacy shape."""
    return _derive()[rev_id]
