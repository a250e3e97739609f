"""wsadmin.db.schema.status.inspect() on real files: errors for what is not SQLite, a
Status with SCHEMA.md's state for every SQLite database, and never a change."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from tests.builders import HEAD, dashboard, execute, make_at, make_legacy, migrate_to, user
from wsadmin.db.common.errors import CorruptDatabase, DatabaseMissing, NotADatabase
from wsadmin.db.migrate.runner import run_alembic
from wsadmin.db.schema import chain
from wsadmin.db.schema.demo import STATES, build_demo
from wsadmin.db.schema.shape import HEAD as HEAD_SHAPE
from wsadmin.db.schema.shape import LEGACY
from wsadmin.db.schema.states import Offer, State
from wsadmin.db.schema.status import inspect

ALL_IDS = list(chain.REVISION_IDS)

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
       b"\x00\x00\x00\x1f\x15\xc4\x89" + b"\x00" * 200)


def fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


@pytest.fixture(scope="module")
def demo_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real multi-page database (a few hundred pages) to damage."""
    path = build_demo(tmp_path_factory.mktemp("demo") / "demo.db", 2000, "001")
    return path.read_bytes()


def pending_ids(path: Path) -> list[str]:
    return [p.revision for p in inspect(path).pending]


# --- not a SQLite database at all: errors, never a Status -------------------------------

def test_missing_path_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "app_metadata.db"
    with pytest.raises(DatabaseMissing, match="does not exist"):
        inspect(path)
    assert not path.exists()
    assert not path.parent.exists()
    with pytest.raises(DatabaseMissing):
        inspect(tmp_path / "app_metadata.db")
    assert list(tmp_path.iterdir()) == []


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(NotADatabase, match="folder"):
        inspect(tmp_path)


def test_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("username,email\nann,ann@example.org\n", encoding="utf-8")
    with pytest.raises(NotADatabase, match="text file"):
        inspect(path)


def test_png(tmp_path: Path) -> None:
    path = tmp_path / "app_metadata.db"
    path.write_bytes(PNG)
    with pytest.raises(NotADatabase, match="PNG"):
        inspect(path)


def test_truncated_database(tmp_path: Path, demo_bytes: bytes) -> None:
    path = tmp_path / "half.db"
    path.write_bytes(demo_bytes[: len(demo_bytes) // 2])
    with pytest.raises(CorruptDatabase, match="truncated"):
        inspect(path)


def test_header_cut_short(tmp_path: Path, demo_bytes: bytes) -> None:
    path = tmp_path / "stub.db"
    path.write_bytes(demo_bytes[:40])
    with pytest.raises(CorruptDatabase, match="header"):
        inspect(path)


def _page_of(demo: bytes, table: str, tmp_path: Path) -> tuple[int, int]:
    """(page size, root page number) of `table` in the demo database."""
    probe = tmp_path / "probe.db"
    probe.write_bytes(demo)
    conn = sqlite3.connect(probe)
    try:
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        root = int(conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                                (table,)).fetchone()[0])
    finally:
        conn.close()
    probe.unlink()
    return page_size, root


@pytest.mark.parametrize("table", ["sqlite_master", "charts", "connections"])
def test_corrupt_page(tmp_path: Path, demo_bytes: bytes, table: str) -> None:
    """A damaged page that status reads (the schema, a table it counts) is reported.

    Damage elsewhere (e.g. a page that only an index-covered COUNT skips) is
    the job of the `sqlite_integrity` health check, not of status.
    """
    if table == "sqlite_master":
        page_size, root = _page_of(demo_bytes, "users", tmp_path)
        start, end = 100, page_size           # page 1 after the file header
    else:
        page_size, root = _page_of(demo_bytes, table, tmp_path)
        start, end = (root - 1) * page_size, root * page_size
    damaged = bytearray(demo_bytes)
    damaged[start:end] = b"\xab" * (end - start)
    path = tmp_path / "damaged.db"
    path.write_bytes(bytes(damaged))
    before = fingerprint(path)
    with pytest.raises(CorruptDatabase, match="damaged"):
        inspect(path)
    assert fingerprint(path) == before


# --- SQLite databases: a Status for each ----------------------------------------------

def test_zero_byte_file_is_empty_and_offers_init_never_an_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "app_metadata.db"
    path.touch()
    status = inspect(path)
    assert status.state is State.EMPTY and status.offer is Offer.INIT
    assert status.size == 0
    assert status.current_revision is None
    assert pending_ids(path) == ALL_IDS
    assert status.counts == {}
    assert not status.up_to_date
    assert path.stat().st_size == 0


def test_sqlite_without_tables_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 7")   # writes the header, creates no table
    conn.close()
    assert path.stat().st_size > 0
    status = inspect(path)
    assert status.state is State.EMPTY
    assert pending_ids(path) == ALL_IDS
    assert status.problems == ()


def test_foreign_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "photos.db"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE albums(id INTEGER PRIMARY KEY, title TEXT);"
                       "INSERT INTO albums(title) VALUES ('summer');")
    conn.close()
    status = inspect(path)
    assert status.state is State.FOREIGN and status.offer is Offer.REFUSE
    assert status.pending == []
    assert "users" in status.summary
    assert not status.up_to_date


