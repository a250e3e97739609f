"""The deployment checklist wizard, walked end to end on real demo databases."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.ui.dialogs.checklist.support import (
    AUTOMATIC,
    LEFT,
    forward,
    marks,
    open_wizard,
    panels,
    save_reports,
    statuses,
    walk_to_report,
)
from tests.ui.helpers import open_and_wait
from tests.unit.checklist.support import (
    SECRETS_IN_DEMOS,
    content,
    counts,
    demo,
    inject_failure,
    sha256,
)
from wsadmin.db.checklist import state
from wsadmin.db.common import audit
from wsadmin.db.schema import chain
from wsadmin.db.schema.status import inspect
from wsadmin.ui.dialogs import checklist_run
from wsadmin.ui.dialogs.checklist import ChecklistWizard
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.ops.checklist import Status
from wsadmin.ui.widgets.step_list import Mark


def test_a_legacy_demo_end_to_end(window: MainWindow, qtbot: QtBot, tmp_path: Path,
                                  yes: list[str]) -> None:
    db = demo(tmp_path / "app_metadata.db", "legacy")
    open_and_wait(window, qtbot, db)
    wizard = open_wizard(window)
    page = wizard.decision_page
    assert "Path:</b> upgrade to head" in page.verdict.text()
    assert "Workspaces expected afterwards:</b> 1" in page.verdict.text()
    assert "<b>→       └─ NO → Run `alembic upgrade head`</b>" in page.tree.text()
    assert "\n  ├─ NO → Run `alembic upgrade head` (fresh install)" in page.tree.text()
    assert "privilege escalation" in page.deviations.text()
    assert not page.diagnostics.isVisible()

    assert forward(wizard, window, qtbot) == wizard.REHEARSAL
    assert wizard.rehearsal_page.result is not None and wizard.rehearsal_page.result.ok
    assert set(wizard.rehearsal_page.steps.marks().values()) == {Mark.DONE}
    assert not inspect(db).up_to_date               # only the copy was upgraded

    assert forward(wizard, window, qtbot) == wizard.PRE
    orphans = panels(wizard)["orphans"]
    assert ("invalid_roles", "viewer") in orphans.fix_buttons
    qtbot.mouseClick(orphans.fix_buttons[("invalid_roles", "viewer")], LEFT)
    window.session.settle()
    assert "Make them viewers" in yes[-1] and "1 row(s)" in yes[-1]
    assert "invalid_roles" not in wizard.checklist.state.steps["orphans"].data["found"]
    assert wizard.checklist.state.steps["orphans"].extra["fixes"][0]["changed"] == 1

    assert forward(wizard, window, qtbot) == wizard.DEPLOY
    deploy = wizard.phase_pages[panels(wizard)["migrate"].step.phase]
    assert "Expected after the migration:</b> 1 workspace(s)" in deploy.note.text()
    assert panels(wizard)["workspace_count"].summary.text() == "Ok: expected 1, actual 1"
    assert inspect(db).up_to_date

    assert forward(wizard, window, qtbot) == wizard.POST
    walk_to_report(wizard, window, qtbot)
    assert {k: marks(wizard)[k] for k in AUTOMATIC} == dict.fromkeys(AUTOMATIC, Mark.DONE)
    assert {k: statuses(wizard)[k] for k in AUTOMATIC} == dict.fromkeys(AUTOMATIC, Status.OK)
    run = wizard.final_page.run
    assert run is not None and run.outcome == "completed"
    assert ("every automatic step passed; 3 manual confirmation(s) not given"
            in wizard.final_page.outcome.text())
    # Escaped text is shown as text: a label holding entities must be rich text.
    for label in wizard.findChildren(QLabel):
        if re.search(r"&(#x?[0-9a-f]+|[a-z]+);", label.text()):
            assert label.textFormat() is Qt.TextFormat.RichText, label.objectName()

    files = save_reports(wizard, tmp_path)
    text = files["md"].read_text()
    for table, n in counts(db).items():
        assert f"| {n:,} |" in text and table in text
    assert "Test login and dashboard access: not confirmed" in text
    assert "Fix applied: invalid_roles / viewer: 1 change(s)" in text
    assert files["html"].read_text().startswith("<!DOCTYPE html>")
    assert files["pdf"].read_bytes().startswith(b"%PDF")
    for f in files.values():
        assert not any(s.encode() in f.read_bytes() for s in SECRETS_IN_DEMOS)
    assert state.unfinished(db) is None
    with qtbot.waitSignal(wizard.finished, timeout=5000):
        forward_finish(wizard, qtbot)


def forward_finish(wizard: ChecklistWizard, qtbot: QtBot) -> None:
    button = wizard.button(wizard.WizardButton.FinishButton)
    assert button.isVisible() and button.isEnabled()
    qtbot.mouseClick(button, LEFT)


@pytest.mark.parametrize(("state_id", "action", "expected", "migrate_words"), [
    ("stuck_at_001", "upgrade", 1, "upgraded"),
    ("unversioned_head", "adopt", 8, "adopted"),
    ("head", "nothing", 1, "nothing to do"),
])
def test_other_states_walk_to_a_green_report(window: MainWindow, qtbot: QtBot,
                                             tmp_path: Path, state_id: str, action: str,
                                             expected: int, migrate_words: str) -> None:
    db = demo(tmp_path / "app_metadata.db", state_id)
    open_and_wait(window, qtbot, db)
    wizard = open_wizard(window)
    assert wizard.opening is not None and wizard.opening.decision.action == action
    wizard.decision_page.rehearse_box.setChecked(False)
    assert forward(wizard, window, qtbot) == wizard.PRE
    walk_to_report(wizard, window, qtbot)
    got = statuses(wizard)
    want_migrate = Status.SKIPPED if action == "nothing" else Status.OK
    assert got["migrate"] is want_migrate
    assert migrate_words in panels(wizard)["migrate"].summary.text()
    assert all(got[k] is Status.OK for k in AUTOMATIC if k != "migrate")
    assert wizard.checklist is not None
    assert wizard.checklist.state.steps["workspace_count"].data["actual"] == expected
    assert inspect(db).current_revision == chain.HEAD_REVISION and inspect(db).up_to_date
    run = wizard.final_page.run
    assert run is not None and run.after is not None
    assert run.after["counts"] == {t: n for t, n in counts(db).items()
                                   if t in run.after["counts"]}


def test_the_injected_failure_is_rolled_back(window: MainWindow, qtbot: QtBot,
                                             tmp_path: Path, yes: list[str]) -> None:
    db = inject_failure(demo(tmp_path / "app_metadata.db", "legacy"))
    before = content(db)
    open_and_wait(window, qtbot, db)
    wizard = open_wizard(window)
    assert forward(wizard, window, qtbot) == wizard.REHEARSAL
    rehearsal = wizard.rehearsal_page
    assert rehearsal.result is not None and rehearsal.result.stopped_at == "migrate"
    assert "did not pass" in rehearsal.outcome.text()
    assert not wizard.button(wizard.WizardButton.CommitButton).isEnabled()
    rehearsal.go_on.setChecked(True)
    assert forward(wizard, window, qtbot) == wizard.PRE
    assert forward(wizard, window, qtbot) == wizard.DEPLOY
    migrate = panels(wizard)["migrate"]
    assert migrate.icon.mark is Mark.FAILED
    assert "injected failure" in migrate.summary.text()
    assert migrate.retry_button.isVisible() and migrate.abort_button.isVisible()
    assert migrate.rollback_button.isVisible()
    assert not migrate.go_on_button.isVisible()         # a change is never skipped
    assert panels(wizard)["workspace_count"].record.status is Status.PENDING
    assert not wizard.button(wizard.WizardButton.CommitButton).isEnabled()
    assert content(db) == before

    qtbot.mouseClick(migrate.rollback_button, LEFT)
    window.session.settle()
    window.session.settle()
    assert "Restore the backup taken before the deployment" in yes[-1]
    assert "The current state is backed up first" in yes[-1]
    assert wizard.currentId() == wizard.FINAL
    run = wizard.final_page.run
    assert run is not None and run.outcome == "rolled_back"
    assert "rolled back" in wizard.final_page.outcome.text()
    assert content(db) == before
    assert state.unfinished(db) is None
    restores = [e for e in audit.entries(db) if e["action"] == "restore"]
    assert [e["outcome"] for e in restores] == ["started", "ok"]


def test_retry_runs_a_failed_step_again(window: MainWindow, qtbot: QtBot,
                                        tmp_path: Path) -> None:
    db = inject_failure(demo(tmp_path / "app_metadata.db", "legacy"))
    open_and_wait(window, qtbot, db)
    wizard = open_wizard(window)
    wizard.decision_page.rehearse_box.setChecked(False)
    forward(wizard, window, qtbot)
    forward(wizard, window, qtbot)
    assert statuses(wizard)["migrate"] is Status.FAILED
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER injected_failure")
    conn.commit()
    conn.close()
    qtbot.mouseClick(panels(wizard)["migrate"].retry_button, LEFT)
    window.session.settle()
    assert statuses(wizard)["migrate"] is Status.OK
    assert wizard.checklist is not None
    assert wizard.checklist.state.steps["migrate"].attempts == 2
    assert statuses(wizard)["assignments"] is Status.OK       # the queue went on


def test_a_failed_check_without_a_fix_to_apply_is_accepted_with_a_note(
        window: MainWindow, qtbot: QtBot, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """From ten users the demo plants a CSV upload whose chart is gone: after the upgrade
    it is an isolation violation that no fix can move (it has no parent to follow). The
    fix says so instead of offering to apply nothing; the operator goes on with a note."""
    told: list[str] = []
    monkeypatch.setattr(checklist_run, "tell",
                        lambda _p, title, text: told.append(f"{title}\n{text}"))
    db = demo(tmp_path / "app_metadata.db", "legacy", users=10)
    open_and_wait(window, qtbot, db)
    wizard = open_wizard(window)
    wizard.decision_page.rehearse_box.setChecked(False)
    for page in (wizard.PRE, wizard.DEPLOY, wizard.POST):
        assert forward(wizard, window, qtbot) == page
    isolation = panels(wizard)["isolation"]
    assert isolation.record.status is Status.FAILED
    assert "isolation_violations (security): 1 found" in isolation.summary.text()
    assert statuses(wizard)["workspace_flow"] is Status.PENDING     # the queue waits
    assert not isolation.rollback_button.isHidden()
    qtbot.mouseClick(isolation.fix_buttons[("isolation_violations", "follow_parent")], LEFT)
    window.session.settle()
    assert len(told) == 1 and "Nothing to apply" in told[0]
    assert "nothing to change" in told[0]
    assert isolation.record.status is Status.FAILED and "fixes" not in isolation.record.extra
    assert not isolation.go_on_button.isEnabled()
    isolation.go_on_note.setText("the upload's chart was deleted long ago; OPS-12 removes it")
    qtbot.mouseClick(isolation.go_on_button, LEFT)
    window.session.settle()
    assert statuses(wizard)["isolation"] is Status.ACCEPTED
    assert statuses(wizard)["workspace_flow"] is Status.OK
    assert forward(wizard, window, qtbot) == wizard.FINAL
    window.session.settle()
    outcome = wizard.final_page.outcome.text()
    assert "1 check(s) failed and were accepted with a note" in outcome
    assert "every automatic step passed" not in outcome
    text = save_reports(wizard, tmp_path)["md"].read_text()
    assert "data): failed, accepted by the operator" in text
    assert "Note: the upload's chart was deleted long ago; OPS-12 removes it" in text


def test_an_unknown_revision_stops_at_the_decision(window: MainWindow, qtbot: QtBot,
                                                   tmp_path: Path) -> None:
    """A database wsadmin must not change opens in the window (a foreign one does not:
    the window refuses it), and the wizard stops at its decision with the diagnostics."""
    db = demo(tmp_path / "app_metadata.db", "head")
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    conn.commit()
    conn.close()
    digest = sha256(db)
    open_and_wait(window, qtbot, db)
    wizard = open_wizard(window)
    page = wizard.decision_page
    assert "stop: send the diagnostics" in page.verdict.text()
    assert "Contact development team" in page.verdict.text()
    assert page.diagnostics.isVisible()
    sent = json.loads(page.diagnostics.toPlainText())
    assert (sent["state"], sent["recorded_rows"]) == ("unknown_revision", ["ffffffffffff"])
    assert sent["counts"] == counts(db)
    assert not page.rehearse_box.isVisible()
    assert not page.isComplete()
    assert not wizard.button(wizard.WizardButton.NextButton).isEnabled()
    assert state.load(db) is None                   # nothing was started or written
    assert sha256(db) == digest
