"""Every backup of a database, and pruning them safely (DESIGN.md rules 2 and 3).

Backups are looked for in the database's own folder and in the configured
backup folder (wsadmin.db.backup.folders); backups the audit log names for the
database elsewhere (an upgrade run with `--backup-dir`) are listed too, marked
`found_in="audit-log"`. Three kinds are recognised:

- `wsadmin`: `<db>.<UTC stamp>[-n].<revision>.bak`, normally with a manifest;
- `runbook`: `<db>.backup`, what the runbook's `cp` makes (listed, never pruned);
- `other`: any other `<db>*.bak` (listed, never pruned: wsadmin did not make it).

Hidden `.partial` files (unfinished or killed backups) are never listed.
The backup taken before the last successful upgrade (by the audit log, not by
any clock) is marked `last_upgrade` and never pruned.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from wsadmin.db.backup.folders import configured_backup_dir
from wsadmin.db.backup.manifest import ManifestUnreadable, load_manifest
from wsadmin.db.backup.names import BACKUP_SUFFIX, MANIFEST_SUFFIX, manifest_path_for
from wsadmin.db.backup.partials import clean_stale_partials, partial_files
from wsadmin.db.backup.verify import verify_backup
from wsadmin.db.common import audit
from wsadmin.db.common.errors import Refused, WsadminError
from wsadmin.db.sqlite.connect import connect_ro
from wsadmin.db.sqlite.files import check_file
from wsadmin.db.sqlite.introspect import alembic_revisions

RUNBOOK_SUFFIX: Final = ".backup"
KIND_WSADMIN, KIND_RUNBOOK, KIND_OTHER = "wsadmin", "runbook", "other"
FOUND_IN_FOLDER, FOUND_IN_AUDIT_LOG = "folder", "audit-log"


@dataclass
class CatalogEntry:
    path: str
    kind: str
    revision: str | None          # None: legacy (no revision) or unreadable
    readable: bool                # False: not a readable SQLite file; revision unknown
    created_at: str               # ISO 8601 UTC: manifest, else the name's stamp, else mtime
    size: int
    has_manifest: bool
    verified: bool | None         # None: not checked (listing without verification)
    problems: list[str] = field(default_factory=list)
    source: str | None = None
    mtime_ns: int = 0             # breaks ties between backups made in the same second
    # FOUND_IN_FOLDER: in a searched folder; FOUND_IN_AUDIT_LOG: elsewhere, named by the
    # audit log (then a manifest, if any, names this database as its source).
    found_in: str = FOUND_IN_FOLDER
    last_upgrade: bool = False    # the backup taken before the last successful upgrade

    @property
    def status(self) -> str:
        if self.verified is None:
            return "unverified"
        return "good" if self.verified else "FAILED"

    @property
    def revision_label(self) -> str:
        if not self.readable:
            return "?"
        return self.revision or "legacy"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status
        return data


def _name_re(db_name: str) -> re.Pattern[str]:
    return re.compile(
        rf"^{re.escape(db_name)}\.(?P<stamp>\d{{8}}T\d{{6}}Z)(?:-\d+)?\.(?P<rev>[^.]+)"
        rf"{re.escape(BACKUP_SUFFIX)}$")


def backup_folders(db: str | Path) -> list[Path]:
    """The database's folder and the configured backup folder (once each)."""
    folders = [Path(db).absolute().parent]
    configured = configured_backup_dir()
    if configured is not None:
        folders.append(configured.absolute())
    seen: list[Path] = []
    for f in folders:
        key = f.resolve() if f.exists() else f
        if key not in [s.resolve() if s.exists() else s for s in seen]:
            seen.append(f)
    return seen


def _kind(name: str, db_name: str, pattern: re.Pattern[str]) -> str | None:
    if name.startswith(".") or name.endswith(MANIFEST_SUFFIX):
        return None
    if name == db_name + RUNBOOK_SUFFIX:
        return KIND_RUNBOOK
    if pattern.match(name):
        return KIND_WSADMIN
    if name.startswith(db_name + ".") and name.endswith(BACKUP_SUFFIX):
        return KIND_OTHER
    return None


def _stamp_iso(stamp: str) -> str:
    t = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    return t.isoformat(timespec="seconds")


