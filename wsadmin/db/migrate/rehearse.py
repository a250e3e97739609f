"""`upgrade --rehearse`: upgrade, downgrade and upgrade again a temporary copy, and
compare every row, before touching the real database.
"""
from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from wsadmin.db.backup.verify import take_snapshot
from wsadmin.db.common.errors import (
    Refused,
)
from wsadmin.db.common.progress import ProgressCallback, Reporter
from wsadmin.db.common.text import printable
from wsadmin.db.migrate.preflight import preflight, refusal_of
from wsadmin.db.migrate.runner import run_alembic
from wsadmin.db.sqlite.integrity import (
    copy_to_scratch,
)
from wsadmin.db.sqlite.introspect import quote_ident, table_names

# ---------------------------------------------------------------- rehearsal


@dataclass
class Rehearsal:
    database: str
    start_revision: str | None
    revisions: list[str]
    ok: bool
    differences: list[str]
    ignored: list[str]
    counts: dict[str, dict[str, int]]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def render(self) -> str:
        lines = [f"rehearsal on a temporary copy of {printable(self.database)}: upgrade "
                 f"({', '.join(self.revisions)}), downgrade to "
                 f"{self.start_revision or 'legacy'}, upgrade again"]
        for stage, counts in self.counts.items():
            lines.append(f"  {stage:<12} " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        if self.ok:
            lines.append("round trip preserved every row")
        else:
            lines += ["round trip did NOT preserve every row:"] + [
                f"  - {printable(d)}" for d in self.differences]
        lines += [f"  (ignored: {i})" for i in self.ignored]
        return "\n".join(lines)


# Columns that a re-run legitimately fills with the time it runs (002's `default`
# workspace, its admin's membership and its settings row).
_REGENERATED = {"workspaces": ("created_at", "updated_at"),
                "workspace_members": ("joined_at",),
                "workspace_settings": ("updated_at",)}
# Values 002 fills for good (SCHEMA.md: step 6 is not undone): compared as filled.
_SETTLED = {"users": {"is_active": "coalesce(is_active, 0)",
                      "email_verified": "coalesce(email_verified, 0)",
                      "role": "coalesce(role, 'viewer')"}}


def rehearse(db: str | Path, target: str | None = "head",
             progress: ProgressCallback | None = None,
             workdir: str | Path | None = None) -> Rehearsal:
    """Upgrade, downgrade and upgrade again on a temporary copy; compare every row."""
    path = Path(db)
    pf = preflight(path, "upgrade", target, dry_run=True)
    blocking = [f for f in pf.findings if f.blocking and not f.forceable]
    if blocking:
        raise refusal_of(blocking)
    status = pf.status
    assert status is not None
    if not pf.revisions:
        raise Refused(f"{path} is already at {status.current_revision}: nothing to rehearse")
    reporter = Reporter(progress)
    with tempfile.TemporaryDirectory(prefix="wsadmin-rehearse-", dir=workdir) as tmp:
        copies = {name: Path(tmp) / f"{name}.db" for name in ("start", "up", "down", "up2")}
        with reporter.step("copy", "Copy the database to a temporary folder"):
            copy_to_scratch(path, copies["start"])
        work = copies["up"]
        shutil.copyfile(copies["start"], work)
        start = status.current_revision
        with reporter.step("rehearse-upgrade", "Upgrade the copy"):
            run_alembic(work, "upgrade", pf.goal, list(pf.revisions))
        shutil.copyfile(work, copies["down"])
        down_steps = list(reversed(pf.revisions))
        with reporter.step("rehearse-downgrade", "Downgrade the copy"):
            run_alembic(copies["down"], "downgrade", start, down_steps)
        shutil.copyfile(copies["down"], copies["up2"])
        with reporter.step("rehearse-upgrade-again", "Upgrade the copy again"):
            run_alembic(copies["up2"], "upgrade", pf.goal, list(pf.revisions))
        with reporter.step("compare", "Compare every row"):
            diffs, ignored = _diff(copies["start"], copies["down"], "after the downgrade")
            d2, i2 = _diff(copies["up"], copies["up2"], "after upgrading again")
        counts = {stage: _counts(copies[key]) for stage, key in
                  (("before", "start"), ("upgraded", "up"), ("downgraded", "down"),
                   ("re-upgraded", "up2"))}
    return Rehearsal(str(path), start, list(pf.revisions), not (diffs or d2), diffs + d2,
                     sorted(set(ignored + i2)), counts)


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        snap = take_snapshot(conn)
    finally:
        conn.close()
    return {t: n for t, n in snap.counts.items() if t != "alembic_version"}


def _diff(a: Path, b: Path, stage: str) -> tuple[list[str], list[str]]:
    """Rows in one database and not the other, table by table (SQL EXCEPT both ways)."""
    conn = sqlite3.connect(f"file:{a}?mode=ro", uri=True)
    diffs: list[str] = []
    ignored: list[str] = []
    try:
        conn.execute("ATTACH DATABASE ? AS other", (f"file:{b}?mode=ro",))
        ta = set(table_names(conn))
        tb = {str(r[0]) for r in conn.execute(
            "SELECT name FROM other.sqlite_master WHERE type='table' "
            "AND name NOT LIKE 'sqlite_%'")}
        # An empty alembic_version is legacy too (SCHEMA.md); revisions are compared apart.
        ta.discard("alembic_version")
        tb.discard("alembic_version")
        for t in sorted(ta ^ tb):
            diffs.append(f"{stage}: table {t} exists in only one of the two")
        for t in sorted(ta & tb):
            cols_a = [str(r[1]) for r in conn.execute(f"PRAGMA main.table_info({quote_ident(t)})")]
            cols_b = {str(r[1]) for r in conn.execute(
                f"PRAGMA other.table_info({quote_ident(t)})")}
            skip = set(_REGENERATED.get(t, ())) & set(cols_a)
            if skip:
                ignored.append(f"{t}.{', '.join(sorted(skip))} (re-created rows get a new time)")
            settled = {c: e for c, e in _SETTLED.get(t, {}).items() if c in cols_a}
            ignored += [f"{t}.{c}: an empty value is filled for good (002 step 6)"
                        for c in settled]
            if set(cols_a) != cols_b:
                diffs.append(f"{stage}: table {t} has different columns")
                continue
            cols = ", ".join(settled.get(c, quote_ident(c)) for c in cols_a if c not in skip)
            q = quote_ident(t)
            only_a = conn.execute(f"SELECT COUNT(*) FROM (SELECT {cols} FROM main.{q} "
                                  f"EXCEPT SELECT {cols} FROM other.{q})").fetchone()[0]
            only_b = conn.execute(f"SELECT COUNT(*) FROM (SELECT {cols} FROM other.{q} "
                                  f"EXCEPT SELECT {cols} FROM main.{q})").fetchone()[0]
            na = conn.execute(f"SELECT COUNT(*) FROM main.{q}").fetchone()[0]
            nb = conn.execute(f"SELECT COUNT(*) FROM other.{q}").fetchone()[0]
            if only_a or only_b or na != nb:
                diffs.append(f"{stage}: {t}: {only_a} rows lost or changed, {only_b} rows new "
                             f"or changed ({na} -> {nb})")
    finally:
        conn.close()
    return diffs, ignored
