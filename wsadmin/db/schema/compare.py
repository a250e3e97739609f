"""Differences between the shape a database has and the shape it should have.

Severities are SCHEMA.md's, judged by what the backend does:
- breaking: some route of the backend fails (a missing table or column, a
  column nullable where NOT NULL is expected, a missing unique index or
  constraint, a table the expected shape does not know such as an
  `_alembic_tmp_*` leftover);
- degraded: the backend works but scans (missing non-unique index) or
  `foreign_key_check` cannot see what dangles (missing foreign key);
- cosmetic: nothing observable (names, an extra non-unique index, column
  order, ON DELETE clauses, DEFAULT clauses, NOT NULL on a column the ORM
  always fills).

SCHEMA.md does not rule on a few cases; the rules here follow the same test:
- a NOT NULL the expected shape lacks is breaking unless the backend's ORM
  always fills that column (facts.ORM_FILLED): SCHEMA.md says "timestamps",
  but `users.last_login` and the public-token timestamps are left NULL;
- an extra unique index/constraint, an extra CHECK, or an extra NOT NULL column
  without a default can reject the backend's writes: breaking; any other extra
  column is cosmetic (the ORM names its columns);
- a declared type with the same SQLite affinity is cosmetic, another affinity
  (values stored converted) degraded;
- a missing CHECK is degraded: the database stops rejecting what the
  backend's code never writes anyway, the health checks still find it;
- a missing non-unique index whose columns lead another index is cosmetic:
  the backend does not scan.

Later revisions: `compare(actual, shape_of(R), later=HEAD)` treats anything
`actual` has beyond R's shape that HEAD also has (a table, column, NOT NULL,
index, foreign key or check a later revision adds) as cosmetic, kind
`later_*`. A database partly or wholly past R is therefore never "broken" at R,
so the revisions whose shape is present form an unbroken run from the first
one, and the highest of them is a safe place to record before upgrading.
Without `later`, extras are judged as above.
"""

from __future__ import annotations

from collections.abc import Iterable

from wsadmin.db.schema.facts import ORM_FILLED
from wsadmin.db.schema.shape import LEFTOVER_PREFIX, Index, Shape, Table
from wsadmin.db.schema.status_types import Difference as Difference
from wsadmin.db.schema.status_types import Severity as Severity

B, D, C = Severity.BREAKING, Severity.DEGRADED, Severity.COSMETIC


def affinity(declared: str) -> str:
    """SQLite's type affinity rules (datatype3.html, section 3.1), in their order."""
    t = declared.upper()
    if "INT" in t:
        return "INTEGER"
    if "CHAR" in t or "CLOB" in t or "TEXT" in t:
        return "TEXT"
    if "BLOB" in t or not t:
        return "BLOB"
    if "REAL" in t or "FLOA" in t or "DOUB" in t:
        return "REAL"
    return "NUMERIC"


def _cols(columns: Iterable[str]) -> str:
    return ", ".join(columns)


def compare(actual: Shape, expected: Shape, *, later: Shape | None = None) -> list[Difference]:
    """Every difference of `actual` from `expected`; extras found in `later` are cosmetic."""
    diffs: list[Difference] = []
    for table in expected.tables:
        have = actual.table(table.name)
        if have is None:
            diffs.append(Difference(B, "missing_table", table.name,
                                    f"table {table.name} is missing"))
        else:
            later_table = later.table(table.name) if later is not None else None
            diffs.extend(_compare_table(have, table, later_table))
    for name in sorted(actual.table_names - expected.table_names):
        if name.startswith(LEFTOVER_PREFIX):
            diffs.append(Difference(B, "leftover_table", name,
                                    f"table {name} was left by an interrupted table rebuild"))
        elif later is not None and name in later:
            diffs.append(Difference(C, "later_table", name,
                                    f"table {name} is already there (a later revision adds it)"))
        else:
            diffs.append(Difference(B, "unknown_table", name,
                                    f"table {name} is not part of the backend's schema"))
    return diffs


