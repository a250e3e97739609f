"""Slugs and workspace names as the backend's registration derives them (SCHEMA.md),
from whatever a username column really holds.

SQLite does not enforce a column's declared type or length, so a username may
be a BLOB, hold control characters or be longer than `workspaces.slug` and
`workspaces.name` are declared to hold. The names made from it are cleaned
and capped here, so that a fix never writes a slug the backend rejects or a
name nobody can read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Final

_NOT_SLUG = re.compile(r"[^a-z0-9-]+")
_DASHES = re.compile(r"-{2,}")
# Controls, line/paragraph separators and bidi overrides: nothing a name should show.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]+")
FALLBACK_SLUG: Final = "workspace"
WORKSPACE_SUFFIX: Final = "'s Workspace"


def readable_name(value: object, fallback: str) -> str:
    """A username as a person reads it: text decoded, controls turned into spaces,
    spaces collapsed; `fallback` when nothing readable is left (NULL, a BLOB that is
    not UTF-8 text, only controls)."""
    if value is None:
        return fallback
    if isinstance(value, bytes | bytearray | memoryview):
        try:
            text = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return fallback
    else:
        text = str(value)
    text = " ".join(_CONTROLS.sub(" ", text).split())
    return text or fallback


def workspace_name(username: str, max_len: int | None = None) -> str:
    """`{username}'s Workspace`, the username cut so that the whole fits `max_len`."""
    if max_len is not None and len(username) + len(WORKSPACE_SUFFIX) > max_len:
        username = username[:max(max_len - len(WORKSPACE_SUFFIX), 1)].rstrip()
    return username + WORKSPACE_SUFFIX


def slug_base(username: str, max_len: int | None = None) -> str:
    """Lower-case, `[a-z0-9-]` only: accents dropped, other characters become `-`;
    at most `max_len` characters."""
    text = unicodedata.normalize("NFKD", username).encode("ascii", "ignore").decode("ascii")
    text = _DASHES.sub("-", _NOT_SLUG.sub("-", text.lower())).strip("-")
    if max_len is not None:
        text = text[:max_len].rstrip("-")
    return text or FALLBACK_SLUG[:max_len]


def unique_slug(base: str, taken: set[str], max_len: int | None = None) -> str:
    """`base`, or `base-2`, `base-3`, ... : the first one not in `taken` (which it joins).
    With `max_len`, `base` is cut to leave room for the suffix: the whole slug fits."""
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        suffix = f"-{n}"
        head = base if max_len is None else base[:max(max_len - len(suffix), 1)].rstrip("-")
        candidate = f"{head}{suffix}"
    taken.add(candidate)
    return candidate


def assign(names: Iterable[str], taken: set[str],
           base: Callable[[str], str] = slug_base) -> list[str]:
    return [unique_slug(base(n), taken) for n in names]
