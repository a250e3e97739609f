"""Running the checklist's steps: results, the saved state, resume, rollback, rehearsal."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.unit.checklist.support import (
    SECRETS_IN_DEMOS,
    content,
    counts,
    demo,
    inject_failure,
    sha256,
)
from wsadmin.db.checklist import state, steps
from wsadmin.db.checklist.model import Status
from wsadmin.db.checklist.run import Checklist, rehearse
from wsadmin.db.common import audit
from wsadmin.db.common.errors import Refused
from wsadmin.db.schema import chain
from wsadmin.db.schema.status import inspect


def run_automatic(checklist: Checklist) -> dict[str, Status]:
    for step in steps.automatic():
        checklist.run_step(step.id)
    return {s.id: checklist.state.steps[s.id].status for s in steps.automatic()}


def upgrades(db: Path) -> list[str]:
    return [str(e["outcome"]) for e in audit.entries(db) if e["action"] == "upgrade"]


def test_a_legacy_demo_passes_every_automatic_step(tmp_path: Path) -> None:
    db = demo(tmp_path / "app_metadata.db", "legacy")
    checklist = Checklist.start(db)
    assert run_automatic(checklist) == {s.id: Status.OK for s in steps.automatic()}
    run = checklist.state
    assert inspect(db).up_to_date
    assert run.steps["workspace_count"].data == {"expected": 1, "actual": 1,
                                                  "default_exists": True}
    assert run.backup is not None and Path(run.backup).is_file()
    assert run.steps["backup"].data["counts"] == {t: n for t, n in counts(tmp_path / Path(
        run.backup).name).items()}
    # The orphans step kept a summary of every check as the before picture.
    assert run.health_before is not None and len(run.health_before) == 23
    assert run.steps["orphans"].data["found"]    # the demo's planted problems


def test_the_state_is_saved_atomically_without_secrets(tmp_path: Path) -> None:
    db = demo(tmp_path / "app_metadata.db", "legacy")
    os.chmod(db, 0o640)
    checklist = Checklist.start(db, backend_url="http://ops:hunter2@127.0.0.1:8000/")
    checklist.run_step("backup")
    checklist.confirm("login", True, "tested with the ops account")
    saved = state.state_path(db)
    assert saved.parent == audit.data_dir() / "checklists"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    text = saved.read_text()
    assert "hunter2" not in text and "ops:" not in text
    assert not any(secret in text for secret in SECRETS_IN_DEMOS)
    loaded = state.load(db)
    assert loaded is not None and loaded.steps["backup"].status is Status.OK
    assert loaded.steps["login"].note == "tested with the ops account"
    assert loaded.backend_url == "http://127.0.0.1:8000/"
    assert not list(saved.parent.glob(".*.tmp"))    # no temp file left behind


def test_a_completed_change_is_never_run_again(tmp_path: Path) -> None:
    db = demo(tmp_path / "app_metadata.db", "legacy")
    checklist = Checklist.start(db)
    checklist.run_step("migrate")
    again = checklist.run_step("migrate")
    assert again.status is Status.OK and again.attempts == 1
    assert upgrades(db) == ["started", "ok"]


def test_resume_after_a_kill_during_the_committed_change(tmp_path: Path) -> None:
    """Killed after the upgrade committed but before its result was saved: the state
    says "running"; on resume the database and the audit log say it completed."""
    db = demo(tmp_path / "app_metadata.db", "legacy")
    checklist = Checklist.start(db)
    for step_id in ("backup", "revision", "orphans", "migrate"):
        checklist.run_step(step_id)
    record = checklist.state.steps["migrate"]
    record.status, record.summary = Status.RUNNING, ""
    state.save(checklist.state)

    resumed = Checklist.resume(db)
    assert resumed is not None
    migrate = resumed.state.steps["migrate"]
    assert migrate.status is Status.OK and "not run again" in migrate.summary
    assert resumed.state.resume_point() == "workspace_count"
    resumed.run_step("migrate")
    assert upgrades(db) == ["started", "ok"]


def test_resume_after_a_kill_before_the_change_committed(tmp_path: Path) -> None:
    db = demo(tmp_path / "app_metadata.db", "legacy")
    checklist = Checklist.start(db)
    checklist.state.steps["migrate"].status = Status.RUNNING
    checklist.state.steps["migrate"].started = "2026-01-01T00:00:00+00:00"
    state.save(checklist.state)
    resumed = Checklist.resume(db)
    assert resumed is not None
    assert resumed.state.steps["migrate"].status is Status.PENDING
    assert resumed.state.resume_point() == "backup"
    assert resumed.run_step("migrate").status is Status.OK
    assert upgrades(db) == ["started", "ok"]


def test_an_injected_failure_fails_the_change_and_the_rollback_restores(tmp_path: Path
                                                                        ) -> None:
    db = inject_failure(demo(tmp_path / "app_metadata.db", "legacy"))
    before = content(db)
    checklist = Checklist.start(db)
    checklist.run_step("backup")
    failed = checklist.run_step("migrate")
    assert failed.status is Status.FAILED
    assert "injected failure" in failed.summary
    assert failed.data["outcome"] in ("failed-unchanged", "failed-restored")
    assert content(db) == before
    with pytest.raises(Refused):
        checklist.accept("migrate", "it does not matter")     # a change cannot be skipped
    plan = checklist.rollback_plan()
    assert plan.restore is not None and plan.restore.verified
    assert Path(plan.restore.path).resolve() == Path(checklist.state.backup or "").resolve()
    run = checklist.rollback()
    assert run.outcome == state.ROLLED_BACK and run.finished
    assert run.rollback is not None and Path(str(run.rollback["safety_backup"])).is_file()
    assert content(db) == before
    assert state.unfinished(db) is None


def test_a_failed_check_is_accepted_only_with_a_note(tmp_path: Path) -> None:
    db = demo(tmp_path / "app_metadata.db", "legacy")
    checklist = Checklist.start(db)
    # Before the migration the database has no workspace: the count cannot match.
    record = checklist.run_step("workspace_count")
    assert record.status is Status.FAILED
    with pytest.raises(Refused):
        checklist.accept("workspace_count", "   ")
    assert checklist.accept("workspace_count", "checked by hand").status is Status.ACCEPTED
    assert checklist.state.resume_point() == "backup"


def test_finish_marks_manual_steps_and_takes_the_after_picture(tmp_path: Path) -> None:
    db = demo(tmp_path / "app_metadata.db", "stuck_at_001")
    checklist = Checklist.start(db)
    run_automatic(checklist)
    checklist.confirm("workspace_flow", True, "made 'QA' and invited bob")
    run = checklist.finish()
    assert run.outcome == state.COMPLETED
    assert run.steps["login"].status is Status.NOT_CONFIRMED
    assert run.steps["workspace_flow"].confirmed is True
    assert run.before["revision"] == "001" and run.after is not None
    assert run.after["revision"] == chain.HEAD_REVISION
    assert run.after["counts"] == {t: n for t, n in counts(db).items()
                                   if t in run.after["counts"]}
    assert run.health_after is not None
    assert run.health_after["users_without_workspace"]["status"] == "ok"
    with pytest.raises(Refused):
        checklist.run_step("isolation")          # the run is over


def test_a_fix_offered_before_going_on_is_applied_and_recorded(tmp_path: Path) -> None:
    db = demo(tmp_path / "app_metadata.db", "legacy")
    checklist = Checklist.start(db)
    checklist.run_step("orphans")
    assert "invalid_roles" in checklist.state.steps["orphans"].data["found"]
    done = checklist.fix("orphans", "invalid_roles", "viewer")
    assert (done["changed"], done["left"]) == (1, 0)
    assert Path(done["backup"]).is_file()
    assert "invalid_roles" not in checklist.run_step("orphans").data["found"]
    with pytest.raises(Refused):
        checklist.fix("orphans", "revision_mismatch", "adopt")   # a command, not a click


def test_rehearsal_runs_everything_on_a_copy(tmp_path: Path) -> None:
    db = demo(tmp_path / "app_metadata.db", "legacy")
    digest = sha256(db)
    result = rehearse(db)
    assert result.ok and result.stopped_at is None
    assert [r["id"] for r in result.results] == [s.id for s in steps.automatic()]
    assert result.after["revision"] == chain.HEAD_REVISION
    assert sha256(db) == digest                     # the real database was only read
    assert list(tmp_path.iterdir()) == [db]         # and no backup was written beside it


def test_rehearsal_of_the_injected_failure_stops_at_the_change(tmp_path: Path) -> None:
    db = inject_failure(demo(tmp_path / "app_metadata.db", "legacy"))
    digest = sha256(db)
    result = rehearse(db)
    assert not result.ok and result.stopped_at == "migrate"
    assert result.results[-1]["status"] == "failed"
    assert sha256(db) == digest


def test_the_state_file_of_another_format_is_not_offered(tmp_path: Path) -> None:
    db = demo(tmp_path / "app_metadata.db", "legacy")
    path = state.state_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": 99}))
    assert state.unfinished(db) is None
    with pytest.raises(state.StateUnreadable):
        state.load(db)


@pytest.mark.parametrize(("state_id", "action"), [
    ("empty", "init"), ("001", "upgrade"), ("recorded_ahead_of_shape", "repair"),
    ("half_initialised", "repair"), ("mixed", "repair")])
def test_every_changing_path_reaches_head_through_the_checklist(
        tmp_path: Path, state_id: str, action: str) -> None:
    """The decision tree's other paths: initialise an empty file, upgrade from 001, and
    repair; the rehearsal passes on a copy and the steps on the database, then head."""
    db = tmp_path / "app_metadata.db"
    if state_id == "empty":
        db.touch()
    else:
        demo(db, state_id)
    assert rehearse(db).ok
    checklist = Checklist.start(db)
    assert checklist.state.decision.action == action
    got = run_automatic(checklist)
    nothing_yet = {"backup", "orphans"} if state_id == "empty" else set()
    assert got == {s: Status.SKIPPED if s in nothing_yet else Status.OK for s in got}
    run = checklist.finish()
    assert run.after is not None and run.after["revision"] == chain.HEAD_REVISION
    assert inspect(db).up_to_date
    assert [e["outcome"] for e in audit.entries(db) if e["action"] == action] == [
        "started", "ok"]
