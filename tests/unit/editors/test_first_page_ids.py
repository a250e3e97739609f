"""`user_ids(limit=)` with a text walks the sort order and stops at the limit (the GUI's
first page); it must give exactly the first ids of the full list, for every sort."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from wsadmin.db.editors import USER_SORTS, UserFilter, user_ids
from wsadmin.db.schema.demo import build_demo


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path = build_demo(Path(tmp_path_factory.mktemp("first")) / "demo.db", users=400,
                      state="head")
    c = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield c
    c.close()


@pytest.mark.parametrize("sort", list(USER_SORTS))
@pytest.mark.parametrize("text", ["ann", "ANN", "example", "1%", "o'b", "nobody-like-this"])
def test_the_first_page_is_the_head_of_the_full_list(conn: sqlite3.Connection, sort: str,
                                                     text: str) -> None:
    flt = UserFilter(text=text, inactive=text == "example")
    for descending in (False, True):
        full = list(user_ids(conn, flt, sort, descending))
        assert list(user_ids(conn, flt, sort, descending, limit=25)) == full[:25]


def test_the_first_page_stops_early(conn: sqlite3.Connection) -> None:
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    conn.set_progress_handler(count, 100)
    try:
        user_ids(conn, UserFilter(text="example"), limit=10)
        first = steps[0]
        steps[0] = 0
        user_ids(conn, UserFilter(text="example"))
    finally:
        conn.set_progress_handler(None, 0)
    assert first * 5 < steps[0]
