"""What only the CREATE TABLE text knows: CHECK constraints and constraint names.

SQLite's PRAGMAs report columns, indexes and foreign keys, but a CHECK
constraint exists only in the text stored in sqlite_master, and a UNIQUE
constraint's name (`CONSTRAINT uq_workspace_user UNIQUE (...)`) is replaced by
an `sqlite_autoindex_*` name. This module reads those two facts from the text
with a small tokenizer: quotes, comments and nested parentheses are honoured,
nothing else of SQL is interpreted.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

_OPEN_QUOTES = {"'": "'", '"': '"', "`": "`", "[": "]"}

# One pass of the regex engine instead of a Python loop over characters: reading the
# reference shapes and a database's own tables tokenizes every CREATE TABLE text, on
# the path of the GUI's first screen. Alternatives are tried in order: whitespace and
# comments are skipped; a quote left open runs to the end of the text.
_TOKEN = re.compile(r"""
    (?P<skip> \s+ | --[^\n]*(?:\n|\Z) | /\*.*?(?:\*/|\Z) )
  | (?P<string> '(?:[^']|'')*(?:'|\Z) )
  | (?P<ident> "(?:[^"]|"")*(?:"|\Z) | `(?:[^`]|``)*(?:`|\Z) | \[[^\]]*(?:\]|\Z) )
  | (?P<word> [\w$][\w$.]* )
  | (?P<punct> . )
""", re.VERBOSE | re.DOTALL)


class Token(NamedTuple):
    text: str
    kind: str  # "word", "ident" (quoted identifier), "string", "punct"
    start: int = 0
    """Offset in the SQL text; tells whether two tokens were written apart."""

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    @property
    def name(self) -> str:
        """The identifier this token spells, unquoted."""
        if self.kind == "ident":
            close = _OPEN_QUOTES[self.text[0]]
            return self.text[1:-1].replace(close + close, close)
        if self.kind == "string":  # SQLite accepts 'name' where an identifier is expected
            return self.text[1:-1].replace("''", "'")
        return self.text


def tokenize(sql: str) -> list[Token]:
    """Split SQL into tokens, dropping whitespace and comments."""
    return [Token(m.group(), kind, m.start()) for m in _TOKEN.finditer(sql)
            if (kind := m.lastgroup or "punct") != "skip"]


def _render(tokens: tuple[Token, ...]) -> str:
    """Tokens back to text, each run of whitespace or comments as one space.

    Tokens written together stay together (`a>=0`, `1e-5`), so the text is the
    same SQL; only layout differences disappear from comparisons.
    """
    out = ""
    for prev, tok in zip([None, *tokens], tokens, strict=False):
        if prev is not None and tok.start > prev.start + len(prev.text):
            out += " "
        out += tok.text
    return out


def table_definitions(create_sql: str) -> list[list[Token]]:
    """The comma-separated items between the outer parentheses of a CREATE TABLE."""
    return [list(item) for item in _definitions(create_sql)]


@lru_cache(maxsize=256)
def _definitions(create_sql: str) -> tuple[tuple[Token, ...], ...]:
    """table_definitions, kept per text: checks() and unique_constraint_names() both read
    every table's text, and the reference shapes are read from the same texts again."""
    tokens = tokenize(create_sql)
    try:
        start = next(i for i, t in enumerate(tokens) if t.text == "(")
    except StopIteration:  # CREATE TABLE ... AS SELECT: no definitions to read
        return ()
    items: list[list[Token]] = [[]]
    depth = 0
    for tok in tokens[start + 1:]:
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            if depth == 0:
                break
            depth -= 1
        elif tok.text == "," and depth == 0:
            items.append([])
            continue
        items[-1].append(tok)
    return tuple(tuple(item) for item in items if item)


def _group(tokens: tuple[Token, ...], start: int) -> tuple[tuple[Token, ...], int]:
    """The tokens inside the parenthesis opening at `start`, and the index after it."""
    depth = 0
    for i in range(start, len(tokens)):
        if tokens[i].text == "(":
            depth += 1
        elif tokens[i].text == ")":
            depth -= 1
            if depth == 0:
                return tokens[start + 1:i], i + 1
    return tokens[start + 1:], len(tokens)


class ParsedCheck(NamedTuple):
    sql: str
    name: str | None


def checks(create_sql: str) -> list[ParsedCheck]:
    """Every CHECK constraint, table-level or attached to a column, in order."""
    found: list[ParsedCheck] = []
    for item in _definitions(create_sql):
        i = 0
        while i < len(item):
            if item[i].upper == "CHECK" and i + 1 < len(item) and item[i + 1].text == "(":
                inner, after = _group(item, i + 1)
                name = None
                if i >= 2 and item[i - 2].upper == "CONSTRAINT":
                    name = item[i - 1].name
                found.append(ParsedCheck(_render(inner), name))
                i = after
            else:
                i += 1
    return found


def unique_constraint_names(create_sql: str) -> dict[tuple[str, ...], str]:
    """Names of table-level `CONSTRAINT name UNIQUE (cols)` items, by their columns."""
    names: dict[tuple[str, ...], str] = {}
    for item in _definitions(create_sql):
        if (len(item) >= 4 and item[0].upper == "CONSTRAINT" and item[2].upper == "UNIQUE"
                and item[3].text == "("):
            inner, _ = _group(item, 3)
            # Each indexed column is the first token of its comma-separated part
            # (COLLATE and ASC/DESC may follow it).
            columns: list[str] = []
            expect_column = True
            for tok in inner:
                if tok.text == ",":
                    expect_column = True
                elif expect_column:
                    columns.append(tok.name)
                    expect_column = False
            names[tuple(columns)] = item[1].name
    return names
