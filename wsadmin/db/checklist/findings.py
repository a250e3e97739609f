"""Health check results as the checklist keeps them: compact, comparable, secret-free.

A run keeps, per check, its status, count, severity and the fixes it offers:
never a sample row (samples may name people; the state file and the report
need only the numbers). Two such summaries give the report's before/after
health diff.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wsadmin.db.health.model import CheckStatus, HealthReport
from wsadmin.db.health.registry import get
from wsadmin.db.health.runner import run_checks

Summary = dict[str, dict[str, Any]]

ORPHAN_QUERY = "SELECT COUNT(*) FROM users WHERE current_workspace_id IS NULL;"


def compact(report: HealthReport) -> Summary:
    return {r.id: {"title": r.title, "status": r.status.value, "count": r.count,
                   "severity": r.severity.value, "fixes": [f for f, _t in offered_fixes(r.id)],
                   "reason": r.reason}
            for r in report.checks}


def check(db: str | Path, only: Sequence[str] | None = None) -> Summary:
    return compact(run_checks(db, only=only))


def problems(entry: dict[str, Any] | None) -> int:
    """Offending records of one check (0 when it found nothing or did not apply)."""
    if entry is None or entry.get("status") != CheckStatus.FINDINGS.value:
        return 0
    return int(entry.get("count", 0))


def errors(summary: Summary) -> list[str]:
    return [i for i, e in summary.items() if e.get("status") == CheckStatus.ERROR.value]


def found(summary: Summary) -> list[str]:
    return [i for i, e in summary.items() if problems(e)]


def offered_fixes(check_id: str) -> list[tuple[str, str]]:
    """(fix id, title) of the fixes the checklist can apply with one click: the ones
    that need no parameter and are not another command (adopt, repair)."""
    return [(f.id, f.title) for f in get(check_id).fixes if not f.params and f.command is None]


def lines(summary: Summary, ids: Sequence[str] | None = None) -> list[str]:
    """One line per check that found something (or could not run)."""
    out = []
    for cid in ids if ids is not None else list(summary):
        e = summary.get(cid)
        if e is None:
            continue
        if e["status"] == CheckStatus.ERROR.value:
            out.append(f"{cid}: could not run ({e.get('reason') or 'error'})")
        elif problems(e):
            fixes = f"; fix offered: {', '.join(e['fixes'])}" if e.get("fixes") else ""
            out.append(f"{cid} ({e['severity']}): {e['count']:,} found{fixes}")
    return out


def diff(before: Summary | None, after: Summary | None) -> list[dict[str, Any]]:
    """Every check whose status or count changed, with whether it got better or worse."""
    if not before or not after:
        return []
    out = []
    for cid in [*before, *(i for i in after if i not in before)]:
        b, a = before.get(cid), after.get(cid)
        if b is not None and a is not None and (b["status"], b["count"]) == (
                a["status"], a["count"]):
            continue
        pb, pa = problems(b), problems(a)
        broke = a is not None and a["status"] == CheckStatus.ERROR.value and (
            b is None or b["status"] != CheckStatus.ERROR.value)
        out.append({"id": cid, "title": (a or b or {}).get("title", cid),
                    "before": _words(b), "after": _words(a),
                    "better": pa < pb, "worse": pa > pb or broke})
    return out


def _words(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "not run"
    status = str(entry["status"])
    if status == CheckStatus.FINDINGS.value:
        return f"{entry['count']:,} found"
    return {"ok": "ok", "not_applicable": "not applicable", "error": "error"}.get(status, status)
