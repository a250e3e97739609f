"""Unfinished backups: hidden `.partial` files of copies in progress, and the
removal of those whose process is gone.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Final

from wsadmin.db.backup.names import BACKUP_SUFFIX as BACKUP_SUFFIX
from wsadmin.db.backup.names import MANIFEST_SUFFIX as MANIFEST_SUFFIX
from wsadmin.db.backup.names import backup_path_for as backup_path_for
from wsadmin.db.backup.names import utc_stamp as utc_stamp

_PARTIAL_RE: Final = re.compile(r"^\.(?P<db>.+)\.(?P<pid>\d+)\.(?P<token>[0-9a-f]+)\.partial$")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True     # exists, but belongs to someone else
    return True


def partial_files(folder: Path) -> list[tuple[Path, bool]]:
    """`.partial` files in `folder`, each with whether the process writing it is gone."""
    found: list[tuple[Path, bool]] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return found
    for name in names:
        m = _PARTIAL_RE.match(name)
        if m is not None:
            found.append((folder / name, not _pid_alive(int(m.group("pid")))))
    return sorted(found)


def clean_stale_partials(folder: Path) -> list[Path]:
    """Remove `.partial` files left by backups whose process no longer runs."""
    removed = []
    for path, stale in partial_files(folder):
        if stale:
            try:
                path.unlink()
            except OSError:
                continue
            removed.append(path)
    return removed
