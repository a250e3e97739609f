"""One size formatter (binary units), plurals, and the step list's elapsed time."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from wsadmin.db.common.progress import Step, StepState
from wsadmin.ui.format import count_phrase, human_size, plural
from wsadmin.ui.widgets.icons import app_icon
from wsadmin.ui.widgets.step_list import LONG_STEP_S, StepList


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 bytes"), (1, "1 byte"), (1023, "1,023 bytes"), (1024, "1.0 KiB"),
    (1536, "1.5 KiB"), (497 * 1024**2, "497.0 MiB"), (3 * 1024**3 + 1, "3.0 GiB"),
    (5 * 1024**4, "5.0 TiB"), (2048 * 1024**4, "2,048.0 TiB"),
])
def test_sizes_use_binary_units_with_their_names(size: int, text: str) -> None:
    assert human_size(size) == text


def test_counts_say_one_row_and_two_rows() -> None:
    assert plural(1, "row") == "1 row"
    assert plural(2, "row") == "2 rows"
    assert plural(1_000_000, "row") == "1,000,000 rows"
    assert plural(1, "log entry", "log entries") == "1 log entry"
    assert count_phrase({"logs": 2, "users": 1, "alembic_version": 1, "data_sources": 1,
                         "extra_table": 1}) == "1 user, 1 data source, 2 log entries, 1 extra table"
    assert count_phrase({}) == "no rows"


def test_a_long_step_shows_its_elapsed_time(qtbot: QtBot) -> None:
    steps = StepList()
    qtbot.addWidget(steps)
    steps.set_steps([("quick", "A quick step"), ("long", "A long step")])
    steps.update_step(Step("quick", "A quick step", StepState.RUNNING))
    steps.update_step(Step("quick", "A quick step", StepState.DONE))
    steps.update_step(Step("long", "A long step", StepState.RUNNING))
    assert steps.elapsed_text("long") == ""
    qtbot.waitUntil(lambda: steps.elapsed_text("long") != "",
                    timeout=int(LONG_STEP_S * 1000) + 2000)
    assert steps.elapsed_text("long").endswith(" s")
    steps.update_step(Step("long", "A long step", StepState.DONE))
    assert steps.elapsed_text("long").startswith("took ")
    assert steps.elapsed_text("quick") == "", "a quick step says nothing"


def test_the_window_icon_comes_from_the_package() -> None:
    icon = app_icon()
    assert not icon.isNull()
    assert not icon.pixmap(64, 64).isNull()
