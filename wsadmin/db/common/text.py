"""Foreign text (paths, names, process command lines, SQLite messages) made safe to print.

A database path, a username or another program's command line can hold any
character. Printed raw, an ESC sequence repaints the terminal, a CR rewrites
the start of the line and an LF starts a line that looks like wsadmin's own
(`wsadmin: error: ...`). `printable` escapes every such character visibly and
leaves ordinary text, accents and other scripts included, as it is. JSON
output does not need it: json.dumps escapes control characters itself.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

# C0 and C1 controls and DEL; the Unicode line and paragraph separators (splitlines()
# breaks on them); the bidirectional overrides and isolates, which can make a line read
# differently from what it holds; lone surrogates (undecodable bytes in a file name,
# which stdout cannot even encode).
_UNSAFE_CLASS: Final = (
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED: Final = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


@cache
def _pattern(char_class: str) -> re.Pattern[str]:
    # Compiled on first use: a class with the surrogate range costs a few ms to compile,
    # and every process imports this module (the GUI's first screen too).
    return re.compile(char_class)


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:        # os.fsdecode's stand-in for the byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(value: object) -> str:
    """`value` as text for a terminal or a one-line message: controls escaped visibly."""
    text = value if isinstance(value, str) else str(value)
    unsafe = _pattern(_UNSAFE_CLASS)
    if unsafe.search(text) is None:
        return text
    return unsafe.sub(_escape, text)


def printable_lines(text: str) -> str:
    """Multi-line text whose line breaks are wsadmin's own: each line made printable."""
    return "\n".join(printable(line) for line in text.split("\n"))


# Inside a JSON string these are legal raw, but a terminal acts on them; `\uXXXX` is
# the same string to every JSON reader.
_JSON_UNSAFE_CLASS: Final = ("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
                              "\ud800-\udfff]")


def json_safe(dumped: str) -> str:
    """Output of json.dumps(ensure_ascii=False) with what a terminal acts on escaped."""
    unsafe = _pattern(_JSON_UNSAFE_CLASS)
    if unsafe.search(dumped) is None:
        return dumped
    return unsafe.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`1 row`, `2 rows`, `1,000 rows`: a count with its noun in the right number."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def stored_text(value: object) -> str:
    """A stored value as text, whatever SQLite holds in the column (NULL, BLOB, a number):
    the backend never enforces column types, so a username may come back as bytes."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
