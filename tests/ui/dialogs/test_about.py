"""The About box shows the same versions as `wsadmin --version`, and the app's icon."""

from __future__ import annotations

from html import escape

from pytestqt.qtbot import QtBot

from wsadmin.ui.dialogs.questions import about_box
from wsadmin.versions import components


def test_about_lists_every_version_of_version_text(qtbot: QtBot) -> None:
    box = about_box(None)
    qtbot.addWidget(box)
    text = box.text()
    (_, version), *others = components()
    assert f"<b>wsadmin {version}</b>" in text
    for name, value in others:
        assert f"<td>{escape(name)}</td><td>&nbsp;{escape(value)}</td>" in text
    assert not box.iconPixmap().isNull()
