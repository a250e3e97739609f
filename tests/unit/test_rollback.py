"""The rollback plan: exact downgrade costs, reused-default detection, backup choice."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.builders import execute, make_at, make_legacy, user
from wsadmin.cli import main
from wsadmin.db.inspect import inspect
from wsadmin.db.migrate import pipeline
from wsadmin.db.migrate.rollback import DOWNGRADE, RESTORE, plan_rollback


def upgraded(tmp_path: Path, db: Path) -> Path:
    pipeline.run(db, backup_dir=tmp_path / "bak")
    return db


def test_costs_of_undoing_a_created_default(tmp_path: Path) -> None:
    db = make_legacy(tmp_path / "app_metadata.db",
                     users=[user(1), user(2), user(3)],
                     dashboards=[{"id": 1, "owner_id": 1, "title": "a"},
                                 {"id": 2, "title": "b"}])
    upgraded(tmp_path, db)
    # a user who registered after the upgrade has a personal workspace: not discarded
    execute(db, "INSERT INTO workspaces (id, name, slug) VALUES (9, 'dee''s Workspace', 'dee');"
                "INSERT INTO users (id, username, hashed_password, current_workspace_id) "
                "VALUES (4, 'dee', 'x', 9);"
                "INSERT INTO workspace_members VALUES (9, 4, 'admin', CURRENT_TIMESTAMP);")
    plan = plan_rollback(db)
    cost = plan.downgrade.cost
    assert cost is not None and not cost.reused_default
    assert cost.discards == {"workspaces": 1, "memberships": 3, "user assignments": 3,
                             "dashboards assignments": 2, "connections assignments": 0,
                             "saved_queries assignments": 0}
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
    finally:
        conn.close()
    assert inspect(db).current_revision == "001"


def test_reused_default_is_detected_and_restore_recommended(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A user who registered as `default` owns `default's Workspace` with slug `default`.
    db = make_at(tmp_path / "app_metadata.db", "001", users=[user(1, "default"), user(2)])
    execute(db, "INSERT INTO workspaces (id, name, slug) VALUES (1, 'default''s Workspace', "
                "'default');"
                "INSERT INTO workspace_members VALUES (1, 1, 'admin', '2024-01-01');"
                "UPDATE users SET current_workspace_id = 1 WHERE id = 1;")
    upgraded(tmp_path, db)
    plan = plan_rollback(db)
    cost = plan.downgrade.cost
    assert cost is not None and cost.reused_default and not cost.lossless
    assert cost.discards["memberships"] == 2 and cost.discards["user assignments"] == 2
    assert any("DELETES" in n and "1 of them older than 002" in n for n in cost.notes)
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


def test_explanation_without_a_choice_changes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = upgraded(tmp_path, make_legacy(tmp_path / "app_metadata.db", users=[user(1)]))
    raw = db.read_bytes()
    assert main(["rollback", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Downgrade one revision" in out and "Restore a backup" in out
    assert "1 memberships" in out and "Recommendation:" in out
    assert db.read_bytes() == raw
