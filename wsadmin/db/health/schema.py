"""The schema a revision should have, built by the project's own migrations.

No second copy of the DDL: the expected schema of each revision is read
from a scratch in-memory database that the shipped Alembic revisions
migrated (legacy = upgrade to the first revision, then downgrade to base).
It is cached in memory and on disk (keyed by a hash of the migration files,
the contract and the SQLite version), so `wsadmin check` does not import
Alembic on every run.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wsadmin.db import contract, revisions
from wsadmin.db.contract import ALEMBIC_TMP_PREFIX

LEGACY = "legacy"
IGNORED_PREFIXES = ("sqlite_", ALEMBIC_TMP_PREFIX)   # internal tables; leftovers (half_upgrade)

# table -> {"columns": {name: notnull}, "indexes": {key: [columns..., unique flag]}}
Schema = dict[str, dict[str, dict[str, Any]]]


@dataclass(frozen=True)
class Difference:
    kind: str        # missing table | extra table | missing column | extra column |
                     # NOT NULL differs | missing index | extra index | index differs
    table: str
    name: str
    detail: str

    def as_record(self) -> dict[str, Any]:
        return {"kind": self.kind, "table": self.table, "name": self.name, "detail": self.detail}


def read_schema(conn: sqlite3.Connection) -> Schema:
    """Tables, columns (with NOT NULL) and indexes of an open database."""
    schema: Schema = {}
    names = [str(r[0]) for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for table in names:
        if table.startswith(IGNORED_PREFIXES):
            continue
        q = table.replace('"', '""')
        columns = {str(r[1]): bool(r[3]) for r in conn.execute(f'PRAGMA table_info("{q}")')}
        indexes: dict[str, list[Any]] = {}
        for _seq, iname, unique, origin, _partial in conn.execute(f'PRAGMA index_list("{q}")'):
            iq = str(iname).replace('"', '""')
            cols = [str(c[2]) for c in conn.execute(f'PRAGMA index_info("{iq}")')]
            # Indexes SQLite makes for UNIQUE / PRIMARY KEY constraints are named by
            # position (sqlite_autoindex_users_1): compare them by what they cover.
            key = str(iname) if origin == "c" else f"{origin}({', '.join(cols)})"
            indexes[key] = [*cols, bool(unique)]
        schema[table] = {"columns": columns, "indexes": indexes}
    return schema


def compare(actual: Schema, expected: Schema, *, optional: tuple[str, ...] = ()
            ) -> list[Difference]:
    """Every difference, one per missing/extra table, column, NOT NULL flag or index.

    A missing table counts once (not once per column). `optional` tables may be
    absent without counting (alembic_version on a legacy database).
    """
    diffs: list[Difference] = []
    for table in sorted(set(expected) | set(actual)):
        if table not in actual:
            if table not in optional:
                diffs.append(Difference("missing table", table, table, "the table does not exist"))
            continue
        if table not in expected:
            if table not in optional:
                diffs.append(Difference("extra table", table, table,
                                        "the revision does not create this table"))
            continue
        want, have = expected[table], actual[table]
        for col, notnull in want["columns"].items():
            if col not in have["columns"]:
                diffs.append(Difference("missing column", table, col, f"{table}.{col} is missing"))
            elif have["columns"][col] != notnull:
                state = "NOT NULL" if notnull else "nullable"
                diffs.append(Difference("NOT NULL differs", table, col,
                                        f"{table}.{col} should be {state}"))
        for col in have["columns"]:
            if col not in want["columns"]:
                diffs.append(Difference("extra column", table, col,
                                        f"{table}.{col} is not part of the revision"))
        for key, spec in want["indexes"].items():
            if key not in have["indexes"]:
                diffs.append(Difference("missing index", table, key, _describe(table, key, spec)))
            elif list(have["indexes"][key]) != list(spec):
                diffs.append(Difference("index differs", table, key,
                                        "expected " + _describe(table, key, spec) + ", found "
                                        + _describe(table, key, have["indexes"][key])))
        for key, spec in have["indexes"].items():
            if key not in want["indexes"]:
                diffs.append(Difference("extra index", table, key, _describe(table, key, spec)))
    return diffs


def _describe(table: str, key: str, spec: list[Any]) -> str:
    unique = "unique " if spec[-1] else ""
    return f"{unique}index {key} on {table}({', '.join(str(c) for c in spec[:-1])})"


# ---------------------------------------------------------------- expected schemas

def _fingerprint() -> str:
    digest = hashlib.sha256(sqlite3.sqlite_version.encode())
    for path in sorted((revisions.migrations_dir() / "versions").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(Path(contract.__file__).read_bytes())
    return digest.hexdigest()[:16]


def _build_all() -> dict[str, Schema]:
    """Run the shipped migrations on scratch in-memory databases and read each schema."""
    from wsadmin.db.migrate.runner import run_alembic
    from wsadmin.db.sqlite.connect import prepare_for_migration

    scratch = Path(":memory:")
    found: dict[str, Schema] = {}
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    try:
        prepare_for_migration(conn)
        for rev in revisions.ids():
            run_alembic(scratch, "upgrade", rev, [rev], connection=conn)
            found[rev] = read_schema(conn)
        run_alembic(scratch, "downgrade", None, list(reversed(revisions.ids())), connection=conn)
        legacy = read_schema(conn)
        legacy.pop("alembic_version", None)   # legacy: none, or an empty one
        found[LEGACY] = legacy
    finally:
        conn.close()
    return found


_lock = threading.Lock()


@functools.cache
def _cached_all() -> dict[str, Schema]:
    from wsadmin.db.common.audit import data_dir
    from wsadmin.db.sqlite.files import atomic_write_bytes

    cache = data_dir() / "cache" / f"schema-{_fingerprint()}.json"
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        if isinstance(data, dict) and set(data) == {LEGACY, *revisions.ids()}:
            return data
    except (OSError, ValueError):
        pass
    built = _build_all()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(cache, json.dumps(built, sort_keys=True).encode(), 0o600)
    except OSError:
        pass   # a cache we cannot write only costs time
    return built


def expected_schema(revision: str | None) -> Schema:
    """The schema `revision` (None: legacy) should have. KeyError for unknown revisions."""
    with _lock:
        every = _cached_all()
    return every[revision or LEGACY]


def clear_cache() -> None:
    _cached_all.cache_clear()
