"""Slugs as the backend's registration derives them (SCHEMA.md)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

_NOT_SLUG = re.compile(r"[^a-z0-9-]+")
_DASHES = re.compile(r"-{2,}")


def slug_base(username: str) -> str:
    """Lower-case, `[a-z0-9-]` only: accents dropped, other characters become `-`."""
    text = unicodedata.normalize("NFKD", username).encode("ascii", "ignore").decode("ascii")
    text = _DASHES.sub("-", _NOT_SLUG.sub("-", text.lower())).strip("-")
    return text or "workspace"


def unique_slug(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`, ... : the first one not in `taken` (which it joins)."""
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def assign(names: Iterable[str], taken: set[str],
           base: Callable[[str], str] = slug_base) -> list[str]:
    return [unique_slug(base(n), taken) for n in names]
