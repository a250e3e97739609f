"""Databases the checklist tests walk, built by the project's own demo service.

`demo(path, state)` is wsadmin.db.schema.demo.build_demo with few users: under ten
users the demo plants no CSV upload whose chart is gone, so isolation verifies on
every upgraded demo (the planted dashboard without a creator and the role outside
the set remain, for the orphans step to find). `inject_failure` makes the upgrade
fail for real: a trigger that aborts any UPDATE of users, which revision
e73bf9fb92f4 does.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from wsadmin.db.schema.demo import build_demo

SECRETS_IN_DEMOS = ("$2b$12$", "Z0FBQUFB", "demo-token-", "demo-password")
"""What must never leave a demo database: bcrypt hashes, encrypted connection configs,
public share tokens, the demo users' password."""


_CACHE: dict[tuple[str, int], Path] = {}
_FOLDER: list[Path] = []


def demo(path: Path, state: str = "legacy", users: int = 8) -> Path:
    """A demo database at `path`: built once per state and size in this test process
    (bcrypt makes a build take seconds), then copied (a file nobody has open)."""
    key = (state, users)
    if key not in _CACHE:
        if not _FOLDER:
            _FOLDER.append(Path(tempfile.mkdtemp(prefix="wsadmin-demo-cache-")))
            atexit.register(shutil.rmtree, _FOLDER[0], True)
        _CACHE[key] = build_demo(_FOLDER[0] / f"{state}-{users}.db", users=users, state=state)
    shutil.copyfile(_CACHE[key], path)
    return path


def inject_failure(path: Path) -> Path:
    conn = sqlite3.connect(path)
    try:
        conn.execute("CREATE TRIGGER injected_failure BEFORE UPDATE ON users BEGIN "
                     "SELECT RAISE(ABORT, 'injected failure: users cannot be updated'); END")
        conn.commit()
    finally:
        conn.close()
    return path


def counts(path: Path) -> dict[str, int]:
    """Rows per table straight from SQLite (alembic_version and sqlite_ tables aside)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name <> 'alembic_version'")]
        return {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


def content(path: Path) -> dict[str, Any]:
    """Schema text and every row of every table: equal means the same database."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        schema = sorted(tuple(r) for r in conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
        rows = {name: sorted(map(repr, conn.execute(f'SELECT * FROM "{name}"')))
                for _t, name, _s in schema if _t == "table"}
        return {"schema": schema, "rows": rows}
    finally:
        conn.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pdf_row_counts(pdf: Path) -> dict[str, list[str]]:
    """The report's "Rows per table" as the PDF shows it (pdftotext): {table: [before,
    after, ...]}, the cells as printed ("8", "2,000", "-")."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout
    assert "Deployment checklist:" in text and "Rows per table" in text
    block = text.split("Rows per table", 1)[1].split("Health checks before and after", 1)[0]
    rows = {}
    for line in block.splitlines():
        cells = line.split()
        if len(cells) >= 3 and cells[0] != "table":
            rows[cells[0]] = cells[1:]
    return rows
