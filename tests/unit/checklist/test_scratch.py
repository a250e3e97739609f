"""Workspace creation and invitation on a scratch copy, with the backend's semantics."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.unit.checklist.support import demo, sha256
from wsadmin.db.checklist.scratch import accept_invitation, workspace_flow
from wsadmin.db.common.errors import Refused


def test_the_flow_passes_on_an_upgraded_database_and_leaves_it_alone(tmp_path: Path
                                                                    ) -> None:
    db = demo(tmp_path / "app_metadata.db", "head")
    digest = sha256(db)
    result = workspace_flow(db, workdir=tmp_path)
    assert result.ok, result.problems
    assert any("created 'Checklist test workspace' (slug 'checklist-test-workspace')" in d
               for d in result.did)
    assert sha256(db) == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app_metadata.db"]


def test_the_flow_fails_on_a_database_without_workspaces(tmp_path: Path) -> None:
    result = workspace_flow(demo(tmp_path / "legacy.db", "legacy"), workdir=tmp_path)
    assert not result.ok
    assert "older than revision 001" in result.problems[0]


def test_the_flow_notices_a_workspace_left_without_settings(tmp_path: Path) -> None:
    """A trigger on the copy's source deletes every new settings row: the flow's own
    verification must see that the created workspace has none."""
    db = demo(tmp_path / "app_metadata.db", "head")
    conn = sqlite3.connect(db)
    conn.execute("CREATE TRIGGER lose_settings AFTER INSERT ON workspace_settings "
                 "WHEN NEW.id > 1 BEGIN DELETE FROM workspace_settings WHERE id = NEW.id; "
                 "END")
    conn.commit()
    conn.close()
    result = workspace_flow(db, workdir=tmp_path)
    assert not result.ok
    assert "the new workspace has no settings row" in result.problems
    assert any(p.startswith("workspaces_without_settings") for p in result.problems)


def test_accepting_an_invitation_writes_one_membership(tmp_path: Path) -> None:
    db = demo(tmp_path / "app_metadata.db", "head")
    conn = sqlite3.connect(db)
    try:
        before = conn.execute("SELECT COUNT(*) FROM workspace_members").fetchone()[0]
        member = conn.execute("SELECT user_id FROM workspace_members LIMIT 1").fetchone()[0]
        with pytest.raises(Refused, match="already a member"):
            accept_invitation(conn, 1, member, "viewer", 1)
        with pytest.raises(Refused, match="not a workspace role"):
            accept_invitation(conn, 1, 99, "owner", 1)
        with pytest.raises(Refused, match="does not exist"):
            accept_invitation(conn, 999, 2, "viewer", 1)
        conn.execute("DELETE FROM workspace_members WHERE user_id = 2")
        row_id = accept_invitation(conn, 1, 2, "editor", 1, now="2026-01-02 03:04:05.000000")
        row = conn.execute("SELECT workspace_id, user_id, role, invited_by, joined_at FROM "
                           "workspace_members WHERE id = ?", (row_id,)).fetchone()
        assert row == (1, 2, "editor", 1, "2026-01-02 03:04:05.000000")
        assert conn.execute("SELECT COUNT(*) FROM workspace_members").fetchone()[0] == before
    finally:
        conn.close()
