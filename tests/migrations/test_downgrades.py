"""Downgrades go back to exactly the previous shape, and the rollback plan's loss
counts are what they really remove (counted before and after, not by costs.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.migrations.support import RICH_ROWS, at_revision, bare_shape, connect, query
from wsadmin.db.schema import backend_tooling as bt
from wsadmin.db.schema import chain, steps
from wsadmin.db.schema.backend_tooling import LAB_HASH
from wsadmin.db.schema.compare import compare
from wsadmin.db.schema.costs import downgrade_cost, rollback_costs
from wsadmin.db.schema.registration import register_user
from wsadmin.db.schema.shape import Shape, packaged_sql, read_shape


def tables_of(db: Path) -> dict[str, object]:
    conn = sqlite3.connect(db)
    try:
        return {t.name: t for t in read_shape(conn).tables}
    finally:
        conn.close()


def run(db: Path, action: str, *revisions: str) -> None:
    conn = connect(db)
    try:
        conn.execute("BEGIN")
        for rev in revisions:
            (steps.upgrade if action == "up" else steps.downgrade)(rev, conn)
        conn.execute("COMMIT")
    finally:
        conn.close()


@pytest.mark.parametrize("rev", chain.REVISION_IDS)
def test_up_then_down_leaves_every_table_exactly_as_it_was(rev: str, tmp_path: Path) -> None:
    below = chain.revision(rev).down or chain.BASE
    db = at_revision(tmp_path / "a.db", below, record=False)
    before = tables_of(db)
    run(db, "up", rev)
    assert tables_of(db) != before
    run(db, "down", rev)
    assert tables_of(db) == before  # columns, order, keys, indexes and their names


@pytest.mark.parametrize("rev", chain.REVISION_IDS)
def test_down_from_a_revisions_shape_gives_the_previous_shape(rev: str, tmp_path: Path) -> None:
    db = bare_shape(tmp_path / "a.db", rev, None)
    run(db, "down", rev)
    conn = sqlite3.connect(db)
    try:
        assert compare(read_shape(conn), chain.shape_at(chain.revision(rev).down or chain.BASE)
                       ) == []
    finally:
        conn.close()


def test_undoing_the_backends_001_gives_back_legacy_sql_text(tmp_path: Path) -> None:
    # The lab's `alembic downgrade -1` at stuck_at_001 gave legacy.sql's CREATE text back;
    # wsadmin's 001 downgrade must do as well.
    db = bt.stuck_at_001(tmp_path / "a.db")
    run(db, "down", "001")
    legacy = bt.legacy(tmp_path / "b.db")
    assert {k: v for k, v in bt.master(db)[0].items() if v[0] != "alembic_version"} == \
        bt.master(legacy)[0]
    assert query(db, "SELECT COUNT(*) FROM users") == [(3,)]


def _with_later_rows(db: Path) -> None:
    """Rows in what the later revisions add, so that their downgrades lose something."""
    conn = connect(db)
    try:
        cols = {r[0] for r in conn.execute("SELECT name FROM pragma_table_info('users')")}
        d = conn.execute("SELECT id FROM workspaces WHERE slug = 'default'").fetchone()
        if "data_source_id" in {r[0] for r in conn.execute(
                "SELECT name FROM pragma_table_info('charts')")}:
            conn.execute("INSERT INTO data_sources (id, connection_id, name, source_type, "
                         "source_identifier, workspace_id, created_by) "
                         "VALUES (1, 1, 'sales', 'table', 'public.sales', ?, 1)", d)
            conn.execute("UPDATE charts SET data_source_id = 1 WHERE id = 1")
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'connection_permissions'"
                        ).fetchone():
            conn.executemany("INSERT INTO connection_permissions (connection_id, user_id, "
                             "permission_level, granted_by, granted_at) VALUES "
                             "(1, ?, 'viewer', 1, '2024-05-01 00:00:00.000000')", [(2,), (3,)])
        if "custom_theme_colors" in cols:
            conn.execute("UPDATE users SET custom_theme_colors = '{}' WHERE id = 2")
        if d is not None:
            register_user(conn, "newcomer", "new@example.com", LAB_HASH)
        elif "current_workspace_id" in cols:  # at 001: a workspace made by hand
            conn.execute("INSERT INTO workspaces VALUES (1, 'Team', 'team', 1, "
                         "'2024-05-01 00:00:00.000000', '2024-05-01 00:00:00.000000')")
            conn.execute("INSERT INTO workspace_members (workspace_id, user_id, role, "
                         "joined_at) VALUES (1, 1, 'admin', '2024-05-01 00:00:00.000000')")
            conn.execute("UPDATE users SET current_workspace_id = 1, email_verified = 1 "
                         "WHERE id = 1")
            conn.execute("UPDATE dashboards SET workspace_id = 1 WHERE id IN (1, 2)")
    finally:
        conn.close()


def _count(db: Path, table: str, where: str = "1") -> int:
    if not query(db, "SELECT 1 FROM sqlite_master WHERE name = ?", (table,)):
        return 0
    return int(query(db, f'SELECT COUNT(*) FROM "{table}" WHERE {where}')[0][0])


def _has_column(db: Path, table: str, column: str) -> bool:
    return column in {r[0] for r in query(db, "SELECT name FROM pragma_table_info(?)",
                                          (table,))}


@pytest.mark.parametrize("rev", chain.REVISION_IDS)
def test_a_downgrades_cost_is_what_it_removes(rev: str, tmp_path: Path) -> None:
    db = at_revision(tmp_path / "a.db", rev)
    _with_later_rows(db)
    conn = sqlite3.connect(db)
    cost = downgrade_cost(conn, rev)
    conn.close()
    d = query(db, "SELECT id FROM workspaces WHERE slug = 'default'")
    before = {}
    for loss in cost.losses:
        key = (loss.kind, loss.table, loss.column)
        if loss.kind == "table":
            before[key] = _count(db, loss.table)
        elif loss.kind == "column":
            before[key] = _count(db, loss.table, f'"{loss.column}" IS NOT NULL')
        elif loss.kind == "rows":
            before[key] = _count(db, loss.table)
        else:
            before[key] = _count(db, loss.table, f'"{loss.column}" IS NULL')
    run(db, "down", rev)
    for loss in cost.losses:
        key = (loss.kind, loss.table, loss.column)
        if loss.kind == "table":
            assert _count(db, loss.table) == 0 and before[key] == loss.count, key
            assert not query(db, "SELECT 1 FROM sqlite_master WHERE name = ?", (loss.table,))
        elif loss.kind == "column":
            assert not _has_column(db, loss.table, str(loss.column))
            assert before[key] == loss.count, key
        elif loss.kind == "rows":
            assert before[key] - _count(db, loss.table) == loss.count, key
        else:
            assert _count(db, loss.table, f'"{loss.column}" IS NULL') - before[key] == \
                loss.count, key
    assert cost.losses and any(loss.count for loss in cost.losses)
    if rev == "002":
        assert d and cost.count("rows", "workspaces") == 1 and cost.warnings == ()
        assert cost.count("assignments", "users", "current_workspace_id") == 6


def test_a_rollback_to_base_counts_each_row_once(tmp_path: Path) -> None:
    db = at_revision(tmp_path / "a.db", chain.HEAD_REVISION)
    _with_later_rows(db)  # a registered user: a second workspace, member and settings
    conn = sqlite3.connect(db)
    costs = rollback_costs(conn, [r.id for r in reversed(chain.REVISIONS)])
    conn.close()
    lost = {}
    for cost in costs:
        for loss in cost.losses:
            lost[(loss.table, loss.column)] = lost.get((loss.table, loss.column), 0) + loss.count
    for table in ("workspaces", "workspace_members", "workspace_settings"):
        assert lost[(table, None)] == _count(db, table)
    assert lost[("users", "current_workspace_id")] == _count(
        db, "users", "current_workspace_id IS NOT NULL") == 7
    assert lost[("logs", "workspace_id")] == _count(db, "logs", "workspace_id IS NOT NULL")


def test_a_reused_default_is_detected_by_name_or_by_the_backup(tmp_path: Path) -> None:
    db = at_revision(tmp_path / "a.db", "002")
    conn = sqlite3.connect(db)
    assert downgrade_cost(conn, "002").warnings == ()
    conn.execute("UPDATE workspaces SET name = 'Team' WHERE slug = 'default'")
    conn.commit()
    warned = downgrade_cost(conn, "002").warnings
    assert len(warned) == 1 and "'Team'" in warned[0] and "restore the pre-upgrade backup" \
        in warned[0]
    conn.close()
    # A backup taken before the upgrade that already had `default`: 002 reused it.
    backup = at_revision(tmp_path / "backup.db", "002")
    db2 = at_revision(tmp_path / "c.db", "002")
    conn = sqlite3.connect(db2)
    assert "backup already has" in downgrade_cost(conn, "002", backup).warnings[0]
    assert downgrade_cost(conn, "002", bt.legacy(tmp_path / "l.db", RICH_ROWS)).warnings == ()
    conn.close()


def test_legacy_sql_is_what_base_means() -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript(packaged_sql("legacy.sql"))
    assert compare(read_shape(conn), chain.shape_at(chain.BASE)) == []
    assert isinstance(read_shape(conn), Shape)
    conn.close()


def test_001_on_an_empty_file_writes_legacy_sql_and_undoing_it_leaves_exactly_that(
        tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    run(db, "up", "001")
    run(db, "down", "001")
    assert bt.master(db) == bt.master(bt.legacy(tmp_path / "b.db"))
