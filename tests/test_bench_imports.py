"""Every name a benchmark imports from wsadmin exists (at module level or inside a
function): the benches run only in `make bench`, so a module moved by a refactor would
otherwise break one silently (bench/startup.py did)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _wsadmin_imports(path: Path) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("wsadmin"):
            found += [(node.module or "", alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names
                      if alias.name.startswith("wsadmin")]
    return found


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_a_benchmarks_wsadmin_imports_resolve(script: Path) -> None:
    names = _wsadmin_imports(script)
    assert names, f"{script.name} imports nothing from wsadmin"
    for module, name in names:
        loaded = importlib.import_module(module)
        if name:
            assert hasattr(loaded, name) or importlib.util.find_spec(f"{module}.{name}"), \
                f"{script.name}: from {module} import {name}"
