"""Backups as the GUI sees them: the catalog's rows, and the calls made on the worker.

One catalog for the whole window (the session holds it): the backups of the
open database in its folder and the configured backup folder, plus any backup
the audit log says an operation wrote elsewhere, newest first. The Backups
view, the Overview's last backup and the Rollback dialog all read it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from wsadmin.ui.format import parse_time
from wsadmin.ui.ops.core import CancelToken

if TYPE_CHECKING:
    import datetime as dt


class Check(enum.StrEnum):
    """What is known of a backup's verification."""

    VERIFIED = "verified"
    FAILED = "failed"
    UNCHECKED = "unchecked"
    CHECKING = "checking"


class BackupRow(NamedTuple):      # (not a dataclass: defined at start-up, ~0.7 ms less)
    """One backup (from wsadmin.db.backup.create.catalog.CatalogEntry)."""

    path: str
    created: dt.datetime | None
    revision: str | None
    readable: bool
    size: int
    kind: str                          # "wsadmin" | "runbook" | "other"
    has_manifest: bool
    mtime_ns: int
    check: Check = Check.UNCHECKED
    problems: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def stamp(self) -> tuple[int, int]:
        """Which version of the file this row describes."""
        return self.size, self.mtime_ns

    @property
    def revision_label(self) -> str:
        return "?" if not self.readable else (self.revision or "legacy")

    @property
    def note(self) -> str:
        if self.kind == "runbook":
            return "runbook backup"
        if self.kind == "other":
            return "not made by wsadmin"
        return "" if self.has_manifest else "no manifest"

    @property
    def restorable(self) -> bool:
        return self.readable and self.check is not Check.FAILED


class Verdict(NamedTuple):
    """The result of verifying one version (`stamp`) of a backup file."""

    path: str
    check: Check
    problems: tuple[str, ...]
    stamp: tuple[int, int]

    @property
    def words(self) -> str:
        if self.check is Check.VERIFIED:
            return "Verified"
        return "FAILED: " + ("; ".join(self.problems) or "it does not verify")


class CatalogRead(NamedTuple):
    rows: tuple[BackupRow, ...] | None     # None: nothing changed since `previous`
    folders: tuple[str, ...]               # where backups of this database are looked for
    fingerprint: tuple[tuple[str, int, int], ...]
    fresh: tuple[Verdict, ...] = ()        # backups an operation verified as it wrote them


def _row(entry: Any) -> BackupRow:
    check = {None: Check.UNCHECKED, True: Check.VERIFIED, False: Check.FAILED}[entry.verified]
    return BackupRow(entry.path, parse_time(entry.created_at), entry.revision, entry.readable,
                     entry.size, entry.kind, entry.has_manifest, entry.mtime_ns, check,
                     tuple(entry.problems))


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _audited_elsewhere(db: Path, folders: list[Path]) -> set[Path]:
    """Backups the audit log names outside the catalog's folders (an upgrade run with
    --backup-dir), so that they are listed with the others."""
    from wsadmin.db.common import audit

    inside = {f.resolve() for f in folders if f.exists()}
    found: set[Path] = set()
    for entry in audit.entries(db):
        named = entry.get("backup")
        if isinstance(named, str):
            path = Path(named)
            if path.is_file() and path.parent.resolve() not in inside:
                found.add(path)
    return found


def _fingerprint(db: Path, folders: list[Path], extra: Iterable[Path]
                 ) -> tuple[tuple[str, int, int], ...]:
    """Name, size and mtime of every file that may be a backup of `db` or its manifest:
    when it has not changed, neither has the catalog."""
    prefix = db.name + "."
    seen: list[tuple[str, int, int]] = []
    candidates = [p for f in folders if f.is_dir() for p in f.iterdir()
                  if p.name.startswith(prefix)]
    for path in [*candidates, *extra]:
        stamp = _stamp(path)
        if stamp is not None:
            seen.append((str(path), *stamp))
    return tuple(sorted(seen))


