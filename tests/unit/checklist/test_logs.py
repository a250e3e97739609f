"""Reading the backend's log for workspace-related errors, credentials redacted."""

from __future__ import annotations

from pathlib import Path

import pytest

from wsadmin.db.checklist.logs import MAX_LINES, _shown, redact, scan_log
from wsadmin.db.common.errors import Refused

ACCESS = ('INFO:     127.0.0.1:51234 - "GET /api/dashboards HTTP/1.1" {status} {words}')


def test_lines_about_workspaces_400_and_500_are_found(tmp_path: Path) -> None:
    log = tmp_path / "backend.log"
    log.write_text("\n".join([
        ACCESS.format(status=200, words="OK"),
        ACCESS.format(status=400, words="Bad Request"),
        "ERROR: No workspace context available. Please select a workspace.",
        ACCESS.format(status=500, words="Internal Server Error"),
        "INFO:     Uvicorn running on http://127.0.0.1:8000 (took 4000 ms, pid 1500)",
    ]) + "\n")
    found = scan_log(log)
    assert found.counts == {"workspace": 1, "400": 1, "500": 1}
    assert found.matches == 3 and found.more == 0
    assert "No workspace context" in found.lines[1]
    assert found.lines_read == 5
    assert "3 line(s) of the last 5" in found.summary()


@pytest.mark.parametrize("secret", [
    "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    'GET /api/dashboards/public/kq3Zt0-8Kx_Q HTTP/1.1" 500',
    "login failed for password=hunter2 in workspace 3",
    '{"token": "abc.def", "workspace_id": 3}',
    "hash $2b$12$" + "a" * 53 + " for workspace",
    'config "Z0FBQUFBbmVlZGxlc3NseV9sb25nX2NpcGhlcnRleHQ=" workspace 4',
])
def test_credentials_in_a_line_are_redacted(tmp_path: Path, secret: str) -> None:
    log = tmp_path / "backend.log"
    log.write_text(f"workspace error: {secret}\n")
    (line,) = scan_log(log).lines
    for piece in ("eyJ", "kq3Zt0", "hunter2", "abc.def", "$2b$", "Z0FBQUFB"):
        assert piece not in line
    assert "[redacted]" in line


def test_control_characters_are_escaped() -> None:
    assert redact("ok") == "ok"
    log_line = "workspace \x1b[2J cleared"
    assert "\x1b" not in _shown(log_line) and "\\x1b" in _shown(log_line)


def test_only_the_end_of_a_large_log_is_read_and_the_newest_lines_kept(tmp_path: Path
                                                                     ) -> None:
    log = tmp_path / "big.log"
    with log.open("w") as fh:
        for i in range(20_000):
            fh.write(f"line {i} workspace 7 moved\n")
    found = scan_log(log, tail_bytes=64 * 1024)
    assert found.bytes_read == 64 * 1024
    assert found.lines_read < 3_000                 # not the whole file
    assert len(found.lines) == MAX_LINES and found.more == found.matches - MAX_LINES
    assert found.lines[-1] == "line 19999 workspace 7 moved"


def test_a_missing_log_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Refused, match="cannot read the log file"):
        scan_log(tmp_path / "nope.log")
