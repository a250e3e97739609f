"""Backup file names, and giving a finished backup its name without ever replacing one.

A backup is `<db>.<UTC stamp>[-n].<revision>.bak` with its manifest beside it
(`... .bak.json`). Two backups of one database in the same second (two
processes, or two threads) must not share a name, and os.replace would let the
second silently take the first's place. So a backup claims its name: it
creates the manifest with O_EXCL (the claim: whoever creates it owns the
name) and writes it, then links the finished file to the backup name, which
fails rather than replaces when the name exists. On EEXIST it tries `-2`,
`-3`, ... of the same second. The manifest exists before the backup has its
name, so a backup is never seen without the facts it is verified against;
a claim left by a killed process is a manifest without a backup, which the
catalog never lists and the next backup steps over.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

from wsadmin.db.common.errors import BackupFailed, PathTooLong, WsadminError, classify_sqlite_error
from wsadmin.db.sqlite.files import fsync_dir

BACKUP_SUFFIX: Final = ".bak"
MANIFEST_SUFFIX: Final = ".json"
PARTIAL_SUFFIX: Final = ".partial"
NAME_MAX_DEFAULT: Final = 255
# Room for what a name holds besides the database's name: the longest suffix a backup
# gets is ".<stamp>-<n>.<revision>.bak.json"; revisions are short ids, 40 bytes is ample.
_SUFFIX_ROOM: Final = len(".20261124T101500Z-9999.") + 40 + len(BACKUP_SUFFIX + MANIFEST_SUFFIX)
_MAX_SAME_SECOND: Final = 9999
# link() is refused where the file system has no hard links (FAT, some network shares).
_NO_LINKS: Final = frozenset({errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK,
                              errno.ENOSYS})


def utc_stamp(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return now.strftime("%Y%m%dT%H%M%SZ")


def manifest_path_for(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def name_max(folder: Path) -> int:
    """The longest file name (in bytes) the file system of `folder` takes."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    return NAME_MAX_DEFAULT


def check_names(db: Path, folder: Path) -> None:
    """Refuse (PathTooLong) before any work when a backup of `db` in `folder` could not
    be named: a name in the folder's path, or the database's name plus what a backup
    adds to it, is longer than the file system allows."""
    limit = NAME_MAX_DEFAULT
    for part in folder.parts:
        if len(os.fsencode(part)) > limit:
            raise PathTooLong(f"cannot use the backup folder {folder}: the name "
                              f"{part[:40]}… in it is too long (over {limit} bytes)")
    existing = next((f for f in (folder, *folder.parents) if _is_dir(f)), None)
    if existing is not None:
        limit = name_max(existing)
    if len(os.fsencode(db.name)) + _SUFFIX_ROOM > limit:
        raise PathTooLong(f"cannot name a backup of {db}: its file name is too long for a "
                          f"backup name (at most {limit - _SUFFIX_ROOM} bytes leave room for "
                          "the time and revision a backup name adds)",
                          "rename the database file to a shorter name, or copy it to one")


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:         # a path over PATH_MAX: the write itself will say so
        return False


def _taken(path: Path) -> bool:
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        raise classify_sqlite_error(exc, path.parent, "look in") or WsadminError(
            f"cannot look in {path.parent}: {exc.strerror}") from exc
    return True


def candidates(db: Path, revision: str | None, folder: Path, now: dt.datetime | None = None
               ) -> Iterator[Path]:
    """`app_metadata.db.20261124T101500Z.002.bak`, then `-2`, `-3`, ... of that second."""
    rev, stamp = revision or "legacy", utc_stamp(now)
    yield folder / f"{db.name}.{stamp}.{rev}{BACKUP_SUFFIX}"
    for n in range(2, _MAX_SAME_SECOND + 1):
        yield folder / f"{db.name}.{stamp}-{n}.{rev}{BACKUP_SUFFIX}"


def backup_path_for(db: Path, revision: str | None, folder: Path, now: dt.datetime | None = None
                    ) -> Path:
    """The name a backup taken now would get (for plans; `publish` decides for real)."""
    check_names(db, folder)
    for candidate in candidates(db, revision, folder, now):
        if not _taken(candidate) and not _taken(manifest_path_for(candidate)):
            return candidate
    raise _exhausted(db, folder)


def _exhausted(db: Path, folder: Path) -> WsadminError:
    return BackupFailed(f"{_MAX_SAME_SECOND} backups of {db.name} were already made in {folder} "
                        "in this second", "try again in a second")


def _claim(manifest: Path, data: bytes, mode: int) -> bool:
    """Create `manifest` holding `data`, unless it exists (then False)."""
    try:
        fd = os.open(manifest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            if hasattr(os, "fchmod"):       # exactly `mode`, whatever the umask
                os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            manifest.unlink()
        raise
    return True


def _link(tmp: Path, final: Path) -> bool:
    """Give the finished file `tmp` the name `final` unless that exists (then False)."""
    try:
        os.link(tmp, final)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        # No hard links here. The manifest claim already keeps every other wsadmin off
        # this name; only a program that ignores it could slip in between these two.
        if _taken(final):
            return False
        os.rename(tmp, final)
        return True
    with contextlib.suppress(OSError):
        tmp.unlink()        # else a second name stays, removed as a stale .partial
    return True


def publish(tmp: Path, db: Path, revision: str | None, folder: Path, taken: dt.datetime,
            manifest_for: Callable[[Path], bytes], mode: int) -> Path:
    """Give the verified backup `tmp` the first free name of its second, with its manifest
    (`manifest_for(final)` gives the manifest's bytes for that name). Never replaces a
    file; raises OSError when the folder refuses the writes."""
    for final in candidates(db, revision, folder, taken):
        manifest = manifest_path_for(final)
        if _taken(final) or not _claim(manifest, manifest_for(final), mode):
            continue
        fsync_dir(folder)       # the manifest's entry is durable before the backup's
        try:
            linked = _link(tmp, final)
        except BaseException:
            with contextlib.suppress(OSError):
                manifest.unlink()
            raise
        if linked:
            fsync_dir(folder)
            return final
        with contextlib.suppress(OSError):
            manifest.unlink()   # our claim, on a name something else took meanwhile
    raise _exhausted(db, folder)