def _compare_table(a: Table, e: Table, later: Table | None) -> list[Difference]:
    diffs = _compare_columns(a, e, later)
    missing = {c.name for c in e.columns if a.column(c.name) is None}
    if a.primary_key != e.primary_key:
        diffs.append(Difference(B, "primary_key", e.name,
                                f"{e.name} has primary key ({_cols(a.primary_key)}), "
                                f"expected ({_cols(e.primary_key)})"))
    diffs += _compare_foreign_keys(a, e, later, missing)
    diffs += _compare_indexes(a, e, later, missing)
    diffs += _compare_checks(a, e, later)
    return diffs


def _compare_columns(a: Table, e: Table, later: Table | None) -> list[Difference]:
    diffs: list[Difference] = []
    t = e.name
    for col in e.columns:
        have = a.column(col.name)
        where = f"{t}.{col.name}"
        if have is None:
            diffs.append(Difference(B, "missing_column", t, f"column {where} is missing",
                                    col.name))
            continue
        if col.not_null and not have.not_null:
            diffs.append(Difference(B, "nullable", t, f"{where} allows NULL, expected NOT NULL",
                                    col.name))
        elif have.not_null and not col.not_null:
            later_col = later.column(col.name) if later is not None else None
            if later_col is not None and later_col.not_null:
                diffs.append(Difference(C, "later_not_null", t,
                                        f"{where} is already NOT NULL (a later revision "
                                        "makes it so)", col.name))
            elif (t, col.name) in ORM_FILLED:
                diffs.append(Difference(C, "not_null", t,
                                        f"{where} is NOT NULL; harmless, the backend always "
                                        "fills it", col.name))
            else:
                diffs.append(Difference(B, "not_null", t,
                                        f"{where} is NOT NULL: the backend's writes that leave "
                                        "it empty fail", col.name))
        if have.type.upper() != col.type.upper():
            same = affinity(have.type) == affinity(col.type)
            diffs.append(Difference(C if same else D, "type", t,
                                    f"{where} is declared {have.type or 'without a type'}, "
                                    f"expected {col.type or 'no type'}", col.name))
        if have.default != col.default:
            diffs.append(Difference(C, "default", t,
                                    f"{where} has DEFAULT {have.default}, expected "
                                    f"{col.default if col.default is not None else 'none'}",
                                    col.name))
    for have in a.columns:
        if e.column(have.name) is not None:
            continue
        where = f"{t}.{have.name}"
        if later is not None and later.column(have.name) is not None:
            diffs.append(Difference(C, "later_column", t,
                                    f"column {where} is already there (a later revision "
                                    "adds it)", have.name))
        elif have.not_null and have.default is None and not have.pk:
            diffs.append(Difference(B, "unknown_column", t,
                                    f"column {where} is not the backend's and is NOT NULL "
                                    "without a default: the backend's inserts fail", have.name))
        else:
            diffs.append(Difference(C, "unknown_column", t,
                                    f"column {where} is not the backend's (it ignores it)",
                                    have.name))
    common = [c for c in a.column_names if e.column(c) is not None]
    if common != [c for c in e.column_names if a.column(c) is not None]:
        diffs.append(Difference(C, "column_order", t, f"columns of {t} are in another order"))
    return diffs


def _compare_foreign_keys(a: Table, e: Table, later: Table | None,
                          missing: set[str]) -> list[Difference]:
    diffs: list[Difference] = []
    t = e.name
    have = {fk.key: fk for fk in a.foreign_keys}
    want = {fk.key: fk for fk in e.foreign_keys}
    later_keys = {fk.key for fk in later.foreign_keys} if later is not None else set()
    for key, fk in want.items():
        desc = f"{t}({_cols(fk.columns)}) -> {fk.target}({_cols(fk.target_columns)})"
        if key not in have:
            if not missing.intersection(fk.columns):
                diffs.append(Difference(D, "missing_foreign_key", t,
                                        f"foreign key {desc} is missing", fk.columns[0]))
        elif have[key].on_delete.upper() != fk.on_delete.upper():
            diffs.append(Difference(C, "on_delete", t,
                                    f"foreign key {desc} says ON DELETE {have[key].on_delete}, "
                                    f"expected {fk.on_delete}", fk.columns[0]))
    for key, fk in have.items():
        if key in want:
            continue
        desc = f"{t}({_cols(fk.columns)}) -> {fk.target}({_cols(fk.target_columns)})"
        if key in later_keys:
            diffs.append(Difference(C, "later_foreign_key", t,
                                    f"foreign key {desc} is already there (a later revision "
                                    "adds it)", fk.columns[0]))
        else:
            diffs.append(Difference(C, "extra_foreign_key", t,
                                    f"foreign key {desc} is not the backend's (never enforced)",
                                    fk.columns[0]))
    return diffs


