"""The dialogs the main window opens when a view, a menu or the start page asks.

A mixin of MainWindow, kept apart so that the window only assembles. Each
dialog is imported when first opened (not at start-up), shown without blocking,
and kept as `last_dialog` (tests and scripts/screenshots.py reach it there).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QWidget

    from wsadmin.ui.session import Session


class DialogOpener:
    session: Session
    last_dialog: QDialog | None
    guide: QDialog | None

    @property
    def _window(self) -> QWidget:
        return cast("QWidget", self)

    def _show_dialog(self, dialog: QDialog) -> QDialog:
        self.last_dialog = dialog
        dialog.show()
        return dialog

    def open_change(self, action: str, path: str | Path | None = None) -> QDialog:
        """The plan dialog of upgrade, adopt, repair or init (of `path`, if given)."""
        from wsadmin.ui.dialogs.change import ChangeDialog

        return self._show_dialog(ChangeDialog(self.session, action, self._window, path))

    def initialise_new(self) -> QDialog | None:
        """Choose a new or empty file, then plan and run its initialisation; it opens."""
        from wsadmin.ui.dialogs.questions import choose_new_database

        path = choose_new_database(self._window, self.session.path.parent if self.session.path
                                   else Path.home())
        return self.open_change("init", path) if path else None

    def open_rollback(self, backup: str | None = None) -> QDialog:
        from wsadmin.ui.dialogs.rollback import RollbackDialog

        return self._show_dialog(RollbackDialog(self.session, self._window, backup=backup))

    def open_checklist(self) -> QDialog:
        """The deployment checklist wizard of the runbook, on the open database."""
        from wsadmin.ui.dialogs.checklist import ChecklistWizard

        return self._show_dialog(ChecklistWizard(self.session, self._window))

    def open_prune(self) -> QDialog:
        from wsadmin.ui.dialogs.prune import PruneDialog

        return self._show_dialog(PruneDialog(self.session, self._window))

    def open_fix(self, check_id: str) -> QDialog:
        """Fix… of the health panel: the check's fixes, previewed, then applied."""
        from wsadmin.ui.dialogs.health_fix import FixDialog

        return self._show_dialog(FixDialog(self.session, check_id, self._window))

    def create_demo(self) -> None:
        from wsadmin.ui.dialogs.demo import DemoDialog

        dialog = DemoDialog(self._window)
        if dialog.exec():
            self.session.create_demo(*dialog.values()).failure(
                lambda exc: self.show_error(exc, "Cannot create the demo database"))

    def open_user_guide(self) -> QDialog:
        from wsadmin.ui.dialogs.guide import GuideDialog

        if self.guide is None:
            self.guide = GuideDialog(self._window)
        self.guide.show()
        self.guide.raise_()
        return self.guide

    def show_error(self, exc: BaseException, title: str | None = None) -> None:
        from wsadmin.ui.widgets.errors import show_error

        show_error(self._window, exc, title)

    def about(self) -> None:
        from wsadmin.ui.dialogs.questions import show_about

        show_about(self._window)
