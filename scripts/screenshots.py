"""Render every view and dialog of the main window on demo databases to docs/screenshots/.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [--out DIR]

Builds a 2,000-user legacy demo database (so an upgrade is pending) with one
verified backup, opens it at 1280x800, and saves: the start page; every view
registered in the main window (MainWindow.views, in sidebar order, so views
added by other modules are included); the log dock; the Overview at the
window's smallest size (900x600); the upgrade's plan, its result, and the
Backups view right after it; the Rollback dialog with a damaged backup
present; then the states the backend's own tooling leaves (SCHEMA.md
"States"): the Migrations view of a database stuck at 001 and its upgrade
(plan and result: the user guide's walkthrough), the Overview of an unversioned
head with its Adopt offer, the Repair plan of a revision recorded ahead of its
schema, and the plan that initialises a new database; on a head
database broken by hand: the health panel's findings, its Fix dialog, the
users and workspaces editors and a user's form; the user
guide (F1); the error dialog for a file that is not a database; the deployment
checklist wizard on a copy of the legacy database (its decision page, the
rehearsal on a copy, the upgrade running, the report) and on a copy whose upgrade fails for real (a
trigger aborts it: the failed step with Retry, Roll back… and Abort). Settings,
backups and the audit log go to a temporary WSADMIN_HOME, never the user's own;
that temporary folder is removed at the end, also when the run fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from wsadmin.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1280, 800)
SMALLEST = (900, 600)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # The demo databases, backups, settings and audit log of one run: removed when it
    # ends, failed or not (each run left 5-30 MB in the temporary folder).
    work = Path(tempfile.mkdtemp(prefix="wsadmin-shots-"))
    saved = {k: os.environ.get(k) for k in ("WSADMIN_HOME", "WSADMIN_BACKUP_DIR")}
    os.environ["WSADMIN_HOME"] = str(work / "home")
    os.environ["WSADMIN_BACKUP_DIR"] = str(work / "backups")
    try:
        return render(args, work)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(work, ignore_errors=True)
        if work.exists():
            print(f"could not remove {work}: remove it by hand", file=sys.stderr)


def render(args: argparse.Namespace, work: Path) -> int:
    """Every screenshot into args.out, with the run's files in `work`."""
    args.out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from wsadmin.db.backup.create import create_backup
    from wsadmin.db.common import audit
    from wsadmin.db.schema.demo import build_demo
    from wsadmin.ui.main_window import MainWindow
    from wsadmin.ui.settings import Settings
    from wsadmin.ui.widgets.errors import ErrorDialog

    app = QApplication.instance() or QApplication([sys.argv[0]])
    QApplication.setApplicationName("wsadmin")

    def paint(ms: int = 250) -> None:
        """Let layouts and paints happen (the session has nothing left to deliver)."""
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def settle(window: MainWindow, ms: int = 250) -> None:
        for _ in range(3):      # what a paint turn starts, settled too
            window.session.settle()
            paint(ms)

    def save(widget: QWidget, name: str) -> None:
        path = args.out / f"{name}.png"
        widget.grab().save(str(path))
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    data = work / "srv" / "backend"
    data.mkdir(parents=True)
    db = build_demo(data / "app_metadata.db", users=2000, state="legacy")
    for name in ("checklist", "checklist-fails"):     # still legacy when their turn comes
        (work / "srv" / name).mkdir(parents=True)
        shutil.copyfile(db, work / "srv" / name / "app_metadata.db")
    (work / "srv" / "staging").mkdir(parents=True)
    staging = build_demo(work / "srv" / "staging" / "app_metadata.db", users=500, state="head")
    create_backup(db, work / "backups")
    audit.record("backup", db, "ok", message="backup before the upgrade")

    settings = Settings()
    settings.add_recent(work / "old" / "app_metadata.db", "001", "stuck_at_001")   # gone
    settings.add_recent(staging, "20251109220344", "at_revision")
    settings.add_recent(db, None, "legacy")

    window = MainWindow(settings)
    window.resize(*SIZE)
    window.show()
    settle(window)
    save(window, "start-page")

    window.open_database(str(db))
    settle(window, 400)
    for key in list(window.views):
        window.show_view(key)
        settle(window)
        save(window, key)

    window.show_view("overview")
    window.log.show()
    window.session.refresh()
    settle(window)
    save(window, "log")
    window.log.hide()

    window.resize(*SMALLEST)
    settle(window)
    save(window, "overview-900x600")
    window.resize(*SIZE)

    upgrade = window.open_change("upgrade")
    settle(window)
    save(upgrade, "upgrade-plan")
    upgrade.confirm_button.click()  # type: ignore[attr-defined]
    settle(window)
    save(upgrade, "upgrade-result")
    upgrade.close()
    window.show_view("backups")
    settle(window)
    save(window, "backups-after-upgrade")

    damaged = Path(create_backup(db, work / "backups").path)
    conn = sqlite3.connect(damaged)
    conn.execute("DELETE FROM dashboards WHERE id IN (SELECT id FROM dashboards LIMIT 5)")
    conn.commit()
    conn.close()
    window.session.refresh()
    settle(window)
    rollback = window.open_rollback()
    settle(window, 400)
    save(rollback, "rollback-dialog")
    rollback.close()

    def demo(state: str, users: int = 2000) -> Path:
        folder = work / "srv" / state
        folder.mkdir(parents=True)
        return build_demo(folder / "app_metadata.db", users=users, state=state)

    window.open_database(str(demo("stuck_at_001")))
    settle(window, 400)
    window.show_view("migrations")
    settle(window)
    save(window, "migrations-stuck-at-001")
    upgrade = window.open_change("upgrade")     # the guide's walkthrough: this database
    settle(window)
    save(upgrade, "upgrade-stuck-at-001-plan")
    upgrade.confirm_button.click()  # type: ignore[attr-defined]
    settle(window)
    save(upgrade, "upgrade-stuck-at-001-result")
    upgrade.close()

    window.open_database(str(demo("unversioned_head")))
    settle(window, 400)
    window.show_view("overview")
    settle(window)
    save(window, "overview-unversioned-head")

    window.open_database(str(demo("recorded_ahead_of_shape")))
    settle(window, 400)
    repair = window.open_change("repair")
    settle(window)
    save(repair, "repair-plan")
    repair.close()

    (work / "srv" / "new").mkdir()      # the file dialog offers existing folders only
    init = window.open_change("init", work / "srv" / "new" / "app_metadata.db")
    settle(window)
    save(init, "init-plan")
    init.close()

    # The health panel, its Fix dialog and the editors on a head database with findings.
    broken = demo("head")
    conn = sqlite3.connect(broken)
    conn.executescript("""
        UPDATE users SET current_workspace_id = NULL WHERE id % 97 = 0;
        DELETE FROM workspace_members WHERE user_id % 89 = 0;
        UPDATE users SET password_hash = '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA'
            WHERE id = 7;
    """)
    conn.close()
    from wsadmin.db.editors import add_member, create_workspace, run_edit

    for creator, name in enumerate(("Marketing", "Sales EMEA", "Data Platform", "Finance",
                                    "Support"), start=2):
        made = run_edit(broken, "workspace.add", lambda c, n=name, u=creator:
                        create_workspace(c, n, u)).change.created
        for member in range(creator * 10, creator * 10 + creator):
            run_edit(broken, "member.add", lambda c, w=made, m=member:
                     add_member(c, w, m, "editor"))
    window.open_database(str(broken))
    settle(window, 400)
    window.show_view("health")
    settle(window, 400)
    save(window, "health-findings")
    fix = window.open_fix(window.views["health"].checks_model.results[0].id)  # type: ignore[attr-defined]
    settle(window, 400)
    save(fix, "health-fix-dialog")
    fix.close()
    for key in ("users", "workspaces"):
        window.show_view(key)
        settle(window, 400)
        save(window, f"{key}-editor")
    users = window.views["users"]
    users.select_id(20)  # type: ignore[attr-defined]
    settle(window)
    users.edit_selected()  # type: ignore[attr-defined]
    settle(window, 400)
    save(users.last_dialog, "user-edit-dialog")  # type: ignore[attr-defined]
    users.last_dialog.close()  # type: ignore[attr-defined]
    settle(window)

    guide = window.open_user_guide()
    settle(window)
    save(guide, "user-guide")
    guide.close()

    bad = work / "notes.db"
    bad.write_text("not a database\n" * 100)
    from wsadmin.db.schema.status import inspect

    try:
        inspect(bad)
    except Exception as exc:   # the known error, rendered by the real dialog
        dialog = ErrorDialog(window, exc, "Cannot open this database")
        dialog.show()
        paint()
        save(dialog, "error-dialog")
        dialog.done(0)

    checklist_shots(window, work / "srv", settle, paint, save)

    window.close()
    settle(window)
    app.processEvents()
    return 0


