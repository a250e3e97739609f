"""The six revision files: the backend's ids and chain, thin, and in operator words."""

from __future__ import annotations

import ast

from tests.migrations.support import REPO
from wsadmin.db.schema import chain, steps

VERSIONS = REPO / "migrations" / "versions"


def _files() -> list[tuple[str, str | None, str]]:
    """(revision, down_revision, docstring) of each revision file, in chain order."""
    found = {}
    for path in VERSIONS.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        ids = {n.targets[0].id: ast.literal_eval(n.value) for n in tree.body
               if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)}
        found[ids["down_revision"]] = (ids["revision"], ids["down_revision"],
                                       ast.get_docstring(tree) or "")
    ordered, down = [], None
    while down in found:
        ordered.append(found[down])
        down = found[down][0]
    assert len(ordered) == len(found), "the files do not form one linear chain"
    return ordered


def test_the_files_form_the_backends_chain() -> None:
    assert [(r, d) for r, d, _doc in _files()] == [(r.id, r.down) for r in chain.REVISIONS]
    assert chain.HEAD_REVISION == "20251109220344"


def test_each_file_says_in_the_chains_words_what_it_does_and_what_undoing_it_costs() -> None:
    """chain.py is where the GUI and the plans read the words; the files' docstrings are
    what `alembic history` shows. They say the same."""
    for (_r, _d, doc), rev in zip(_files(), chain.REVISIONS, strict=True):
        title, _, details = doc.partition("\n")
        assert title.strip() == rev.title
        assert " ".join(details[details.index("Undoing it"):].split()) == rev.undo


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
