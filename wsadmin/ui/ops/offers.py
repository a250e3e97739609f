"""What the window offers to do with a database, and the words for it.

The core decides the offer (`Status.offer`, SCHEMA.md "States": upgrade, adopt,
repair, initialise, nothing, refuse); this module turns it into the one
primary button every view shows, the words of each action for the plan
dialog, and the state of each revision for the Migrations view's pills.
Qt-free, so views, dialogs and tests share one set of words.
"""

from __future__ import annotations

from typing import NamedTuple

from wsadmin.ui.ops.core import Offer, State, Status, revision_chain

UPGRADE, ADOPT, REPAIR, INIT = "upgrade", "adopt", "repair", "init"


class ActionWords(NamedTuple):
    key: str            # the pipeline's action
    title: str          # the dialog's window title
    button: str         # the primary button of the views
    menu: str           # the same as a menu entry (with its mnemonic)
    confirm: str        # the plan dialog's confirming button
    noun: str           # "the upgrade failed"
    doing: str          # "Upgrading app_metadata.db…"
    done: str           # "Upgraded"
    tip: str


WORDS = {
    UPGRADE: ActionWords(
        UPGRADE, "Back up and upgrade", "Back up and upgrade", "Back up and &upgrade…",
        "Back up and upgrade", "upgrade", "Upgrading", "Upgraded",
        "Back up the database, then run the pending revisions up to head"),
    ADOPT: ActionWords(
        ADOPT, "Adopt", "Adopt…", "&Adopt…", "Back up and adopt", "adoption", "Adopting",
        "Adopted",
        "Back up the database, then record head as its revision; no table is changed"),
    REPAIR: ActionWords(
        REPAIR, "Repair", "Repair…", "&Repair…", "Back up and repair", "repair", "Repairing",
        "Repaired",
        "Back up the database, record the revision its schema is really at, then run "
        "wsadmin's revisions up to head"),
    INIT: ActionWords(
        INIT, "Initialise", "Initialise…", "&Initialise…", "Initialise", "initialisation",
        "Initialising", "Initialised",
        "Create the backend's schema in this empty database (all six revisions)"),
}

_OFFERED = {Offer.UPGRADE: UPGRADE, Offer.ADOPT: ADOPT, Offer.REPAIR: REPAIR,
            Offer.INIT: INIT}


class Primary(NamedTuple):
    """The one button that changes the database: its action (None: disabled), its text,
    and its tooltip (why not, when disabled)."""

    action: str | None
    text: str
    tip: str


def primary(status: Status | None, writing: bool = False) -> Primary:
    """What the primary button does for this status (`writing`: a change is under way)."""
    if status is None:
        return Primary(None, WORDS[UPGRADE].button, "Open a database first")
    action = _OFFERED.get(status.offer)
    text = WORDS[action or UPGRADE].button
    if action is None:
        if status.offer is Offer.NOTHING:
            why = f"The database is at head ({status.head}); there is nothing to upgrade"
        else:
            why = "wsadmin changes nothing in this database: " + status.summary
        return Primary(None, text, why)
    if writing:
        return Primary(None, text, "Wait for the change under way to end")
    return Primary(action, text, WORDS[action].tip + "; shows the plan first")


APPLIED, CURRENT, PENDING, UNKNOWN = "applied", "current", "pending", "unknown"
RECORDED = (State.AT_REVISION, State.STUCK_AT_001)


def revision_pill(rev_id: str, status: Status | None) -> str:
    """applied, current (recorded and present), pending (the offered action runs it) or
    unknown (no database, or one wsadmin will not change)."""
    if status is None or status.offer is Offer.REFUSE:
        return UNKNOWN
    if any(p.revision == rev_id for p in status.pending):
        return PENDING
    if status.state in RECORDED and rev_id == status.current_revision:
        return CURRENT
    return APPLIED


def pending_words(status: Status) -> str:
    """The revisions the offered action runs, one a line with its title."""
    lines = [f"  {p.revision}  {p.description.rstrip('.')}" for p in status.pending]
    n = len(status.pending)
    if status.offer is Offer.UPGRADE and n:
        return f"{n} pending:\n" + "\n".join(lines)
    if status.offer is Offer.REPAIR and n:
        return f"Repair runs {n} revision{'s' if n > 1 else ''}:\n" + "\n".join(lines)
    if status.offer is Offer.INIT:
        return f"Initialising runs all {n}:\n" + "\n".join(lines)
    if status.offer is Offer.ADOPT:
        return f"Adopting records {status.head} (head); no revision runs."
    if status.offer is Offer.NOTHING:
        return f"All {len(revision_chain())} revisions are applied."
    return "wsadmin runs no revision on this database."
