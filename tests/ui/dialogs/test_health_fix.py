"""Fix… from the health panel: every fix of the registry, previewed, backed up, applied on
the worker, the checks run again; cancel, a busy database, a fix that is another action."""

from __future__ import annotations

import functools
import sqlite3
import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.builders import dump
from tests.ui.shown_text import assert_no_secret
from tests.ui.views.test_health import checked
from tests.unit.health.helpers import HEAD, SECRET_PARTS, build
from tests.unit.health.test_fixes import SCENARIOS
from wsadmin.db.common import audit
from wsadmin.db.health import apply as health_apply
from wsadmin.db.health.apply import preview_fix
from wsadmin.db.health.model import CheckStatus
from wsadmin.db.health.runner import run_checks
from wsadmin.db.sqlite.lock import hold_write_lock
from wsadmin.ui.dialogs.health_fix import FixDialog
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.ops.op import DbOp


def open_fix(window: MainWindow, qtbot: QtBot, db: Path, check_id: str) -> FixDialog:
    """The panel on `db`, `check_id` selected, Fix… pressed."""
    view = checked(window, qtbot, db)
    assert view.select(check_id)
    assert view.fix_button.isEnabled()
    view.fix_button.click()
    dialog = window.last_dialog
    assert isinstance(dialog, FixDialog) and dialog.check_id == check_id
    return dialog


def planned(window: MainWindow, qtbot: QtBot, dialog: FixDialog, fix_id: str,
            params: dict[str, str]) -> None:
    dialog.choose(fix_id)
    for name, value in params.items():
        dialog.params[name].setText(value)
        dialog.params[name].editingFinished.emit()
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.plan.preview.fix_id == fix_id
                    and dialog._planning is None, timeout=10_000)
    window.session.settle()


@pytest.mark.parametrize(("check_id", "fix_id", "sql", "params"), SCENARIOS,
                         ids=[f"{s[0]}-{s[1]}" for s in SCENARIOS])
def test_each_fix_from_the_panel(window: MainWindow, qtbot: QtBot, tmp_path: Path,
                                 check_id: str, fix_id: str, sql: tuple[str, ...],
                                 params: dict[str, str]) -> None:
    db = build(tmp_path, HEAD, *sql)
    dialog = open_fix(window, qtbot, db, check_id)
    planned(window, qtbot, dialog, fix_id, params)
    expected = preview_fix(db, check_id, fix_id, params)
    assert dialog.plan is not None
    shown = dialog.plan.preview
    assert shown.total == expected.total > 0
    assert [(s.table, s.count) for s in shown.steps] == [
        (s.table, s.count) for s in expected.steps]
    assert dialog.steps_tabs.count() == len(expected.steps)
    assert dialog.confirm_button.isEnabled()
    assert dialog.confirm_button.text() == f"Back up and apply {expected.total:,} change(s)"
    assert str(db.parent) in dialog.backup_label.text()
    assert_no_secret(SECRET_PARTS, window, dialog)

    with qtbot.waitSignal(dialog.operationFinished, timeout=60_000) as finished:
        dialog.confirm_button.click()
    window.session.settle()
    assert finished.args == [True], dialog.result_body.text()
    assert dialog.result_heading.text() == "Fixed"
    after = run_checks(db)
    assert after.get(check_id).status is CheckStatus.OK
    report = window.session.health.report
    assert report is not None
    assert [(r.id, r.status, r.count) for r in report.checks] == [
        (r.id, r.status, r.count) for r in after.checks]          # the panel shows the re-run
    view = window.views["health"]
    view.select(check_id)                                          # type: ignore[attr-defined]
    assert not view.fix_button.isEnabled()                         # type: ignore[attr-defined]
    entry = list(audit.entries(db))[-1]
    assert (entry["action"], entry["outcome"], entry["check"], entry["fix"]) == (
        "fix", "ok", check_id, fix_id)
    assert Path(entry["backup"]).exists() and entry["backup"] in dialog.result_body.text()
    assert "Better: " + check_id in dialog.result_body.text()
    assert_no_secret(SECRET_PARTS, window, dialog)
    dialog.close()


def test_a_fix_that_is_another_action_says_where_it_is(window: MainWindow, qtbot: QtBot,
                                                       tmp_path: Path) -> None:
    db = build(tmp_path, "create_all", "CREATE TABLE alembic_version (version_num "
               "VARCHAR(32) NOT NULL PRIMARY KEY)")
    dialog = open_fix(window, qtbot, db, "revision_mismatch")
    assert [c.id for c in dialog.choices] == ["adopt", "repair"]
    assert "Adopt action" in dialog.plan_status.text()
    assert not dialog.confirm_button.isVisible()
    dialog.choose("repair")
    assert "Repair action" in dialog.plan_status.text()
    dialog.close()


def test_cancel_before_the_transaction_changes_nothing(window: MainWindow, qtbot: QtBot,
                                                       tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, "UPDATE users SET role = 'superuser' WHERE id = 4")
    dialog = open_fix(window, qtbot, db, "invalid_roles")
    planned(window, qtbot, dialog, "viewer", {})
    before = dump(db)
    gate = threading.Event()
    window.session.run(DbOp(gate.wait, 10, label="hold the worker").quiet())
    with qtbot.waitSignal(dialog.operationFinished, timeout=20_000) as finished:
        dialog.confirm_button.click()
        dialog.cancel_button.click()          # still queued: it never starts
        gate.set()
    window.session.settle()
    assert finished.args == [False]
    assert dialog.result_heading.text() == "Fix cancelled"
    assert "Nothing was changed." in dialog.result_body.text()
    assert dump(db) == before
    dialog.close()


def test_a_busy_database_is_not_fixed(window: MainWindow, qtbot: QtBot, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path, HEAD, "UPDATE users SET role = 'superuser' WHERE id = 4")
    dialog = open_fix(window, qtbot, db, "invalid_roles")
    planned(window, qtbot, dialog, "viewer", {})
    monkeypatch.setattr(health_apply, "hold_write_lock",
                        functools.partial(hold_write_lock, timeout=0.3))
    other = sqlite3.connect(db, isolation_level=None)      # another program is writing
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE settings SET value = value")
        with qtbot.waitSignal(dialog.operationFinished, timeout=20_000) as finished:
            dialog.confirm_button.click()
        window.session.settle()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert finished.args == [False]
    assert dialog.result_heading.text() == "The fix was not applied"
    assert "Nothing was changed." in dialog.result_body.text()
    assert run_checks(db).get("invalid_roles").count == 1
    entry = list(audit.entries(db))[-1]
    assert (entry["action"], entry["outcome"]) == ("fix", "refused")
    dialog.close()