def read_catalog(db: str, previous: tuple[tuple[str, int, int], ...] | None = None,
                 fresh: Iterable[str] = ()) -> CatalogRead:
    """Runs on the worker: every backup of `db`, newest first (cheap checks only; the
    session verifies them one at a time). Returns rows=None when the files are those of
    `previous`. `fresh`: backups just written and verified by an operation."""
    from wsadmin.db.backup import catalog as backup_catalog

    path = Path(db)
    folders = backup_catalog.backup_folders(path)
    extra = _audited_elsewhere(path, folders)
    fingerprint = _fingerprint(path, folders, extra)
    made = tuple(Verdict(p, Check.VERIFIED, (), s) for p in fresh
                 if (s := _stamp(Path(p))) is not None)
    names = tuple(str(f) for f in folders)
    if previous is not None and fingerprint == previous:
        return CatalogRead(None, names, fingerprint, made)
    entries = list(backup_catalog.list_backups(path, folders=folders))
    for folder in sorted({p.parent for p in extra}):
        entries += [e for e in backup_catalog.list_backups(path, folders=[folder])
                    if Path(e.path) in extra]
    rows: dict[str, BackupRow] = {}
    for entry in entries:
        rows.setdefault(str(Path(entry.path).resolve()), _row(entry))
    ordered = sorted(rows.values(), key=_newest_first)
    return CatalogRead(tuple(ordered), names, fingerprint, made)


def _newest_first(row: BackupRow) -> tuple[float, int, str]:
    when = row.created.timestamp() if row.created is not None else 0.0
    return -when, -row.mtime_ns, row.path


def verify_file(path: str, *, cancel: CancelToken | None = None) -> Verdict:
    """Runs on the worker: verify one backup against its manifest (or on its own)."""
    from wsadmin.db.backup.verify import verify_backup

    stamp = _stamp(Path(path)) or (0, 0)
    result = verify_backup(path, cancel=cancel)
    return Verdict(path, Check.VERIFIED if result.ok else Check.FAILED,
                   tuple(result.problems), stamp)


def back_up_now(db: str, *, progress: Any = None, cancel: CancelToken | None = None) -> Any:
    """Runs on the worker: a verified backup in the backup folder (a BackupInfo)."""
    from wsadmin.db.backup.create import create_backup

    return create_backup(db, progress=progress, cancel=cancel)


def default_folder(db: str) -> str:
    """Where a backup of `db` goes when no folder is given (the configured one, else
    beside the database): the upgrade's plan and its run both use it."""
    from wsadmin.db.backup.folders import default_backup_folder

    return str(default_backup_folder(db))


class PrunePreview(NamedTuple):
    remove: list[BackupRow]
    keep: list[tuple[BackupRow, str]]      # each with why it stays
    entries: Any                           # the catalog entries the plan was made from
    verdicts: list[Verdict]


def plan_prune(db: str, keep: int) -> PrunePreview:
    """Runs on the worker: what `wsadmin backups DB --prune --keep N` would remove. It
    verifies every backup (and says so: the catalog learns the verdicts); changes nothing."""
    from wsadmin.db.backup import catalog as backup_catalog

    entries = backup_catalog.list_backups(db, verify=True)
    plan = backup_catalog.plan_prune(entries, keep)
    verdicts = [Verdict(e.path, Check.VERIFIED if e.verified else Check.FAILED,
                        tuple(e.problems), (e.size, e.mtime_ns)) for e in entries]
    return PrunePreview([_row(e) for e in plan.remove],
                        [(_row(e), why) for e, why in plan.keep], entries, verdicts)


def prune(db: str, keep: int, entries: Any) -> list[str]:
    """Runs on the worker: remove what the plan said (the catalog's rules); audited."""
    from wsadmin.db.backup import catalog as backup_catalog

    return [e.path for e in backup_catalog.prune(db, keep, entries=entries)]

