"""Moving rows of one table from a workspace to another; linked rows follow.

What is linked (SCHEMA.md isolation_violations): a connection and its data
sources, a data source and the charts reading it, a chart and its CSV data,
a chart and the dashboards showing it (dashboard_charts). Moving a row alone
would leave such a pair split across two workspaces, so the rows linked to
it in the same source workspace move too, and their links in turn, until
nothing is split. Dashboard links are the one kind that can instead be cut
(`links="unlink"`: the crossing dashboard_charts rows are deleted and
counted); the others always follow. Rows already linked across workspaces
before the move are left as they are (the health checks report them).

The closure lives in TEMP tables of the caller's connection (allowed on a
read-only connection too), so a preview and the move compute exactly the
same sets. Logs stay where they are: they are history.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from wsadmin.db.editors.change import Change, Tally
from wsadmin.db.editors.common import (
    marks,
    require_workspace,
    scalar,
    to_int,
    workspace_name,
)
from wsadmin.db.editors.errors import FieldError

MOVABLE: Final = ("dashboards", "charts", "connections", "data_sources")
LINK_POLICIES: Final = ("follow", "unlink")
BACKUP_ABOVE: Final = 100
"""A move of more rows than this takes a verified backup first (editors.runner)."""
_T: Final = {t: f"temp.wsadmin_move_{t}" for t in MOVABLE}


@dataclass(frozen=True)
class MovePlan:
    source: int
    target: int
    table: str
    selected: int
    links: str
    rows: dict[str, int]
    """Rows that move, per table (the selection, what follows, and their csv_data)."""
    unlinked: int
    """dashboard_charts links cut (links="unlink")."""
    stale_permissions: int
    """Permissions on moved connections for users who are not members of the target."""
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.rows.values()) + self.unlinked

    @property
    def needs_backup(self) -> bool:
        return self.total > BACKUP_ABOVE

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "table": self.table,
                "selected": self.selected, "links": self.links, "rows": dict(self.rows),
                "unlinked": self.unlinked, "stale_permissions": self.stale_permissions,
                "total": self.total, "needs_backup": self.needs_backup,
                "notes": list(self.notes)}


def _grow(conn: sqlite3.Connection, table: str, sql: str, source: int) -> int:
    return conn.execute(f"INSERT OR IGNORE INTO {_T[table]} (id) {sql}", (source,)).rowcount


def _closure(conn: sqlite3.Connection, source: int, links: str) -> None:
    """Add to the sets every row of `source` linked to a row already in them, to a fixpoint."""
    t = _T
    rules = [
        ("data_sources", f"SELECT d.id FROM data_sources AS d WHERE d.workspace_id = ? AND "
                         f"d.connection_id IN (SELECT id FROM {t['connections']})"),
        ("connections", f"SELECT c.id FROM connections AS c WHERE c.workspace_id = ? AND c.id IN "
                        f"(SELECT d.connection_id FROM data_sources AS d WHERE d.id IN "
                        f"(SELECT id FROM {t['data_sources']}))"),
        ("charts", f"SELECT ch.id FROM charts AS ch WHERE ch.workspace_id = ? AND "
                   f"ch.data_source_id IN (SELECT id FROM {t['data_sources']})"),
        ("data_sources", f"SELECT d.id FROM data_sources AS d WHERE d.workspace_id = ? AND d.id "
                         f"IN (SELECT ch.data_source_id FROM charts AS ch WHERE ch.id IN "
                         f"(SELECT id FROM {t['charts']}))"),
    ]
    if links == "follow":
        rules += [
            ("charts", f"SELECT ch.id FROM charts AS ch WHERE ch.workspace_id = ? AND ch.id IN "
                       f"(SELECT l.chart_id FROM dashboard_charts AS l WHERE l.dashboard_id IN "
                       f"(SELECT id FROM {t['dashboards']}))"),
            ("dashboards", f"SELECT b.id FROM dashboards AS b WHERE b.workspace_id = ? AND b.id "
                           f"IN (SELECT l.dashboard_id FROM dashboard_charts AS l WHERE "
                           f"l.chart_id IN (SELECT id FROM {t['charts']}))"),
        ]
    while sum(_grow(conn, table, sql, source) for table, sql in rules):
        pass


_CROSSING: Final = (
    "FROM dashboard_charts AS l WHERE "
    f"(l.dashboard_id IN (SELECT id FROM {_T['dashboards']}) AND l.chart_id NOT IN "
    f"(SELECT id FROM {_T['charts']}) AND l.chart_id IN (SELECT id FROM charts WHERE "
    "workspace_id = ?1)) OR "
    f"(l.chart_id IN (SELECT id FROM {_T['charts']}) AND l.dashboard_id NOT IN "
    f"(SELECT id FROM {_T['dashboards']}) AND l.dashboard_id IN (SELECT id FROM dashboards "
    "WHERE workspace_id = ?1))")
"""Links the move would split: one end moves, the other stays in the source."""

_CSV: Final = (f"FROM csv_data WHERE workspace_id = ? AND chart_id IN "
               f"(SELECT id FROM {_T['charts']})")


def _prepare(conn: sqlite3.Connection, source: int, table: str, ids: Sequence[int] | None,
             target: int, links: str) -> MovePlan:
    if table not in MOVABLE:
        raise FieldError("table", f"rows of {table!r} cannot be moved",
                         "choose one of: " + ", ".join(MOVABLE))
    if links not in LINK_POLICIES:
        raise FieldError("links", f"{links!r} is not a way to treat dashboard links",
                         "choose follow or unlink")
    require_workspace(conn, source)
    require_workspace(conn, target, "target")
    if source == target:
        raise FieldError("target", "the rows are already in that workspace",
                         "choose another workspace")
    for name in _T.values():
        conn.execute(f"DROP TABLE IF EXISTS {name}")
        conn.execute(f"CREATE TEMP TABLE {name.removeprefix('temp.')} (id INTEGER PRIMARY KEY)")
    if ids is None:
        selected = conn.execute(f"INSERT INTO {_T[table]} (id) SELECT id FROM {table} "
                                "WHERE workspace_id = ?", (source,)).rowcount
    else:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            raise FieldError("ids", "no row chosen", "choose the rows to move")
        selected = 0
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            selected += conn.execute(
                f"INSERT INTO {_T[table]} (id) SELECT id FROM {table} WHERE workspace_id = ? "
                f"AND id IN ({marks(len(part))})", (source, *part)).rowcount
        if selected != len(wanted):
            raise FieldError("ids", f"{len(wanted) - selected} of the chosen {table} are not "
                             f"in {workspace_name(conn, source)}", "choose rows of that workspace")
    _closure(conn, source, links)
    rows = {t: to_int(scalar(conn, f"SELECT COUNT(*) FROM {_T[t]}")) for t in MOVABLE}
    rows["csv_data"] = to_int(scalar(conn, f"SELECT COUNT(*) {_CSV}", (source,)))
    unlinked = to_int(scalar(conn, f"SELECT COUNT(*) {_CROSSING}", (source,))) \
        if links == "unlink" else 0
    stale = to_int(scalar(
        conn, f"SELECT COUNT(*) FROM connection_permissions AS p WHERE p.connection_id IN "
        f"(SELECT id FROM {_T['connections']}) AND NOT EXISTS (SELECT 1 FROM workspace_members "
        "AS m WHERE m.workspace_id = ? AND m.user_id = p.user_id)", (target,)))
    notes = []
    followed = {t: n for t, n in rows.items() if n and (t != table or n != selected)}
    if followed:
        notes.append("linked rows follow: " + ", ".join(
            f"{n:,} {t}" for t, n in followed.items()))
    if stale:
        notes.append(f"{stale:,} connection permission(s) on moved connections name users who "
                     "are not members of the target: they become stale")
    return MovePlan(source, target, table, selected, links, {k: v for k, v in rows.items() if v},
                    unlinked, stale, notes)


def _drop(conn: sqlite3.Connection) -> None:
    for name in _T.values():
        conn.execute(f"DROP TABLE IF EXISTS {name}")


def plan_move(conn: sqlite3.Connection, source: int, table: str, ids: Sequence[int] | None,
              target: int, *, links: str = "follow") -> MovePlan:
    """What moving these rows (`ids`, or None for all of the table's rows in `source`)
    would move, read-only (the TEMP tables are dropped again)."""
    try:
        return _prepare(conn, source, table, ids, target, links)
    finally:
        _drop(conn)


def move_rows(conn: sqlite3.Connection, source: int, table: str, ids: Sequence[int] | None,
              target: int, *, links: str = "follow", now: str | None = None) -> Change:
    """Move the rows and everything linked to them (see the module's doc)."""
    tally = Tally("workspace.move_rows", now)
    try:
        plan = _prepare(conn, source, table, ids, target, links)
        if links == "unlink":
            tally.add("delete dashboard_charts", conn.execute(
                f"DELETE {_CROSSING}", (source,)).rowcount)
        for t in MOVABLE:
            n = conn.execute(f"UPDATE {t} SET workspace_id = ?, updated_at = ? WHERE id IN "
                             f"(SELECT id FROM {_T[t]})", (target, tally.now)).rowcount
            tally.add(f"move {t}", n)
        tally.add("move csv_data", conn.execute(
            f"UPDATE csv_data SET workspace_id = ? WHERE rowid IN (SELECT rowid {_CSV})",
            (target, source)).rowcount)
    finally:
        _drop(conn)
    tally.touch(workspaces=[source, target])
    tally.notes.extend(plan.notes)
    moved = sum(n for k, n in tally.counts.items() if k.startswith("move "))
    return tally.change(f"moved {moved:,} row(s) from {workspace_name(conn, source)} to "
                        f"{workspace_name(conn, target)}",
                        details={**plan.to_json(), "ids": list(ids)[:50] if ids else None})
