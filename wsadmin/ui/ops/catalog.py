"""The backup catalog the session holds: rows, and what is known of their verification.

Qt-free book-keeping. The rows come from `read_catalog` (on the worker);
verdicts (from `verify_file`, a prune's plan, a rollback's plan or a backup
just written) are kept by file version, so a backup keeps its verdict when the
catalog is read again and loses it when the file changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from wsadmin.ui.ops.backups import BackupRow, CatalogRead, Check, Verdict, verify_file
from wsadmin.ui.ops.core import Cancelled
from wsadmin.ui.ops.op import DbOp


class BackupCatalog:
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget everything (another database, or none, is open)."""
        self.rows: tuple[BackupRow, ...] = ()
        self.folders: tuple[str, ...] = ()
        self.fingerprint: tuple[tuple[str, int, int], ...] | None = None
        self.loaded = False                   # read at least once for this database
        self.checking: set[str] = set()       # backups being verified now
        self._verdicts: dict[str, Verdict] = {}

    def apply(self, read: CatalogRead) -> bool:
        """Take a fresh read; True when the rows shown change."""
        self.folders = read.folders
        self.fingerprint = read.fingerprint
        for verdict in read.fresh:
            self._verdicts[_key(verdict.path)] = verdict
        first = not self.loaded
        self.loaded = True
        if read.rows is None:
            return self._recheck() or first
        rows = tuple(self._known(r) for r in read.rows)
        changed = rows != self.rows or first
        self.rows = rows
        return changed

    def note(self, verdict: Verdict) -> bool:
        """Remember a verdict; True when a row shown changes."""
        self._verdicts[_key(verdict.path)] = verdict
        self.checking.discard(_key(verdict.path))
        return self._recheck()

    def set_checking(self, path: str, on: bool = True) -> bool:
        """Mark `path` as being verified now (or no longer); True when a row changes."""
        if on:
            self.checking.add(_key(path))
        else:
            self.checking.discard(_key(path))
        return self._recheck()

    def _recheck(self) -> bool:
        rows = tuple(self._known(r) for r in self.rows)
        changed = rows != self.rows
        self.rows = rows
        return changed

    def _known(self, row: BackupRow) -> BackupRow:
        """`row` with what is known of its verification now."""
        listed_failed = row.check is Check.FAILED and not self._verdicts.get(_key(row.path))
        if listed_failed:                 # the cheap checks already failed it
            return row
        if _key(row.path) in self.checking:
            return row._replace(check=Check.CHECKING, problems=())
        verdict = self._verdicts.get(_key(row.path))
        if verdict is not None and verdict.stamp == row.stamp:
            return row._replace(check=verdict.check, problems=verdict.problems)
        if row.check in (Check.VERIFIED, Check.CHECKING):
            return row._replace(check=Check.UNCHECKED, problems=())
        return row

    # ---- reading ------------------------------------------------------------------------

    def newest(self) -> BackupRow | None:
        return self.rows[0] if self.rows else None

    def row(self, path: str) -> BackupRow | None:
        key = _key(path)
        return next((r for r in self.rows if _key(r.path) == key), None)

    def next_unchecked(self) -> BackupRow | None:
        return next((r for r in self.rows if r.check is Check.UNCHECKED and r.readable), None)

    def restorable(self) -> list[BackupRow]:
        return [r for r in self.rows if r.restorable]


def _key(path: str) -> str:
    return str(Path(path).resolve())


class CatalogKeeper(BackupCatalog):
    """The catalog and the verification of its backups: one at a time in the background
    (so that other operations can go between), or one now when the operator asks.
    `run(op)` runs an op on the open database's worker; `changed()` says that rows
    shown changed. `clear()` (another database) makes late answers void."""

    def __init__(self, run: Callable[[DbOp[Any]], DbOp[Any]],
                 changed: Callable[[], None]) -> None:
        self._run, self._changed = run, changed
        self._epoch = 0
        self.active = False         # background verification allowed
        super().__init__()

    def clear(self) -> None:
        super().clear()
        self._epoch = getattr(self, "_epoch", 0) + 1
        self._verifying: DbOp[Verdict] | None = None
        self.fresh: list[str] = []      # backups an op wrote and verified: no check again

    def take_fresh(self) -> list[str]:
        fresh, self.fresh = self.fresh, []
        return fresh

    def verify(self, path: str, *, quiet: bool = False) -> DbOp[Verdict]:
        epoch = self._epoch
        op = DbOp(verify_file, path, label=f"Verify {Path(path).name}").cancellable()
        op.describe(lambda v: v.words, noteworthy=lambda v: v.check is Check.FAILED)
        if quiet:
            op.quiet().failure(lambda _exc: None)      # the log dock shows the failure
        if self.set_checking(path):
            self._changed()

        def ended(done: DbOp[Verdict]) -> None:
            if self._verifying is done:
                self._verifying = None
            if epoch != self._epoch:
                return
            if done.ok:
                changed = self.note(done.result)
            elif isinstance(done.error, Cancelled):
                changed = self.set_checking(path, False)
            else:       # not retried in a loop: the verdict says why it could not be checked
                why = str(getattr(done.error, "message", done.error))
                stamp = self.row(path).stamp if self.row(path) else (0, 0)  # type: ignore[union-attr]
                changed = self.note(Verdict(path, Check.FAILED,
                                            (f"it could not be verified: {why}",), stamp))
            if changed:
                self._changed()
            if not isinstance(done.error, Cancelled):
                self.verify_next()

        return self._run(op.ended(ended))

    def verify_next(self) -> None:
        if self.active and self._verifying is None:
            row = self.next_unchecked()
            if row is not None:
                self._verifying = self.verify(row.path, quiet=True)

    def learn(self, verdicts: list[Verdict]) -> None:
        """What another operation found out verifying backups (a rollback's or a prune's
        plan)."""
        if any([self.note(v) for v in verdicts]):
            self._changed()
