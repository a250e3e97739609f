"""Fixtures of the checklist wizard's GUI tests: no modal box may wait for a click."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ui.conftest import ShownError
from wsadmin.ui.dialogs import checklist_run


@pytest.fixture(autouse=True)
def nothing_modal(shown_errors: list[ShownError], monkeypatch: pytest.MonkeyPatch
                  ) -> Iterator[None]:
    """A modal box (an error, a question) would wait for a click that never comes: error
    dialogs are recorded instead and must not appear; a question no test answers fails."""

    def unexpected(_parent: object, title: str, text: str) -> bool:
        raise AssertionError(f"the wizard asked, unexpectedly: {title}: {text}")

    def unexpected_message(_parent: object, title: str, text: str) -> None:
        raise AssertionError(f"the wizard told, unexpectedly: {title}: {text}")

    monkeypatch.setattr(checklist_run, "ask", unexpected)
    monkeypatch.setattr(checklist_run, "tell", unexpected_message)
    yield
    assert not shown_errors, [f"{e.title}: {e.text}" for e in shown_errors]


@pytest.fixture
def yes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every question the wizard asks is answered yes; the questions are kept."""
    asked: list[str] = []

    def answer(_parent: object, title: str, text: str) -> bool:
        asked.append(f"{title}\n{text}")
        return True

    monkeypatch.setattr(checklist_run, "ask", answer)
    return asked
