"""Benchmark: the users editor of the GUI on the 1,000,000-user bench database.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/editors.py [--db PATH] [--repeat N]

`--db`: the bench database (`wsadmin demo PATH --bench --state head`); without
it one is built in a temporary folder (~1-2 min). The window opens the
database; then, --repeat times, the database is opened again and the Users
view shown, timed until its first page of rows is in the model and painted
(first_page_ms), and a text filter is applied, timed until its first page is
painted (filter_ms; the view waits FILTER_MS of quiet typing before it applies
a filter, shown apart as debounce_ms; filter_nothing_ms: a text nobody matches,
until the view says so: no first page can stop early there). rss_mb is the
process's peak resident size with every id of the unfiltered list in memory.

Baseline, in the same run: the same page (100 users by id) read with a plain
`SELECT ... LIMIT 100` through sqlite3. Last line:
`editors: ratio=X.XX (project Ns, baseline Ms)` (first page over baseline).
Targets: first page <= 100 ms, filter <= 300 ms, RSS <= 250 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FILTERS = ("ann", "smith", "o'n", "123", "garcía")
RARE = "zq9x"          # matches nobody: the first page cannot stop early


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline_ms(db: Path, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        conn.execute("SELECT u.id, u.username, u.email, u.is_active, u.role, "
                     "u.current_workspace_id, u.created_at, u.last_login FROM users AS u "
                     "ORDER BY u.id LIMIT 100").fetchall()
        conn.close()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--db", type=Path, help="the bench database (built when not given)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="wsadmin-bench-editors-"))
    os.environ["WSADMIN_HOME"] = str(work / "home")
    db = args.db
    if db is None:
        from wsadmin.db.schema.demo import BENCH, build_demo

        started = time.perf_counter()
        db = build_demo(work / "app_metadata.db", state="head", sizes=BENCH)
        print(f"built {db} in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from wsadmin.ui.main_window import MainWindow
    from wsadmin.ui.settings import Settings
    from wsadmin.ui.views.editor_view import FILTER_MS
    from wsadmin.ui.views.users import UsersView

    app = QApplication.instance() or QApplication([sys.argv[0]])
    window = MainWindow(Settings())
    window.resize(1280, 800)
    window.show()

    def until(done: Any, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        loop = QEventLoop()
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError("the editor did not answer in time")
            QTimer.singleShot(1, loop.quit)
            loop.exec()

    class PaintSpy(QObject):
        """When the table's viewport was last painted with rows of the model in it."""

        def __init__(self, view: UsersView) -> None:
            super().__init__()
            self.view, self.at, self.armed = view, 0.0, False
            view.table.viewport().installEventFilter(self)
            view.model.idsReplaced.connect(self.arm)     # a new list: its paint is next

        def arm(self) -> None:
            self.armed, self.at = True, 0.0

        def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
            model = self.view.model
            if self.armed and event.type() == QEvent.Type.Paint and model.rowCount() and \
                    model.row_at(0) is not None and not self.at:
                self.at = time.perf_counter()       # the paint starts: its rows are in
            return False

    def painted(spy: PaintSpy) -> float:
        """Wait for the first paint with rows; the time it ended."""
        until(lambda: bool(spy.at))
        return spy.at

    firsts, filters, rare = [], [], []
    for n in range(args.repeat + 1):
        window.show_view("overview")
        window.session.close()
        window.open_database(str(db))
        until(lambda: window.session.is_open and not window.session.busy)
        view = window.views["users"]
        assert isinstance(view, UsersView)
        spy = PaintSpy(view)
        started = time.perf_counter()
        window.show_view("users")
        firsts.append((painted(spy) - started) * 1000)
        until(lambda v=view: v.model.complete)             # every id: a million in memory
        text = FILTERS[n % len(FILTERS)] if n < args.repeat else RARE
        view.text.setText(text)
        until(lambda v=view: not v.session.busy)
        spy.armed, spy.at = False, 0.0
        started = time.perf_counter()
        view.reload_later.flush()
        if text == RARE:        # nothing to paint: until the count says "0 users"
            until(lambda v=view: v.model.complete and v.model.generation > 0
                  and v.count_label.text().startswith("0 users"))
            rare.append((time.perf_counter() - started) * 1000)
        else:
            filters.append((painted(spy) - started) * 1000)
        until(lambda v=view: v.model.complete)
        matched = view.model.rowCount()
        view.table.viewport().removeEventFilter(spy)
        view.model.idsReplaced.disconnect(spy.arm)
        view.text.setText("")
        view.reload_later.flush()
        until(lambda v=view: v.model.complete)
        took = rare[-1] if text == RARE else filters[-1]
        print(f"run {n + 1}: first page {firsts[-1]:.0f} ms, filter {text!r} "
              f"{took:.0f} ms ({matched:,} match)", file=sys.stderr)
    window.session.settle()
    base = baseline_ms(db, max(5, args.repeat))
    first, filt = statistics.median(firsts), statistics.median(filters)
    window.close()
    window.session.shutdown()
    app.quit()
    print(f"editors: first_page_ms={first:.0f} filter_ms={filt:.0f} "
          f"rss_mb={peak_rss_mb():.0f} debounce_ms={FILTER_MS} "
          f"filter_nothing_ms={rare[0]:.0f}")
    print(f"editors: ratio={first / base:.2f} (project {first / 1000:.3f}s, baseline "
          f"{base / 1000:.4f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
