"""The in-app guide (F1) can show every page and picture the guide links to.

The guide is shown from the package (wsadmin.docs) with setMarkdown, so it
has no source URL; a relative link is resolved by GuideBrowser. Qt warnings
fail these tests (pytest's qt_log_level_fail), so "No document for ..." does.
"""

from __future__ import annotations

import os
import re

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QUrl
from pytestqt.qtbot import QtBot

from tests.docs.test_docs import CHECKS_PAGE, GUIDE, LINK, read
from wsadmin.db.health.registry import CHECKS
from wsadmin.ui.dialogs.guide import GuideDialog

PAGES = sorted({t.split("#")[0] for t in LINK.findall(read(GUIDE)) + LINK.findall(read(CHECKS_PAGE))
                if t.split("#")[0].endswith(".md") and not re.match(r"[a-z]+:", t)})


@pytest.fixture
def guide(qtbot: QtBot) -> GuideDialog:
    dialog = GuideDialog()
    qtbot.addWidget(dialog)
    return dialog


def test_the_guide_links_the_checks_page() -> None:
    assert "health-checks.md" in PAGES


@pytest.mark.parametrize("page", PAGES)
def test_a_linked_page_opens_inside_the_viewer(guide: GuideDialog, page: str) -> None:
    guide.browser.setSource(QUrl(page))
    text = guide.browser.toPlainText()
    first = next(line for line in read(GUIDE.parent / page).splitlines() if line.strip())
    assert text.startswith(first.lstrip("# ").strip())


def test_the_checks_page_shows_every_check_and_leads_back(guide: GuideDialog) -> None:
    assert "](user-guide.md)" in read(CHECKS_PAGE), "F1 keeps no history: link back"
    guide.browser.setSource(QUrl("health-checks.md"))
    text = guide.browser.toPlainText()
    assert all(check.id in text for check in CHECKS)
    guide.browser.setSource(QUrl("user-guide.md"))
    assert guide.browser.toPlainText().startswith("wsadmin user guide")


def test_a_link_to_a_heading_keeps_the_page(guide: GuideDialog) -> None:
    before = guide.browser.toPlainText()
    guide.browser.setSource(QUrl("#troubleshooting"))
    assert guide.browser.toPlainText() == before


def test_every_screenshot_of_the_guide_is_shown(guide: GuideDialog) -> None:
    shown = [t for t in LINK.findall(read(GUIDE)) if t.endswith(".png")
             and (GUIDE.parent / t).is_file()]
    assert len(shown) >= 10
    for target in shown:
        image = guide.image(target)
        assert not image.isNull() and image.width() > 300, target
