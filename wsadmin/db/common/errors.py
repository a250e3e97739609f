"""Known failures an operator can act on, as opposed to bugs.

Every exception in this family carries a one-line message saying what is wrong
and a hint saying what to do. Anything that is not a WsadminError is a bug in
wsadmin and is reported with a traceback.
"""

from __future__ import annotations

import errno

from wsadmin.db.common.text import printable


class WsadminError(Exception):
    """An environment or input problem with an operator-facing message.

    `exit_code` is what the command line exits with: 2 (refused or bad input,
    nothing was written) unless a subclass says otherwise.
    `refusal`: wsadmin declined before it changed or attempted anything (bad
    input, a precondition that does not hold). Progress then shows no failed
    step for it: the error's own line says everything.
    """

    hint: str = ""
    exit_code: int = 2
    refusal: bool = False

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def one_line(self) -> str:
        """Message and hint on one line; paths, names and SQLite's words in it are made
        printable (wsadmin.db.text), so no foreign text can break or repaint the line."""
        return printable(f"{self.message} ({self.hint})" if self.hint else self.message)


class DatabaseMissing(WsadminError):
    hint = "check the path; use `wsadmin demo PATH` to create a demo database"
    refusal = True


class NotADatabase(WsadminError):
    hint = "choose the backend's app_metadata.db"
    refusal = True


class NotAFile(NotADatabase):
    """A FIFO, a device, a folder: nothing wsadmin may read as, or write over as, a database."""


class PathTooLong(WsadminError):
    hint = "use shorter file and folder names (at most 255 bytes each)"
    refusal = True


class CorruptDatabase(WsadminError):
    hint = "restore it from a backup (`wsadmin backups DB` lists them)"


class ForeignDatabase(WsadminError):
    hint = "choose the backend's app_metadata.db"
    refusal = True


class UnknownRevision(WsadminError):
    hint = "this database was migrated by a newer or different tool; use that tool"
    refusal = True


class HalfUpgraded(WsadminError):
    hint = "an earlier migration died half-way: run `wsadmin check DB` and restore a backup"
    refusal = True


class DatabaseLocked(WsadminError):
    hint = "close the backend and any sqlite3 session using it, then try again"


class ReadOnlyDatabase(WsadminError):
    hint = "check the permissions of the file and its folder"


class DiskFull(WsadminError):
    hint = "free some disk space and try again; nothing was changed"


class DiskIOError(WsadminError):
    hint = "check the disk and the file system; nothing was changed"


class BackupFailed(WsadminError):
    hint = "nothing was changed; fix the cause and try again"


class OperationFailed(WsadminError):
    """A change failed after it started, and the database is as it was before (exit 1):
    rolled back by SQLite, or put back from the backup taken first."""

    exit_code = 1


class NotRestored(WsadminError):
    """A change failed AND the database could not be put back as it was (exit 4).

    The message names the backup to restore by hand, or the command to run.
    """

    exit_code = 4


class MigrationFailed(OperationFailed):
    """A revision failed; the database was left (or put back) as it was."""

    hint = "the database is unchanged; run with --debug for details"


class HotJournal(WsadminError):
    """A writer died mid-transaction and left its `-journal`. Every command refuses the
    file until `wsadmin recover` has kept a copy of both files and rolled it back: a
    read-only connection may not roll it back, and a change must not do it unrecorded."""

    hint = ("run `wsadmin recover DB`: it keeps a copy of both files, then lets SQLite put "
            "back the last committed state")
    refusal = True


def hot_journal(path: object) -> HotJournal:
    """The one sentence every command refuses a database with a hot journal with."""
    return HotJournal(f"{path} has a hot journal: a write to it was interrupted and has not "
                      "been rolled back yet",
                      f"run `wsadmin recover {path}`: it keeps a copy of both files, then lets "
                      "SQLite put back the last committed state")


# Extended result code: a read-only connection met a hot journal it may not roll back.
SQLITE_READONLY_ROLLBACK = 776


