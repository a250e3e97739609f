"""A process that runs some checklist steps, then waits to be killed.

    python -m tests.ui.dialogs.checklist.driver DB STEP [STEP ...]

It starts (or resumes) the checklist of DB with the core the wizard uses, runs
the named steps, prints `saved <state file>` once the last step's result is on
disk, and then blocks on stdin: the test kills it with SIGKILL there, between
two steps, as a crash or a `kill -9` would. Nothing is faked: the state file,
the backup, the upgrade and the audit log are the real ones.
"""

from __future__ import annotations

import sys

from wsadmin.db.checklist import state
from wsadmin.db.checklist.run import Checklist


def main(argv: list[str]) -> int:
    db, *step_ids = argv
    checklist = Checklist.resume(db) or Checklist.start(db)
    for step_id in step_ids:
        record = checklist.run_step(step_id)
        print(f"{step_id} {record.status.value}", flush=True)
    print(f"saved {state.state_path(db)}", flush=True)
    sys.stdin.read()                    # killed here
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
