"""Property: for any legacy data, upgrade head -> downgrade base -> upgrade head loses nothing.

Random users (names with quotes, SQL, non-ASCII, `default` itself), rows with
and without owners (and owners that do not exist), NULLs wherever the legacy
schema allows them, big and small ids.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import dump, make_legacy, migrate_to
from wsadmin.db.contract import DEFAULT_SLUG
from wsadmin.db.inspect import State, inspect
from wsadmin.db.migrate.runner import run_alembic

TRICKY = ["default", "Default", "O'Brien", "d'Angelo''s", "Zoë", "Łukasz", "名前", "a\"b",
          "x; DROP TABLE users;--", "%s", ":name", "?", "  spaced  ", "tab\there",
          "line\nbreak", "🙂", "NULL", "", "null\x00byte"]

text = st.one_of(st.sampled_from(TRICKY),
                 st.text(st.characters(exclude_categories=("Cs",)), max_size=12))
maybe_text = st.none() | text
stamp = st.one_of(st.none(), st.sampled_from(["2023-01-01 00:00:00", "1999-12-31T23:59:59Z",
                                              "not a date", ""]))
ids = st.integers(min_value=1, max_value=2**63 - 1)
flag = st.sampled_from([0, 1, True, False])


def _with_created(row: dict[str, Any], created: str | None) -> dict[str, Any]:
    """Leave created_at out (the DEFAULT fills it) or give one explicitly."""
    if created is not None:
        row["created_at"] = created
    return row


@st.composite
def legacy_data(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    user_ids = draw(st.lists(ids, max_size=8, unique=True))
    names = draw(st.lists(text, min_size=len(user_ids), max_size=len(user_ids), unique=True))
    emails = draw(st.lists(maybe_text, min_size=len(user_ids), max_size=len(user_ids)))
    seen_emails: set[str] = set()
    users = []
    for uid, name, email in zip(user_ids, names, emails, strict=True):
        if email is not None and email in seen_emails:
            email = None      # email is UNIQUE; NULLs may repeat
        if email is not None:
            seen_emails.add(email)
        users.append(_with_created({
            "id": uid, "username": name, "email": email,
            "hashed_password": draw(st.sampled_from(["$argon2id$v=19$x", "$2b$12$y", ""])),
            "is_active": draw(flag), "is_superuser": draw(flag),
        }, draw(stamp)))
    owner = st.one_of(st.none(), st.just(424242),             # no owner, or a dangling one
                      st.sampled_from(user_ids) if user_ids else st.none())

    def rows(make: Any) -> list[dict[str, Any]]:
        row_ids = draw(st.lists(ids, max_size=6, unique=True))
        return [make(i) for i in row_ids]

    connections = rows(lambda i: _with_created({
        "id": i, "owner_id": draw(owner), "name": draw(text),
        "dialect": draw(st.sampled_from(["postgresql", "sqlite", "mysql"])),
        "url": draw(st.sampled_from(["postgresql://u:p%40ss@h/db", "sqlite:///x.db", "x"]))},
        draw(stamp)))
    conn_ids = [c["id"] for c in connections]
    dashboards = rows(lambda i: _with_created({
        "id": i, "owner_id": draw(owner), "title": draw(text),
        "definition": draw(st.sampled_from(['{}', '{"a": [1, 2]}', "not json", "'"])),
        "updated_at": draw(stamp)}, draw(stamp)))
    saved_queries = rows(lambda i: _with_created({
        "id": i, "owner_id": draw(owner),
        "connection_id": draw(st.one_of(st.none(), st.sampled_from(conn_ids)))
        if conn_ids else None,
        "name": draw(text), "sql": draw(text)}, draw(stamp)))
    return {"users": users, "connections": connections, "dashboards": dashboards,
            "saved_queries": saved_queries}


def _rows_without(d: dict[str, Any], table: str) -> dict[str, Any]:
    return {t: r for t, r in d["rows"].items() if t != table}


def _without_workspace_timestamps(d: dict[str, Any]) -> dict[str, Any]:
    """002 re-creates `default` and its memberships: only their created_at may differ."""
    return {t: [r[:-1] if t in ("workspaces", "workspace_members") else r for r in rs]
            for t, rs in d["rows"].items()}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=legacy_data())
def test_up_down_up_preserves_every_row(data: dict[str, list[dict[str, Any]]]) -> None:
    with tempfile.TemporaryDirectory(prefix="wsadmin-prop-") as folder:
        db = make_legacy(Path(folder) / "app_metadata.db", **data)
        legacy = dump(db)

        migrate_to(db, "002")
        upgraded = dump(db)
        has_rows = any(data.values())
        default = [r for r in upgraded["rows"]["workspaces"] if r[2] == DEFAULT_SLUG]
        assert len(default) == (1 if has_rows else 0)
        # 002 only adds workspace columns: every legacy value is still there.
        for table, rows in legacy["rows"].items():
            width = len(rows[0]) if rows else 0
            assert sorted((r[:width] for r in upgraded["rows"][table]), key=repr) == rows

        run_alembic(db, "downgrade", None, ["002", "001"])
        assert inspect(db).state in (State.LEGACY, State.FRESH)
        back = dump(db)
        assert _rows_without(back, "alembic_version") == legacy["rows"]
        assert back["rows"]["alembic_version"] == []
        back["schema"].pop("alembic_version")
        assert back["schema"] == legacy["schema"]

        migrate_to(db, "002")
        again = dump(db)
        assert again["schema"] == upgraded["schema"]
        assert _without_workspace_timestamps(again) == _without_workspace_timestamps(upgraded)
