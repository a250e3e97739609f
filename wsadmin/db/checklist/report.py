"""The checklist's report, in Markdown and HTML, from a run's state.

Both formats render the same blocks (document.py), so they say the same
things: the database, the operator, the times, the decision and the
runbook's deviations, state, revision and row counts per table before and
after, the health diff, every step with its result, details and note, the
backend probe's results, the backups and the rehearsal. The GUI prints the
HTML to PDF with Qt. Nothing secret is in a run's state, so nothing secret can
reach the report: counts and statuses, never rows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wsadmin.db.checklist import findings, steps
from wsadmin.db.checklist.decision import RUNBOOK_TREE
from wsadmin.db.checklist.document import Document
from wsadmin.db.checklist.model import Phase, Status
from wsadmin.db.checklist.state import RunState

OUTCOMES = {"in_progress": "in progress (not finished)", "completed": "completed",
            "aborted": "aborted before the end", "rolled_back": "rolled back",
            "abandoned": "abandoned (not resumed)"}


def _when(stamp: str | None) -> str:
    return (stamp or "-").replace("T", " ").replace("+00:00", " UTC")


def _header(run: RunState, doc: Document) -> None:
    d = run.decision
    doc.h1(f"Deployment checklist: {Path(run.database).name}")
    doc.table(["", ""], [
        ["Database", run.database], ["Operator", run.operator],
        ["Started", _when(run.started)], ["Finished", _when(run.finished)],
        ["Outcome", OUTCOMES.get(run.outcome, run.outcome)],
        ["Path taken", d.path_words], ["Backup", run.backup or "none"],
        ["wsadmin", run.tool_version]], header_row=False)


def _decision(run: RunState, doc: Document) -> None:
    d = run.decision
    doc.h2("Decision")
    doc.p(f"State: {d.state}. {_sentence(d.summary)}")
    if d.symptom:
        doc.p(f"The backend with this database: {d.symptom}")
    doc.p(f"Path: {d.path_words}. {d.why}")
    doc.p(f"Following the runbook: {d.runbook_says}.")
    doc.pre("\n".join(("→ " if i in d.branch else "  ") + line
                      for i, line in enumerate(RUNBOOK_TREE)))
    if d.expected_workspaces is not None:
        doc.p(f"Workspaces expected after the change: {d.expected_workspaces} "
              f"({d.expected_why}).")
    if d.deviations:
        doc.h3("Where the runbook is wrong for this backend")
        doc.items(d.deviations)
    if d.diagnostics is not None:
        doc.h3("Diagnostics to send")
        doc.table(["", ""], [[k, _plain(v)] for k, v in d.diagnostics.items()
                             if k in ("path", "state", "summary", "current_revision",
                                      "recorded_rows", "head", "problems", "wsadmin")],
                  header_row=False)


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


def _plain(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value) or "-"
    return "-" if value is None else str(value)


def _before_after(run: RunState, doc: Document) -> None:
    before, after = run.before, run.after or {}
    doc.h2("Before and after")
    doc.table(["", "before", "after"], [
        ["state", before.get("state", "-"), after.get("state", "-")],
        ["revision", before.get("revision") or "none", after.get("revision") or "none"
         if after else "-"]])
    doc.h3("Rows per table")
    b, a = before.get("counts", {}), after.get("counts", {})
    rows = []
    for table in sorted(set(b) | set(a)):
        nb, na = b.get(table), a.get(table)
        change = "" if nb is None or na is None else (f"{na - nb:+,}" if na != nb else "")
        rows.append([table, "-" if nb is None else f"{nb:,}", "-" if na is None else f"{na:,}",
                     change or ("new table" if nb is None else "")])
    if rows:
        doc.table(["table", "before", "after", "change"], rows, numeric=(1, 2, 3))
    else:
        doc.p("No table before or after.")


def _health(run: RunState, doc: Document) -> None:
    doc.h2("Health checks before and after")
    if run.health_before is None or run.health_after is None:
        doc.p("Not compared: the checks did not run "
              + ("before the change" if run.health_before is None else "after the change")
              + ".")
        return
    changes = findings.diff(run.health_before, run.health_after)
    if changes:
        doc.table(["check", "before", "after", "change"],
                  [[c["id"], c["before"], c["after"], _change(c)] for c in changes])
    else:
        doc.p("No check changed.")
    still = findings.lines(run.health_after)
    doc.p("Still found after: " + ("; ".join(still) if still else "nothing") + ".")


def _change(c: dict[str, Any]) -> str:
    if c["better"] or c["worse"]:
        return "better" if c["better"] else "WORSE"
    return "now applies" if c["before"] == "not applicable" else "changed"


def _step(run: RunState, step_id: str, doc: Document) -> None:
    step = steps.BY_ID[step_id]
    rec = run.steps[step_id]
    doc.h3(f"{step.title}: {rec.status.words}")
    lines = [f"Kind: {step.kind}."]
    if step.runbook:
        lines.append(f"The runbook: `{step.runbook}`")
    if rec.summary:
        lines.append(f"Result: {rec.summary}")
    lines += rec.details
    if step.manual:
        lines.append(f"Manual: \"{step.manual}\": "
                     + ("confirmed" if rec.confirmed else "not confirmed"))
    for fix in rec.extra.get("fixes", []):
        lines.append(f"Fix applied: {fix['check']} / {fix['fix']}: {fix['changed']} change(s), "
                     f"{fix['left']} left; backup {fix['backup']}")
    if "scan" in rec.extra:
        scan = rec.extra["scan"]
        lines.append(f"Log file {scan['path']}: {len(scan['lines']) + scan['more']} matching "
                     f"line(s) of the last {scan['lines_read']:,}")
        lines += [f"log: {line}" for line in scan["lines"][-10:]]
    if rec.note:
        lines.append(f"Note: {rec.note}")
    if rec.started:
        lines.append(f"Ran {_when(rec.started)} to {_when(rec.finished)}"
                     + (f", {rec.attempts} attempts" if rec.attempts > 1 else ""))
    doc.items(lines)


def _probe(run: RunState, doc: Document) -> None:
    doc.h2("Backend probe")
    extra = run.steps["login"].extra
    health, login = extra.get("health"), extra.get("login")
    if health is None and login is None:
        doc.p("The backend was not probed"
              + (f" ({run.backend_url})" if run.backend_url else "") + ".")
        return
    rows = []
    if health is not None:
        rows.append(["GET /api/health", _call(health["health"])])
        rows.append(["GET /api/health/workspace-check", _call(health["workspace_check"])])
        if 200 <= (health["workspace_check"].get("status") or 0) < 300:
            # Its fields, as the backend spelt them; without an answer (or with an error
            # page) there are none to show.
            rows.append(["status", _json(health.get("status"))])
            rows.append(["users_without_workspace",
                         _json(health.get("users_without_workspace"))])
            rows.append(["default_workspace_exists",
                         _json(health.get("default_workspace_exists"))])
            rows.append(["workspace_count", _json(health.get("workspace_count"))])
        rows += [["warning", w] for w in health.get("warnings", [])]
    if login is not None:
        rows.append(["POST /api/auth/login (test account)", _call(login["login"])])
        if login.get("dashboards") is not None:
            rows.append(["GET /api/dashboards", _call(login["dashboards"]) + (
                f", {login['dashboards_count']} dashboard(s)"
                if login.get("dashboards_count") is not None else "")])
    doc.p(f"Backend: {run.backend_url or (health or login or {}).get('base_url', '-')}")
    doc.table(["call", "answer"], rows)


def _json(value: Any) -> str:
    """A value as the backend's JSON answer spelt it (true, false, null)."""
    return json.dumps(value) if isinstance(value, bool) or value is None else str(value)


