"""Choosing slugs for many workspaces at once, by the backend's rule.

The rule itself is registration.slugify (the one copy, SCHEMA.md "Slug rule").
What is added here is what a fix needs beyond one registration: slugs for many
rows planned before any is written, the column's declared length respected
(suffix included), and collisions judged by lower(trim(slug)) as
`duplicate_slugs` judges them, so a fix never creates a finding.
"""

from __future__ import annotations

import sqlite3
from collections import Counter

from wsadmin.db.common.text import stored_text
from wsadmin.db.schema.registration import slugify


def key(slug: object) -> str:
    """What duplicate_slugs compares: lower(trim(slug)) (SQLite's ASCII lower and trim)."""
    text = stored_text(slug).strip(" ")
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


class Slugs:
    """The slugs in use (by normalised key) and the ones chosen so far."""

    def __init__(self, conn: sqlite3.Connection, cap: int) -> None:
        self.cap = cap
        self.used: Counter[str] = Counter(
            key(r[0]) for r in conn.execute("SELECT slug FROM workspaces WHERE slug IS NOT NULL"))

    def release(self, slug: object) -> None:
        """A workspace being renamed gives up its slug."""
        self.used[key(slug)] -= 1

    def choose(self, source: str) -> str:
        """slugify(source) cut to the column's length, then -1, -2, ... while taken."""
        base = slugify(source)[: self.cap].strip("-") or "workspace"
        candidate, n = base, 0
        while self.used[candidate] > 0:
            n += 1
            suffix = f"-{n}"
            candidate = base[: max(1, self.cap - len(suffix))].rstrip("-") + suffix
        self.used[candidate] += 1
        return candidate
