"""revisions._read parses only a migration file's head when it can, and the whole
file when the identifiers are not all there (it must never guess)."""

from __future__ import annotations

from pathlib import Path

from wsadmin.db import revisions


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "003_example.py"
    path.write_text(text, encoding="utf-8")
    return path


def test_identifiers_at_the_top(tmp_path: Path) -> None:
    rev = revisions._read(write(tmp_path, '''"""Title line.

Details that
wrap.
"""
revision = "003"
down_revision = "002"


def upgrade() -> None:
    pass
'''))
    assert rev is not None
    assert (rev.id, rev.down, rev.title, rev.details) == ("003", "002", "Title line.",
                                                          "Details that wrap.")


def test_identifier_after_a_function_is_still_found(tmp_path: Path) -> None:
    rev = revisions._read(write(tmp_path, '''"""Late down revision."""
revision = "003"


def helper() -> None:
    pass


down_revision = "002"
'''))
    assert rev is not None and (rev.id, rev.down) == ("003", "002")


def test_def_inside_the_docstring_does_not_cut_it(tmp_path: Path) -> None:
    rev = revisions._read(write(tmp_path, '''"""Mentions code.
def looks_like_a_function():
"""
revision = "003"
down_revision = None
'''))
    assert rev is not None
    assert (rev.id, rev.down, rev.title) == ("003", None, "Mentions code.")


def test_file_without_revision(tmp_path: Path) -> None:
    assert revisions._read(write(tmp_path, '"""Helpers."""\n\n\ndef f() -> None:\n    pass\n')) \
        is None


def test_project_chain_matches_a_whole_file_parse() -> None:
    for rev in revisions.chain():
        whole = revisions._parse(rev.path.read_text(encoding="utf-8"), rev.path, whole=True)
        assert whole == rev