def test_foreign_database_sharing_one_table_name(tmp_path: Path) -> None:
    """A database with its own `users` table but none of the others is not ours."""
    path = tmp_path / "other_app.db"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE users(login TEXT); CREATE TABLE sessions(token TEXT);")
    conn.close()
    status = inspect(path)
    assert status.state is State.FOREIGN
    assert "dashboards" in status.summary


def test_legacy(tmp_path: Path) -> None:
    path = make_legacy(tmp_path / "legacy.db", users=[user(1), user(2, "bob's")],
                       dashboards=[dashboard(1, 1), dashboard(2, 99, "orphan")])
    status = inspect(path)
    assert status.state is State.LEGACY and status.offer is Offer.UPGRADE
    assert status.current_revision is None
    assert pending_ids(path) == ALL_IDS
    assert all(p.description for p in status.pending)
    assert status.counts == {t: 0 for t in LEGACY.table_names} | {"users": 2, "dashboards": 2}
    assert status.journal_mode == "delete"
    assert status.size == path.stat().st_size
    assert "500" in status.symptom


def test_empty_alembic_version_after_downgrade_base_is_legacy(tmp_path: Path) -> None:
    path = make_at(tmp_path / "db.db", "002", users=[user(1)])
    run_alembic(path, "downgrade", None, ["002", "001"])
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM alembic_version").fetchone() == (0,)
    finally:
        conn.close()
    status = inspect(path)
    assert status.state is State.LEGACY
    assert status.current_revision is None
    assert pending_ids(path) == ALL_IDS
    assert set(status.counts) == set(LEGACY.table_names)


def test_at_001_made_by_us_is_stuck_at_001_with_the_backends_symptom(tmp_path: Path) -> None:
    path = make_at(tmp_path / "db.db", "001", users=[user(1), user(2)])
    status = inspect(path)
    assert (status.state, status.current_revision) == (State.STUCK_AT_001, "001")
    assert status.offer is Offer.UPGRADE
    assert pending_ids(path) == ALL_IDS[1:]
    assert status.pending[0].description == chain.revision("002").title
    assert "login" in status.symptom and "500" in status.symptom
    assert status.counts["users"] == 2 and status.counts["workspaces"] == 0


def test_at_an_older_revision(tmp_path: Path) -> None:
    path = make_at(tmp_path / "db.db", "a87f1e87be87", users=[user(1), user(2)])
    status = inspect(path)
    assert (status.state, status.current_revision) == (State.AT_REVISION, "a87f1e87be87")
    assert pending_ids(path) == ALL_IDS[3:]
    assert not status.up_to_date


def test_at_head_is_up_to_date(tmp_path: Path) -> None:
    path = make_at(tmp_path / "db.db", HEAD, users=[user(1), user(2)])
    status = inspect(path)
    assert (status.state, status.current_revision) == (State.AT_REVISION, HEAD)
    assert status.offer is Offer.NOTHING
    assert status.pending == []
    assert status.up_to_date
    assert set(status.counts) == set(HEAD_SHAPE.table_names)
    assert status.counts["workspaces"] == 1
    assert status.counts["workspace_members"] == 2
    assert "Up to date" in status.summary


