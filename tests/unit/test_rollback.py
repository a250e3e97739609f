"""The rollback plan: exact downgrade costs, reused-default detection, backup choice."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.builders import HEAD, dashboard, execute, make_at, make_legacy, user
from wsadmin.cli import main
from wsadmin.db.migrate import pipeline
from wsadmin.db.migrate.rollback import DOWNGRADE, RESTORE, plan_rollback
from wsadmin.db.schema.status import inspect


def upgraded(tmp_path: Path, db: Path, to: str = "002") -> Path:
    pipeline.run(db, "upgrade", to, backup_dir=tmp_path / "bak")
    return db


def test_costs_of_undoing_a_created_default(tmp_path: Path) -> None:
    db = make_legacy(tmp_path / "app_metadata.db", users=[user(1), user(2), user(3)],
                     dashboards=[dashboard(1, 1), dashboard(2, 99, "its creator is gone")])
    upgraded(tmp_path, db)
    # a user who registered after the upgrade has a personal workspace: not discarded
    execute(db, "INSERT INTO workspaces (id, name, slug, created_by) "
                "VALUES (9, 'dee''s Workspace', 'dees-workspace', 4);"
                "INSERT INTO users (id, username, email, password_hash, role, "
                "current_workspace_id) VALUES (4, 'dee', 'dee@example.org', 'x', 'admin', 9);"
                "INSERT INTO workspace_members (workspace_id, user_id, role) "
                "VALUES (9, 4, 'admin');")
    plan = plan_rollback(db)
    cost = plan.downgrade.cost
    assert cost is not None and not cost.reused_default and cost.target == "001"
    assert {w: n for w, n in cost.discards.items() if n} == {
        "users taken out of 'default'": 3, "dashboards taken out of 'default'": 2,
        "memberships of 'default'": 3, "settings of 'default'": 1,
        "the workspace 'default' itself": 1}
    assert plan.restore is not None and plan.restore.pre_upgrade and plan.restore.verified
    assert plan.restore.revision is None
    assert "users: 4 now, 3 in the backup (-1)" in plan.restore.changes
    assert plan.recommended == DOWNGRADE
    # the downgrade does exactly what the plan priced, through the pipeline
    assert main(["rollback", str(db), "--downgrade", "--yes"]) == 0
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT id FROM workspaces").fetchall() == [(9,)]
        assert conn.execute("SELECT COUNT(*) FROM users WHERE current_workspace_id IS NULL"
                            ).fetchone()[0] == 3
        assert conn.execute("SELECT COUNT(*) FROM dashboards WHERE workspace_id IS NULL"
                            ).fetchone()[0] == 2
    finally:
        conn.close()
    assert inspect(db).current_revision == "001"


def test_reused_default_is_detected_and_restore_recommended(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A user who registered as `default` owns `default's Workspace` with slug `default`.
    db = make_at(tmp_path / "app_metadata.db", "001", users=[user(1, "default"), user(2)])
    execute(db, "INSERT INTO workspaces (id, name, slug, created_by) "
                "VALUES (1, 'default''s Workspace', 'default', 1);"
                "INSERT INTO workspace_members (workspace_id, user_id, role, joined_at) "
                "VALUES (1, 1, 'admin', '2024-01-01 00:00:00.000000');"
                "UPDATE users SET current_workspace_id = 1 WHERE id = 1;")
    upgraded(tmp_path, db)
    plan = plan_rollback(db)
    cost = plan.downgrade.cost
    assert cost is not None and cost.reused_default and not cost.lossless
    assert cost.discards["memberships of 'default'"] == 2
    assert any("restore the pre-upgrade backup" in n for n in cost.notes)
    assert plan.recommended == RESTORE and plan.restore is not None
    assert plan.restore.revision == "001"
    raw = db.read_bytes()
    assert main(["rollback", str(db), "--downgrade", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "destroy" in err and "--accept-loss" in err
    assert db.read_bytes() == raw
    # the recommended way back loses nothing that existed before the upgrade
    assert main(["rollback", str(db), "--backup", plan.restore.path, "--yes"]) == 0
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT name FROM workspaces").fetchall() == [
            ("default's Workspace",)]
        assert conn.execute("SELECT COUNT(*) FROM workspace_members").fetchone()[0] == 1
    finally:
        conn.close()


def test_undoing_head_prices_the_column_it_drops(tmp_path: Path) -> None:
    db = make_at(tmp_path / "app_metadata.db", HEAD, users=[user(1), user(2)])
    execute(db, "UPDATE users SET custom_theme_colors = '{\"bg\": \"#000\"}' WHERE id = 1")
    cost = plan_rollback(db).downgrade.cost
    assert cost is not None and cost.target == "e73bf9fb92f4"
    assert cost.discards == {
        "values of users.custom_theme_colors (the column is dropped)": 1}


def test_explanation_without_a_choice_changes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = upgraded(tmp_path, make_legacy(tmp_path / "app_metadata.db", users=[user(1)]))
    raw = db.read_bytes()
    assert main(["rollback", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Downgrade one revision" in out and "Restore a backup" in out
    assert "memberships of 'default' (1)" in out and "Recommendation:" in out
    assert db.read_bytes() == raw
