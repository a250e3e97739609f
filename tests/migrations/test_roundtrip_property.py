"""Up -> down -> up over random legacy data (Hypothesis).

Going up to head and back down to base gives the legacy rows back (only the
NULLs 002's step 6 fills stay filled, as SCHEMA.md says) in exactly the legacy
shape; going up again gives the same head database as the first time (only
the moments 002 stamps with "now" differ).
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.migrations.support import connect, dump
from wsadmin.db.schema import backend_tooling as bt
from wsadmin.db.schema import chain, steps
from wsadmin.db.schema.backend_tooling import LAB_HASH
from wsadmin.db.schema.compare import compare
from wsadmin.db.schema.shape import Shape, Table, read_shape

NOW_COLUMNS = {("workspaces", 5), ("workspace_settings", 9)}
"""(table, column index) of values 002 writes as "now": workspaces.updated_at,
workspace_settings.updated_at."""

TEXT = st.text(alphabet=st.sampled_from("aZé'ø ß-"), min_size=1, max_size=8)
MOMENT = st.integers(0, 10_000).map(
    lambda s: f"2024-01-{1 + s // 1000:02d} 0{s % 10}:00:00.{s:06d}")


@st.composite
def legacy_rows(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    n_users = draw(st.integers(0, 6))
    users = [{"id": i, "username": f"{draw(TEXT)}{i}", "email": f"u{i}@example.com",
              "password_hash": LAB_HASH,
              "role": draw(st.sampled_from(["admin", "editor", "viewer", "superuser", ""])),
              "is_active": draw(st.sampled_from([0, 1, None])), "created_at": draw(MOMENT)}
             for i in range(1, n_users + 1)]
    if not users:
        return {"users": []}  # rows without any user are refused (test_002_semantics)
    creators = st.sampled_from([u["id"] for u in users] + [99])
    dashboards = [{"id": i, "name": draw(TEXT), "layout": "{}", "created_by": draw(creators)}
                  for i in range(1, draw(st.integers(0, 4)) + 1)]
    charts = [{"id": i, "name": draw(TEXT), "chart_type": "bar", "config": "{}",
               "created_by": draw(creators)} for i in range(1, draw(st.integers(0, 4)) + 1)]
    chart_ids = st.sampled_from([c["id"] for c in charts] + [77])
    csv = [{"id": i, "chart_id": draw(chart_ids), "data": "[]", "column_types": "{}",
            "row_count": 0} for i in range(1, draw(st.integers(0, 3)) + 1)]
    logs = [{"id": i, "user_id": draw(st.one_of(st.none(), creators)), "action": "x"}
            for i in range(1, draw(st.integers(0, 4)) + 1)]
    connections = [{"id": i, "name": draw(TEXT), "type": "postgresql", "config": '"Z0FBQUFB"',
                    "created_by": draw(creators)} for i in range(1, draw(st.integers(0, 2)) + 1)]
    return {"users": users, "dashboards": dashboards, "charts": charts, "csv_data": csv,
            "logs": logs, "connections": connections}


def _run(db: Path, action: str, revisions: list[str]) -> None:
    conn = connect(db)
    try:
        conn.execute("BEGIN")
        for rev in revisions:
            (steps.upgrade if action == "up" else steps.downgrade)(rev, conn)
        conn.execute("COMMIT")
    finally:
        conn.close()


def _shape(db: Path) -> dict[str, Table]:
    conn = sqlite3.connect(db)
    try:
        return {t.name: t for t in read_shape(conn).tables}
    finally:
        conn.close()


def _masked(data: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    return {t: [tuple(None if (t, i) in NOW_COLUMNS else v for i, v in enumerate(row))
                for row in rows] for t, rows in data.items()}


UP = list(chain.REVISION_IDS)
DOWN = list(reversed(chain.REVISION_IDS))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rows=legacy_rows())
def test_up_down_up_keeps_the_data(rows: dict[str, list[dict[str, Any]]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = bt.legacy(Path(folder) / "app_metadata.db", rows)
        shape0, legacy0 = _shape(db), dump(db)[1]
        _run(db, "up", UP)
        _, head1 = dump(db)
        _run(db, "down", DOWN)
        legacy1 = dump(db)[1]
        # Same tables, columns, keys and index names (rebuilt tables' CREATE text is
        # wsadmin's rendering, so the text itself may differ in quoting).
        assert _shape(db) == shape0
        assert compare(Shape(tuple(shape0.values())), chain.shape_at(chain.BASE)) == []
        # users: id, username, email, hash, role, created_at, updated_at, last_login,
        # is_active; only is_active NULL -> 0 stays (002 step 6 is not undone)
        filled = [r[:8] + ((0,) if r[8] is None else r[8:]) for r in legacy0["users"]]
        assert legacy1 == {**legacy0, "users": sorted(filled, key=repr)}
        _run(db, "up", UP)
        _, head2 = dump(db)
        assert _masked(head2) == _masked(head1)
