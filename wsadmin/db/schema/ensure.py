"""Ensure a shape from whatever the database holds; retreat from a revision exactly.

Each of wsadmin's revisions calls `ensure_shape(conn, chain.shape_at(R))`
(SCHEMA.md "The rule"): every table of the target is compared with what is
there, and only breaking or degraded differences are acted on:
- a missing table is created from its rendered shape, with head's indexes;
- missing columns are added with ALTER TABLE ADD COLUMN when that gives the
  target (rebuild.addable), else the table is rebuilt;
- a column nullable where the target says NOT NULL, a missing foreign key,
  CHECK or unique constraint, a primary key or an unwanted NOT NULL: rebuild;
- missing indexes, compared by (columns, unique), are created under head's names.
What a later revision adds, and every cosmetic difference, is left as it is, so
a database already past the target (at head, made by init_db) is not touched.

`retreat(conn, revision)` is the downgrade: it removes exactly what the
revision's `adds` declare (chain.py), leaving the previous shape.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

from wsadmin.db.schema import chain, render
from wsadmin.db.schema.compare import Severity, compare
from wsadmin.db.schema.rebuild import (
    Fill,
    add_column,
    addable,
    rebuild_table,
    require_foreign_keys_off,
)
from wsadmin.db.schema.shape import HEAD, Index, Shape, Table, read_table
from wsadmin.db.sqlite.introspect import quote_ident

Fills = Mapping[str, Sequence[Fill]]
"""Fills by table name."""

_REBUILD_KINDS = frozenset({"nullable", "not_null", "primary_key", "missing_foreign_key",
                            "missing_check"})


def _read(conn: sqlite3.Connection, name: str) -> Table | None:
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                       (name,)).fetchone()
    return None if row is None else read_table(conn, name, row[0])


def _actionable(have: Table, want: Table, later: Table | None) -> set[str]:
    diffs = compare(Shape((have,)), Shape((want,)),
                    later=Shape((later,)) if later is not None else None)
    return {d.kind for d in diffs if d.severity is not Severity.COSMETIC}


def _missing_unique_constraint(have: Table, want: Table) -> bool:
    have_keys = {i.key for i in have.indexes}
    return any(i.constraint and i.key not in have_keys
               and all(have.column(c) is not None for c in i.columns) for i in want.indexes)


def _covered(index: Index, have: Table) -> bool:
    """Compare's rule: a missing non-unique index whose columns lead another is cosmetic."""
    return not index.unique and any(
        i.columns[:len(index.columns)] == index.columns and not i.partial for i in have.indexes)


def create_missing_indexes(conn: sqlite3.Connection, want: Table,
                           have: Table | None = None) -> list[str]:
    """Create `want`'s indexes the table lacks (by key); `have`: the table as it is now,
    read again when not given."""
    have = have if have is not None else _read(conn, want.name)
    assert have is not None
    keys = {i.key for i in have.indexes}
    made: list[str] = []
    for index in want.indexes:
        if index.constraint or index.key in keys or _covered(index, have):
            continue
        conn.execute(render.create_index_sql(want, index))
        made.append(render.index_name(want, index))
        keys.add(index.key)
    return made


def ensure_table(conn: sqlite3.Connection, want: Table, fills: Sequence[Fill] = ()) -> str:
    """Make the table `want.name` have `want`'s shape; says what it did, '' for nothing."""
    have = _read(conn, want.name)
    if have is None:
        for stmt in render.create_statements(want):
            conn.execute(stmt)
        return f"created {want.name}"
    later = HEAD.table(want.name)
    kinds = _actionable(have, want, later)
    missing = [c for c in want.columns if have.column(c.name) is None]
    done = ""
    if (kinds & _REBUILD_KINDS or _missing_unique_constraint(have, want)
            or any(not addable(want, c) for c in missing)):
        rebuild_table(conn, have, want, later=later, fills=fills)
        done = f"rebuilt {want.name}"
    else:
        for col in missing:
            add_column(conn, want, col)
        changed = sum(f.update(conn, want.name) for f in fills)
        if missing or changed:
            done = f"altered {want.name}"
    made = create_missing_indexes(conn, want, None if done else have)
    if made and not done:
        done = f"indexed {want.name}"
    return done


def ensure_shape(conn: sqlite3.Connection, target: Shape, fills: Fills | None = None) -> list[str]:
    """Ensure every table of `target`, in its order; what was done, table by table."""
    fills = fills or {}
    require_foreign_keys_off(conn)
    unknown = set(fills) - target.table_names
    if unknown:
        raise ValueError(f"fills for tables outside the target: {sorted(unknown)}")
    return [done for table in target.tables
            if (done := ensure_table(conn, table, fills.get(table.name, ())))]


def _indexes_added(change: chain.AddIndex) -> frozenset[object]:
    table = HEAD.table(change.table)
    assert table is not None
    return frozenset(i.key for i in table.indexes
                     if not i.constraint and i.columns == change.columns)


def _needs_rebuild(have: Table, changes: Sequence[chain.Addition]) -> bool:
    if any(isinstance(c, (chain.SetNotNull, chain.AddForeignKey)) for c in changes):
        return True
    dropped = {c.column for c in changes if isinstance(c, chain.AddColumn)}
    return bool(
        any(dropped.intersection(fk.columns) for fk in have.foreign_keys)
        or any(dropped.intersection(i.columns) for i in have.indexes if i.constraint)
        or any(c.name in dropped and c.pk for c in have.columns)
        or any(name in check.sql for check in have.checks for name in dropped))


def retreat(conn: sqlite3.Connection, revision: chain.Revision, fills: Fills | None = None) -> None:
    """Undo `revision`'s schema: drop its tables and columns, its NOT NULLs, keys and
    indexes, leaving chain.shape_at(revision.down). Fills run on tables it changes."""
    fills = fills or {}
    require_foreign_keys_off(conn)
    previous = chain.shape_at(revision.down or chain.BASE)
    by_table: dict[str, list[chain.Addition]] = {}
    for change in revision.adds:
        if not isinstance(change, chain.AddTable):
            by_table.setdefault(change.table, []).append(change)
    for name, changes in by_table.items():
        have, want = _read(conn, name), previous.table(name)
        if have is None or want is None:
            continue
        drop = frozenset(c.column for c in changes if isinstance(c, chain.AddColumn)
                         and have.column(c.column) is not None)
        index_keys = frozenset().union(*(_indexes_added(c) for c in changes
                                         if isinstance(c, chain.AddIndex)))
        table_fills = fills.get(name, ())
        if _needs_rebuild(have, changes):
            rebuild_table(conn, have, want, later=None, fills=table_fills, drop=drop,
                          drop_index_keys=index_keys)
            continue
        for index in have.indexes:
            if not index.constraint and (index.key in index_keys
                                         or drop.intersection(index.columns)):
                conn.execute(f"DROP INDEX {quote_ident(index.name or '')}")
        for column in sorted(drop, key=have.column_names.index):
            conn.execute(f"ALTER TABLE {quote_ident(name)} DROP COLUMN {quote_ident(column)}")
        for fill in table_fills:
            fill.update(conn, name)
    for change in reversed(revision.adds):
        if isinstance(change, chain.AddTable):
            conn.execute(f"DROP TABLE IF EXISTS {quote_ident(change.table)}")
