"""The project's revision chain, read from the migration files without Alembic.

Status and the GUI's start-up need the list of revisions and their
descriptions; importing Alembic and SQLAlchemy for that would cost more than
the rest of start-up, so the files are parsed with `ast` instead. Alembic
itself is only loaded to change a database (wsadmin.db.migrate).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import NamedTuple

import wsadmin.migrations


class Revision(NamedTuple):     # (not a dataclass: read at GUI start-up, see FileFacts)
    id: str
    down: str | None
    title: str
    details: str
    path: Path


def migrations_dir() -> Path:
    return Path(wsadmin.migrations.__file__).resolve().parent


def _read(path: Path) -> Revision | None:
    source = path.read_text(encoding="utf-8")
    # The docstring and the identifiers come before the first function: parsing only
    # that part halves the GUI's wait for its first status. Else, the whole file.
    cut = source.find("\ndef ")
    if cut > 0:
        try:
            head = _parse(source[:cut], path)
        except SyntaxError:
            head = None
        if head is not None:
            return head
    return _parse(source, path, whole=True)


def _parse(source: str, path: Path, whole: bool = False) -> Revision | None:
    tree = ast.parse(source, filename=str(path))
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                values[target.id] = ast.literal_eval(node.value)
    if not whole and len(values) < 2:
        return None
    rev = values.get("revision")
    if not isinstance(rev, str):
        return None
    down = values.get("down_revision")
    doc = (ast.get_docstring(tree) or rev).strip()
    title, _, details = doc.partition("\n")
    return Revision(rev, down if isinstance(down, str) else None, title.strip(),
                    " ".join(details.split()), path)


@functools.cache
def chain() -> tuple[Revision, ...]:
    """Revisions from the first to head. The chain is linear by design."""
    found = [r for p in sorted((migrations_dir() / "versions").glob("*.py"))
             if (r := _read(p)) is not None]
    by_down = {r.down: r for r in found}
    ordered: list[Revision] = []
    nxt = by_down.get(None)
    while nxt is not None:
        ordered.append(nxt)
        nxt = by_down.get(nxt.id)
    if len(ordered) != len(found):
        raise RuntimeError("the migration files do not form one linear chain")
    return tuple(ordered)


def ids() -> tuple[str, ...]:
    return tuple(r.id for r in chain())


def head() -> str:
    return chain()[-1].id


def get(rev: str) -> Revision:
    for r in chain():
        if r.id == rev:
            return r
    raise KeyError(rev)


def pending_after(current: str | None) -> tuple[Revision, ...]:
    """Revisions an upgrade to head would apply, from `current` (None: before 001)."""
    all_ids = ids()
    start = 0 if current is None else all_ids.index(current) + 1
    return chain()[start:]


def between(current: str | None, target: str | None) -> tuple[Revision, ...]:
    """Revisions that a downgrade from `current` to `target` undoes, newest first."""
    all_ids = ids()
    hi = -1 if current is None else all_ids.index(current)
    lo = -1 if target is None else all_ids.index(target)
    return tuple(reversed(chain()[lo + 1 : hi + 1]))
