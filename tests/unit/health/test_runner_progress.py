"""run_checks' progress over the checks and its cancel (the GUI's Run checks bar)."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from tests.unit.health import scenarios as sc
from tests.unit.health.helpers import HEAD, build
from wsadmin.db.common.progress import Cancelled, CancelToken, Step, StepState
from wsadmin.db.health.model import Check, Facts, Outcome, RunOptions
from wsadmin.db.health.registry import CHECKS
from wsadmin.db.health.runner import run_checks


def test_one_step_per_check_then_done_and_the_same_report(tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, sc.REMOVED_MEMBER)
    steps: list[Step] = []
    report = run_checks(db, progress=steps.append)
    running = [s for s in steps if s.state is StepState.RUNNING]
    assert len(running) == len(CHECKS)
    assert sorted(s.detail for s in running) == sorted(c.title for c in CHECKS)
    fractions = [s.fraction for s in running]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert steps[-1].state is StepState.DONE and steps[-1].id == "checks"
    plain = run_checks(db)
    assert [(r.id, r.status, r.count) for r in report.checks] == [
        (r.id, r.status, r.count) for r in plain.checks]
    assert report.get("users_not_member_of_current").count == 1


def _counting(ran: list[str], token: CancelToken | None = None) -> list[Check]:
    def make(check: Check) -> Check:
        def run(conn: sqlite3.Connection, facts: Facts, options: RunOptions) -> Outcome:
            ran.append(check.id)
            if token is not None and len(ran) == 3:
                token.cancel()          # the operator presses Cancel during the third
            return check.run(conn, facts, options)
        return dataclasses.replace(check, run=run)
    return [make(c) for c in CHECKS]


def test_cancel_before_the_run_runs_no_check(tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    ran: list[str] = []
    with pytest.raises(Cancelled):
        run_checks(build(tmp_path), checks=_counting(ran), cancel=token)
    assert ran == []


def test_cancel_between_checks_stops_taking_checks(tmp_path: Path) -> None:
    token = CancelToken()
    ran: list[str] = []
    steps: list[Step] = []
    with pytest.raises(Cancelled):
        run_checks(build(tmp_path), checks=_counting(ran, token), cancel=token,
                   progress=steps.append, workers=1)
    assert len(ran) == 3
    assert len([s for s in steps if s.state is StepState.RUNNING]) == 2
    assert not [s for s in steps if s.state is StepState.DONE]


def _endless(conn: sqlite3.Connection, facts: Facts, options: RunOptions) -> Outcome:
    sql = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
           "SELECT count(*) FROM n")
    count = conn.execute(sql).fetchone()[0]      # never ends unless interrupted
    return Outcome(int(count), [], sql)


def test_cancel_interrupts_a_long_statement(tmp_path: Path) -> None:
    slow = dataclasses.replace(CHECKS[0], id="slow", run=_endless, requires=())
    token = CancelToken()
    timer = threading.Timer(0.2, token.cancel)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(Cancelled):
            run_checks(build(tmp_path), checks=[slow, CHECKS[1]], cancel=token)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 5

