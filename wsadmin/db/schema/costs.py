"""What a downgrade discards, counted before it runs, registered by revision id.

The rollback plan shows these numbers, so they must be what the downgrade
really removes: the counts use the downgrade's own predicates. A revision's
declared additions (chain.py) give the generic part: each table it adds goes
with all its rows, each column with its non-NULL values. Revision 002 adds
its data part (default_workspace.py): rows and users taken out of `default`,
`default`'s memberships and settings, `default` itself, and a warning when
002 reused a `default` it did not create.

A rollback over several revisions counts each row once: what a newer
revision's downgrade already removed (say, `default` and its memberships) is
not counted again when an older one drops the table it was in.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from wsadmin.db.schema import chain
from wsadmin.db.schema import default_workspace as dw
from wsadmin.db.sqlite.introspect import quote_ident


@dataclass(frozen=True)
class Loss:
    kind: str
    """`table` (dropped with its rows), `column` (dropped with its values), `rows`
    (deleted), `assignments` (set back to NULL)."""
    table: str
    column: str | None
    count: int
    message: str


@dataclass(frozen=True)
class DowngradeCost:
    revision: str
    losses: tuple[Loss, ...]
    warnings: tuple[str, ...] = ()
    """Operator sentences, e.g. a reused `default`: restore the backup instead."""

    @property
    def lossless(self) -> bool:
        return not self.warnings and all(loss.count == 0 for loss in self.losses)

    def count(self, kind: str, table: str, column: str | None = None) -> int:
        return sum(loss.count for loss in self.losses
                   if (loss.kind, loss.table, loss.column) == (kind, table, column))


Predicate = tuple[str, tuple[object, ...]]


@dataclass
class _Removed:
    """Predicates of rows (column None) or values a newer downgrade already removes."""

    by_target: dict[tuple[str, str | None], list[Predicate]] = field(default_factory=dict)

    def add(self, table: str, column: str | None, predicate: Predicate) -> None:
        self.by_target.setdefault((table, column), []).append(predicate)

    def excluding(self, table: str, column: str | None) -> Predicate:
        """`AND NOT (...)` for each earlier predicate on this table or column."""
        preds = self.by_target.get((table, column), [])
        sql = "".join(f" AND NOT ({p})" for p, _ in preds)
        return sql, tuple(v for _, params in preds for v in params)


def _exists(conn: sqlite3.Connection, table: str, column: str | None = None) -> bool:
    cols = {r[0] for r in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))}
    return bool(cols) and (column is None or column in cols)


def _count(conn: sqlite3.Connection, table: str, where: str, params: tuple[object, ...]
           ) -> int:
    return int(conn.execute(f"SELECT COUNT(*) FROM {quote_ident(table)} WHERE {where}",
                            params).fetchone()[0])


def _schema_losses(conn: sqlite3.Connection, rev: chain.Revision, removed: _Removed
                   ) -> list[Loss]:
    losses: list[Loss] = []
    for change in rev.adds:
        if isinstance(change, chain.AddTable) and _exists(conn, change.table):
            extra, params = removed.excluding(change.table, None)
            n = _count(conn, change.table, "1" + extra, params)
            losses.append(Loss("table", change.table, None, n,
                               f"table {change.table} is dropped with its {n} rows"))
        elif isinstance(change, chain.AddColumn) and _exists(conn, change.table, change.column):
            col = quote_ident(change.column)
            extra, params = removed.excluding(change.table, change.column)
            n = _count(conn, change.table, f"{col} IS NOT NULL" + extra, params)
            losses.append(Loss("column", change.table, change.column, n,
                               f"column {change.table}.{change.column} is dropped with its "
                               f"{n} values"))
    return losses


def _default_losses(conn: sqlite3.Connection, backup: Path | None, removed: _Removed
                    ) -> tuple[list[Loss], list[str]]:
    workspace = dw.default_id(conn)
    if workspace is None:
        return [], []
    losses: list[Loss] = []
    for table, fills in dw.in_default(workspace).items():
        for fill in fills:
            if fill.when is None or not _exists(conn, table, fill.column):
                continue
            n = _count(conn, table, fill.when, fill.when_params)
            losses.append(Loss("assignments", table, fill.column, n,
                               f"{n} {table} rows leave the workspace 'default' "
                               f"({table}.{fill.column} becomes empty)"))
            removed.add(table, fill.column, (fill.when, fill.when_params))
    for table, column in dw.DEFAULT_OWNED:
        where = f"{quote_ident(column)} = ?"
        n = _count(conn, table, where, (workspace,))
        losses.append(Loss("rows", table, None, n,
                           f"{n} {table} rows of the workspace 'default' are deleted"))
        removed.add(table, None, (where, (workspace,)))
    reused = dw.reused_default(conn, backup)
    warnings = [] if reused is None else [
        reused + "; restore the pre-upgrade backup instead of downgrading"]
    return losses, warnings


DataCost = Callable[[sqlite3.Connection, Path | None, _Removed], tuple[list[Loss], list[str]]]

DATA_COSTS: Final[dict[str, DataCost]] = {"002": _default_losses}
"""Revisions whose downgrade removes data beyond the tables and columns they add."""


def _cost(conn: sqlite3.Connection, rev_id: str, backup: Path | None, removed: _Removed
          ) -> DowngradeCost:
    rev = chain.revision(rev_id)
    losses: list[Loss] = []
    warnings: list[str] = []
    data = DATA_COSTS.get(rev_id)
    if data is not None:
        losses, warnings = data(conn, backup, removed)
    losses += _schema_losses(conn, rev, removed)
    return DowngradeCost(rev_id, tuple(losses), tuple(warnings))


def downgrade_cost(conn: sqlite3.Connection, rev_id: str, backup: Path | None = None
                   ) -> DowngradeCost:
    """What undoing `rev_id` alone discards from the database as it is now.

    `backup`: the pre-upgrade backup, if known, to tell whether 002 reused `default`.
    """
    return _cost(conn, rev_id, backup, _Removed())


def rollback_costs(conn: sqlite3.Connection, revisions: Sequence[str],
                   backup: Path | None = None) -> list[DowngradeCost]:
    """Costs of undoing `revisions`, newest first (the order a downgrade runs them)."""
    removed = _Removed()
    return [_cost(conn, rev_id, backup, removed) for rev_id in revisions]
