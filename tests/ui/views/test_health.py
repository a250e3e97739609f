"""Health panel: Run checks (Ctrl+R) with progress and Cancel, findings first, the
detail of a check (symptom, sample, SQL and Copy), exports, the Overview's card —
on broken databases of the health tests, never showing a secret."""

from __future__ import annotations

import dataclasses
import html
import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from tests.builders import execute
from tests.ui.helpers import open_and_wait
from tests.ui.shown_text import assert_no_secret, shown_text
from tests.unit.health import scenarios as sc
from tests.unit.health.helpers import HEAD, SECRET_PARTS, build
from wsadmin.db.health import runner
from wsadmin.db.health.model import CheckStatus, Outcome, Severity
from wsadmin.db.health.registry import CHECKS, get
from wsadmin.db.health.runner import run_checks
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.ops.core import Step
from wsadmin.ui.ops.op import DbOp
from wsadmin.ui.views.health import HealthView

BROKEN = (sc.DELETED_WORKSPACE, sc.REMOVED_MEMBER, sc.ARGON2, sc.PLAINTEXT_CONFIG,
          sc.EMAIL_VERIFIED_NULL)


def panel(window: MainWindow) -> HealthView:
    view = window.views["health"]
    assert isinstance(view, HealthView)
    return view


def checked(window: MainWindow, qtbot: QtBot, db: Path) -> HealthView:
    """Open `db` and show the panel: a database never checked is checked on showing."""
    open_and_wait(window, qtbot, db)
    view = panel(window)
    window.show_view("health")
    qtbot.waitUntil(lambda: view.health.report is not None, timeout=20_000)
    window.session.settle()
    return view


def listed(view: HealthView) -> list[tuple[str, str, int]]:
    return [(r.id, r.status.value, r.count) for r in view.checks_model.results]


def test_ctrl_r_runs_every_check_with_progress_findings_first(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, *BROKEN)
    view = checked(window, qtbot, db)
    first = view.health.report
    steps: list[Step] = []
    view.health.progressed.connect(steps.append)
    assert view.run_action.shortcut().toString() == "Ctrl+R"
    assert view.run_action in window.menus["database"].actions()
    with qtbot.waitSignal(view.health.ended, timeout=20_000):
        view.run_action.trigger()
        assert view.progress_bar.isVisibleTo(view) and view.cancel_button.isEnabled()
        assert not view.run_action.isEnabled()
    window.session.settle()
    assert view.health.report is not first
    running = [s for s in steps if s.state.value == "running"]
    assert len(running) == len(view.health.report.checks)
    assert running[-1].fraction == 1.0
    assert not view.progress_bar.isVisibleTo(view) and view.run_action.isEnabled()

    core = run_checks(db)
    assert sorted(listed(view)) == sorted((r.id, r.status.value, r.count) for r in core.checks)
    results = view.checks_model.results
    found = [r for r in results if r.status is CheckStatus.FINDINGS]
    assert results[:len(found)] == found                     # findings first
    assert [r.severity.rank for r in found] == sorted(r.severity.rank for r in found)
    assert found[0].severity is Severity.SECURITY
    assert found[0].id == "users_not_member_of_current"
    assert f"{len(found)} checks with findings" in view.summary.text()
    assert "most severe: security" in view.summary.text()


def test_a_check_shows_its_symptom_sample_and_sql_with_copy(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, *BROKEN)
    view = checked(window, qtbot, db)
    assert view.select("users_dangling_workspace")
    r = view.health.report.get("users_dangling_workspace")
    assert r.count == 1
    assert view.detail_title.text() == r.title
    assert "1 found" in view.detail_state.text() and "critical" in view.detail_state.text()
    assert html.unescape(view.explanation.text()) == r.explanation
    assert get(r.id).symptom[:40] in view.symptom.text()
    assert "Backend symptom" in view.symptom.text()
    model = view.sample_model
    assert model.rowCount() == len(r.sample) == 1
    header = Qt.Orientation.Horizontal
    assert [model.headerData(c, header) for c in range(model.columnCount())] == list(r.columns)
    bob = r.sample[0]
    assert [model.data(model.index(0, c)) for c in range(model.columnCount())] == [
        "NULL" if bob[k] is None else str(bob[k]) for k in r.columns]
    assert view.sql.isReadOnly() and view.sql.toPlainText() == r.sql
    assert view.sql.font().fixedPitch() or "mono" in view.sql.font().family().lower()
    view.copy_button.click()
    assert QApplication.clipboard().text() == r.sql
    assert view.fix_button.isEnabled()

    assert view.select("unusable_password_hashes")       # findings, but no automatic fix
    assert not view.fix_button.isEnabled()
    assert "Users editor" in view.fix_note.text()
    assert view.select("half_upgrade")                  # ok: nothing to fix, no sample
    assert not view.fix_button.isEnabled() and not view.sample_box.isVisibleTo(view)


