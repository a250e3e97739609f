"""A single-threaded helper process that forks one worker per request.

The heavy imports (Alembic, SQLAlchemy, wsadmin) happen once; each request
(one JSON line on stdin) runs in a fresh fork, whose pid is written back at
once so the test can SIGKILL it at a random moment, then its exit status.
Run as `python -m tests.faults.forkserver`.
"""

from __future__ import annotations

import json
import os
import sys
import traceback


def work(req: dict[str, object]) -> int:
    from wsadmin.db.backup.restore import restore_backup
    from wsadmin.db.common.errors import MigrationFailed, WsadminError
    from wsadmin.db.migrate import pipeline

    os.environ["WSADMIN_HOME"] = str(req["home"])
    try:
        if req["op"] == "upgrade":
            pipeline.run(str(req["db"]), backup_dir=str(req["backups"]))
        elif req["op"] == "restore":
            restore_backup(str(req["db"]), str(req["backup"]), safety_dir=str(req["backups"]))
        elif req["op"] == "downgrade":
            from wsadmin.db.migrate.rollback import downgrade_one

            downgrade_one(str(req["db"]), backup_dir=str(req["backups"]))
        else:
            return 9
    except MigrationFailed:
        return 1
    except WsadminError:
        return 2
    except BaseException:
        traceback.print_exc()
        return 3
    return 0


def main() -> None:
    # Import once, before forking.
    from wsadmin.db.migrate import runner


    runner.alembic_config()  # warm Alembic's imports too
    import alembic.command  # noqa: F401

    for line in sys.stdin:
        req = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 3
            try:
                code = work(req)
            finally:
                os._exit(code)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"status": status}), flush=True)


if __name__ == "__main__":
    main()
