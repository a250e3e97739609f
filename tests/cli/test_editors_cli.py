"""`wsadmin user ...` and `wsadmin workspace ...` through main(): the fixed script forms,
passwords only from standard input, confirmation, one-line refusals, no secret out."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import bcrypt
import pytest

from tests.unit.editors.helpers import SECRET_PARTS, audit_text, build, findings, query
from tests.unit.health import helpers as health
from wsadmin.cli import main

Capture = pytest.CaptureFixture[str]


def run(capsys: Capture, monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = ""
        ) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stored_hash(db: Path, username: str) -> str:
    [(value,)] = query(db, f"SELECT password_hash FROM users WHERE username = '{username}'")
    return str(value)


def test_user_add_in_the_fixed_script_form(tmp_path: Path, capsys: Capture,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path)
    code, out, err = run(capsys, monkeypatch, "user", "add", str(db), "erin", "--email",
                         "erin@example.org", "--password-stdin", "--yes",
                         stdin="s3cret-typed-once\n")
    assert (code, err) == (0, "")
    assert "registered erin (id 5) with the workspace 'erins-workspace'" in out
    hashed = stored_hash(db, "erin")
    assert len(hashed) == 60 and hashed.startswith("$2b$12$")
    assert bcrypt.checkpw(b"s3cret-typed-once", hashed.encode())
    for text in (out, audit_text()):
        assert "s3cret-typed-once" not in text and hashed not in text
    assert findings(db) == {}


def test_user_add_json_and_join(tmp_path: Path, capsys: Capture,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path)
    code, out, _ = run(capsys, monkeypatch, "user", "add", str(db), "erin", "--email",
                       "erin@example.org", "--password-stdin", "--join", "bobs-workspace",
                       "--role", "editor", "--yes", "--json", stdin="s3cret-pw\n")
    data = json.loads(out)
    assert code == 0 and data["backup"] is None
    assert (data["change"]["created"], data["change"]["counts"]) == (
        5, {"insert users": 1, "insert workspace_members": 1})
    assert query(db, "SELECT workspace_id, role FROM workspace_members WHERE user_id = 5") == [
        (2, "editor")]


def test_a_pipe_without_yes_is_refused_and_nothing_is_written(
        tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path)
    code, out, err = run(capsys, monkeypatch, "user", "add", str(db), "erin", "--email",
                         "erin@example.org", "--password-stdin", stdin="s3cret-pw\n")
    assert code == 2 and out == ""
    assert err.startswith("wsadmin: error: ") and "--yes" in err and err.count("\n") == 1
    assert query(db, "SELECT count(*) FROM users") == [(4,)]


def test_the_password_is_never_an_argument(tmp_path: Path, capsys: Capture,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path)
    with pytest.raises(SystemExit) as caught:
        run(capsys, monkeypatch, "user", "add", str(db), "erin", "--email", "e@example.org",
            "--password", "s3cret-pw", "--yes")
    assert caught.value.code == 2
    with pytest.raises(SystemExit):        # --password-stdin is required
        run(capsys, monkeypatch, "user", "passwd", str(db), "bob", "--yes")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_password_is_typed_twice_unechoed(
        tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path)
    typed = iter(["first-typing", "first-typing"])
    prompts: list[str] = []

    def fake_getpass(prompt: str) -> str:
        prompts.append(prompt)
        return next(typed)

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    code = main(["user", "passwd", str(db), "bob", "--password-stdin"])
    out, _ = capsys.readouterr()
    assert code == 0 and prompts == ["New password: ", "New password again: "]
    assert bcrypt.checkpw(b"first-typing", stored_hash(db, "bob").encode())
    assert "first-typing" not in out

    typed = iter(["one-typing", "another-typing"])
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    before = stored_hash(db, "bob")
    assert main(["user", "passwd", str(db), "bob", "--password-stdin"]) == 2
    assert "differ" in capsys.readouterr().err
    assert stored_hash(db, "bob") == before


def test_user_passwd_fixed_form(tmp_path: Path, capsys: Capture,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path)
    code, out, _ = run(capsys, monkeypatch, "user", "passwd", str(db), "bob",
                       "--password-stdin", "--yes", stdin="brand-new-pw\r\n")
    assert code == 0 and "set a new password for bob (id 2)" in out
    assert bcrypt.checkpw(b"brand-new-pw", stored_hash(db, "bob").encode())
    code, _, err = run(capsys, monkeypatch, "user", "passwd", str(db), "bob",
                       "--password-stdin", "--yes", stdin="short\n")
    assert code == 2 and "shorter than 6" in err


def test_user_edit_applies_several_changes_in_one_transaction(
        tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path)
    code, out, _ = run(capsys, monkeypatch, "user", "edit", str(db), "dave", "--join",
                       "alices-workspace", "--role", "editor", "--current", "alices-workspace",
                       "--email", "d@example.org", "--yes", "--json")
    change = json.loads(out)["change"]
    assert code == 0 and change["counts"] == {"insert workspace_members": 1, "update users": 1}
    assert query(db, "SELECT email, current_workspace_id FROM users WHERE id = 4") == [
        ("d@example.org", 1)]
    # A refused step refuses the whole edit: the email of this call is not written either.
    code, _, err = run(capsys, monkeypatch, "user", "edit", str(db), "dave", "--email",
                       "dd@example.org", "--member-role", "alices-workspace", "owner", "--yes")
    assert code == 2 and "invalid choice" not in err
    assert query(db, "SELECT email FROM users WHERE id = 4") == [("d@example.org",)]


def test_user_deactivate_and_its_successor(tmp_path: Path, capsys: Capture,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path)
    code, _, err = run(capsys, monkeypatch, "user", "deactivate", str(db), "bob", "--yes")
    assert code == 2 and "only active admin of bobs-workspace" in err and "successor" in err
    code, out, _ = run(capsys, monkeypatch, "user", "deactivate", str(db), "bob",
                       "--successor", "dave", "--yes")
    assert code == 0 and "deactivated bob (id 2)" in out
    assert query(db, "SELECT is_active FROM users WHERE id = 2") == [(0,)]
    assert findings(db) == {}


def test_user_rm_shows_what_goes_then_needs_an_heir(tmp_path: Path, capsys: Capture,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path)
    code, out, _ = run(capsys, monkeypatch, "user", "rm", str(db), "bob", "--dry-run")
    assert code == 0 and "1 dashboards, 1 charts, 1 connections, 1 data_sources" in out
    assert "workspace created: bobs-workspace" in out
    code, _, err = run(capsys, monkeypatch, "user", "rm", str(db), "bob", "--yes")
    assert code == 2 and "--heir" in err
    code, out, _ = run(capsys, monkeypatch, "user", "rm", str(db), "bob", "--heir", "alice",
                       "--backup-dir", str(tmp_path / "b"), "--yes")
    assert code == 0 and "backup: " + str(tmp_path / "b") in out
    assert query(db, "SELECT count(*) FROM users WHERE username = 'bob'") == [(0,)]
    assert findings(db) == {}


def test_user_list_and_show(tmp_path: Path, capsys: Capture,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path)
    code, out, _ = run(capsys, monkeypatch, "user", "list", str(db), "--member-of",
                       "alices-workspace", "--json")
    data = json.loads(out)
    assert code == 0 and data["total"] == 2
    assert [u["username"] for u in data["users"]] == ["alice", "carol"]
    code, out, _ = run(capsys, monkeypatch, "user", "show", str(db), "carol")
    assert code == 0 and "alices-workspace: editor" in out and "(current)" in out


def test_user_list_columns_stay_aligned_with_long_values(tmp_path: Path, capsys: Capture,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A username or e-mail longer than any fixed width does not push the later columns
    out of line: each column is as wide as its widest cell."""
    db = build(tmp_path)
    long_name = "a-very-long-username-that-goes-on-and-on"
    code, _, _ = run(capsys, monkeypatch, "user", "add", str(db), long_name, "--email",
                     "someone.with.a.long.address@example.org", "--password-stdin", "--yes",
                     stdin="s3cret-pw\n")
    assert code == 0
    code, out, _ = run(capsys, monkeypatch, "user", "list", str(db))
    assert code == 0
    header, *rows = out.splitlines()[:-1]       # the last line counts the users
    assert len(rows) == 5 and header.split()[:3] == ["id", "username", "email"]
    assert any(long_name in row for row in rows)
    # Every row's e-mail (the only cell with an @) starts under "email", and its role
    # (the next cell) under "role", however long the username before them.
    for row in rows:
        email = re.search(r"\S+@\S+", row)
        assert email is not None and email.start() == header.index("email"), out
        role = row[email.end():].split()[0]
        assert row.index(role, email.end()) == header.index("role"), out


