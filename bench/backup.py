"""Benchmark: a verified wsadmin backup against `sqlite3 DB ".backup OUT"`.

Builds a demo database at revision 002 with N users (default 1,000,000: about
780 MB), reads it once so that every run starts from a warm page cache, then
times, interleaved over --rounds rounds (median of each):

- project:  wsadmin.db.backup.create.create_backup(DB, DIR) through the API, in this
            process: the backup API copy in one read transaction, fsync,
            quick_check + row counts + sha256 of the copy, manifest, rename;
- baseline: `sqlite3 DB ".backup OUT"` (the backup API copy, with the sqlite3
            shell's own fsync at commit, no verification);
- cp:       plain `cp DB OUT` (for the record: unsafe on a live database).

With --cli it also times `wsadmin backup DB --to DIR` in a subprocess (Python
start-up and imports included) and prints that ratio too. The last line is
`backup: ratio=X.XX (project Ns, baseline Ms)`.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from wsadmin.db.backup.create import create_backup
from wsadmin.db.schema.demo import build_demo


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def clear(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cli", action="store_true", help="also time the CLI in a subprocess")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep the database")
    args = ap.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="wsadmin-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "app_metadata.db"
    try:
        if not db.exists():
            t = timed(lambda: build_demo(db, users=args.users, state="head"))
            print(f"built {db} ({db.stat().st_size / 1e6:.0f} MB) in {t:.1f} s", file=sys.stderr)
        with db.open("rb") as fh:          # warm the page cache for every contender
            while fh.read(16 << 20):
                pass
        out = work / "out"
        sqlite3_bin = shutil.which("sqlite3")
        if sqlite3_bin is None:
            print("backup: the sqlite3 command line is needed for the baseline", file=sys.stderr)
            return 2
        wsadmin_bin = Path(sys.executable).with_name("wsadmin")
        times: dict[str, list[float]] = {"project": [], "baseline": [], "cp": [], "cli": []}
        infos = []
        for _ in range(args.rounds):
            clear(out)
            times["baseline"].append(timed(lambda: subprocess.run(
                [sqlite3_bin, str(db), f".backup {out / 'baseline.db'}"], check=True)))
            clear(out)
            times["project"].append(timed(lambda: infos.append(create_backup(db, out))))
            clear(out)
            times["cp"].append(timed(lambda: subprocess.run(
                ["cp", str(db), str(out / "cp.db")], check=True)))
            if args.cli:
                clear(out)
                times["cli"].append(timed(lambda: subprocess.run(
                    [str(wsadmin_bin), "backup", str(db), "--to", str(out)], check=True,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
        info = infos[-1]
        clear(out)
        med = {k: statistics.median(v) for k, v in times.items() if v}
        for k, v in times.items():
            if v:
                print(f"  {k:<9} " + "  ".join(f"{x:.2f}" for x in v) + f"   median {med[k]:.2f} s")
        print(f"database: {info.size / 1e6:.0f} MB, {info.counts.get('users', 0):,} users; "
              f"last backup verified at creation, sha256 {info.sha256[:12]}")
        print(f"backup vs cp: ratio={med['project'] / med['cp']:.2f} "
              f"(project {med['project']:.2f}s, cp {med['cp']:.2f}s)")
        if "cli" in med:
            print(f"backup CLI (subprocess) vs sqlite3: ratio={med['cli'] / med['baseline']:.2f} "
                  f"(cli {med['cli']:.2f}s, baseline {med['baseline']:.2f}s)")
        print(f"backup: ratio={med['project'] / med['baseline']:.2f} "
              f"(project {med['project']:.2f}s, baseline {med['baseline']:.2f}s)")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
