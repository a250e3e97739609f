"""Verifying a backup (DESIGN.md rule 2): quick_check, the same tables, row counts
and revision as the snapshot it was taken from, and the checksum of its
manifest. A killed copy leaves a valid but EMPTY database that passes
quick_check: the counts catch it.
"""
from __future__ import annotations

import hashlib
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from wsadmin.db.backup.manifest import EMPTY_SHA256, ManifestUnreadable, load_manifest
from wsadmin.db.backup.names import BACKUP_SUFFIX as BACKUP_SUFFIX
from wsadmin.db.backup.names import MANIFEST_SUFFIX as MANIFEST_SUFFIX
from wsadmin.db.backup.names import backup_path_for as backup_path_for
from wsadmin.db.backup.names import utc_stamp as utc_stamp
from wsadmin.db.common.errors import (
    WsadminError,
)
from wsadmin.db.common.progress import Cancelled, CancelToken
from wsadmin.db.sqlite.connect import connect_ro
from wsadmin.db.sqlite.files import check_file
from wsadmin.db.sqlite.introspect import alembic_revisions, quote_ident, table_names


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


def take_snapshot(conn: sqlite3.Connection) -> Snapshot:
    """Every table and its row count (leftovers and alembic_version included), and the
    recorded revision: what a backup is verified against."""
    tables = table_names(conn)
    revs = alembic_revisions(conn)
    counts = {t: int(conn.execute(f"SELECT COUNT(*) FROM {quote_ident(t)}").fetchone()[0])
              for t in sorted(tables)}
    return Snapshot(revs[0] if len(revs) == 1 else None, tables, counts)


def sha256_file(path: Path, chunk: int = 4 << 20, cancel: CancelToken | None = None) -> str:
    digest = hashlib.sha256()
    buf = bytearray(chunk)
    view = memoryview(buf)
    with path.open("rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            digest.update(view[:n])     # releases the GIL for large blocks
            if cancel is not None:
                cancel.raise_if_cancelled()
    return digest.hexdigest()


def _interruptible(conn: sqlite3.Connection, cancel: CancelToken | None) -> None:
    if cancel is not None:
        conn.set_progress_handler(lambda: 1 if cancel.cancelled else 0, 20_000)


def _quick_check(path: Path, cancel: CancelToken | None = None) -> list[str]:
    conn = connect_ro(path, immutable=True)
    try:
        _interruptible(conn, cancel)
        rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check")]
    finally:
        conn.close()
    return [] if rows == ["ok"] else rows


def verify_against(path: Path, expected: Snapshot | None, *,
                   cancel: CancelToken | None = None) -> Verification:
    """Rule 2: quick_check ok, and (when known) same tables, counts and revision."""
    try:
        facts = check_file(path)
        if facts.empty:
            return Verification(False, ["the backup is an empty file"])
        problems = _quick_check(path, cancel)
        conn = connect_ro(path, immutable=True)
        try:
            _interruptible(conn, cancel)
            snap = take_snapshot(conn)
        finally:
            conn.close()
    except WsadminError as exc:
        return Verification(False, [exc.message])
    except sqlite3.Error as exc:
        if cancel is not None and cancel.cancelled:
            raise Cancelled("cancelled by the operator; nothing was changed") from exc
        return Verification(False, [f"SQLite cannot read it: {exc}"])
    if problems:
        return Verification(False, [f"quick_check: {p}" for p in problems[:5]], snap)
    if expected is not None:
        if snap.tables != sorted(expected.tables):
            problems.append("its tables differ from the source's")
        for table, n in expected.counts.items():
            got = snap.counts.get(table)
            if got != n:
                problems.append(f"{table} has {got} rows instead of {n}")
        if snap.revision != expected.revision:
            problems.append(f"revision {snap.revision} instead of {expected.revision}")
    return Verification(not problems, problems, snap)


def verify_backup(backup: str | Path, *, cancel: CancelToken | None = None) -> Verification:
    """Verify a backup file against its manifest (or, without one, on its own).

    With a manifest: size, sha256, quick_check, tables, row counts and revision
    must all match. Without one: quick_check must pass and the database must
    hold rows, because an empty but valid database is exactly what a killed
    copy leaves behind (rule 2).
    """
    path = Path(backup)
    try:
        manifest = load_manifest(path)
    except ManifestUnreadable as exc:
        return Verification(False, [str(exc)])
    try:
        size = path.stat().st_size
    except OSError as exc:
        return Verification(False, [f"it cannot be read: {exc.strerror}"])
    if manifest is not None:
        if size != manifest.get("size"):
            return Verification(False, [f"its size is {size} bytes, its manifest says "
                                        f"{manifest.get('size')}"])
        if size == 0 and manifest.get("sha256") == EMPTY_SHA256:
            return Verification(True, [], Snapshot(None, [], {}))
        expected = Snapshot(manifest.get("revision"), list(manifest["tables"]),
                            dict(manifest["counts"]))
        with ThreadPoolExecutor(max_workers=1) as pool:
            digest_future = pool.submit(sha256_file, path, cancel=cancel)
            try:
                result = verify_against(path, expected, cancel=cancel)
            finally:
                if cancel is not None and cancel.cancelled:
                    digest_future.cancel()
            try:
                digest = digest_future.result()
            except OSError as exc:
                # Removed or unreadable while it was being verified (an operator pruning
                # by hand): a failed verification, not a bug.
                result.ok = False
                result.problems.append(f"it cannot be read: {exc.strerror or exc}")
                return result
        if digest != manifest["sha256"]:
            result.ok = False
            result.problems.append("its checksum does not match its manifest")
        return result
    result = verify_against(path, None, cancel=cancel)
    if result.ok and result.snapshot is not None and not any(result.snapshot.counts.values()):
        result.ok = False
        result.problems.append("it holds no rows and has no manifest to say that is right")
    return result