def _read_revision(path: Path) -> tuple[bool, str | None, list[str]]:
    """(readable, revision, problems) of a backup, read-only, without side files."""
    try:
        facts = check_file(path)
        if facts.empty:
            return True, None, []
        conn = connect_ro(path, immutable=True)
        try:
            revs = alembic_revisions(conn)
        finally:
            conn.close()
    except WsadminError as exc:
        return False, None, [exc.message]
    except sqlite3.Error as exc:
        return False, None, [f"SQLite cannot read it: {exc}"]
    return True, (revs[0] if len(revs) == 1 else None), []


def _entry(path: Path, kind: str, pattern: re.Pattern[str], db_resolved: str,
           foreign_check: bool, verify: bool) -> CatalogEntry | None:
    try:
        st = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    problems: list[str] = []
    try:
        manifest = load_manifest(path)
    except ManifestUnreadable as exc:
        manifest, problems = None, [str(exc)]
    broken_manifest = bool(problems)
    if manifest is not None and foreign_check and manifest.get("source") not in (None,
                                                                                 db_resolved):
        return None     # a backup of another database with the same file name
    mtime = dt.datetime.fromtimestamp(st.st_mtime, dt.UTC).isoformat(timespec="seconds")
    m = pattern.match(path.name)
    created = (str(manifest.get("created_at")) if manifest and manifest.get("created_at")
               else _stamp_iso(m.group("stamp")) if m else mtime)
    readable, revision, read_problems = _read_revision(path)
    if manifest is not None and readable:
        revision = manifest.get("revision") if isinstance(manifest.get("revision"), str) \
            else revision
    problems.extend(read_problems)
    verified: bool | None = None
    if broken_manifest or not readable:
        verified = False
    elif manifest is not None and manifest.get("size") != st.st_size:
        verified = False
        problems.append(f"its size is {st.st_size} bytes, its manifest says {manifest['size']}")
    if verify and verified is None:
        result = verify_backup(path)
        verified, problems = result.ok, problems + result.problems
    source = manifest.get("source") if manifest else None
    return CatalogEntry(
        path=str(path), kind=kind, revision=revision, readable=readable, created_at=created,
        size=st.st_size, has_manifest=manifest is not None, verified=verified,
        problems=problems, source=source if isinstance(source, str) else None,
        mtime_ns=st.st_mtime_ns)


def list_backups(db: str | Path, *, verify: bool = False,
                 folders: Iterable[Path] | None = None) -> list[CatalogEntry]:
    """Every backup of `db`, newest first. `verify` runs the full check on each
    (slow on big files); without it only cheap checks run and the others say
    `unverified`. Never lists a `.partial` file; never calls a file good
    without verifying it. Backups the audit log names for `db` outside the
    folders are listed too (`found_in`), and the one taken before the last
    upgrade is marked (`last_upgrade`)."""
    db_path = Path(db).absolute()
    db_resolved = str(db_path.resolve())
    pattern = _name_re(db_path.name)
    folder_list = list(folders) if folders is not None else backup_folders(db_path)
    own = db_path.parent.resolve()
    entries: list[CatalogEntry] = []
    for folder in folder_list:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        foreign_check = folder.resolve() != own
        for name in names:
            kind = _kind(name, db_path.name, pattern)
            if kind is None:
                continue
            entry = _entry(folder / name, kind, pattern, db_resolved, foreign_check, verify)
            if entry is not None:
                entries.append(entry)
    entries.extend(_named_elsewhere(db_path, pattern, {_resolved(e.path) for e in entries},
                                    verify))
    pinned = audit.last_upgrade_backup(db_path)
    for e in entries:
        e.last_upgrade = pinned is not None and _resolved(e.path) == pinned
    entries.sort(key=lambda e: (e.created_at, e.mtime_ns, e.path), reverse=True)
    return entries


def _resolved(path: str | Path) -> Path:
    try:
        return Path(path).resolve()
    except OSError:         # a symlink loop: compare it as written
        return Path(path).absolute()


def _named_elsewhere(db_path: Path, pattern: re.Pattern[str], listed: set[Path],
                     verify: bool) -> list[CatalogEntry]:
    """Backups of `db_path` the audit log names that the folders did not show."""
    found: list[CatalogEntry] = []
    db_resolved = _resolved(db_path)
    for named in audit.backups_named(db_path):
        path = Path(named)
        key = _resolved(path)
        if key in listed or key == db_resolved or not path.is_absolute():
            continue
        listed.add(key)
        name = path.name
        kind = _kind(name, db_path.name, pattern) or KIND_OTHER
        entry = _entry(path, kind, pattern, str(db_resolved), True, verify)
        if entry is not None:
            entry.found_in = FOUND_IN_AUDIT_LOG
            found.append(entry)
    return found


