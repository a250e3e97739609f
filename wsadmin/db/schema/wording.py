"""Operator words for each state: what the database is, and what the backend does with it.

Kept apart from the classification so the decisions in states.py read as
decisions. The backend's symptom is worked out from the differences from
head where it can be (which columns its models select that are missing),
because the same state can hurt different routes in different databases.
"""

from __future__ import annotations

from collections.abc import Sequence

from wsadmin.db.schema import chain
from wsadmin.db.schema.compare import Difference, Severity


def where(rev_id: str | None) -> str:
    """A point of the chain in words."""
    if rev_id is None:
        return "no shape wsadmin knows"
    if rev_id == chain.BASE:
        return "the legacy shape (before 001)"
    return f"revision {rev_id} ({chain.revision(rev_id).title})"


def _objects(diffs: Sequence[Difference], limit: int = 3) -> str:
    names = [f"{d.table}.{d.column}" if d.column else d.table for d in diffs]
    shown = ", ".join(dict.fromkeys(names[:limit]))
    more = len(dict.fromkeys(names)) - len(dict.fromkeys(names[:limit]))
    return shown + (f" and {more} more" if more > 0 else "")


def backend_symptom(head_diffs: Sequence[Difference]) -> str:
    """What the backend (which needs head) does with a database this far from head."""
    missing = [d for d in head_diffs if d.kind in ("missing_table", "missing_column")]
    # Every authenticated route loads the User model, so a users table the model
    # cannot read takes the whole API down (measured: only /api/health answers).
    if any(d.kind == "missing_table" and d.table == "users" for d in missing):
        return "Every route but /api/health answers 500, login and register included: " \
               "there is no users table."
    users = [d for d in missing if d.table == "users"]
    if users:
        return (f"Every route but /api/health answers 500, login and register included: "
                f"the backend's User model selects {_objects(users, 4)}, which this database "
                "lacks.")
    if missing:
        return f"Routes that touch {_objects(missing)} answer 500."
    breaking = [d for d in head_diffs if d.severity is Severity.BREAKING]
    if breaking:
        return ("The backend's routes work, but the database lacks constraints it relies on: "
                f"{breaking[0].message}.")
    return "None: this is the schema the backend needs."


def summary_and_symptom(state: str, *, recorded: str | None, rows: Sequence[str],
                        highest: str | None, breaking: Sequence[Difference],
                        head_diffs: Sequence[Difference], leftovers: Sequence[str],
                        unknown: Sequence[str] = (), missing_core: Sequence[str] = ()
                        ) -> tuple[str, str]:
    """(summary, symptom) for a classified database."""
    symptom = backend_symptom(head_diffs)
    head = chain.HEAD_REVISION
    if state == "empty":
        return ("Empty database: no tables yet. Initialise it to create the backend's schema.",
                "Every route answers 500: the backend never creates its tables by itself.")
    if state == "legacy":
        return ("Legacy database from before workspaces (no revision recorded). Upgrading to "
                "head adds workspaces and moves every user and their data into a Default "
                "Workspace.", symptom)
    if state == "at_revision" and recorded == head:
        return f"Up to date: at revision {head} (head).", symptom
    if state == "at_revision" and recorded is not None:
        todo = len(chain.pending(recorded))
        return (f"At {where(recorded)}; {todo} revision{'s' if todo > 1 else ''} to apply "
                "to reach head.", symptom)
    if state == "unversioned_head":
        return ("Head schema without a recorded revision (made by the backend's init_db). "
                "Adopting records head without changing any table.",
                "The backend works; `alembic upgrade head` fails on its first statement "
                "(a table that already exists).")
    if state == "stuck_at_001":
        return ("Stuck at revision 001: the backend's own 002 cannot complete on SQLite and "
                "leaves databases here. Upgrading runs wsadmin's 002 and the revisions after it.",
                symptom + " The backend's `alembic upgrade head` fails again at 002.")
    if state == "recorded_ahead_of_shape":
        first = f" ({breaking[0].message})" if breaking else ""
        return (f"Revision {recorded} is recorded, but the schema is only at {where(highest)}"
                f"{first}. Repair records what is really there, then upgrades.",
                symptom + " `alembic upgrade` believes the missing work is done and skips it.")
    if state == "half_initialised":
        return ("Half-initialised: a fresh install's first migration stopped after creating the "
                "workspace tables (no users table, no revision recorded). Repair drops these "
                "tables if they are empty, then initialises.",
                symptom + " Every `alembic upgrade head` fails with \"table workspaces "
                "already exists\".")
    if state == "mixed":
        return (f"Mixed schema, no revision recorded: parts are at {where(highest)}, parts "
                "already later (the backend's init_db run over an older database). Repair "
                "upgrades through wsadmin's revisions from legacy.", symptom)
    if state == "half_upgraded":
        return (f"Half-upgraded: an interrupted table rebuild left {', '.join(leftovers)}. "
                "Repair drops them after a backup, then upgrades.",
                "Every upgrade fails while these tables exist. " + symptom)
    if state == "unknown_revision":
        if len(rows) > 1:
            what = (f"the alembic_version table records {len(rows)} revisions "
                    f"({', '.join(rows)}); wsadmin's chain has a single line")
        else:
            what = (f"revision {rows[0]!r} is not one this wsadmin knows (its head is {head}): "
                    "a newer or different tool wrote it")
        return (what[0].upper() + what[1:] + ". wsadmin changes nothing; reports still work.",
                "Unknown: this schema belongs to a backend version wsadmin does not know.")
    if missing_core:
        why = f"it has no {', '.join(missing_core)} table"
        if unknown:
            shown = ", ".join(unknown[:5]) + (", ..." if len(unknown) > 5 else "")
            why += f"; its own tables are {shown}"
    elif unknown:
        why = (f"it has tables the backend does not know ({', '.join(unknown)}): a newer "
               "backend version or another program uses this file")
    else:
        first = f" ({breaking[0].message})" if breaking else ""
        why = f"it has the backend's tables, but in no shape the backend ever had{first}"
    return (f"Not the backend's app_metadata.db: {why}. wsadmin refuses to change or check "
            "it.",
            "The backend cannot use this database." if missing_core else symptom)
