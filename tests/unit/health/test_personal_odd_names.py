"""The `personal` fix on usernames SQLite let in but nobody planned for (issue 14, point 8).

SQLite enforces neither type nor length: a username can be a BLOB, carry
control characters, or be longer than `workspaces.slug` is declared to hold.
The fix still gives each user a valid, unique slug that fits the column (with
its `-2` suffix too) and a workspace name a person can read. Through the CLI:
the preview (dry run), then the applied fix, which must match it.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from tests.unit.health.helpers import build, query
from wsadmin import cli

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ODD_USERS = (
    "INSERT INTO users (id, username, hashed_password, current_workspace_id) VALUES "
    "(10, X'00FF', 'x', NULL),"
    "(11, 'eve' || char(27) || '[2J' || char(13) || char(10) || 'root', 'x', NULL),"
    "(12, printf('%.200c', 'x'), 'x', NULL),"
    "(13, printf('%.199c', 'x') || 'y', 'x', NULL),"
    "(14, 'Zoë O''Brien', 'x', NULL),"
    "(15, char(1, 2, 3), 'x', NULL)"
)


def declared(db: Path, table: str, column: str) -> int:
    (type_,) = [r[2] for r in query(db, f"PRAGMA table_info({table})") if r[1] == column]
    found = re.search(r"\((\d+)\)", type_)
    assert found is not None, type_
    return int(found.group(1))


def planned(capsys: pytest.CaptureFixture[str], db: Path) -> dict[int, dict[str, Any]]:
    code = cli.main(["fix", str(db), "users_without_workspace", "--option", "personal",
                     "--dry-run", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    preview = json.loads(out)["preview"]
    (create,) = [s for s in preview["steps"] if s["table"] == "workspaces"]
    assert create["count"] == 6 and len(create["sample"]) == 6
    return {int(row["for_user_id"]): row for row in create["sample"]}


def check_names(db: Path, rows: dict[int, dict[str, Any]]) -> None:
    slug_len, name_len = declared(db, "workspaces", "slug"), declared(db, "workspaces", "name")
    taken = {r[0] for r in query(db, "SELECT slug FROM workspaces WHERE id NOT IN (SELECT "
                                     "current_workspace_id FROM users WHERE id >= 10 AND "
                                     "current_workspace_id IS NOT NULL)")}
    assert "default" in taken
    slugs = [row["slug"] for row in rows.values()]
    assert len(set(slugs)) == len(slugs) and not taken & set(slugs)
    for row in rows.values():
        assert SLUG.match(row["slug"]) and len(row["slug"]) <= slug_len, row
        assert len(row["name"]) <= name_len, row
        assert not any(unicodedata.category(ch) == "Cc" for ch in row["name"]), row
    assert rows[10]["name"] == "user 10's Workspace"          # a BLOB that is not text
    assert rows[11]["name"] == "eve [2J root's Workspace"     # controls become spaces
    assert rows[11]["slug"] == "eve-2j-root"
    assert rows[12]["slug"] == "x" * slug_len                   # capped at the column
    assert rows[13]["slug"] == "x" * (slug_len - 2) + "-2"      # suffix included
    assert rows[14]["name"] == "Zoë O'Brien's Workspace"       # ordinary Unicode kept
    assert rows[15]["name"] == "user 15's Workspace"           # nothing readable left


def test_personal_fix_on_odd_usernames(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    db = build(tmp_path, "002", ODD_USERS)
    preview = planned(capsys, db)
    check_names(db, preview)

    code = cli.main(["fix", str(db), "users_without_workspace", "--option", "personal",
                     "--dry-run"])
    text = capsys.readouterr().out
    assert code == 0 and "\x1b" not in text and "\r" not in text

    code = cli.main(["fix", str(db), "users_without_workspace", "--option", "personal",
                     "--yes", "--backup-dir", str(tmp_path / "bk")])
    out, err = capsys.readouterr()
    assert code == 0, err
    applied = {uid: {"name": name, "slug": slug} for uid, name, slug in query(
        db, "SELECT u.id, w.name, w.slug FROM users AS u JOIN workspaces AS w "
            "ON w.id = u.current_workspace_id WHERE u.id >= 10")}
    assert applied == {uid: {"name": r["name"], "slug": r["slug"]} for uid, r in preview.items()}
    check_names(db, applied)
    assert "users_without_workspace now: ok" in out


def test_a_wider_slug_column_is_read_not_assumed(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The cap comes from the schema: declare the column wider and the slug grows with it."""
    db = build(tmp_path, "002", ODD_USERS)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = replace(sql, 'slug        VARCHAR(64)', "
                 "'slug        VARCHAR(100)') WHERE name = 'workspaces'")
    conn.commit()
    conn.close()
    assert declared(db, "workspaces", "slug") == 100
    rows = planned(capsys, db)
    assert rows[12]["slug"] == "x" * 100
    assert rows[13]["slug"] == "x" * 98 + "-2"
