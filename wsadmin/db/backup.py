"""Consistent, verified backups with the SQLite online backup API.

DESIGN.md rules 1, 2 and 10: never copy a live file with cp; copy it in one
backup step from inside a read transaction (so the counts recorded for the
backup describe exactly the snapshot copied), write to a temporary name,
fsync, verify (quick_check, same tables, same row counts, same revision),
and only then give it its final name and a manifest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import json
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import wsadmin
from wsadmin.db.errors import BackupFailed, WsadminError
from wsadmin.db.fsutil import atomic_write_bytes, fsync_dir, fsync_file, mode_no_wider_than
from wsadmin.db.inspect import count_rows, recorded_revisions
from wsadmin.db.progress import CancelToken, ProgressCallback, Reporter
from wsadmin.db.sqlite_engine import (
    check_file,
    connect_ro,
    journal_mode,
    table_names,
    translated_errors,
)

MANIFEST_SUFFIX = ".json"
BACKUP_SUFFIX = ".bak"


@dataclass(frozen=True)
class Snapshot:
    """What a database held at one moment: the facts a backup is verified against."""

    revision: str | None
    tables: list[str]
    counts: dict[str, int]


@dataclass
class Verification:
    ok: bool
    problems: list[str] = field(default_factory=list)
    snapshot: Snapshot | None = None


@dataclass(frozen=True)
class BackupInfo:
    path: str
    manifest_path: str
    source: str
    size: int
    sha256: str
    revision: str | None
    counts: dict[str, int]
    tables: list[str]
    journal_mode: str | None
    created_at: str
    tool_version: str
    user: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def utc_stamp(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return now.strftime("%Y%m%dT%H%M%SZ")


def backup_path_for(db: Path, revision: str | None, folder: Path, now: dt.datetime | None = None
                    ) -> Path:
    """`app_metadata.db.20261124T101500Z.002.bak`: sorts by time, shows the revision."""
    rev = revision or "legacy"
    base = folder / f"{db.name}.{utc_stamp(now)}.{rev}{BACKUP_SUFFIX}"
    candidate, n = base, 1
    while candidate.exists() or candidate.with_name(candidate.name + MANIFEST_SUFFIX).exists():
        n += 1
        candidate = base.with_name(f"{db.name}.{utc_stamp(now)}-{n}.{rev}{BACKUP_SUFFIX}")
    return candidate


def take_snapshot(conn: sqlite3.Connection) -> Snapshot:
    tables = table_names(conn)
    revs = recorded_revisions(conn, tables)
    return Snapshot(revs[0] if len(revs) == 1 else None, tables, _all_counts(conn, tables))


def _all_counts(conn: sqlite3.Connection, tables: list[str]) -> dict[str, int]:
    counts = count_rows(conn, tables)
    for t in tables:
        if t not in counts:
            counts[t] = int(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0])
    return counts


def sha256_file(path: Path, chunk: int = 4 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _quick_check(path: Path) -> list[str]:
    conn = connect_ro(path, immutable=True)
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check")]
    finally:
        conn.close()
    return [] if rows == ["ok"] else rows


def verify_against(path: Path, expected: Snapshot | None) -> Verification:
    """Rule 2: quick_check ok, and (when known) same tables, counts and revision."""
    try:
        facts = check_file(path)
        if facts.empty:
            return Verification(False, ["the backup is an empty file"])
        problems = _quick_check(path)
        conn = connect_ro(path, immutable=True)
        try:
            snap = take_snapshot(conn)
        finally:
            conn.close()
    except WsadminError as exc:
        return Verification(False, [exc.message])
    except sqlite3.Error as exc:
        return Verification(False, [f"SQLite cannot read it: {exc}"])
    if problems:
        return Verification(False, [f"quick_check: {p}" for p in problems[:5]], snap)
    if expected is not None:
        if snap.tables != expected.tables:
            problems.append("its tables differ from the source's")
        for table, n in expected.counts.items():
            got = snap.counts.get(table)
            if got != n:
                problems.append(f"{table} has {got} rows instead of {n}")
        if snap.revision != expected.revision:
            problems.append(f"revision {snap.revision} instead of {expected.revision}")
    return Verification(not problems, problems, snap)


def read_manifest(backup: Path) -> dict[str, Any] | None:
    manifest = backup.with_name(backup.name + MANIFEST_SUFFIX)
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def verify_backup(backup: str | Path) -> Verification:
    """Verify a backup file against its manifest (or, without one, on its own)."""
    path = Path(backup)
    manifest = read_manifest(path)
    expected = None
    if manifest is not None:
        expected = Snapshot(manifest.get("revision"), list(manifest.get("tables", [])),
                            dict(manifest.get("counts", {})))
    result = verify_against(path, expected)
    if manifest is not None and result.ok and manifest.get("sha256"):
        if sha256_file(path) != manifest["sha256"]:
            result.ok = False
            result.problems.append("its checksum does not match its manifest")
    elif (manifest is None and result.ok and result.snapshot is not None
          and result.snapshot.tables and not any(result.snapshot.counts.values())):
        # Without a manifest, an empty database is exactly what a killed
        # backup leaves behind: refuse to call it good.
        result.ok = False
        result.problems.append("it holds no rows and has no manifest to say that is right")
    return result


def create_backup(db: str | Path, folder: str | Path | None = None, *,
                  progress: ProgressCallback | None = None,
                  cancel: CancelToken | None = None,
                  busy_timeout: float = 30.0) -> BackupInfo:
    """Write a verified backup of `db` into `folder` (default: beside it)."""
    src_path = Path(db)
    facts = check_file(src_path)
    dest_dir = Path(folder) if folder is not None else src_path.parent
    reporter = Reporter(progress)
    cancel = cancel or CancelToken()
    with reporter.step("backup", "Back up the database") as step:
        try:
            dest_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BackupFailed(
                f"cannot create the backup folder {dest_dir}: {exc.strerror}") from exc
        cancel.raise_if_cancelled()
        tmp = dest_dir / f".{src_path.name}.{os.getpid()}.partial"
        try:
            snapshot = _copy(src_path, tmp, busy_timeout, facts.empty)
            cancel.raise_if_cancelled()
            os.chmod(tmp, mode_no_wider_than(src_path))
            fsync_file(tmp)
            final = backup_path_for(src_path, snapshot.revision, dest_dir)
            step.detail = str(final)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    with reporter.step("verify", "Verify the backup") as step:
        try:
            with ThreadPoolExecutor(max_workers=1) as pool:
                # Hashing and quick_check both release the GIL: overlap them.
                digest_future = pool.submit(sha256_file, tmp)
                check = verify_against(tmp, snapshot) if not facts.empty else Verification(True)
                digest = digest_future.result()
            if not check.ok:
                raise BackupFailed(
                    "the new backup failed verification: " + "; ".join(check.problems))
            os.replace(tmp, final)
            fsync_dir(dest_dir)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        info = BackupInfo(
            path=str(final),
            manifest_path=str(final) + MANIFEST_SUFFIX,
            source=str(src_path.resolve()),
            size=final.stat().st_size,
            sha256=digest,
            revision=snapshot.revision,
            counts=snapshot.counts,
            tables=snapshot.tables,
            journal_mode=mode_name(src_path, facts.empty),
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            tool_version=wsadmin.__version__,
            user=_user(),
        )
        try:
            atomic_write_bytes(Path(info.manifest_path),
                               json.dumps(info.to_json(), indent=2).encode(),
                               mode_no_wider_than(src_path))
        except OSError as exc:
            with contextlib.suppress(OSError):
                final.unlink()
            raise BackupFailed(f"could not write the backup manifest: {exc.strerror}") from exc
        step.detail = "verified: " + ", ".join(f"{t} {n}" for t, n in snapshot.counts.items())
    return info


def _copy(src_path: Path, tmp: Path, busy_timeout: float, empty: bool) -> Snapshot:
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    if empty:
        tmp.touch(mode=0o600)
        return Snapshot(None, [], {})
    src = connect_ro(src_path, timeout=busy_timeout)
    try:
        dst = sqlite3.connect(tmp, isolation_level=None)
        try:
            with translated_errors(src_path, "back up"):
                # The counts and the copied pages must describe the same snapshot:
                # read both inside one read transaction on the source.
                src.execute("BEGIN")
                snapshot = take_snapshot(src)
                src.backup(dst, pages=-1)
                src.execute("COMMIT")
                # A WAL source gives a WAL copy; a backup is one self-contained file.
                dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    except WsadminError as exc:
        raise BackupFailed(f"backup of {src_path} failed: {exc.message}", exc.hint) from exc
    finally:
        src.close()
    return snapshot


def mode_name(path: Path, empty: bool) -> str | None:
    if empty:
        return None
    conn = connect_ro(path)
    try:
        return journal_mode(conn)
    finally:
        conn.close()


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"
