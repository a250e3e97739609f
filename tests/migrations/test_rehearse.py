"""`upgrade --rehearse` on a copy: the round trip keeps every row, from every state an
upgrade starts from, counting only what 002 fills for good (SCHEMA.md step 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wsadmin.db.migrate.preflight import plan
from wsadmin.db.migrate.rehearse import rehearse
from wsadmin.db.schema.demo import build_demo


@pytest.mark.parametrize("state", ["legacy", "stuck_at_001"])
def test_the_round_trip_keeps_every_row(tmp_path: Path, state: str) -> None:
    db = build_demo(tmp_path / "app_metadata.db", 40, state)
    before = db.read_bytes()
    result = rehearse(db)
    assert result.ok, result.differences
    assert any("filled for good" in i for i in result.ignored)
    assert db.read_bytes() == before            # only a copy was touched


def test_a_round_trip_that_loses_rows_is_reported(tmp_path: Path) -> None:
    """Not a test that cannot fail: a lost row in the copy is caught by the compare."""
    import sqlite3

    from wsadmin.db.migrate import rehearse as rehearse_module

    db = build_demo(tmp_path / "app_metadata.db", 40, "legacy")
    real = rehearse_module.run_alembic

    def downgrade_loses_a_log(path: Path, action: str, *args: object, **kw: object) -> None:
        real(path, action, *args, **kw)  # type: ignore[arg-type]
        if action == "downgrade":
            conn = sqlite3.connect(path)
            conn.execute("DELETE FROM logs WHERE id = (SELECT MIN(id) FROM logs)")
            conn.commit()
            conn.close()

    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(rehearse_module, "run_alembic", downgrade_loses_a_log)
    try:
        result = rehearse(db)
    finally:
        monkeypatch.undo()
    assert not result.ok and any("logs" in d for d in result.differences)


def test_initialising_into_a_missing_folder_says_so(tmp_path: Path) -> None:
    found = plan(tmp_path / "no" / "such" / "app_metadata.db", "init").findings
    assert [f.message for f in found if f.blocking] == [
        f"the folder {tmp_path / 'no' / 'such'} does not exist"]
