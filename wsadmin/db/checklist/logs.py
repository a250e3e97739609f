"""The runbook's "Monitor logs for workspace-related errors": the lines of the
backend's log that mention workspaces, a 400 or a 500.

The end of the log file is read (never the whole of a large file), and every
line kept is made safe to show and store: credentials the backend may write
into its log (a bearer token, a public dashboard's share token in a URL, a
JWT, a password hash, a `password=` or `token=` value, any long opaque string)
are replaced by `[redacted]` (SCHEMA.md "Secrets"), and control characters are
escaped.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from wsadmin.db.common.errors import Refused
from wsadmin.db.common.text import printable

TAIL_BYTES: Final = 1 << 20
MAX_LINES: Final = 50
MAX_LINE: Final = 300

_MENTIONS: Final = {
    "workspace": re.compile(r"workspace", re.IGNORECASE),
    "400": re.compile(r"(?<![\d.:/-])400(?![\d.:])"),
    "500": re.compile(r"(?<![\d.:/-])500(?![\d.:])"),
}
_REDACTIONS: Final = (
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
    (re.compile(r"(/public/)[^\s/?#\"']+"), r"\1[redacted]"),
    (re.compile(r"(?i)((?:share_token|public_token|token|access_token|password|passwd|secret"
                r"|secret_key|api_key|redis_password|encryption_\w+)[\"']?\s*[=:]\s*[\"']?)"
                r"[^\s&\"',;}]+"), r"\1[redacted]"),
    (re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?"), "[redacted]"),
    (re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}"), "[redacted]"),
    (re.compile(r"[A-Za-z0-9_+/=-]{32,}"), "[redacted]"),
)


@dataclass(frozen=True)
class LogScan:
    path: str
    bytes_read: int
    lines_read: int
    counts: dict[str, int]              # mentions of: workspace, 400, 500
    lines: list[str] = field(default_factory=list)   # redacted, at most MAX_LINES
    more: int = 0                       # matching lines not kept

    @property
    def matches(self) -> int:
        return len(self.lines) + self.more

    def summary(self) -> str:
        if not self.matches:
            return (f"no line mentions a workspace, a 400 or a 500 in the last "
                    f"{self.lines_read:,} line(s)")
        return (f"{self.matches:,} line(s) of the last {self.lines_read:,} mention a workspace "
                f"({self.counts['workspace']:,}), a 400 ({self.counts['400']:,}) or a 500 "
                f"({self.counts['500']:,})")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def redact(line: str) -> str:
    for pattern, replacement in _REDACTIONS:
        line = pattern.sub(replacement, line)
    return line


def scan_log(path: str | Path, *, tail_bytes: int = TAIL_BYTES) -> LogScan:
    """The last `tail_bytes` of the log: lines mentioning workspaces, 400 or 500."""
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise Refused(f"cannot read the log file {p}: {exc.strerror or exc}",
                      "choose the backend's log file") from exc
    try:
        size = os.fstat(fd).st_size
        start = max(0, size - tail_bytes)
        os.lseek(fd, start, os.SEEK_SET)
        raw = os.read(fd, tail_bytes)
    except OSError as exc:
        raise Refused(f"cannot read the log file {p}: {exc.strerror or exc}",
                      "choose a regular file") from exc
    finally:
        os.close(fd)
    text = raw.decode("utf-8", "replace").splitlines()
    if start > 0 and text:
        text = text[1:]     # the first line read is probably cut
    counts = dict.fromkeys(_MENTIONS, 0)
    matching: list[str] = []
    for line in text:
        hits = [k for k, rx in _MENTIONS.items() if rx.search(line)]
        for k in hits:
            counts[k] += 1
        if hits:
            matching.append(line)
    # The newest lines are the ones worth reading: keep the last ones.
    kept = [_shown(line) for line in matching[-MAX_LINES:]]
    return LogScan(str(p), len(raw), len(text), counts, kept, len(matching) - len(kept))


def _shown(line: str) -> str:
    safe = printable(redact(line.strip()))
    return safe if len(safe) <= MAX_LINE else safe[:MAX_LINE - 1] + "…"