class Refused(WsadminError):
    """The operator did not confirm, or a precondition for a change does not hold."""

    refusal = True


def classify_sqlite_error(exc: BaseException, path: object, doing: str) -> WsadminError | None:
    """Map a sqlite3/OS error to a known error, or None when it is a bug.

    `doing` completes the sentence "wsadmin could not ..." (e.g. "open").
    """
    import sqlite3  # here: the errors are imported by the GUI's first screen, SQLite not

    code = getattr(exc, "sqlite_errorcode", None)
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return DiskFull(f"the disk is full: could not {doing} {path}")
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return ReadOnlyDatabase(f"permission denied: could not {doing} {path}")
        if exc.errno == errno.ENOENT:
            return DatabaseMissing(f"{path} does not exist")
        if exc.errno == errno.ENAMETOOLONG:
            return PathTooLong(f"cannot {doing} {path}: a name in that path is too long "
                               "for the file system")
        if exc.errno == errno.ENOTDIR:
            return DatabaseMissing(f"{path} does not exist: a part of that path is a file, "
                                   "not a folder")
        if exc.errno == errno.ELOOP:
            return DatabaseMissing(f"{path} cannot be reached: its path loops through "
                                   "symbolic links")
        return DiskIOError(f"could not {doing} {path}: {exc.strerror or exc}")
    if not isinstance(exc, sqlite3.Error):
        return None
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in text:
        return DatabaseLocked(f"{path} is busy: another program is using it")
    if primary == sqlite3.SQLITE_NOTADB or "file is not a database" in text:
        return NotADatabase(f"{path} is not a SQLite database")
    if primary == sqlite3.SQLITE_CORRUPT or "malformed" in text:
        return CorruptDatabase(f"{path} is damaged (SQLite reports: {text})")
    if primary == sqlite3.SQLITE_FULL or "database or disk is full" in text:
        return DiskFull(f"the disk is full: could not {doing} {path}")
    if code == SQLITE_READONLY_ROLLBACK:
        return hot_journal(path)
    if primary == sqlite3.SQLITE_READONLY or "readonly" in text:
        return ReadOnlyDatabase(f"{path} is read-only: could not {doing} it")
    if primary == sqlite3.SQLITE_CANTOPEN or "unable to open" in text:
        return ReadOnlyDatabase(f"cannot open {path} (SQLite: {text})")
    if primary == sqlite3.SQLITE_IOERR or name.startswith("SQLITE_IOERR") or "disk I/O" in text:
        return DiskIOError(f"a disk error stopped wsadmin from doing: {doing} {path}")
    if primary == sqlite3.SQLITE_PERM:
        return ReadOnlyDatabase(f"permission denied: could not {doing} {path}")
    return None


class InUse(Refused):
    """Another program has the database open (preflight; --force overrides it)."""

    hint = "stop the backend (or close that program) first; --force ignores this"


class NotEnoughSpace(DiskFull):
    """Preflight: less free disk than a backup-then-change needs."""

    hint = "free some disk space; nothing was changed"


class WrongAction(Refused):
    """The database is in a state another command handles (adopt, repair, init...)."""


class LeftoverTables(HalfUpgraded):
    """`_alembic_tmp_*` tables of an interrupted rebuild are in the way."""


class BackupBusy(DatabaseLocked, BackupFailed):
    """The database stayed locked by another program past the backup's wait."""

    hint = "close the backend and any sqlite3 session using it, then try again; nothing was changed"


class RestoreFailed(OperationFailed):
    """Copying a backup into the database failed; SQLite rolled the copy back, and the
    database was checked to be as it was before the restore (exit 1)."""

    hint = "the backup file is intact: run `wsadmin restore DB BACKUP` again once fixed"


class RestoreIncomplete(NotRestored):
    """A restore failed and the database is NOT known to be as it was (exit 4)."""

    hint = "the backup file is intact"