def _call(call: dict[str, Any]) -> str:
    if call.get("status") is None:
        return f"no answer ({call.get('error') or 'no answer'}), {call['elapsed_ms']} ms"
    error = f" ({call['error']})" if call.get("error") else ""
    return f"HTTP {call['status']}{error}, {call['elapsed_ms']} ms"


def _backups(run: RunState, doc: Document) -> None:
    doc.h2("Backups")
    rows = [["before the deployment (this checklist's)", run.backup or "none"]]
    migrate = run.steps["migrate"].data
    if migrate.get("backup"):
        rows.append(["taken by the migration, under its write lock", migrate["backup"]])
    for rec in run.steps.values():
        for fix in rec.extra.get("fixes", []):
            rows.append([f"before the fix {fix['check']} / {fix['fix']}", str(fix["backup"])])
    if run.rollback is not None:
        rows.append(["safety backup taken by the rollback",
                     str(run.rollback.get("safety_backup"))])
    doc.table(["taken", "path"], rows)


def _rehearsal_and_rollback(run: RunState, doc: Document) -> None:
    if run.rehearsal is not None:
        r = run.rehearsal
        doc.h2("Rehearsal on a temporary copy")
        stopped = f" (stopped at {r['stopped_at']})" if r.get("stopped_at") else ""
        doc.p("The automatic steps ran on a copy first: "
              + ("every step passed." if r["ok"] else f"it did NOT pass{stopped}."))
        doc.table(["step", "result", "summary"],
                  [[x["title"], Status(x["status"]).words, x["summary"]]
                   for x in r["results"]])
    if run.rollback is not None:
        doc.h2("Rollback")
        doc.p(f"Restored {run.rollback['backup']} at {_when(run.rollback.get('time'))}.")
        undid = run.rollback.get("undid") or []
        doc.items(undid or ["the database already held what the backup holds"])


def build(run: RunState) -> Document:
    doc = Document()
    _header(run, doc)
    _decision(run, doc)
    _before_after(run, doc)
    _health(run, doc)
    for phase in Phase:
        doc.h2(f"{phase.heading} steps")
        for step in steps.in_phase(phase):
            _step(run, step.id, doc)
    _probe(run, doc)
    _backups(run, doc)
    _rehearsal_and_rollback(run, doc)
    return doc


def markdown(run: RunState) -> str:
    return build(run).markdown()


def html(run: RunState) -> str:
    return build(run).html(title=f"Deployment checklist: {Path(run.database).name}")


def write(run: RunState, path: str | Path, fmt: str | None = None) -> Path:
    """Write the report as Markdown (.md) or HTML (.html); PDF is the GUI's (Qt)."""
    from wsadmin.db.sqlite.files import atomic_write_bytes, mode_no_wider_than

    p = Path(path)
    kind = fmt or ("html" if p.suffix.lower() in (".html", ".htm") else "md")
    text = html(run) if kind == "html" else markdown(run)
    atomic_write_bytes(p, text.encode("utf-8", "surrogateescape"),
                       mode_no_wider_than(Path(run.database)))
    return p
