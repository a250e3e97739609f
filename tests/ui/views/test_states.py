"""Every state of SCHEMA.md in the window's words: the Overview's badge, summary and the
backend's symptom, and the Migrations view's badge, pills and one primary button."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.builders import execute, make_at, user
from tests.ui.helpers import open_and_wait
from wsadmin.db.schema.states import Offer, State
from wsadmin.ui.main_window import MainWindow
from wsadmin.ui.views.migrations import MigrationsView
from wsadmin.ui.widgets.badges import Tone

DemoDb = Callable[..., Path]
HEAD = "20251109220344"
IDS = ("001", "002", "a87f1e87be87", "f6554ddc8f18", "e73bf9fb92f4", HEAD)


def pills(*states: str) -> dict[str, str]:
    assert len(states) == len(IDS)
    return dict(zip(IDS, states, strict=True))


ALL_PENDING = pills(*["pending"] * 6)

# state (a demo state, or how to make it) -> what the window says of it.
CASES = {
    "empty": dict(
        state=State.EMPTY, badge="Empty: initialise it", tone=Tone.ATTENTION,
        revision="empty", button="Initialise…", symptom="never creates its tables",
        pills=ALL_PENDING),
    "legacy": dict(
        state=State.LEGACY, badge="Legacy: upgrade available", tone=Tone.ATTENTION,
        revision="legacy", button="Back up and upgrade", symptom="login and register",
        pills=ALL_PENDING),
    "mid_chain": dict(
        state=State.AT_REVISION, badge="Upgrade available", tone=Tone.ATTENTION,
        revision="a87f1e87be87", button="Back up and upgrade", symptom="500",
        pills=pills("applied", "applied", "current", "pending", "pending", "pending")),
    "head": dict(
        state=State.AT_REVISION, badge="Up to date", tone=Tone.OK, revision=HEAD,
        button=None, symptom="None: this is the schema the backend needs",
        pills=pills(*["applied"] * 5, "current")),
    "unversioned_head": dict(
        state=State.UNVERSIONED_HEAD, badge="No revision recorded: adopt it",
        tone=Tone.ATTENTION, revision="none recorded", button="Adopt…",
        symptom="`alembic upgrade head` fails on its first statement",
        pills=pills(*["applied"] * 6)),
    "stuck_at_001": dict(
        state=State.STUCK_AT_001, badge="Stuck at 001: upgrade it", tone=Tone.DANGER,
        revision="001", button="Back up and upgrade",
        symptom="login and register included", pills=pills("current", *["pending"] * 5)),
    "recorded_ahead_of_shape": dict(
        state=State.RECORDED_AHEAD_OF_SHAPE, badge="Needs repair: revision ahead of schema",
        tone=Tone.DANGER, revision=HEAD, button="Repair…",
        symptom="believes the missing work is done",
        pills=pills("applied", *["pending"] * 5)),
    "half_initialised": dict(
        state=State.HALF_INITIALISED, badge="Needs repair: half-initialised",
        tone=Tone.DANGER, revision="none recorded", button="Repair…",
        symptom='"table workspaces already exists"', pills=ALL_PENDING),
    "mixed": dict(
        state=State.MIXED, badge="Needs repair: mixed schema", tone=Tone.DANGER,
        revision="none recorded", button="Repair…", symptom="login and register",
        pills=ALL_PENDING),
    "unknown_revision": dict(
        state=State.UNKNOWN_REVISION, badge="Unknown revision", tone=Tone.DANGER,
        revision="f00dface", button=None, symptom="a backend version wsadmin does not know",
        pills=pills(*["unknown"] * 6)),
}


def make(case: str, demo_db: DemoDb, tmp_path: Path) -> Path:
    if case == "empty":
        path = tmp_path / "empty.db"
        path.touch()
        return path
    if case == "mid_chain":
        return make_at(tmp_path / "mid.db", "a87f1e87be87", users=[user(1), user(2)])
    if case == "unknown_revision":
        path = demo_db("head", name="unknown.db")
        execute(path, "UPDATE alembic_version SET version_num = 'f00dface'")
        return path
    return demo_db(case, users=40)


@pytest.mark.parametrize("case", list(CASES))
def test_every_state_in_operator_words(case: str, window: MainWindow, qtbot: QtBot,
                                       demo_db: DemoDb, tmp_path: Path) -> None:
    want = CASES[case]
    status = open_and_wait(window, qtbot, make(case, demo_db, tmp_path))
    assert status.state is want["state"]

    ov = window.overview
    assert (ov.badge.text(), ov.badge.tone) == (want["badge"], want["tone"])
    assert ov.revision_value.text() == want["revision"]
    assert ov.summary_label.text() == status.summary and status.summary
    symptom = html.unescape(ov.symptom_label.text())
    assert want["symptom"] in symptom
    assert symptom == f"<b>Backend symptom:</b> {status.symptom}"
    for pending in status.pending:     # what the offered action runs, with its title
        assert f"{pending.revision}  {pending.description}" in ov.pending_label.text()
    assert ov.offer_button.isVisible() is (want["button"] is not None)
    if want["button"]:
        assert ov.offer_button.text() == want["button"] and ov.offer_button.isEnabled()

    window.show_view("migrations")
    view = window.views["migrations"]
    assert isinstance(view, MigrationsView)
    assert (view.badge.text(), view.badge.tone) == (want["badge"], want["tone"])
    assert view.summary.text() == status.summary
    assert html.unescape(view.symptom.text()) == f"<b>Backend symptom:</b> {status.symptom}"
    assert want["symptom"] in status.symptom
    assert {r: card.state for r, card in view.cards.items()} == want["pills"]
    button = view.upgrade_button
    if want["button"] is None:
        assert button.text() == "Back up and upgrade" and not button.isEnabled()
        why = ("nothing to upgrade" if status.offer is Offer.NOTHING
               else "wsadmin changes nothing in this database")
        assert why in button.toolTip()
        assert not window.named_actions["upgrade"].isEnabled()
    else:
        assert button.text() == want["button"] and button.isEnabled()
        assert window.named_actions["upgrade"].isEnabled()
        menu = window.named_actions["upgrade"].text().replace("&", "")
        assert menu.rstrip("…") == want["button"].rstrip("…")
    window.session.settle()


def test_each_revision_card_says_what_it_does_and_what_the_backend_does(
        window: MainWindow, qtbot: QtBot, demo_db: DemoDb) -> None:
    open_and_wait(window, qtbot, demo_db("stuck_at_001", users=10))
    view = window.views["migrations"]
    assert isinstance(view, MigrationsView)
    assert list(view.cards) == list(IDS)
    two = view.cards["002"]
    assert "Default Workspace" in two.findChild(type(view.summary), "revisionName").text()
    assert "users.role" in two.effect.text()
    assert "ALTER COLUMN" in two.backend.text(), "how the backend's own 002 fails"
    assert "'default'" in two.undo.text() and two.undo.text().startswith("<b>Rolling it back")
    assert "charts.data_source_id" in view.cards["a87f1e87be87"].backend.text()
    window.session.settle()
