"""A database schema as plain data, read from SQLite, so shapes can be compared.

wsadmin never trusts `alembic_version` alone (SCHEMA.md, "The rule"): it reads
what the database really holds and compares it with the shape each revision
should leave. A `Shape` is that reading: tables with their columns, primary
key, foreign keys, unique constraints and indexes (as column lists, names kept
beside them because names never decide a comparison) and CHECK constraints
(from the CREATE text, the only place SQLite keeps them).

`HEAD` and `LEGACY` are the two reference shapes of SCHEMA.md, loaded once from
the SQL files shipped in this package.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Final

from wsadmin.db.schema import ddl_text

ALEMBIC_VERSION: Final = "alembic_version"
"""Alembic's bookkeeping table: read separately (states.py), never part of a shape."""

LEFTOVER_PREFIX: Final = "_alembic_tmp_"
"""Alembic batch mode's temporary copy; one left behind means a rebuild died."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    """Declared type as written (`VARCHAR(50)`), '' when none."""
    not_null: bool = False
    pk: int = 0
    """1-based position in the primary key, 0 when not part of it."""
    default: str | None = None
    """The DEFAULT clause's SQL text, None when there is none."""


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    target: str
    target_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"

    @property
    def key(self) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
        """What makes two foreign keys the same: ON DELETE is cosmetic (SCHEMA.md)."""
        return (self.columns, self.target, self.target_columns)


@dataclass(frozen=True)
class Index:
    """A unique constraint or an index; `name` and `constraint` are how it was made."""

    columns: tuple[str, ...]
    unique: bool
    name: str | None = None
    """Index or constraint name; None for an unnamed UNIQUE constraint."""
    constraint: bool = False
    """True: a UNIQUE constraint inside CREATE TABLE; False: a CREATE INDEX."""
    partial: bool = False
    """Has a WHERE clause; a partial unique index does not make its columns unique."""

    @property
    def key(self) -> tuple[frozenset[str] | tuple[str, ...], bool, bool]:
        """Unique ones compare as column sets (uniqueness ignores order), others as lists."""
        cols: frozenset[str] | tuple[str, ...] = (
            frozenset(self.columns) if self.unique else self.columns)
        return (cols, self.unique, self.partial)


EXPRESSION: Final = "<expression>"
"""Stands for an indexed expression, which has no column name."""


@dataclass(frozen=True)
class Check:
    sql: str
    """The expression inside CHECK ( ), spacing made canonical."""
    name: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    indexes: tuple[Index, ...] = ()
    checks: tuple[Check, ...] = ()

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def primary_key(self) -> tuple[str, ...]:
        return tuple(c.name for c in sorted(self.columns, key=lambda c: c.pk) if c.pk)


@dataclass(frozen=True)
class Shape:
    tables: tuple[Table, ...]
    _by_name: dict[str, Table] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {t.name: t for t in self.tables})

    def table(self, name: str) -> Table | None:
        return self._by_name.get(name)

    @property
    def table_names(self) -> frozenset[str]:
        return frozenset(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name


def _is_shape_table(name: str) -> bool:
    return not name.startswith("sqlite_") and name != ALEMBIC_VERSION


def read_table(conn: sqlite3.Connection, name: str, create_sql: str | None) -> Table:
    """One table from the PRAGMAs (columns, keys, indexes) and its CREATE text (checks)."""
    columns = tuple(
        Column(name=r[1], type=r[2] or "", not_null=bool(r[3]), default=r[4], pk=int(r[5]))
        for r in conn.execute("SELECT * FROM pragma_table_info(?)", (name,)))
    text = create_sql or ""
    constraint_names = ddl_text.unique_constraint_names(text)
    indexes: list[Index] = []
    for row in conn.execute(
            "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?)", (name,)):
        index_name, unique, origin, partial = row[0], bool(row[1]), row[2], bool(row[3])
        if origin == "pk":  # the primary key is compared as the primary key
            continue
        cols = tuple(
            r[0] if r[0] is not None else EXPRESSION
            for r in conn.execute(
                "SELECT name FROM pragma_index_info(?) ORDER BY seqno", (index_name,)))
        if origin == "u":
            indexes.append(Index(cols, unique, constraint_names.get(cols), True, partial))
        else:
            indexes.append(Index(cols, unique, index_name, False, partial))
    indexes.sort(key=lambda i: (i.name or "", i.columns))
    return Table(
        name=name,
        columns=columns,
        foreign_keys=_read_foreign_keys(conn, name),
        indexes=tuple(indexes),
        checks=tuple(Check(c.sql, c.name) for c in ddl_text.checks(text)),
    )


def _read_foreign_keys(conn: sqlite3.Connection, name: str) -> tuple[ForeignKey, ...]:
    groups: dict[int, list[tuple[int, str, str, str | None, str]]] = {}
    for r in conn.execute(
            "SELECT id, seq, \"table\", \"from\", \"to\", on_delete "
            "FROM pragma_foreign_key_list(?)", (name,)):
        groups.setdefault(int(r[0]), []).append((int(r[1]), r[2], r[3], r[4], r[5]))
    keys: list[ForeignKey] = []
    for rows in groups.values():
        rows.sort()
        target = rows[0][1]
        targets: tuple[str, ...] = tuple(r[3] or "" for r in rows)
        if not all(targets):
            # `REFERENCES t` without columns means t's primary key.
            pk = [r[1] for r in sorted(
                (r for r in conn.execute("SELECT cid, name, pk FROM pragma_table_info(?)",
                                         (target,)) if r[2]), key=lambda r: r[2])]
            targets = tuple(pk)
        keys.append(ForeignKey(tuple(r[2] for r in rows), target, targets, rows[0][4]))
    keys.sort(key=lambda k: k.key)
    return tuple(keys)


def read_shape(conn: sqlite3.Connection) -> Shape:
    """The shape of every table except SQLite's own and alembic_version."""
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid").fetchall()
    return Shape(tuple(read_table(conn, name, sql) for name, sql in rows
                       if _is_shape_table(name)))


def shape_from_sql(sql: str) -> Shape:
    """Run DDL into a private in-memory database and read its shape back."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(sql)
        return read_shape(conn)
    finally:
        conn.close()


def packaged_sql(name: str) -> str:
    """One of the reference SQL files shipped in wsadmin/db/schema/sql/."""
    from importlib import resources

    return resources.files("wsadmin.db.schema").joinpath("sql", name).read_text("utf-8")


_REFERENCES: Final = {
    # What the backend's models create: the schema its code needs (revision 20251109220344).
    "HEAD": "head.sql",
    # The pre-workspace schema, before revision 001.
    "LEGACY": "legacy.sql",
}


@cache
def _reference(name: str) -> Shape:
    return shape_from_sql(packaged_sql(_REFERENCES[name]))


def __getattr__(name: str) -> Shape:
    """`HEAD` and `LEGACY`, read from their SQL files on first use (PEP 562): modules that
    only need this one's records (the GUI's first screen) do not pay for reading them."""
    if name in _REFERENCES:
        return _reference(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    HEAD: Shape
    LEGACY: Shape
