"""Strict test rules (DESIGN.md): warnings are errors (pytest config), Qt
warnings fail tests (qt_log_level_fail), unexpected WARNING+ log records fail
tests, and every test gets its own audit/settings home."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                  ) -> Path:
    """Keep audit logs and settings of tests out of the real user folders."""
    home = tmp_path_factory.mktemp("wsadmin-home")
    monkeypatch.setenv("WSADMIN_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    return home


class _FailOnWarnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def fail_on_warning_logs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Like qutebrowser's logfail: a WARNING+ log record nobody expected fails the test.

    Tests that expect one mark themselves with @pytest.mark.allow_warning_logs.
    """
    handler = _FailOnWarnings()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    if request.node.get_closest_marker("allow_warning_logs") is None and handler.records:
        msgs = "; ".join(f"{r.name}: {r.getMessage()}" for r in handler.records[:5])
        pytest.fail(f"unexpected warning log records: {msgs}")
