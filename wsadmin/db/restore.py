"""Put a verified backup back into the live database (DESIGN.md rule 4).

The backup is verified first, the current state is backed up (a safety
backup), and then the backup's pages are copied INTO the live database with
the SQLite backup API: one transaction on the live file, through its journal
or its -wal, so a crash half-way leaves the old state, and a stale -wal can
never be replayed over the restored pages (no file is ever renamed over the
database). The result is verified against the backup and audited.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wsadmin.db import audit
from wsadmin.db.backup import BackupInfo, Snapshot, create_backup, take_snapshot, verify_backup
from wsadmin.db.errors import (
    CorruptDatabase,
    NotADatabase,
    NotAFile,
    Refused,
    RestoreFailed,
    WsadminError,
)
from wsadmin.db.progress import CancelToken, ProgressCallback, Reporter, Step
from wsadmin.db.sqlite_engine import check_file, connect_ro, connect_rw, translated_errors
from wsadmin.db.sqlite_locks import check_open, copy_database, quick_check


@dataclass(frozen=True)
class RestoreResult:
    database: str
    backup: str
    revision: str | None
    counts_before: dict[str, int]
    counts_after: dict[str, int]
    revision_before: str | None
    safety_backup: BackupInfo | None
    problems_before: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["safety_backup"] = self.safety_backup.path if self.safety_backup else None
        return data


def _prefixed(progress: ProgressCallback | None, prefix: str) -> ProgressCallback | None:
    if progress is None:
        return None
    cb = progress

    def forward(step: Step) -> None:
        cb(Step(prefix + step.id, step.label.replace("Back up", "Safety backup of")
                .replace("Verify the backup", "Verify the safety backup"),
                step.state, step.detail, step.fraction))

    return forward


def restore_backup(db: str | Path, backup: str | Path, *,
                   progress: ProgressCallback | None = None,
                   safety_dir: str | Path | None = None,
                   safety: bool = True,
                   force: bool = False,
                   cancel: CancelToken | None = None,
                   expected: Snapshot | None = None,
                   audit_action: str = "restore") -> RestoreResult:
    """Restore `backup` into `db`. Step ids: check-backup, safety-backup, safety-verify,
    restore, verify-restore.

    `safety=False` skips the safety backup (the upgrade pipeline restoring the
    backup it just took). `expected` overrides what the result must match
    (default: the verified backup's own snapshot).
    """
    db_path, bak_path = Path(db), Path(backup)
    try:
        check_file(db_path)     # missing, a FIFO or device, a name too long: refuse first
    except NotAFile:
        raise
    except (CorruptDatabase, NotADatabase):
        pass                    # replacing a damaged file is what a restore is for
    reporter = Reporter(progress)
    cancel = cancel or CancelToken()
    with reporter.step("check-backup", "Verify the backup to restore") as step:
        check_file(bak_path)
        verification = verify_backup(bak_path)
        if not verification.ok or verification.snapshot is None:
            raise Refused(f"{bak_path} failed verification: " + "; ".join(verification.problems),
                          "choose another backup (`wsadmin backups DB` lists them)")
        target = expected or verification.snapshot
        step.detail = f"revision {target.revision or 'legacy'}, " + _counts_text(target.counts)
    before_counts: dict[str, int] = {}
    before_rev: str | None = None
    problems_before: list[str] = []
    live_readable = True
    try:
        check_file(db_path)
        conn = connect_ro(db_path)
        try:
            with translated_errors(db_path, "read"):
                snap = take_snapshot(conn)
            before_counts, before_rev = snap.counts, snap.revision
        finally:
            conn.close()
    except (CorruptDatabase, NotADatabase) as exc:
        live_readable = False
        problems_before.append(exc.message)
    if not force:
        in_use = check_open(db_path)
        if in_use.in_use:
            raise Refused(f"{db_path} is {in_use.describe()}",
                          "stop the backend (or close that program) first, or pass --force")
    cancel.raise_if_cancelled()
    safety_info: BackupInfo | None = None
    if safety and live_readable:
        safety_info = create_backup(db_path, safety_dir, progress=_prefixed(progress, "safety-"),
                                    cancel=cancel)
    elif safety and not force:
        raise Refused(f"{db_path} cannot be read ({'; '.join(problems_before)}), so no safety "
                      "backup of it can be taken", "pass --force to overwrite it anyway")
    cancel.raise_if_cancelled()
    with reporter.step("restore", f"Copy {bak_path.name} into the database") as step:
        _copy_into(bak_path, db_path)
        step.detail = f"restored from {bak_path}"
    with reporter.step("verify-restore", "Verify the restored database") as step:
        after = _verify_restored(db_path, target)
        step.detail = _counts_text(after.counts)
    result = RestoreResult(str(db_path), str(bak_path), after.revision, before_counts,
                           after.counts, before_rev, safety_info, problems_before)
    audit.record(audit_action, db_path, "ok", backup=str(bak_path),
                 safety_backup=safety_info.path if safety_info else None,
                 from_revision=before_rev, to_revision=after.revision,
                 counts_before=before_counts, counts_after=after.counts)
    return result


def _copy_into(bak_path: Path, db_path: Path) -> None:
    try:
        src = connect_ro(bak_path, immutable=True)
        try:
            dst = connect_rw(db_path, timeout=30.0)
            try:
                with translated_errors(db_path, "restore"):
                    copy_database(src, dst)
            finally:
                dst.close()
        finally:
            src.close()
    except WsadminError as exc:
        raise RestoreFailed(f"restoring {db_path} from {bak_path} failed: {exc.message}; "
                            "SQLite rolled the copy back, so the database is as it was before "
                            "the restore") from exc


def _verify_restored(db_path: Path, target: Snapshot) -> Snapshot:
    conn = connect_ro(db_path)
    try:
        with translated_errors(db_path, "verify"):
            problems = quick_check(conn)
            snap = take_snapshot(conn)
    except (WsadminError, sqlite3.Error) as exc:
        raise RestoreFailed(f"the restored {db_path} cannot be read: {exc}") from exc
    finally:
        conn.close()
    problems += compare(target, snap)
    if problems:
        raise RestoreFailed(f"the restored {db_path} does not match the backup: "
                            + "; ".join(problems[:5]))
    return snap


def compare(expected: Snapshot, got: Snapshot) -> list[str]:
    """Differences in tables, row counts and revision (empty: the same)."""
    problems: list[str] = []
    if expected.tables != got.tables:
        missing = sorted(set(expected.tables) - set(got.tables))
        extra = sorted(set(got.tables) - set(expected.tables))
        problems.append("tables differ" + (f"; missing {missing}" if missing else "")
                        + (f"; unexpected {extra}" if extra else ""))
    for table, n in expected.counts.items():
        if got.counts.get(table) != n:
            problems.append(f"{table} has {got.counts.get(table)} rows instead of {n}")
    if expected.revision != got.revision:
        problems.append(f"revision {got.revision} instead of {expected.revision}")
    return problems


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{t} {n:,}" for t, n in counts.items())


def backup_snapshot(info: BackupInfo) -> Snapshot:
    return Snapshot(info.revision, list(info.tables), dict(info.counts))


