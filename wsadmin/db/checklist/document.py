"""A small document model rendered as Markdown or HTML, so both say the same.

Blocks are headings, paragraphs, bulleted items, preformatted text and tables.
Text is plain; a pair of backticks marks inline code. Every piece of text is
escaped for the format it is written in (Markdown's punctuation, HTML's
entities) after control characters are made visible (printable), so a path
or a note cannot inject markup or fake lines.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from wsadmin.db.common.text import printable

# `_` inside a word is never emphasis (CommonMark): only an underscore at a word's edge
# is escaped, so `app_metadata.db` stays readable in the raw text.
_MD_SPECIAL: Final = re.compile(r"([\\`*\[\]<>|#~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_CSS: Final = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #222; }
h1 { font-size: 17pt; } h2 { font-size: 14pt; margin-top: 16px; }
h3 { font-size: 11.5pt; margin-top: 10px; }
table { border-collapse: collapse; margin: 4px 0 8px 0; }
th, td { border: 1px solid #999; padding: 3px 6px; vertical-align: top; }
th { background: #eee; text-align: left; } td.n { text-align: right; }
pre { background: #f4f4f4; padding: 6px; font-size: 9pt; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; }
"""


@dataclass
class Block:
    kind: str                       # h1 h2 h3 p pre items table
    text: str = ""
    items: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    show_header: bool = True
    numeric: tuple[int, ...] = ()


def _pieces(text: str) -> list[tuple[bool, str]]:
    """(is_code, text) runs; a lone backtick stays text."""
    parts = text.split("`")
    if len(parts) % 2 == 0:             # unbalanced: the last backtick is literal
        last = parts.pop()
        parts[-1] += "`" + last
    return [(i % 2 == 1, p) for i, p in enumerate(parts) if p]


def _md_inline(text: str) -> str:
    out = []
    for code, piece in _pieces(printable(text)):
        if code:
            fence = "``" if "`" in piece else "`"
            out.append(f"{fence}{piece}{fence}")
        else:
            out.append(_MD_SPECIAL.sub(r"\\\1", piece))
    return "".join(out)


def _html_inline(text: str) -> str:
    return "".join(f"<code>{html_lib.escape(p)}</code>" if code else html_lib.escape(p)
                   for code, p in _pieces(printable(text)))


class Document:
    def __init__(self) -> None:
        self.blocks: list[Block] = []

    def block(self, block: Block) -> None:
        self.blocks.append(block)

    def h1(self, text: str) -> None:
        self.block(Block("h1", text))

    def h2(self, text: str) -> None:
        self.block(Block("h2", text))

    def h3(self, text: str) -> None:
        self.block(Block("h3", text))

    def p(self, text: str) -> None:
        self.block(Block("p", text))

    def pre(self, text: str) -> None:
        self.block(Block("pre", text))

    def items(self, items: Sequence[str]) -> None:
        self.block(Block("items", items=list(items)))

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], *,
              header_row: bool = True, numeric: tuple[int, ...] = ()) -> None:
        self.block(Block("table", header=list(header), rows=[list(r) for r in rows],
                         show_header=header_row, numeric=numeric))

    # ---- Markdown ------------------------------------------------------------------

    def markdown(self) -> str:
        out: list[str] = []
        for b in self.blocks:
            if b.kind in ("h1", "h2", "h3"):
                out.append("#" * int(b.kind[1]) + " " + _md_inline(b.text))
            elif b.kind == "p":
                out.append(_md_inline(b.text))
            elif b.kind == "pre":
                out.append("```\n" + "\n".join(printable(line) for line in b.text.split("\n"))
                           .replace("```", "'''") + "\n```")
            elif b.kind == "items":
                out.append("\n".join(f"- {_md_inline(i)}" for i in b.items))
            else:
                out.append(self._md_table(b))
        return "\n\n".join(out) + "\n"

    @staticmethod
    def _md_table(b: Block) -> str:
        def row(cells: Sequence[str]) -> str:
            return "| " + " | ".join(_md_inline(c) or " " for c in cells) + " |"

        align = [("---:" if i in b.numeric else "---") for i in range(len(b.header))]
        head = b.header if b.show_header else [" "] * len(b.header)
        return "\n".join([row(head), "| " + " | ".join(align) + " |",
                          *(row(r) for r in b.rows)])

    # ---- HTML ----------------------------------------------------------------------

    def html(self, title: str) -> str:
        body: list[str] = []
        for b in self.blocks:
            if b.kind in ("h1", "h2", "h3"):
                body.append(f"<{b.kind}>{_html_inline(b.text)}</{b.kind}>")
            elif b.kind == "p":
                body.append(f"<p>{_html_inline(b.text)}</p>")
            elif b.kind == "pre":
                body.append("<pre>" + html_lib.escape(
                    "\n".join(printable(line) for line in b.text.split("\n"))) + "</pre>")
            elif b.kind == "items":
                body.append("<ul>" + "".join(f"<li>{_html_inline(i)}</li>" for i in b.items)
                            + "</ul>")
            else:
                body.append(self._html_table(b))
        return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                f"<title>{html_lib.escape(printable(title))}</title>"
                f"<style>{_CSS}</style></head>\n<body>\n" + "\n".join(body)
                + "\n</body></html>\n")

    @staticmethod
    def _html_table(b: Block) -> str:
        rows = []
        if b.show_header:
            rows.append("<tr>" + "".join(f"<th>{_html_inline(h)}</th>" for h in b.header)
                        + "</tr>")
        right = ' class="n" align="right"'
        for r in b.rows:
            rows.append("<tr>" + "".join(
                f"<td{right if i in b.numeric else ''}>{_html_inline(c)}</td>"
                for i, c in enumerate(r)) + "</tr>")
        return ("<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\">" + "".join(rows)
                + "</table>")
