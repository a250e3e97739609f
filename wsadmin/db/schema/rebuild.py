"""Changing one table in place: SQLite's twelve-step rebuild, and the columns it can add.

SQLite cannot add NOT NULL, a foreign key, a CHECK or a unique constraint to
an existing table. Its documented recipe (lang_altertable.html, "other
kinds of table schema changes") is what `rebuild_table` does, in plain SQL on
the connection the migration runs in: create `_alembic_tmp_<table>` in the
wanted shape, copy every row with one INSERT ... SELECT, drop the old table,
rename the copy, recreate the old table's indexes and triggers. Alembic's
batch mode does the same but drops triggers and copies from reflection
(DESIGN.md rule 6), so wsadmin does not use it.

Values are written during the copy (`Fill`), so filling a column and making
it NOT NULL cost one pass over the table, not two; when a table needs no
rebuild, the same Fill runs as one UPDATE. Foreign keys must be off (a DROP
TABLE with them on deletes child rows through ON DELETE CASCADE).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace

from wsadmin.db.schema import render
from wsadmin.db.schema.shape import LEFTOVER_PREFIX, Column, Table
from wsadmin.db.sqlite.introspect import quote_ident


@dataclass(frozen=True)
class Fill:
    """Set `column` to the SQL expression `value` in the rows where `when` holds.

    `when` None means "where the column is NULL". `value` and `when` may name
    the table's other columns, qualified by the table's quoted name.
    """

    column: str
    value: str
    params: tuple[object, ...] = ()
    when: str | None = None
    when_params: tuple[object, ...] = ()

    def _condition(self) -> str:
        return self.when if self.when is not None else f"{quote_ident(self.column)} IS NULL"

    def copy_expression(self, present: bool) -> tuple[str, tuple[object, ...]]:
        """The SELECT expression that copies the column with the fill applied."""
        if not present:
            if self.when is not None:
                raise ValueError(f"cannot test a condition on the missing column {self.column}")
            return self.value, self.params
        return (f"CASE WHEN {self._condition()} THEN {self.value} "
                f"ELSE {quote_ident(self.column)} END", (*self.when_params, *self.params))

    def update(self, conn: sqlite3.Connection, table: str) -> int:
        """Apply the fill to a table that is not being rebuilt; the number of rows changed."""
        cur = conn.execute(
            f"UPDATE {quote_ident(table)} SET {quote_ident(self.column)} = {self.value} "
            f"WHERE {self._condition()}", (*self.params, *self.when_params))
        return cur.rowcount


def require_foreign_keys_off(conn: sqlite3.Connection) -> None:
    if conn.execute("PRAGMA foreign_keys").fetchone()[0]:
        raise RuntimeError("foreign keys are on: a table rebuild would cascade-delete rows "
                           "(turn them off before BEGIN)")


def column_sql(col: Column) -> str:
    line = quote_ident(col.name) + (" " + col.type if col.type else "")
    if col.not_null:
        line += " NOT NULL"
    if col.default is not None:
        line += " DEFAULT " + col.default
    return line


def addable(want: Table, col: Column) -> bool:
    """Whether `ALTER TABLE ADD COLUMN` gives `want`'s column with everything on it.

    SQLite adds a column only if it is not part of the primary key or a UNIQUE
    constraint and, when NOT NULL, has a default; a foreign key on the column
    alone can be written inline. A CHECK naming it needs the rebuild (the same
    textual test chain.py uses).
    """
    if col.pk or (col.not_null and col.default is None):
        return False
    if any(col.name in i.columns for i in want.indexes if i.constraint):
        return False
    if any(col.name in fk.columns and fk.columns != (col.name,) for fk in want.foreign_keys):
        return False
    return not any(col.name in c.sql for c in want.checks)


def add_column(conn: sqlite3.Connection, want: Table, col: Column) -> None:
    definition = column_sql(col)
    for fk in want.foreign_keys:
        if fk.columns == (col.name,):
            definition += (f" REFERENCES {quote_ident(fk.target)} "
                           f"({', '.join(quote_ident(c) for c in fk.target_columns)})")
            if fk.on_delete.upper() != "NO ACTION":
                definition += " ON DELETE " + fk.on_delete
    conn.execute(f"ALTER TABLE {quote_ident(want.name)} ADD COLUMN {definition}")


def merged_table(have: Table, want: Table, later: Table | None,
                 drop: frozenset[str] = frozenset()) -> Table:
    """What a rebuild creates: `want`, plus what `have` holds beyond it that may stay.

    Columns keep `have`'s order (columns `want` adds come last, as ADD COLUMN
    would put them), so an upgrade and its downgrade leave the order alone.
    Kept from `have`: every extra column (a later revision's, or one the
    backend ignores) except those in `drop`, with the keys, uniques and checks
    on extra columns only, and anything `later` (head) also has.
    """
    extra = {c.name for c in have.columns if want.column(c.name) is None} - drop

    def stays(columns: Sequence[str], in_later: bool) -> bool:
        return not drop.intersection(columns) and (set(columns) <= extra or in_later)

    columns: list[Column] = []
    for col in have.columns:
        wanted = want.column(col.name)
        if col.name in drop:
            continue
        if wanted is None:
            columns.append(replace(col, pk=0))
            continue
        later_col = later.column(col.name) if later is not None else None
        keep_not_null = col.not_null and later_col is not None and later_col.not_null
        columns.append(replace(wanted, not_null=wanted.not_null or keep_not_null))
    columns += [c for c in want.columns if have.column(c.name) is None]

    want_fks = {fk.key for fk in want.foreign_keys}
    later_fks = {fk.key for fk in later.foreign_keys} if later is not None else set()
    fks = list(want.foreign_keys) + [
        fk for fk in have.foreign_keys
        if fk.key not in want_fks and stays(fk.columns, fk.key in later_fks)]
    want_keys = {i.key for i in want.indexes}
    later_keys = {i.key for i in later.indexes} if later is not None else set()
    uniques = [i for i in want.indexes if i.constraint] + [
        i for i in have.indexes
        if i.constraint and i.key not in want_keys and stays(i.columns, i.key in later_keys)]
    want_checks = {c.sql for c in want.checks}
    later_checks = {c.sql for c in later.checks} if later is not None else set()
    checks = list(want.checks) + [
        c for c in have.checks if c.sql not in want_checks and c.sql in later_checks
        and not any(name in c.sql for name in drop)]
    return Table(want.name, tuple(columns), tuple(fks), tuple(uniques), tuple(checks))


def rebuild_table(conn: sqlite3.Connection, have: Table, want: Table, *,
                  later: Table | None, fills: Sequence[Fill] = (),
                  drop: frozenset[str] = frozenset(),
                  drop_index_keys: frozenset[object] = frozenset()) -> None:
    """Rebuild `have` as merged_table(have, want, later, drop), copying every row once.

    The old table's own indexes are recreated by their SQL unless they cover a
    dropped column or their key is in `drop_index_keys`; its triggers always.
    """
    require_foreign_keys_off(conn)
    name = have.name
    tmp = LEFTOVER_PREFIX + name
    target = merged_table(have, want, later, drop)
    kept = {i.name for i in have.indexes
            if not i.constraint and not drop.intersection(i.columns)
            and i.key not in drop_index_keys}
    saved = [sql for kind, obj, sql in conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? "
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name", (name,))
        if kind == "trigger" or obj in kept]
    by_column = {f.column: f for f in fills}
    exprs: list[str] = []
    params: list[object] = []
    for col in target.columns:
        fill = by_column.get(col.name)
        present = have.column(col.name) is not None
        if fill is not None:
            expr, values = fill.copy_expression(present)
            exprs.append(expr)
            params.extend(values)
        elif present:
            exprs.append(quote_ident(col.name))
        elif col.default is not None or not col.not_null:
            exprs.append(col.default if col.default is not None else "NULL")
        else:
            raise ValueError(f"{name}.{col.name} is NOT NULL and nothing fills it")
    legacy_alter = conn.execute("PRAGMA legacy_alter_table").fetchone()[0]
    # The rename must not re-check views and triggers naming the table (rule 6).
    conn.execute("PRAGMA legacy_alter_table=ON")
    try:
        conn.execute(render.create_table_sql(target, tmp))
        names = ", ".join(quote_ident(c.name) for c in target.columns)
        conn.execute(f"INSERT INTO {quote_ident(tmp)} ({names}) "
                     f"SELECT {', '.join(exprs)} FROM {quote_ident(name)}", params)
        conn.execute(f"DROP TABLE {quote_ident(name)}")
        conn.execute(f"ALTER TABLE {quote_ident(tmp)} RENAME TO {quote_ident(name)}")
    finally:
        conn.execute(f"PRAGMA legacy_alter_table={'ON' if legacy_alter else 'OFF'}")
    for sql in saved:
        conn.execute(sql)
