"""The runbook's decision tree, answered for every state SCHEMA.md names."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.unit.checklist.support import demo
from wsadmin.db.checklist import decision as dec
from wsadmin.db.checklist.decision import RUNBOOK_TREE, decide
from wsadmin.db.schema import chain


@pytest.mark.parametrize(("state", "action", "expected"), [
    ("legacy", dec.UPGRADE, 1),
    ("stuck_at_001", dec.UPGRADE, 1),
    ("head", dec.NOTHING, 1),
    ("unversioned_head", dec.ADOPT, 8),
    ("recorded_ahead_of_shape", dec.REPAIR, 1),
    ("mixed", dec.REPAIR, 1),
    ("half_initialised", dec.REPAIR, 0),
])
def test_each_state_takes_its_path(tmp_path: Path, state: str, action: str,
                                   expected: int) -> None:
    path = demo(tmp_path / "app_metadata.db", state)
    found = decide(path)
    assert found.action == action
    assert found.expected_workspaces == expected
    assert found.diagnostics is None and not found.stops
    assert found.why and found.runbook_says
    # Every branch names lines of the runbook's own tree.
    assert all(0 <= i < len(RUNBOOK_TREE) for i in found.branch)


def test_legacy_takes_the_runbooks_upgrade_branch_with_its_deviations(tmp_path: Path
                                                                      ) -> None:
    found = decide(demo(tmp_path / "a.db", "legacy"))
    assert found.state == "legacy" and found.revision is None
    assert found.pending == list(chain.REVISION_IDS)
    taken = [RUNBOOK_TREE[i] for i in found.branch]
    assert any("NO → Run `alembic upgrade head`" in line for line in taken)
    assert not any("Nothing to do" in line for line in taken)
    joined = " ".join(found.deviations)
    assert "admins" in joined and "privilege escalation" in joined
    assert f"{chain.HEAD_REVISION} (head)" in joined
    assert "`default`" in found.expected_why and "8 user(s)" in found.expected_why


def test_head_is_nothing_to_do_in_the_runbooks_words(tmp_path: Path) -> None:
    found = decide(demo(tmp_path / "h.db", "head"))
    assert found.path_words == "nothing to do"
    assert [RUNBOOK_TREE[i] for i in found.branch][-1].endswith("YES → Nothing to do")
    assert found.pending == []
    assert "does not run" in found.expected_why


def test_stuck_at_001_says_the_runbooks_command_fails_again(tmp_path: Path) -> None:
    found = decide(demo(tmp_path / "s.db", "stuck_at_001"))
    assert found.revision == "001"
    assert "fails the same way" in found.runbook_says
    assert "500" in found.why
    assert found.pending[0] == "002"


def test_recorded_ahead_contradicts_the_runbooks_nothing_to_do(tmp_path: Path) -> None:
    found = decide(demo(tmp_path / "r.db", "recorded_ahead_of_shape"))
    assert "Nothing to do" in found.runbook_says and "is not there" in found.runbook_says
    assert found.pending[0] == "002"


def test_missing_and_empty_files_are_a_fresh_install(tmp_path: Path) -> None:
    missing = decide(tmp_path / "none.db")
    (tmp_path / "empty.db").touch()
    empty = decide(tmp_path / "empty.db")
    for found, state in ((missing, "missing"), (empty, "empty")):
        assert (found.state, found.action, found.expected_workspaces) == (state, dec.INIT, 0)
        assert found.branch == [0, dec.FRESH]
        assert "no such table" in found.runbook_says
    assert not (tmp_path / "none.db").exists()      # deciding never creates the file


def test_an_existing_default_workspace_is_reused_not_counted_twice(tmp_path: Path) -> None:
    path = demo(tmp_path / "s.db", "stuck_at_001")
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO workspaces (name, slug, created_by, created_at, updated_at) "
                 "VALUES ('Ops', 'default', 1, '2024-01-01 00:00:00', '2024-01-01 00:00:00')")
    conn.commit()
    conn.close()
    found = decide(path)
    assert found.existing_workspaces == 1 and found.expected_workspaces == 1
    assert "reuses" in found.expected_why


def test_a_foreign_database_stops_with_diagnostics(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices (total) VALUES (9.5)")
    conn.commit()
    conn.close()
    found = decide(path)
    assert found.stops and found.action == dec.STOP and found.expected_workspaces is None
    assert [RUNBOOK_TREE[i] for i in found.branch][-1].endswith(
        "Contact development team for assistance")
    assert found.diagnostics is not None
    assert found.diagnostics["state"] == "foreign"
    assert found.diagnostics["head"] == chain.HEAD_REVISION
    assert "9.5" not in repr(found.diagnostics)      # names and counts, never rows


def test_an_unknown_revision_stops(tmp_path: Path) -> None:
    path = demo(tmp_path / "u.db", "head")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = 'f00dfeedbeef'")
    conn.commit()
    conn.close()
    found = decide(path)
    assert found.state == "unknown_revision" and found.stops
    assert found.diagnostics is not None
    assert found.diagnostics["recorded_rows"] == ["f00dfeedbeef"]
