"""The demo builder: every state as status names it, with the data the issue asks for."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest

from wsadmin.db.common.errors import Refused
from wsadmin.db.schema import chain, steps
from wsadmin.db.schema.compare import Severity, compare
from wsadmin.db.schema.demo import BENCH, DEMO_PASSWORD, STATES, Sizes, build_demo
from wsadmin.db.schema.record import record_highest_present
from wsadmin.db.schema.registration import BCRYPT_RE, slugify
from wsadmin.db.schema.shape import HEAD, read_shape
from wsadmin.db.schema.states import State, classify

EXPECTED = {
    "legacy": State.LEGACY, "001": State.STUCK_AT_001, "head": State.AT_REVISION,
    "unversioned_head": State.UNVERSIONED_HEAD, "stuck_at_001": State.STUCK_AT_001,
    "recorded_ahead_of_shape": State.RECORDED_AHEAD_OF_SHAPE,
    "half_initialised": State.HALF_INITIALISED, "mixed": State.MIXED,
}


@pytest.fixture(scope="module")
def demos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("demos")
    return {state: build_demo(folder / f"{state}.db", 120, state) for state in STATES}


@pytest.fixture
def conn_of(demos: dict[str, Path]) -> Iterator[object]:
    opened: list[sqlite3.Connection] = []

    def open_(state: str) -> sqlite3.Connection:
        opened.append(sqlite3.connect(f"file:{demos[state]}?mode=ro", uri=True))
        return opened[-1]
    yield open_
    for conn in opened:
        conn.close()


def test_every_state_is_offered() -> None:
    assert set(STATES) == set(EXPECTED)


@pytest.mark.parametrize("state", sorted(EXPECTED))
def test_each_demo_is_in_the_state_it_is_named_after(conn_of, state: str) -> None:  # type: ignore[no-untyped-def]
    conn = conn_of(state)
    assert classify(conn).state is EXPECTED[state]
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)


@pytest.mark.parametrize("state", sorted(set(EXPECTED) - {"head"}))
def test_each_demo_reaches_head_through_the_ensuring_revisions(
        demos: dict[str, Path], tmp_path: Path, state: str) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(demos[state].read_bytes())
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("BEGIN")
    start = record_highest_present(conn) or chain.BASE
    if classify(conn).state is State.UNVERSIONED_HEAD:
        start = chain.HEAD_REVISION
    for rev in chain.pending(start):
        steps.upgrade(rev.id, conn)
    conn.execute("COMMIT")
    diffs = compare(read_shape(conn), HEAD)
    assert [d.message for d in diffs if d.severity is not Severity.COSMETIC] == []
    assert conn.execute("SELECT COUNT(*) FROM users WHERE current_workspace_id IS NULL"
                        ).fetchone() == (0,)
    conn.close()


def test_legacy_data_is_realistic(conn_of) -> None:  # type: ignore[no-untyped-def]
    conn = conn_of("legacy")
    hashes = {r[0] for r in conn.execute("SELECT DISTINCT password_hash FROM users")}
    assert len(hashes) == 1 and BCRYPT_RE.fullmatch(next(iter(hashes)))
    assert bcrypt.checkpw(DEMO_PASSWORD.encode(), next(iter(hashes)).encode())
    roles = {r[0] for r in conn.execute("SELECT DISTINCT role FROM users")}
    assert {"admin", "editor", "viewer"} < roles and roles - {"admin", "editor", "viewer"}
    active = {r[0] for r in conn.execute("SELECT DISTINCT is_active FROM users")}
    assert active == {0, 1, None}
    names = [r[0] for r in conn.execute("SELECT username FROM users")]
    assert any("'" in n for n in names) and any(not n.isascii() for n in names)
    assert conn.execute("SELECT COUNT(*) FROM dashboards WHERE created_by NOT IN "
                        "(SELECT id FROM users)").fetchone() == (1,)
    assert conn.execute("SELECT COUNT(*) FROM csv_data WHERE chart_id NOT IN "
                        "(SELECT id FROM charts)").fetchone() == (1,)
    assert conn.execute("SELECT COUNT(*) FROM dashboard_charts").fetchone()[0] == 120
    configs = [r[0] for r in conn.execute("SELECT config FROM connections")]
    clear = [c for c in configs if not c.startswith('"Z0FBQUFB')]
    assert len(clear) == 1 and isinstance(json.loads(clear[0]), dict)
    assert all(isinstance(json.loads(c), str) for c in configs if c not in clear)
    system, by_user = conn.execute("SELECT SUM(user_id IS NULL), SUM(user_id IS NOT NULL) "
                                   "FROM logs").fetchone()
    assert system > 0 and by_user > 0
    stamps = [r[0] for r in conn.execute("SELECT created_at FROM users UNION ALL "
                                         "SELECT created_at FROM logs")]
    assert all(re.fullmatch(r"2024-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", s) for s in stamps)
    assert conn.execute("SELECT COUNT(*) FROM settings").fetchone() == (5,)


def test_registered_users_have_the_backends_personal_workspaces(conn_of) -> None:  # type: ignore[no-untyped-def]
    conn = conn_of("unversioned_head")
    rows = conn.execute("SELECT u.id, u.username, u.role, w.name, w.slug, w.created_by "
                        "FROM users u JOIN workspaces w ON w.id = u.current_workspace_id"
                        ).fetchall()
    assert len(rows) == 120
    for uid, username, role, name, slug, creator in rows:
        assert (role, name, creator) == ("admin", f"{username}'s Workspace", uid)
        assert slug == slugify(name)
    assert conn.execute("SELECT COUNT(*) FROM workspace_members WHERE role = 'admin' "
                        "AND user_id = workspace_id").fetchone() == (120,)
    assert conn.execute("SELECT COUNT(*) FROM workspace_settings").fetchone() == (120,)


def test_no_active_user_where_the_backends_002_no_ops(conn_of) -> None:  # type: ignore[no-untyped-def]
    conn = conn_of("recorded_ahead_of_shape")
    assert conn.execute("SELECT COUNT(*) FROM users WHERE is_active = 1").fetchone() == (0,)
    assert conn.execute("SELECT COUNT(*) FROM users").fetchone() == (120,)


def test_the_half_initialised_demo_holds_no_rows(conn_of) -> None:  # type: ignore[no-untyped-def]
    conn = conn_of("half_initialised")
    assert conn.execute("SELECT COUNT(*) FROM workspaces").fetchone() == (0,)


def test_sizes_and_the_bench_preset() -> None:
    assert Sizes.for_users(1000) == Sizes(1000, 1000, 1000, 1000, 100, 100, 1000)
    assert Sizes(1_000_000, 1_000_000, 2_000_000, 2_000_000, 100_000, 200_000,
                          3_000_000) == BENCH


def test_explicit_sizes_are_built_exactly(tmp_path: Path) -> None:
    sizes = Sizes(30, 20, 40, 40, 5, 7, 11)
    db = build_demo(tmp_path / "a.db", 0, "legacy", sizes=sizes)
    conn = sqlite3.connect(db)
    got = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in (
        "users", "dashboards", "charts", "dashboard_charts", "connections", "csv_data",
        "logs")}
    conn.close()
    assert got == dict(vars(sizes))


def test_the_demo_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    existing = tmp_path / "a.db"
    existing.write_bytes(b"x")
    with pytest.raises(Refused, match="already exists"):
        build_demo(existing, 10, "legacy")
    assert existing.read_bytes() == b"x"
    with pytest.raises(Refused, match="unknown demo state"):
        build_demo(tmp_path / "b.db", 10, "002")
    with pytest.raises(Refused, match="negative"):
        build_demo(tmp_path / "c.db", -1, "legacy")
    with pytest.raises(Refused, match="at least one user"):
        build_demo(tmp_path / "d.db", 0, "stuck_at_001")
    assert not (tmp_path / "d.db").exists()
