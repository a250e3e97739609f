"""A revision that raises half-way leaves the database logically identical (DESIGN rule 5).

Two ways to fail mid-upgrade: a trigger injected into the database that aborts
002's UPDATE of users, and a deliberately broken test revision `003` (in a
temporary copy of migrations/) that changes schema and rows before raising.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builders import dump, execute, make_at, make_legacy, user
from wsadmin import cli
from wsadmin.db import revisions
from wsadmin.db.common.errors import MigrationFailed
from wsadmin.db.inspect import State, inspect
from wsadmin.db.migrate import pipeline

TRIGGER = ("CREATE TRIGGER boom BEFORE UPDATE ON users "
           "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;")

FAILING_003 = '''"""Broken on purpose: changes schema and rows, then raises.

Test-only revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "003"
down_revision = "002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("name", sa.String(32)))
    op.execute("INSERT INTO tags (name) VALUES ('half-way')")
    op.add_column("users", sa.Column("nickname", sa.String(32)))
    op.execute("UPDATE users SET username = username || '-changed'")
    op.execute("DELETE FROM dashboards WHERE id % 2 = 0")
    with op.batch_alter_table("connections", recreate="always") as batch:
        batch.alter_column("dialect", existing_type=sa.String(32), nullable=True)
    op.execute("DROP INDEX ix_dashboards_workspace_id")
    raise RuntimeError("revision 003 broke half-way")


def downgrade():
    pass
'''


def rows(n: int) -> dict[str, list[dict[str, object]]]:
    return {
        "users": [user(i, f"user'{i}") for i in range(1, n + 1)],
        "dashboards": [{"id": i, "owner_id": (i % n) + 1, "title": f"d{i}"}
                       for i in range(1, 2 * n + 1)],
        "connections": [{"id": 1, "owner_id": 1, "name": "c", "dialect": "postgresql",
                         "url": "postgresql://u:secret@h/db"}],
    }


def master(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                            "ORDER BY type, name").fetchall()
    finally:
        conn.close()


def assert_unchanged(db: Path, before: dict[str, object], schema: list[tuple[object, ...]],
                     revision: str | None) -> None:
    assert dump(db) == before
    assert master(db) == schema
    status = inspect(db)
    assert status.current_revision == revision
    assert status.state in (State.CURRENT, State.LEGACY)
    assert not [n for _t, n, *_ in schema if str(n).startswith("_alembic_tmp_")]
    assert not [r for r in master(db) if str(r[1]).startswith("_alembic_tmp_")]
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


# --- an injected trigger aborts 002 -----------------------------------------------------

@pytest.mark.parametrize("start", ["legacy", "001"])
def test_trigger_abort_in_002_leaves_database_unchanged(tmp_path: Path, start: str) -> None:
    db = tmp_path / "app_metadata.db"
    make_legacy(db, **rows(5)) if start == "legacy" else make_at(db, "001", **rows(5))
    execute(db, TRIGGER)
    before, schema = dump(db), master(db)
    with pytest.raises(MigrationFailed, match="002") as info:
        pipeline.run(db, "upgrade", "head", backup_dir=tmp_path / "bak")
    assert "injected failure" in info.value.message
    assert_unchanged(db, before, schema, None if start == "legacy" else "001")
    # The backup taken before the attempt is still there, and still at the old revision.
    backups = sorted((tmp_path / "bak").glob("*.bak"))
    assert len(backups) == 1


def test_trigger_abort_cli_exits_1_with_one_clear_line(tmp_path: Path) -> None:
    db = make_at(tmp_path / "app_metadata.db", "001", **rows(3))
    execute(db, TRIGGER)
    before, schema = dump(db), master(db)
    done = subprocess.run([sys.executable, "-m", "wsadmin", "upgrade", str(db), "--yes",
                           "--backup-dir", str(tmp_path / "bak")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("wsadmin: ")]
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith("wsadmin: error: ")
    assert "002" in errors[0] and "injected failure" in errors[0]
    assert "Traceback" not in done.stderr
    # Progress lines stay one line each: no SQLAlchemy "[SQL: ...]"/"[parameters: ...]" dump.
    assert "[SQL:" not in done.stderr and "parameters" not in done.stderr
    assert all(line.startswith(("  [", "wsadmin: ")) for line in done.stderr.splitlines())
    assert_unchanged(db, before, schema, "001")


# --- a broken revision 003 -------------------------------------------------------------

@pytest.fixture
def broken_003(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the shipped migrations plus a failing `003`, used as THE migrations."""
    copy = tmp_path / "migrations"
    shutil.copytree(revisions.migrations_dir(), copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "versions" / "003_broken.py").write_text(FAILING_003, encoding="utf-8")
    monkeypatch.setattr(revisions, "migrations_dir", lambda: copy)
    revisions.chain.cache_clear()
    try:
        assert revisions.head() == "003"
        yield copy
    finally:
        revisions.chain.cache_clear()


@pytest.mark.parametrize("start", ["legacy", "001", "002"])
def test_broken_revision_leaves_database_unchanged(tmp_path: Path, broken_003: Path,
                                                   start: str) -> None:
    db = tmp_path / "app_metadata.db"
    make_legacy(db, **rows(6)) if start == "legacy" else make_at(db, start, **rows(6))
    before, schema = dump(db), master(db)
    with pytest.raises(MigrationFailed, match="003") as info:
        pipeline.run(db, "upgrade", "head", backup_dir=tmp_path / "bak")
    assert "broke half-way" in info.value.message
    assert_unchanged(db, before, schema, None if start == "legacy" else start)


def test_broken_revision_through_the_cli(tmp_path: Path, broken_003: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    db = make_at(tmp_path / "app_metadata.db", "002", **rows(4))
    before, schema = dump(db), master(db)
    code = cli.main(["upgrade", str(db), "--yes", "--backup-dir", str(tmp_path / "bak")])
    err = capsys.readouterr().err
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("wsadmin: ")]
    assert errors == [line for line in errors if line.startswith("wsadmin: error: ")]
    assert len(errors) == 1 and "003" in errors[0]
    assert "Traceback" not in err
    assert_unchanged(db, before, schema, "002")


def test_broken_revision_then_a_good_upgrade_still_works(tmp_path: Path,
                                                         broken_003: Path) -> None:
    """The failed attempt leaves no lock, journal or leftover behind."""
    db = make_at(tmp_path / "app_metadata.db", "001", **rows(3))
    with pytest.raises(MigrationFailed):
        pipeline.run(db, "upgrade", "head", backup_dir=tmp_path / "bak")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app_metadata.db", "bak", "migrations"]
    pipeline.run(db, "upgrade", "002", backup_dir=tmp_path / "bak")
    assert inspect(db).current_revision == "002"