def unfinished(db: str | Path) -> list[tuple[Path, bool]]:
    """`.partial` files of `db` in its backup folders, with whether their writer is gone."""
    name = Path(db).name
    found: list[tuple[Path, bool]] = []
    for folder in backup_folders(db):
        found.extend((p, stale) for p, stale in partial_files(folder)
                     if p.name.startswith(f".{name}."))
    return found


@dataclass
class PrunePlan:
    remove: list[CatalogEntry]
    keep: list[tuple[CatalogEntry, str]]      # each with why it stays


def plan_prune(entries: list[CatalogEntry], keep: int) -> PrunePlan:
    """Which backups `prune(keep=N)` removes; `entries` newest first (list_backups order).

    Kept whatever N says: the backup taken before the last upgrade (whatever
    its date says), the runbook's backup and backups wsadmin did not make,
    backups found through the audit log outside the folders unless they are
    wsadmin backups whose manifest names this database, the newest backup,
    the newest wsadmin backup not known to be bad, the N newest wsadmin
    backups, and for every revision the newest backup not known to be bad (so
    that no revision loses its only backup).
    """
    if keep < 0:
        raise Refused("--keep must be 0 or more")
    reasons: dict[str, str] = {}
    for e in entries:
        if e.last_upgrade:
            reasons.setdefault(e.path, "taken before the last upgrade")
        elif e.found_in != FOUND_IN_FOLDER and not (
                e.kind == KIND_WSADMIN and e.has_manifest and e.source is not None):
            reasons.setdefault(e.path, "outside the backup folders and not known to be a "
                                       "wsadmin backup of this database")
        elif e.kind == KIND_RUNBOOK:
            reasons.setdefault(e.path, "the runbook's backup is never pruned")
        elif e.kind != KIND_WSADMIN:
            reasons.setdefault(e.path, "not made by wsadmin")
    if entries:
        reasons.setdefault(entries[0].path, "the newest backup")
    ours = [e for e in entries if e.kind == KIND_WSADMIN]
    newest_good = [e for e in ours if e.verified is not False]
    if newest_good:
        reasons.setdefault(newest_good[0].path, "the newest backup made by wsadmin")
    for e in ours[:keep]:
        reasons.setdefault(e.path, f"one of the {keep} newest")
    revisions = {e.revision for e in entries if e.readable}
    for rev in revisions:
        at_rev = [e for e in entries if e.readable and e.revision == rev
                  and e.verified is not False]
        if at_rev and not any(e.path in reasons for e in at_rev):
            label = rev or "legacy"
            reasons[at_rev[0].path] = f"the only backup kept at revision {label}"
    keep_list = [(e, reasons[e.path]) for e in entries if e.path in reasons]
    remove = [e for e in entries if e.path not in reasons]
    return PrunePlan(remove, keep_list)


def prune(db: str | Path, keep: int, *, verify: bool = False,
          entries: list[CatalogEntry] | None = None) -> list[CatalogEntry]:
    """Remove old wsadmin backups of `db` (and their manifests) by plan_prune's rules.

    Also removes `.partial` files left by backups whose process is gone. Every
    prune is written to the audit log. Returns the backups removed.
    """
    if entries is None:
        entries = list_backups(db, verify=verify)
    plan = plan_prune(entries, keep)
    removed: list[CatalogEntry] = []
    failures: list[str] = []
    for e in plan.remove:
        path = Path(e.path)
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            failures.append(f"{path}: {exc.strerror}")
            continue
        try:
            manifest_path_for(path).unlink(missing_ok=True)
        except OSError as exc:
            failures.append(f"{manifest_path_for(path)}: {exc.strerror}")
        removed.append(e)
    cleaned = [str(p) for folder in backup_folders(db) for p in clean_stale_partials(folder)
               if p.name.startswith(f".{Path(db).name}.")]
    audit.record("prune", db, "failed" if failures else "ok", keep=keep,
                 removed=[e.path for e in removed], kept=[e.path for e, _ in plan.keep],
                 partials_removed=cleaned, problems=failures)
    if failures:
        raise WsadminError(f"could not remove {len(failures)} backup file(s): "
                           + "; ".join(failures[:3]),
                           "check the folder's permissions; the rest was pruned")
    return removed
