"""A revision that fails leaves the database identical (DESIGN.md rule 5).

The broken revision comes from a COPY of migrations/ with one revision file
edited to fail after doing its work, run through the real `alembic` command
line with a copy of alembic.ini: nothing in wsadmin is patched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.migrations.support import REPO, STATES, alembic, dump
from wsadmin.db.schema import backend_tooling as bt

BREAK = '''

def upgrade() -> None:
    steps.upgrade(revision, op.get_bind())
    raise RuntimeError("revision {rev} broke after doing its work")
'''


def broken_copy(tmp_path: Path, rev: str) -> Path:
    """alembic.ini and migrations/ copied beside each other, revision `rev` failing."""
    root = tmp_path / "tool"
    shutil.copytree(REPO / "migrations", root / "migrations",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "alembic.ini", root / "alembic.ini")
    (target,) = [p for p in (root / "migrations" / "versions").glob("*.py")
                 if p.name.startswith(f"{rev}_")]
    text = target.read_text(encoding="utf-8")
    original = "\n\ndef upgrade() -> None:\n    steps.upgrade(revision, op.get_bind())\n"
    assert original in text
    target.write_text(text.replace(original, BREAK.format(rev=rev)), encoding="utf-8")
    return root / "alembic.ini"


@pytest.mark.parametrize("state, rev", [
    ("legacy", "002"),                      # after the default workspace and rebuilds
    ("stuck_at_001_backend", "a87f1e87be87"),  # after 002 ran in the same command
    ("mixed", "001"),
    ("at_e73bf9fb92f4", "20251109220344"),
])
def test_a_failing_revision_leaves_the_database_identical(state: str, rev: str,
                                                          tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    db = folder / "app_metadata.db"
    STATES[state][0](db)
    before = dump(db)
    ini = broken_copy(tmp_path, rev)
    done = alembic(folder, "upgrade", "head", ini=ini, check=False)
    assert done.returncode != 0 and f"revision {rev} broke" in done.stderr
    assert dump(db) == before
    assert not [p for p in folder.iterdir() if p.name != "app_metadata.db"]  # no journal left


def test_the_unbroken_copy_works(tmp_path: Path) -> None:
    # The copy itself is sound: only the edit makes the runs above fail.
    folder = tmp_path / "db"
    folder.mkdir()
    STATES["legacy"][0](folder / "app_metadata.db")
    root = tmp_path / "tool"
    shutil.copytree(REPO / "migrations", root / "migrations",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "alembic.ini", root / "alembic.ini")
    alembic(folder, "upgrade", "head", ini=root / "alembic.ini")
    assert alembic(folder, "current", ini=root / "alembic.ini").stdout.strip() == \
        "20251109220344 (head)"


def test_002_refusing_rows_without_any_user_changes_nothing(tmp_path: Path) -> None:
    db = bt.legacy(tmp_path / "app_metadata.db", {"dashboards": [
        {"id": 1, "name": "d", "layout": "{}", "created_by": 4}]})
    before = dump(db)
    done = alembic(tmp_path, "upgrade", "head", check=False)
    assert done.returncode != 0
    assert "1 rows have no workspace (1 dashboards)" in done.stderr
    assert dump(db) == before