def _describe(index: Index) -> str:
    kind = "unique" if index.unique else "index"
    name = f" {index.name}" if index.name else ""
    return f"{kind}{name} ({_cols(index.columns)})"


def _by_key(indexes: Iterable[Index]) -> dict[object, list[Index]]:
    found: dict[object, list[Index]] = {}
    for index in indexes:
        found.setdefault(index.key, []).append(index)
    return found


def _compare_indexes(a: Table, e: Table, later: Table | None,
                     missing: set[str]) -> list[Difference]:
    diffs: list[Difference] = []
    t = e.name
    have, want = _by_key(a.indexes), _by_key(e.indexes)
    later_keys = {i.key for i in later.indexes} if later is not None else set()
    for key, wanted in want.items():
        index = wanted[0]
        if missing.intersection(index.columns):
            continue  # the missing column says it all
        if key in have:
            names = sorted(i.name or "(unnamed)" for i in have[key])
            if names != sorted(i.name or "(unnamed)" for i in wanted):
                diffs.append(Difference(C, "index_name", t,
                                        f"{_describe(index)} on {t} is there as "
                                        f"{', '.join(names)}"))
        elif index.unique:
            diffs.append(Difference(B, "missing_unique", t,
                                    f"{_describe(index)} on {t} is missing: duplicates "
                                    "become possible"))
        elif any(i.columns[:len(index.columns)] == index.columns and not i.partial
                 for i in a.indexes):
            diffs.append(Difference(C, "index_covered", t,
                                    f"{_describe(index)} on {t} is missing, but another "
                                    "index starts with its columns"))
        else:
            diffs.append(Difference(D, "missing_index", t,
                                    f"{_describe(index)} on {t} is missing: the backend "
                                    "scans the table"))
    for key, extras in have.items():
        if key in want:
            continue
        index = extras[0]
        if key in later_keys:
            diffs.append(Difference(C, "later_index", t,
                                    f"{_describe(index)} on {t} is already there (a later "
                                    "revision adds it)"))
        elif index.unique and not index.partial:
            diffs.append(Difference(B, "extra_unique", t,
                                    f"{_describe(index)} on {t} is not the backend's: it can "
                                    "reject the backend's writes"))
        else:
            diffs.append(Difference(C, "extra_index", t,
                                    f"{_describe(index)} on {t} is not the backend's"))
    return diffs


def _compare_checks(a: Table, e: Table, later: Table | None) -> list[Difference]:
    diffs: list[Difference] = []
    t = e.name
    have = {c.sql: c for c in a.checks}
    want = {c.sql: c for c in e.checks}
    later_sql = {c.sql for c in later.checks} if later is not None else set()
    for sql, check in want.items():
        if sql not in have:
            diffs.append(Difference(D, "missing_check", t,
                                    f"CHECK ({sql}) on {t} is missing: the database accepts "
                                    "values the backend rejects"))
        elif have[sql].name != check.name:
            diffs.append(Difference(C, "check_name", t,
                                    f"CHECK ({sql}) on {t} is named {have[sql].name}, "
                                    f"expected {check.name}"))
    for sql in have:
        if sql in want:
            continue
        if sql in later_sql:
            diffs.append(Difference(C, "later_check", t,
                                    f"CHECK ({sql}) on {t} is already there (a later "
                                    "revision adds it)"))
        else:
            diffs.append(Difference(B, "extra_check", t,
                                    f"CHECK ({sql}) on {t} is not the backend's: it can "
                                    "reject the backend's writes"))
    return diffs


def count(diffs: Iterable[Difference]) -> dict[Severity, int]:
    """How many differences of each severity (all three keys always present)."""
    counts = dict.fromkeys(Severity, 0)
    for d in diffs:
        counts[d.severity] += 1
    return counts
