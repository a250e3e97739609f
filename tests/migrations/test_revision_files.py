"""The six revision files: the backend's ids and chain, thin, and in operator words."""

from __future__ import annotations

import ast

from tests.migrations.support import REPO
from wsadmin.db import revisions
from wsadmin.db.schema import chain, steps

VERSIONS = REPO / "migrations" / "versions"


def test_the_files_form_the_backends_chain() -> None:
    found = revisions.chain()
    assert [(r.id, r.down) for r in found] == [(r.id, r.down) for r in chain.REVISIONS]
    assert revisions.head() == "20251109220344"


def test_titles_are_the_chains_operator_words_and_each_says_what_it_does_to_data() -> None:
    for file_rev, rev in zip(revisions.chain(), chain.REVISIONS, strict=True):
        assert file_rev.title == rev.title
        assert len(file_rev.details) > 60 and "Undoing it" in file_rev.details


def test_every_file_only_hands_its_id_and_the_bind_to_the_engine() -> None:
    for path in sorted(VERSIONS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert set(functions) == {"upgrade", "downgrade"}, path.name
        for name, node in functions.items():
            assert ast.unparse(node.body[0]) == f"steps.{name}(revision, op.get_bind())"
            assert len(node.body) == 1, path.name
        assert not any(isinstance(n, ast.Compare) for n in ast.walk(tree)), path.name


def test_the_engine_registers_every_revision_both_ways() -> None:
    assert set(steps.UPGRADES) == set(steps.DOWNGRADES) == set(chain.REVISION_IDS)


def test_the_file_names_start_with_their_revision() -> None:
    names = sorted(p.name for p in VERSIONS.glob("*.py"))
    assert sorted(n.split("_", 1)[0] for n in names) == sorted(chain.REVISION_IDS)
