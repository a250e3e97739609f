"""Shapes back to DDL: CREATE TABLE and CREATE INDEX statements from the data.

Revisions create tables in each revision's shape and rebuild tables whose shape
is wrong; tests build databases in any revision's shape. Both need the DDL to
come from the same data the comparison uses, so that what is created is, by
construction, what the classifier expects. Rendering a shape and reading it
back gives an equal shape (tests/unit/schema/test_shape.py proves it for HEAD).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from wsadmin.db.schema.shape import EXPRESSION, Index, Shape, Table
from wsadmin.db.sqlite_engine import quote_ident


def _cols(names: Iterable[str]) -> str:
    return ", ".join(quote_ident(n) for n in names)


def create_table_sql(table: Table, name: str | None = None) -> str:
    """CREATE TABLE for `table`, optionally under another name (a rebuild's new copy)."""
    lines: list[str] = []
    for col in table.columns:
        line = quote_ident(col.name)
        if col.type:
            line += " " + col.type
        if col.not_null:
            line += " NOT NULL"
        if col.default is not None:
            line += " DEFAULT " + col.default
        lines.append(line)
    if table.primary_key:
        lines.append(f"PRIMARY KEY ({_cols(table.primary_key)})")
    for index in table.indexes:
        if index.constraint:
            _check_plain(table, index)
            prefix = f"CONSTRAINT {quote_ident(index.name)} " if index.name else ""
            lines.append(f"{prefix}UNIQUE ({_cols(index.columns)})")
    for check in table.checks:
        prefix = f"CONSTRAINT {quote_ident(check.name)} " if check.name else ""
        lines.append(f"{prefix}CHECK ({check.sql})")
    for fk in table.foreign_keys:
        line = (f"FOREIGN KEY ({_cols(fk.columns)}) "
                f"REFERENCES {quote_ident(fk.target)} ({_cols(fk.target_columns)})")
        if fk.on_delete.upper() != "NO ACTION":
            line += " ON DELETE " + fk.on_delete
        lines.append(line)
    body = ",\n\t".join(lines)
    return f"CREATE TABLE {quote_ident(name or table.name)} (\n\t{body}\n)"


def _check_plain(table: Table, index: Index) -> None:
    """Expression and partial indexes cannot be rebuilt from column lists: say so."""
    if index.partial or EXPRESSION in index.columns:
        raise ValueError(f"cannot render index {index.name!r} of {table.name!r}: "
                         "it is partial or on an expression")


def index_name(table: Table, index: Index) -> str:
    """The index's own name, or SQLAlchemy's `ix_<table>_<column>` style when it has none."""
    return index.name or f"ix_{table.name}_{'_'.join(index.columns)}"


def create_index_sql(table: Table, index: Index) -> str:
    _check_plain(table, index)
    unique = "UNIQUE " if index.unique else ""
    return (f"CREATE {unique}INDEX {quote_ident(index_name(table, index))} "
            f"ON {quote_ident(table.name)} ({_cols(index.columns)})")


def create_statements(table: Table) -> list[str]:
    """The table and its CREATE INDEX statements, in the order they must run."""
    return [create_table_sql(table)] + [
        create_index_sql(table, i) for i in table.indexes if not i.constraint]


def shape_statements(shape: Shape) -> list[str]:
    """Every statement that builds `shape` in an empty database.

    SQLite accepts a REFERENCES to a table created later, so table order does
    not matter; the shape's own order is kept for readable dumps.
    """
    return [stmt for table in shape.tables for stmt in create_statements(table)]


def build(conn: sqlite3.Connection, shape: Shape) -> None:
    """Create every table of `shape` (the caller owns the transaction)."""
    for stmt in shape_statements(shape):
        conn.execute(stmt)
