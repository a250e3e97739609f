"""A health report as a file: JSON (the CLI's `check --json` form) or Markdown.

The GUI's Export writes these. Both carry only what the report carries: the
samples come from the checks, which show secret columns only by their kind
(wsadmin.db.health.secret_columns), so no password hash, connection config,
redis password or public token can reach an export. Files are written
atomically with permissions no wider than the database's (DESIGN.md rule 10).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Final

from wsadmin.db.common.text import json_safe, printable
from wsadmin.db.health.model import CheckResult, CheckStatus, HealthReport
from wsadmin.db.health.registry import CHECKS
from wsadmin.db.sqlite.files import atomic_write_bytes, mode_no_wider_than

FORMATS: Final = ("json", "markdown")
STATUS_WORDS: Final = {CheckStatus.OK: "ok", CheckStatus.FINDINGS: "FOUND",
                       CheckStatus.NOT_APPLICABLE: "n/a", CheckStatus.ERROR: "ERROR"}
_SYMPTOMS: Final = {c.id: c.symptom for c in CHECKS}


def symptom_of(check_id: str) -> str:
    """The backend's symptom for a check id of the registry ("" when it has none)."""
    return _SYMPTOMS.get(check_id, "")


def to_json_text(report: HealthReport, when: dt.datetime | None = None) -> str:
    data: dict[str, Any] = report.to_json()
    if when is not None:
        data["checked_at"] = when.astimezone(dt.UTC).isoformat(timespec="seconds")
    return json_safe(json.dumps(data, indent=2, ensure_ascii=False, default=str)) + "\n"


def _cell(value: Any) -> str:
    """One Markdown table cell: controls escaped, pipes escaped, long values cut."""
    if isinstance(value, bytes):
        value = "x'" + value.hex() + "'"
    text = "NULL" if value is None else printable(str(value))
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")
    return text if len(text) <= 80 else text[:79] + "…"


def _table(columns: list[str], rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |",
             "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return lines


def _fence(sql: str) -> list[str]:
    ticks = "```"
    while ticks in sql:
        ticks += "`"
    return [ticks + "sql", printable_block(sql), ticks]


def printable_block(text: str) -> str:
    return "\n".join(printable(line) for line in text.split("\n"))


def _finding(r: CheckResult) -> list[str]:
    lines = ["", f"### {printable(r.title)} (`{r.id}`)", "",
             f"**{r.count:,}** found · severity **{r.severity.value}**", "",
             printable(r.explanation)]
    symptom = symptom_of(r.id)
    if symptom:
        lines += ["", f"Backend symptom: {printable(symptom)}"]
    if r.reason:
        lines += ["", f"Note: {printable(r.reason)}"]
    if r.sample:
        columns = list(r.columns) or list(r.sample[0])
        shown = f"first {len(r.sample)} of {r.count:,}" if r.count > len(r.sample) else "all"
        lines += ["", f"Sample ({shown}):", "", *_table(columns, r.sample)]
    if r.fixes:
        lines += ["", "Fixes: " + ", ".join(f"`{f}`" for f in r.fixes)]
    lines += ["", *_fence(r.sql)]
    return lines


def to_markdown(report: HealthReport, when: dt.datetime | None = None) -> str:
    """The report for a ticket or a wiki: a summary table, then each finding in full."""
    ordered = report.by_severity()
    found = [r for r in ordered if r.status is CheckStatus.FINDINGS]
    lines = ["# Health checks", "",
             f"- Database: `{printable(report.database)}`",
             f"- Revision: {printable(report.revision or '(none recorded)')}",
             f"- State: {report.state or '?'}"]
    if when is not None:
        lines.append(f"- Checked: {when.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC")
    lines += [f"- Result: {len(found)} check(s) with findings, {len(report.errors)} could "
              "not run", "", "| Status | Count | Severity | Check | Title |",
              "|---|---:|---|---|---|"]
    for r in ordered:
        count = f"{r.count:,}" if r.status is CheckStatus.FINDINGS else ""
        lines.append(f"| {STATUS_WORDS[r.status]} | {count} | {r.severity.value} | "
                     f"`{r.id}` | {_cell(r.title)} |")
    if found:
        lines += ["", "## Findings, most severe first"]
        for r in found:
            lines += _finding(r)
    others = [r for r in ordered if r.status in (CheckStatus.ERROR, CheckStatus.NOT_APPLICABLE)]
    if others:
        lines += ["", "## Not run", ""]
        lines += [f"- `{r.id}` ({STATUS_WORDS[r.status]}): {printable(r.reason)}" for r in others]
    return "\n".join(lines) + "\n"


def write_report(report: HealthReport, path: str | Path, fmt: str,
                 when: dt.datetime | None = None) -> Path:
    """Write `report` to `path` as `fmt` ("json" or "markdown"), atomically, with the
    database's permissions at most."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    text = to_json_text(report, when) if fmt == "json" else to_markdown(report, when)
    target = Path(path)
    atomic_write_bytes(target, text.encode("utf-8"),
                       mode_no_wider_than(Path(report.database)) or 0o600)
    return target
