"""`wsadmin checklist DB --report FILE`: the runbook's deployment checklist without the GUI.

The decision (which path, why, where the runbook is wrong), a rehearsal of
every automatic step on a temporary copy, then the automatic steps on the
database, each with its result; manual steps are reported "not confirmed".
With --backend-url the backend's health routes are called too. The report is
Markdown (.md), HTML (.html) or PDF (.pdf, printed with Qt).

An unfinished run of the same database (a crash, a kill) is resumed: a change
that completed is never run again. Exit codes: 0 every automatic step passed,
1 a step failed (a failed change leaves the database as it was), 2 refused
(the decision is "stop", the rehearsal failed at the change, or not
confirmed), 4 the change failed and the database could not be put back (the
report names the backup).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from wsadmin.cli.common import add_yes, confirm, print_step
from wsadmin.db.checklist import probe, report, state, steps
from wsadmin.db.checklist.decision import RUNBOOK_TREE, Decision
from wsadmin.db.checklist.model import Status
from wsadmin.db.checklist.run import Checklist, rehearse
from wsadmin.db.common.errors import NotRestored, Refused
from wsadmin.db.common.text import printable

REPORT_KINDS = (".md", ".markdown", ".html", ".htm", ".pdf")


def register(sub: Any) -> None:
    p = sub.add_parser("checklist", help="walk the runbook's deployment checklist: decide, "
                                         "rehearse on a copy, run the automatic steps, write "
                                         "a report")
    p.add_argument("db")
    p.add_argument("--report", required=True, metavar="FILE",
                   help="where to write the report: .md, .html or .pdf")
    p.add_argument("--backend-url", metavar="URL",
                   help="the running backend (e.g. http://127.0.0.1:8000): call its "
                        "/api/health and /api/health/workspace-check")
    p.add_argument("--backup-dir", metavar="DIR", help="where to write the backups")
    p.add_argument("--no-rehearse", action="store_true",
                   help="do not rehearse on a temporary copy first")
    p.add_argument("--new", action="store_true",
                   help="start a new run even if an unfinished one exists (it is abandoned)")
    add_yes(p)
    p.set_defaults(func=run)


def _say(text: str = "") -> None:
    print(printable(text))


def _explain(d: Decision) -> None:
    _say(f"database:  {d.database}")
    _say(f"state:     {d.state}: {d.summary}")
    _say(f"path:      {d.path_words}")
    _say(f"why:       {d.why}")
    _say(f"runbook:   {d.runbook_says}")
    for i, line in enumerate(RUNBOOK_TREE):
        _say(("  → " if i in d.branch else "    ") + line)
    if d.expected_workspaces is not None:
        _say(f"expected:  {d.expected_workspaces} workspace(s) afterwards ({d.expected_why})")
    for text in d.deviations:
        _say(f"deviation: {text}")


def _line(status: Status, title: str, summary: str) -> None:
    mark = {"ok": "ok", "skipped": "skipped", "failed": "FAILED"}.get(status.value,
                                                                      status.words)
    print(printable(f"[{mark}] {title}: {summary}"), file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    out = Path(args.report)
    if out.suffix.lower() not in REPORT_KINDS:
        raise Refused(f"{out}: a report is .md, .html or .pdf", "name the file accordingly")
    _check_destination(out)
    if args.new:
        state.abandon(args.db)
    checklist = None if args.new else Checklist.resume(args.db, backup_dir=args.backup_dir)
    if checklist is None:
        checklist = Checklist.start(args.db, backup_dir=args.backup_dir,
                                    backend_url=args.backend_url)
    else:
        _say(f"resuming the run started {checklist.state.started} (at "
             f"{checklist.state.resume_point() or 'the end'})")
    d = checklist.state.decision
    _explain(d)
    if d.stops:
        checklist.finish(state.ABORTED)
        _write(checklist, out)
        raise Refused(f"the checklist stops here: {d.summary}",
                      f"the report {out} holds the diagnostics to send")
    if d.changes and checklist.state.steps["migrate"].status is not Status.OK:
        confirm(f"Back up {args.db}, then {d.path_words}?", args)
    code = _rehearse(checklist, args)
    if code:
        return code
    failed = _automatic(checklist)
    if args.backend_url:
        _probe(checklist, args.backend_url)
    outcome = state.ABORTED if checklist.state.steps["migrate"].status is Status.FAILED \
        else state.COMPLETED
    checklist.finish(outcome)
    _write(checklist, out)
    _say(f"report: {out}")
    return exit_code(checklist.state, failed)


def exit_code(run: state.RunState, failed: bool) -> int:
    """0 all passed, 1 a step failed (a failed change left the database as it was),
    4 the change failed and its backup could not be put back (as `wsadmin upgrade`)."""
    if run.steps["migrate"].data.get("outcome") == "failed-not-restored":
        return NotRestored.exit_code
    return 1 if failed else 0


def _check_destination(out: Path) -> None:
    """Refuse before any step runs (a migration among them) if the report cannot be
    written where asked: finding out after the upgrade would lose the run's record."""
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise Refused(f"{out} is a folder", "name a report file: .md, .html or .pdf")
    if not folder.is_dir():
        raise Refused(f"the folder {folder} does not exist",
                      "create it, or write the report elsewhere")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise Refused(f"cannot write in {folder}", "write the report elsewhere")


def _rehearse(checklist: Checklist, args: argparse.Namespace) -> int:
    if args.no_rehearse or checklist.state.rehearsal is not None:
        return 0
    _say("rehearsal on a temporary copy:")
    result = rehearse(checklist.db, progress=None)
    for r in result.results:
        _line(Status(r["status"]), "rehearsal: " + r["title"], r["summary"])
    checklist.record_rehearsal(result)
    if result.stopped_at is not None:
        checklist.finish(state.ABORTED)
        _write(checklist, Path(args.report))
        raise Refused(f"the rehearsal on a copy failed at "
                      f"{steps.BY_ID[result.stopped_at].title!r}; the database was not "
                      "touched", f"see the report {args.report}")
    return 0


def _automatic(checklist: Checklist) -> bool:
    failed = False
    for step in steps.automatic():
        record = checklist.state.steps[step.id]
        if record.status.settled:
            _line(record.status, step.title, record.summary + " (done before)")
            continue
        record = checklist.run_step(step.id, progress=print_step)
        _line(record.status, step.title, record.summary)
        if record.status is Status.FAILED:
            failed = True
            if not step.can_go_on:
                break
    return failed


def _probe(checklist: Checklist, url: str) -> None:
    found = probe.probe_health(url)
    checklist.attach("login", "health", found.to_json())
    _say(f"backend:   {found.summary()}")


def _write(checklist: Checklist, out: Path) -> None:
    if out.suffix.lower() == ".pdf":
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from wsadmin.ui.dialogs.checklist_pdf import write_pdf

        write_pdf(report.html(checklist.state), out, Path(checklist.state.database))
        return
    report.write(checklist.state, out)
