"""The builders of wsadmin.db.schema.backend_tooling against what the backend's real
tooling produced in the lab (tests/data/backend_states/*.sql, dumps of sqlite_master)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from wsadmin.db.schema import backend_tooling as bs
from wsadmin.db.schema.shape import packaged_sql

DATA = Path(__file__).resolve().parent.parent / "data" / "backend_states"

Master = tuple[dict[tuple[str, str], tuple[str, str | None]], str]


def parse_dump(path: Path) -> Master:
    """Read a lab dump: `-- <type> <name> ON <table>` then its CREATE text (none for
    sqlite_autoindex_*), and a last `-- alembic_version: ...` line."""
    objects: dict[tuple[str, str], tuple[str, str | None]] = {}
    version = None
    current: tuple[str, str, str] | None = None
    lines: list[str] = []

    def flush() -> None:
        if current is not None:
            text = "\n".join(lines).rstrip().removesuffix(";") if lines else None
            objects[(current[0], current[1])] = (current[2], bs.normalise(text))

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(("-- table ", "-- index ")):
            flush()
            kind, name, _on, table = line[3:].split(" ")
            current, lines = (kind, name, table), []
        elif line.startswith("-- alembic_version: "):
            flush()
            current, version = None, line.split(": ", 1)[1]
        elif line.startswith("-- "):
            continue  # header lines
        elif current is not None:
            lines.append(line)
    assert version is not None, f"{path.name}: no alembic_version line"
    return objects, version


CASES: dict[str, Callable[[Path], object]] = {
    "create_all": bs.create_all,
    "create_all_after_failed_upgrade": bs.create_all_after_failed_upgrade,
    "half_install": bs.half_install,
    "stuck_at_001": bs.stuck_at_001,
    "noop_002_at_head": bs.noop_002_at_head,
    "init_db_over_legacy": lambda p: bs.init_db_over_legacy(p, bs.LAB_ROWS),
    "init_db_over_half_install": bs.init_db_over_half_install,
    "stamped_head": bs.stamped_head,
}


def test_every_dump_has_a_builder() -> None:
    assert {p.stem for p in DATA.glob("*.sql")} == set(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_builder_reproduces_the_backends_sqlite_master(case: str, tmp_path: Path) -> None:
    db = tmp_path / "app_metadata.db"
    CASES[case](db)
    built_objects, built_version = bs.master(db)
    want_objects, want_version = parse_dump(DATA / f"{case}.sql")
    assert built_version == want_version
    assert sorted(built_objects) == sorted(want_objects)
    for key, (table, sql) in want_objects.items():
        assert built_objects[key] == (table, sql), key


def test_dumps_tell_the_states_apart() -> None:
    # guards against two fixtures silently being the same state
    masters = {case: parse_dump(DATA / f"{case}.sql") for case in CASES}
    assert len({repr(sorted(m[0].items())) + m[1] for m in masters.values()}) == len(CASES)


def test_create_all_dump_is_head_sql(tmp_path: Path) -> None:
    # the lab's create_all and the shared head.sql are the same shape
    db = tmp_path / "head.db"
    conn = sqlite3.connect(db)
    conn.executescript(packaged_sql("head.sql"))
    conn.close()
    assert bs.master(db) == parse_dump(DATA / "create_all.sql")


def _one(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_stuck_at_001_keeps_rows_with_null_new_columns(tmp_path: Path) -> None:
    # as observed: 002's data moves rolled back, 001's columns NULL everywhere
    db = bs.stuck_at_001(tmp_path / "a.db")
    assert _one(db, "SELECT count(*) FROM workspaces") == [(0,)]
    assert _one(db, "SELECT id, current_workspace_id, email_verified FROM users ORDER BY id") == [
        (1, None, None), (2, None, None), (3, None, None)]
    assert _one(db, "SELECT count(*) FROM dashboards WHERE workspace_id IS NULL") == [(2,)]


def test_noop_002_leaves_existing_users_light_themed_without_workspace(tmp_path: Path) -> None:
    rows = {**bs.LAB_ROWS,
            "users": [{**u, "is_active": 0} for u in bs.LAB_ROWS["users"]]}
    db = bs.noop_002_at_head(tmp_path / "a.db", rows)
    # e73bf9fb92f4 adds theme_preference with a server default, 001 email_verified without
    assert _one(db, "SELECT DISTINCT theme_preference, email_verified, current_workspace_id,"
                    " custom_theme_colors FROM users") == [("light", None, None, None)]
    assert _one(db, "SELECT count(*) FROM workspaces") == [(0,)]


def test_builders_refuse_states_the_backend_cannot_reach(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="noop_002_at_head"):
        bs.stuck_at_001(tmp_path / "a.db", {})
    with pytest.raises(ValueError, match="stuck_at_001"):
        bs.noop_002_at_head(tmp_path / "b.db", bs.LAB_ROWS)


def test_builders_never_overwrite_a_database(tmp_path: Path) -> None:
    db = bs.create_all(tmp_path / "a.db")
    with pytest.raises(FileExistsError):
        bs.stamped_head(db)