def test_workspace_add_edit_and_settings(tmp_path: Path, capsys: Capture,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path)
    code, out, _ = run(capsys, monkeypatch, "workspace", "add", str(db), "Team  Ops",
                       "--creator", "carol", "--yes")
    assert code == 0 and "created the workspace 'team-ops' (id 5)" in out
    code, out, _ = run(capsys, monkeypatch, "workspace", "edit", str(db), "team-ops", "--name",
                       "Ops", "--max-members", "7", "--redis-password-stdin", "--yes",
                       stdin="redis-typed-secret\n")
    assert code == 0 and "the slug stays" in out and "redis_password set" in out
    assert query(db, "SELECT slug, name FROM workspaces WHERE id = 5") == [("team-ops", "Ops")]
    code, out, _ = run(capsys, monkeypatch, "workspace", "show", str(db), "team-ops")
    assert "redis password set" in out and "max_members 7" in out
    code, _, err = run(capsys, monkeypatch, "workspace", "edit", str(db), "team-ops",
                       "--max-members", "5000", "--yes")
    assert code == 2 and "max_members must be between 1 and 1,000" in err
    assert "redis-typed-secret" not in audit_text() + out


def test_workspace_members(tmp_path: Path, capsys: Capture,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path)
    assert run(capsys, monkeypatch, "workspace", "members", str(db), "bobs-workspace",
               "--add", "dave", "--yes")[0] == 0
    assert run(capsys, monkeypatch, "workspace", "members", str(db), "bobs-workspace",
               "--set-role", "dave", "--role", "admin", "--yes")[0] == 0
    assert run(capsys, monkeypatch, "workspace", "members", str(db), "bobs-workspace",
               "--remove", "bob", "--new-current", "alices-workspace", "--yes")[0] == 2
    code, out, _ = run(capsys, monkeypatch, "workspace", "members", str(db), "bobs-workspace")
    assert code == 0 and "2 of 2 member(s)" in out and "dave" in out
    code, _, err = run(capsys, monkeypatch, "workspace", "members", str(db), "bobs-workspace",
                       "--remove", "dave", "--yes")
    assert code == 0, err
    assert query(db, "SELECT user_id FROM workspace_members WHERE workspace_id = 2") == [(2,)]