def checklist_shots(window: MainWindow, srv: Path, settle: Callable[..., None],
                    paint: Callable[..., None], save: Callable[[QWidget, str], None]) -> None:
    """The deployment checklist wizard: its decision page, a step running, the report, and
    a failed step (the upgrade of a database with a trigger that aborts it)."""
    from PySide6.QtWidgets import QApplication

    from wsadmin.ui.dialogs.checklist import ChecklistWizard
    from wsadmin.ui.ops.checklist import Status


    def wizard_on(db: Path) -> ChecklistWizard:
        window.open_database(str(db))
        settle(window, 400)
        wizard = window.open_checklist()
        assert isinstance(wizard, ChecklistWizard)
        settle(window, 400)
        return wizard

    def forward(wizard: ChecklistWizard) -> None:
        page = wizard.currentPage()
        assert page is not None and page.isComplete(), f"page {wizard.currentId()} waits"
        wizard.next()

    wizard = wizard_on(srv / "checklist" / "app_metadata.db")
    save(wizard, "checklist-decision")
    forward(wizard)                             # the rehearsal on a copy
    settle(window)
    save(wizard, "checklist-rehearsal")
    # The demo plants a CSV upload whose chart is gone: after the upgrade it sits in
    # another workspace than its chart (isolation_violations), on the copy too.
    wizard.rehearsal_page.go_on.setChecked(True)
    forward(wizard)                             # pre-deployment
    settle(window)
    forward(wizard)                             # deployment: the upgrade starts at once
    panel = next(p for page in wizard.phase_pages.values() for k, p in page.panels.items()
                 if k == "migrate")
    for _ in range(400):                        # caught half-way through its revisions
        paint(10)
        if panel.record.status is Status.RUNNING and sum(
                1 for m in panel.substeps.marks().values() if m.value == "done") >= 5:
            break
    for _ in range(3):      # the layouts the last rows asked for, before the grab
        QApplication.sendPostedEvents()
    save(wizard, "checklist-running")
    settle(window)
    forward(wizard)                             # post-deployment: isolation fails (the
    settle(window)                              # upload has no chart to follow): go on
    isolation = next(p for page in wizard.phase_pages.values()
                     for k, p in page.panels.items() if k == "isolation")
    isolation.go_on_note.setText("the CSV upload's chart was deleted before the upgrade; "
                                 "ticket OPS-1234 removes it")
    isolation.go_on_button.click()
    settle(window)
    forward(wizard)
    settle(window)
    save(wizard, "checklist-final")
    wizard.close()
    settle(window)

    broken = srv / "checklist-fails" / "app_metadata.db"
    conn = sqlite3.connect(broken)
    conn.execute("CREATE TRIGGER refuse_updates BEFORE UPDATE ON users BEGIN "
                 "SELECT RAISE(ABORT, 'users cannot be updated (a trigger)'); END")
    conn.commit()
    conn.close()
    wizard = wizard_on(broken)
    wizard.decision_page.rehearse_box.setChecked(False)
    forward(wizard)
    settle(window)
    forward(wizard)
    settle(window)
    save(wizard, "checklist-failed")
    wizard.close()
    settle(window)


if __name__ == "__main__":
    raise SystemExit(main())
