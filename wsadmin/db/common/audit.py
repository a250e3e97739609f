"""Append-only audit log of every change wsadmin makes, kept outside the database.

One JSON object per line in `<data dir>/audit.jsonl`, where the data dir is
$WSADMIN_HOME if set, else the platform's per-user data folder. Appends are a
single write() of one line on a file opened with O_APPEND, so concurrent
wsadmin processes do not interleave within a line.

A change is audited in two lines sharing an `id`: its intent (`outcome`
"started"), written before anything is changed, and its outcome, written once
it is known. An audit log that cannot be written refuses the change before it
starts (`begin` raises AuditUnavailable); once the database has changed, a
failure to write the outcome is logged as a warning and never turns a
finished change into a failed one.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import logging
import os
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import wsadmin
from wsadmin.db.common.errors import Refused
from wsadmin.db.common.text import json_safe

AUDIT_FILE = "audit.jsonl"
STARTED = "started"
_log = logging.getLogger("wsadmin.audit")


class AuditUnavailable(Refused):
    """The audit log cannot be written, so no change may start."""

    hint = "set WSADMIN_HOME to a folder you can write to; nothing was changed"


def data_dir() -> Path:
    override = os.environ.get("WSADMIN_HOME")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("wsadmin", appauthor=False))


def audit_path() -> Path:
    return data_dir() / AUDIT_FILE


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def _entry(action: str, database: str | Path, outcome: str, fields: Mapping[str, Any]
           ) -> dict[str, Any]:
    return {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "user": os_user(),
        "database": str(Path(database).resolve()),
        "action": action,
        "outcome": outcome,
        "tool_version": wsadmin.__version__,
        **fields,
    }


def _append(entry: Mapping[str, Any]) -> None:
    path = audit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # json_safe: a path that is not UTF-8 (surrogates) is written as \udcXX escapes,
    # so the line still encodes, and reads back as the same path.
    line = (json_safe(json.dumps(entry, ensure_ascii=False, default=str)) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_writable() -> None:
    """Refuse (AuditUnavailable) unless an entry could be appended now."""
    path = audit_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    except OSError as exc:
        raise AuditUnavailable(f"the audit log {path} cannot be written "
                               f"({exc.strerror or exc})") from exc


class Intent:
    """A change whose intent is in the log; `done()` appends its outcome."""

    def __init__(self, action: str, database: str, fields: Mapping[str, Any]) -> None:
        self.action, self.database = action, database
        self.fields = dict(fields)      # the id and what the intent said
        self.id = str(fields["id"])

    def done(self, outcome: str, **fields: Any) -> bool:
        """Append the outcome (each line complete: the intent's fields, then these);
        on failure warn and return False, never raise."""
        entry = _entry(self.action, self.database, outcome, {**self.fields, **fields})
        try:
            _append(entry)
        except OSError as exc:
            _log.warning("the %s of %s ended (%s) but the audit log %s could not be written: "
                         "%s", self.action, self.database, outcome, audit_path(),
                         exc.strerror or exc)
            return False
        return True


def begin(action: str, database: str | Path, **fields: Any) -> Intent:
    """Append the intent of a change before it starts; AuditUnavailable if impossible."""
    fields = {"id": secrets.token_hex(8), **fields}
    entry = _entry(action, database, STARTED, fields)
    try:
        _append(entry)
    except OSError as exc:
        raise AuditUnavailable(f"the audit log {audit_path()} cannot be written "
                               f"({exc.strerror or exc})") from exc
    return Intent(action, str(entry["database"]), fields)


def record(action: str, database: str | Path, outcome: str, **fields: Any) -> dict[str, Any]:
    """Append one entry of something that is not a change in progress (a refusal, a
    prune). `outcome` is e.g. "ok", "refused". A failed write is only a warning.

    Typical fields: from_revision, to_revision, backup, counts_before,
    counts_after, message. Values must be JSON-serialisable.
    """
    entry = _entry(action, database, outcome, fields)
    try:
        _append(entry)
    except OSError as exc:
        _log.warning("the audit log %s could not be written: %s", audit_path(),
                     exc.strerror or exc)
    return entry


def entries(database: str | Path | None = None) -> Iterator[Mapping[str, Any]]:
    """Entries oldest first, optionally only those for one database."""
    path = audit_path()
    if not path.exists():
        return
    wanted = str(Path(database).resolve()) if database is not None else None
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a torn last line from a crash; the rest is still good
            if isinstance(entry, dict) and (wanted is None or entry.get("database") == wanted):
                yield entry


# Fields of an entry that name a backup file: the backup an operation took first, and
# the safety backup a restore takes of what it replaces.
BACKUP_FIELDS = ("backup", "safety_backup")


def backups_named(database: str | Path) -> list[str]:
    """Every backup file the log names for `database`, oldest entry first, each once.

    The files may be anywhere (`--backup-dir`), and may since have been removed.
    """
    found: dict[str, None] = {}
    for entry in entries(database):
        for key in BACKUP_FIELDS:
            value = entry.get(key)
            if isinstance(value, str) and value:
                found.setdefault(value, None)
    return list(found)


def last_upgrade_backup(database: str | Path) -> Path | None:
    """The backup taken before the newest successful upgrade of `database`, resolved.

    "Newest" is the order of the log (entries are appended), never a timestamp:
    a clock that stepped back must not make an older upgrade look like the last.
    """
    last: Path | None = None
    for entry in entries(database):
        backup = entry.get("backup")
        if entry.get("action") == "upgrade" and entry.get("outcome") == "ok" \
                and isinstance(backup, str) and backup:
            last = Path(backup).resolve()
    return last