def test_move_rows_and_workspace_rm(tmp_path: Path, capsys: Capture,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path)
    code, out, _ = run(capsys, monkeypatch, "workspace", "move-rows", str(db),
                       "alices-workspace", "carols-workspace", "--table", "charts", "--ids",
                       "1", "--dry-run", "--json")
    plan = json.loads(out)["plan"]
    assert code == 0 and plan["rows"]["connections"] == 1 and plan["total"] == 5
    assert query(db, "SELECT workspace_id FROM charts WHERE id = 1") == [(1,)]
    code, out, _ = run(capsys, monkeypatch, "workspace", "move-rows", str(db),
                       "alices-workspace", "carols-workspace", "--table", "charts", "--all",
                       "--yes")
    assert code == 0 and "moved 5 row(s)" in out
    code, out, _ = run(capsys, monkeypatch, "workspace", "rm", str(db), "bobs-workspace",
                       "--dry-run")
    assert code == 0 and "rows that move: 1 dashboards, 1 charts" in out
    code, _, err = run(capsys, monkeypatch, "workspace", "rm", str(db), "bobs-workspace",
                       "--yes")
    assert code == 2 and "--rows-to" in err
    code, _, err = run(capsys, monkeypatch, "workspace", "rm", str(db), "bobs-workspace",
                       "--rows-to", "dave", "--yes")
    assert code == 2 and "there is no workspace 'dave'" in err
    code, out, _ = run(capsys, monkeypatch, "workspace", "rm", str(db), "bobs-workspace",
                       "--rows-to", "daves-workspace", "--backup-dir", str(tmp_path / "b"),
                       "--yes")
    assert code == 0 and "deleted bobs-workspace (id 2)" in out
    assert findings(db) == {}