def test_an_empty_file_initialised_by_us_is_at_head(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    path.touch()
    migrate_to(path, HEAD)
    assert inspect(path).up_to_date


@pytest.mark.parametrize("recorded", [["999"], ["001", "002"], ["abc123def456"]])
def test_unknown_revision(tmp_path: Path, recorded: list[str]) -> None:
    path = make_at(tmp_path / "db.db", "001", users=[user(1)])
    execute(path, "DELETE FROM alembic_version")
    for rev in recorded:
        execute(path, "INSERT INTO alembic_version VALUES (?)", params=[rev])
    status = inspect(path)
    assert status.state is State.UNKNOWN_REVISION and status.offer is Offer.REFUSE
    assert status.pending == []
    for rev in recorded:
        assert rev in status.recorded_rows
    assert "changes nothing" in status.summary


def test_leftover_batch_table_is_half_upgraded_and_offers_repair(tmp_path: Path) -> None:
    path = make_at(tmp_path / "db.db", "001", users=[user(1)])
    execute(path, "CREATE TABLE _alembic_tmp_dashboards (id INTEGER PRIMARY KEY)")
    status = inspect(path)
    assert status.state is State.HALF_UPGRADED and status.offer is Offer.REPAIR
    assert status.current_revision == "001"
    assert status.leftovers == ("_alembic_tmp_dashboards",)
    assert "_alembic_tmp_dashboards" in " ".join(status.problems)


def test_revision_recorded_but_schema_missing_is_recorded_ahead(tmp_path: Path) -> None:
    path = make_at(tmp_path / "db.db", "001", users=[user(1)])
    execute(path, "UPDATE alembic_version SET version_num = '002'")
    status = inspect(path)
    assert status.state is State.RECORDED_AHEAD_OF_SHAPE and status.offer is Offer.REPAIR
    assert status.current_revision == "002" and status.highest_present == "001"
    assert pending_ids(path) == ALL_IDS[1:]


def test_head_shape_without_a_revision_is_unversioned_head(tmp_path: Path) -> None:
    path = make_at(tmp_path / "db.db", HEAD, users=[user(1)])
    execute(path, "DROP TABLE alembic_version")
    status = inspect(path)
    assert status.state is State.UNVERSIONED_HEAD and status.offer is Offer.ADOPT
    assert status.pending == []


@pytest.mark.parametrize("state", [s for s in STATES if s not in ("001", "head")])
def test_every_demo_state_is_named_as_built(tmp_path: Path, state: str) -> None:
    status = inspect(build_demo(tmp_path / "demo.db", 30, state))
    assert status.state.value == state
    assert status.summary and status.symptom


# --- read-only: never creates or changes anything -------------------------------------

def test_wal_database_status_leaves_no_side_files(tmp_path: Path) -> None:
    path = make_legacy(tmp_path / "wal.db", users=[user(1), user(2)], journal_mode="wal")
    assert sorted(os.listdir(tmp_path)) == ["wal.db"]
    before = fingerprint(path)
    status = inspect(path)
    assert status.state is State.LEGACY
    assert status.journal_mode == "wal"
    assert status.counts["users"] == 2
    assert sorted(os.listdir(tmp_path)) == ["wal.db"]
    assert fingerprint(path) == before


def test_wal_database_in_use_counts_rows_still_in_the_wal(tmp_path: Path) -> None:
    """With a live writer, rows committed to -wal but not checkpointed are seen."""
    path = make_legacy(tmp_path / "wal.db", users=[user(1)], journal_mode="wal")
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("INSERT INTO users (id, username, email, password_hash, role) "
                       "VALUES (2, 'x', 'x@example.org', 'y', 'viewer')")
        before = fingerprint(path)
        files = sorted(os.listdir(tmp_path))
        status = inspect(path)
        assert status.counts["users"] == 2
        assert status.journal_mode == "wal"
        assert sorted(os.listdir(tmp_path)) == files
        assert fingerprint(path) == before
    finally:
        writer.close()


@pytest.mark.parametrize("state", STATES)
def test_inspect_never_changes_the_file(tmp_path: Path, state: str) -> None:
    path = build_demo(tmp_path / "demo.db", 50, state)
    before = fingerprint(path)
    inspect(path)
    assert fingerprint(path) == before
    assert sorted(os.listdir(tmp_path)) == ["demo.db"]


def test_to_json_round_trips_the_fields(tmp_path: Path) -> None:
    path = make_at(tmp_path / "db.db", "001", users=[user(1)])
    data = inspect(path).to_json()
    assert data["state"] == "stuck_at_001" and data["offer"] == "upgrade"
    assert data["current_revision"] == "001"
    assert data["pending"][0]["revision"] == "002"
    assert data["up_to_date"] is False
    assert data["summary"] and data["symptom"]


@pytest.mark.parametrize("state", STATES)
def test_the_json_of_a_status_reads_back_as_the_same_status(tmp_path: Path, state: str
                                                            ) -> None:
    """`Status.from_json(status.to_json())` is the status itself, differences and pending
    revisions included: the GUI's start-up reads it back from a child process."""
    import json

    from wsadmin.db.schema.status_types import Status

    status = inspect(build_demo(tmp_path / f"{state}.db", users=5, state=state))
    again = Status.from_json(json.loads(json.dumps(status.to_json())))
    assert again == status
    assert again.state is status.state and again.offer is status.offer