def _endless(conn: sqlite3.Connection, _facts: object, _options: object) -> Outcome:
    sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
    return Outcome(conn.execute(sql).fetchone()[0], [], sql)   # ends only when interrupted


def test_cancel_keeps_the_last_report(window: MainWindow, qtbot: QtBot, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(tmp_path, HEAD, *BROKEN)
    view = checked(window, qtbot, db)
    before = view.health.report
    slow = dataclasses.replace(CHECKS[0], id="slow", run=_endless, cost=0)
    monkeypatch.setattr(runner, "CHECKS", [*CHECKS, slow])     # runs last, until cancelled
    cancelled: list[bool] = []

    def on_step(_step: Step) -> None:
        if not cancelled:
            cancelled.append(True)
            view.cancel_button.click()

    view.health.progressed.connect(on_step)
    with qtbot.waitSignal(view.health.ended, timeout=20_000) as ended:
        view.run_checks()
    window.session.settle()
    assert ended.args == [False]
    assert view.health.report is before
    assert "cancelled" in view.summary.text()
    assert listed(view) and not view.progress_bar.isVisibleTo(view)


def test_cancelled_before_it_started_leaves_the_panel_unchecked(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    db = build(tmp_path, HEAD)
    open_and_wait(window, qtbot, db)
    view = panel(window)
    import threading

    gate = threading.Event()
    window.session.run(DbOp(gate.wait, 10, label="hold the worker").quiet())
    view.run_checks()
    view.cancel_button.click()
    gate.set()
    qtbot.waitUntil(lambda: not view.health.running, timeout=10_000)
    window.session.settle()
    assert view.health.report is None
    assert "Not checked yet" in view.summary.text()
    assert view.checks_model.rowCount() == 0


def test_export_json_and_markdown_from_the_menu(window: MainWindow, qtbot: QtBot,
                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    db = build(tmp_path, HEAD, *BROKEN)
    os.chmod(db, 0o640)
    view = checked(window, qtbot, db)
    report = view.health.report
    out = tmp_path / "out"
    out.mkdir()
    for fmt, name in (("json", "report.json"), ("markdown", "report.md")):
        asked: list[str] = []

        def save_as(_parent: object, _title: str, suggested: str, _filter: str,
                    target: str = str(out / name), asked: list[str] = asked
                    ) -> tuple[str, str]:
            asked.append(suggested)
            return target, ""

        monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
        action = next(a for a in view.export_button.menu().actions()
                      if a.objectName() == f"export_{fmt}")
        with qtbot.waitSignal(view.exported, timeout=10_000):
            action.trigger()
        assert asked and Path(asked[0]).parent == db.parent
        written = out / name
        assert stat.S_IMODE(written.stat().st_mode) & ~0o640 == 0
        text = written.read_text()
        for secret in SECRET_PARTS:
            assert secret not in text
        if fmt == "json":
            data = json.loads(text)
            data.pop("checked_at")
            assert data == json.loads(json.dumps(report.to_json()))
        else:
            for r in report.findings:
                assert f"### {r.title} (`{r.id}`)" in text
                assert f"**{r.count:,}** found" in text
            assert "Backend symptom: " + get("users_not_member_of_current").symptom in text
            assert text.index("users_not_member_of_current") < text.index(
                "unusable_password_hashes")        # security before critical
        assert str(written) in view.summary.text()
    window.session.settle()


def test_overview_card_shows_the_last_result_and_opens_the_panel(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, *BROKEN)
    open_and_wait(window, qtbot, db)
    card = window.overview.health_label
    assert "Not checked" in card.text()
    window.overview.health_link.click()
    assert window.current_view == "health"
    view = panel(window)
    qtbot.waitUntil(lambda: view.health.report is not None, timeout=20_000)
    window.session.settle()
    found = len(view.health.report.findings)
    assert f"{found} check(s) with findings" in card.text()
    assert "Users outside their current workspace (security)" in card.text()
    execute(db, "UPDATE users SET email_verified = 0 WHERE id = 4")   # another program
    window.session.refresh()
    window.session.settle()
    assert "changed since" in card.text() and "changed since" in view.summary.text()


def test_no_secret_reaches_any_widget(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    db = build(tmp_path, HEAD, *BROKEN, sc.CROSS_LINKS)
    view = checked(window, qtbot, db)
    for r in view.checks_model.results:
        assert view.select(r.id)
        assert_no_secret(SECRET_PARTS, window)
        if r.id == "unencrypted_connection_configs":     # the scan reads the sample's cells
            assert "NOT ENCRYPTED" in shown_text(window)
        if r.id == "unusable_password_hashes":
            assert "argon2 (" in shown_text(window)
    window.log.show()
    assert_no_secret(SECRET_PARTS, window, window.log)