def test_workspace_rm_preview_says_where_each_current_user_goes(
        tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    # bobs-workspace is current for bob (no other workspace), alice and carol (each a
    # member of their own one too).
    db = build(tmp_path, "INSERT INTO workspace_members (workspace_id, user_id, role, "
               "invited_by, joined_at) VALUES (2, 1, 'viewer', 2, '2024-02-01 09:00:00'), "
               "(2, 3, 'viewer', 2, '2024-02-01 09:00:00')",
               "UPDATE users SET current_workspace_id = 2 WHERE id IN (1, 3)")
    before = db.read_bytes()
    cases = {
        (): ["    2 to their oldest other workspace (a member there already)",
             "    1 to the --rows-to workspace (not chosen yet): whoever is not a member there "
             "joins it as viewer"],
        ("--rows-to", "daves-workspace"): [
            "    2 to their oldest other workspace (a member there already)",
            "    1 to daves-workspace (--rows-to): 1 joins it as viewer, 0 are a member already"],
        ("--rows-to", "daves-workspace", "--users-to", "carols-workspace"): [
            "    3 to carols-workspace (--users-to): 2 join it as viewer, 1 is a member already"],
    }
    for extra, going in cases.items():
        code, out, err = run(capsys, monkeypatch, "workspace", "rm", str(db), "bobs-workspace",
                             "--dry-run", *extra)
        assert (code, err) == (0, ""), err
        lines = out.splitlines()
        at = lines.index("  users whose current workspace it is: 3")
        assert lines[at + 1:] == going
        code, out, _ = run(capsys, monkeypatch, "workspace", "rm", str(db), "bobs-workspace",
                           "--dry-run", "--json", *extra)
        p = json.loads(out)["preview"]
        assert p["users_to_own"] + p["users_to_destination"] == p["users_current"] == 3
        assert p["users_joining"] == (None if not extra else 1 if len(extra) == 2 else 2)
    assert db.read_bytes() == before


def test_a_database_not_at_head_is_refused_with_the_fix(tmp_path: Path, capsys: Capture,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    db = health.build(tmp_path, "001")
    code, out, err = run(capsys, monkeypatch, "user", "add", str(db), "erin", "--email",
                         "erin@example.org", "--password-stdin", "--yes", stdin="s3cret-pw\n")
    assert code == 2 and out == ""
    assert f"wsadmin upgrade {db}" in err and err.count("\n") == 1


def test_nothing_printed_or_audited_holds_a_secret(tmp_path: Path, capsys: Capture,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path)
    seen = []
    for argv in (["user", "list", str(db), "--json"], ["user", "show", str(db), "alice"],
                 ["user", "show", str(db), "alice", "--json"],
                 ["workspace", "list", str(db), "--json"],
                 ["workspace", "show", str(db), "alices-workspace", "--json"],
                 ["workspace", "show", str(db), "alices-workspace"],
                 ["workspace", "edit", str(db), "alices-workspace", "--clear-redis-password",
                  "--yes", "--json"],
                 ["user", "rm", str(db), "alice", "--heir", "bob", "--backup-dir",
                  str(tmp_path / "b"), "--yes", "--json"]):
        code, out, err = run(capsys, monkeypatch, *argv)
        assert code == 0, err
        seen.append(out + err)
    written = "".join(seen) + audit_text()
    assert not [s for s in SECRET_PARTS if s in written]
    assert "$2b$" not in written
