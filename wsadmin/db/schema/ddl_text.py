"""What only the CREATE TABLE text knows: CHECK constraints and constraint names.

SQLite's PRAGMAs report columns, indexes and foreign keys, but a CHECK
constraint exists only in the text stored in sqlite_master, and a UNIQUE
constraint's name (`CONSTRAINT uq_workspace_user UNIQUE (...)`) is replaced by
an `sqlite_autoindex_*` name. This module reads those two facts from the text
with a small tokenizer: quotes, comments and nested parentheses are honoured,
nothing else of SQL is interpreted.
"""

from __future__ import annotations

from dataclasses import dataclass

_OPEN_QUOTES = {"'": "'", '"': '"', "`": "`", "[": "]"}


@dataclass(frozen=True)
class Token:
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
    tokens: list[Token] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch.isspace():
            i += 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch in _OPEN_QUOTES:
            close = _OPEN_QUOTES[ch]
            j = i + 1
            while j < n:
                if sql[j] == close:
                    # A doubled quote is an escaped quote (not for [brackets]).
                    if close != "]" and j + 1 < n and sql[j + 1] == close:
                        j += 2
                        continue
                    break
                j += 1
            kind = "string" if ch == "'" else "ident"
            tokens.append(Token(sql[i:j + 1], kind, i))
            i = j + 1
        elif ch.isalnum() or ch == "_" or ch == "$":
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] in "_$."):
                j += 1
            tokens.append(Token(sql[i:j], "word", i))
            i = j
        else:
            tokens.append(Token(ch, "punct", i))
            i += 1
    return tokens


def _render(tokens: list[Token]) -> str:
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
    tokens = tokenize(create_sql)
    try:
        start = next(i for i, t in enumerate(tokens) if t.text == "(")
    except StopIteration:  # CREATE TABLE ... AS SELECT: no definitions to read
        return []
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
    return [item for item in items if item]


def _group(tokens: list[Token], start: int) -> tuple[list[Token], int]:
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


@dataclass(frozen=True)
class ParsedCheck:
    sql: str
    name: str | None


def checks(create_sql: str) -> list[ParsedCheck]:
    """Every CHECK constraint, table-level or attached to a column, in order."""
    found: list[ParsedCheck] = []
    for item in table_definitions(create_sql):
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
    for item in table_definitions(create_sql):
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
