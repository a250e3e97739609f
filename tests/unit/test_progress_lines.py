"""The one progress line a finished step gets (CLI stderr and the GUI's log)."""

from __future__ import annotations

from wsadmin.db.common.errors import Refused
from wsadmin.db.common.progress import Reporter, Step, StepState, step_line


def test_finished_steps_get_a_line_running_ones_do_not() -> None:
    assert step_line(Step("backup", "Back up the database", StepState.DONE, "x.bak")) == \
        "  [ok] Back up the database: x.bak"
    assert step_line(Step("backup", "Back up the database", StepState.RUNNING)) is None
    assert step_line(Step("verify", "Verify", StepState.FAILED, "bad")) == "  [FAILED] Verify: bad"


def test_a_refusal_is_not_a_failed_step() -> None:
    seen: list[Step] = []
    refusal = Refused("nothing to do")
    refusal.refusal = True
    try:
        with Reporter(seen.append).step("preflight", "Check the database"):
            raise refusal
    except Refused:
        pass
    assert seen[-1].state is StepState.FAILED and seen[-1].refused
    assert step_line(seen[-1]) is None
