"""Crash reports: an exception nobody caught becomes a dialog and a log entry.

`CrashHandler.install()` (the GUI only: app.py) replaces `sys.excepthook` and
`threading.excepthook`. A bug (anything but a `WsadminError` or `Cancelled`)
becomes one report: the time, the versions of `wsadmin.versions`, the thread
and the traceback. The report is appended to `<data dir>/crash.log` (mode 0600)
and shown in a `CrashDialog` with a Copy button; a known error keeps the
one-line error dialog the caller passes in. An exception raised in another
thread (the database worker) is delivered to the GUI thread by a queued signal.

No secret reaches the report (SCHEMA.md "Secrets"): local variables are never
formatted, and `redact()` strips what looks like a password hash, an encrypted
connection config, a bearer token, a `password=`/`"password":` value, a
password in a URL, and SQLAlchemy's `[parameters: ...]` line, which repeats the
values of a failed statement.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, QTimer, Signal
from PySide6.QtWidgets import QApplication

from wsadmin.ui.ops.core import Cancelled, WsadminError

if TYPE_CHECKING:
    from wsadmin.ui.crash_dialog import CrashDialog

# Start-up imports this module to install the hooks, so what only a report needs (the
# dialog's module and its Qt classes, which PySide creates on first use; platform;
# traceback; the redaction patterns) is loaded when one is made, not by every start.

CRASH_LOG = "crash.log"
MAX_LOG_BYTES = 1_000_000        # then crash.log moves to crash.log.1 (one old file kept)
HIDDEN = "<hidden>"

# Names whose value is a secret wherever they appear as `name=value` or `"name": value`.
_KEY = r"[A-Za-z_]*(?:password|passwd|secret|token|api_key|salt)[A-Za-z_]*"
_QUOTED = r"""(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')"""


@cache
def _redactions() -> tuple[tuple[re.Pattern[str], str], ...]:
    return (
        # SQLAlchemy's errors end with the statement's values: the row being written.
        (re.compile(r"\[parameters: [^\n]*"), f"[parameters: {HIDDEN}]"),
        # bcrypt hashes ($2b$12$ + 53 characters; shorter runs too, for truncated ones).
        (re.compile(r"\$2[abxy]?\$\d\d\$[./A-Za-z0-9]+"), "$2b$" + HIDDEN),
        # A connection config: a Fernet token, base64 again ("Z0FBQUFB"), or bare ("gAAAAA").
        (re.compile(r"(?:Z0FBQUFB|gAAAAA)[A-Za-z0-9+/=_-]*"), HIDDEN),
        (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {HIDDEN}"),
        (re.compile(rf"""(?i)(["']{_KEY}["']\s*:\s*){_QUOTED}"""), rf'\1"{HIDDEN}"'),
        (re.compile(rf"(?i)\b({_KEY}\s*=\s*)(?:{_QUOTED}|[^\s,;&)\]}}]+)"), rf"\1{HIDDEN}"),
        # scheme://user:password@host
        (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/\s@]*:)[^@\s/]+@"), rf"\1{HIDDEN}@"),
    )


def redact(text: str) -> str:
    for pattern, replacement in _redactions():
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """The GUI's log lines on stderr, tracebacks included, pass through `redact()`."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def is_known(exc: BaseException) -> bool:
    return isinstance(exc, WsadminError | Cancelled)


def crash_report(exc: BaseException, thread: str | None = None) -> str:
    """The versions and the traceback (chained exceptions included, locals never), redacted."""
    # Imported here (see the imports): reading the installed metadata alone costs ~30 ms
    # (importlib.metadata, email).
    import datetime as dt
    import platform
    import traceback

    from wsadmin.versions import version_lines

    when = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    lines = [f"wsadmin crash report, {when}", *version_lines(),
             f"Platform {platform.platform()}",
             f"Thread {thread or threading.current_thread().name}", "", tb.rstrip()]
    return redact("\n".join(lines)) + "\n"


def crash_log_path() -> Path:
    from wsadmin.db.common.audit import data_dir

    return data_dir() / CRASH_LOG


def write_crash_log(report: str) -> Path:
    """Append `report` to crash.log (0600, created if needed); OSError if it cannot."""
    path = crash_log_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        if path.stat().st_size > MAX_LOG_BYTES:
            os.replace(path, path.with_name(CRASH_LOG + ".1"))
    except FileNotFoundError:
        pass
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)        # an older file made wider by hand
        os.write(fd, (report + "\n" + "-" * 72 + "\n").encode("utf-8"))
        os.fsync(fd)                    # the process may not live much longer
    finally:
        os.close(fd)
    return path


def record_crash(exc: BaseException, thread: str | None = None) -> tuple[str, str]:
    """(report, where it was saved, in words): for every bug the GUI reports."""
    report = crash_report(exc, thread)
    try:
        saved = f"This report was also saved to {write_crash_log(report)}."
    except OSError as err:
        saved = f"This report could not be saved to {crash_log_path()}: {err.strerror or err}."
    # The terminal a GUI was started from sees the same redacted text, never the raw one.
    print(report, file=sys.stderr, flush=True)
    return report, saved


class CrashHandler(QObject):
    """Owns the hooks; lives in the GUI thread, so its signals queue there from any thread."""

    bugReported = Signal(str, str)          # report, where it was saved
    knownError = Signal(object)             # a WsadminError nobody caught

    def __init__(self, show_known: Callable[[BaseException], object],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._show_known = show_known
        self.dialog: CrashDialog | None = None
        self._previous: tuple[object, object] | None = None
        # Emitted from another thread, these queue to this object's (the GUI) thread by
        # themselves; _report queues the GUI thread's own reports, so that no dialog is
        # ever shown inside the hook.
        self.bugReported.connect(self._show_bug)
        self.knownError.connect(self._show_known_error)

    def install(self) -> None:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous  # type: ignore[assignment]
            self._previous = None

    def _excepthook(self, exc_type: type[BaseException], exc: BaseException,
                    tb: TracebackType | None) -> None:
        self._report(exc.with_traceback(tb), threading.current_thread().name)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return      # what the default hook ignores too
        name = args.thread.name if args.thread is not None else "a thread"
        self._report(args.exc_value, name)

    def _report(self, exc: BaseException, thread: str) -> None:
        if isinstance(exc, KeyboardInterrupt):
            print("wsadmin: interrupted", file=sys.stderr)
            return
        known = is_known(exc)
        args: tuple[object, ...] = (exc,) if known else record_crash(exc, thread)
        signal = self.knownError if known else self.bugReported
        app = QApplication.instance()
        if app is None or QThread.currentThread() is not app.thread():
            signal.emit(*args)
        elif QThread.currentThread().loopLevel() == 0:
            # No event loop runs (start-up, or after it ended): a queued call would
            # never come, so show it now, and wait for the operator to read it.
            signal.emit(*args)
        else:
            QTimer.singleShot(0, self, lambda: signal.emit(*args))

    def _show_known_error(self, exc: BaseException) -> None:
        self._show_known(exc)

    def _show_bug(self, report: str, saved: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add_report(report, saved)
            return
        from wsadmin.ui.crash_dialog import CrashDialog

        self.dialog = CrashDialog(report, saved, QApplication.activeWindow())
        if QThread.currentThread().loopLevel() == 0:
            self.dialog.exec()
        else:
            self.dialog.open()
