"""A writer like a web backend's: one connection per request, a commit every few ms.

Run as `python -m tests.faults.writer DB ACKS STOP [INTERVAL]`. Each round opens
a connection (Python's default 5 s busy timeout, as a backend would have),
inserts one user, commits, closes, and only then appends the user's name to
ACKS: every name in ACKS is a commit the writer was told is durable. A round
that fails (busy, locked, a schema change under it) is simply not
acknowledged. It stops when the file STOP exists.

The row is built from the users table's own columns, so the writer works on
every revision: each NOT NULL column without a default gets a value of its
declared type.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from pathlib import Path


def _value(decl: str, name: str, seq: int) -> object:
    decl = decl.upper()
    if "INT" in decl or "BOOL" in decl:
        return 0
    if "TIME" in decl or "DATE" in decl:
        return "2026-01-01 00:00:00.000000"
    return f"w{seq}-{name}"


def insert_one(conn: sqlite3.Connection, name: str, seq: int) -> None:
    cols = conn.execute("PRAGMA table_info(users)").fetchall()
    row: dict[str, object] = {"username": name}
    for _cid, col, decl, notnull, default, pk in cols:
        if col in row or pk or not notnull or default is not None:
            continue
        row[col] = _value(decl or "", col, seq)
    marks = ", ".join("?" for _ in row)
    names = ", ".join(f'"{c}"' for c in row)
    conn.execute(f"INSERT INTO users ({names}) VALUES ({marks})", tuple(row.values()))


def main() -> None:
    db, acks, stop = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.05
    seq = 0
    with acks.open("a", encoding="utf-8") as out:
        while not stop.exists():
            seq += 1
            name = f"writer-{os.getpid()}-{seq}"
            try:
                conn = sqlite3.connect(db)
                try:
                    insert_one(conn, name, seq)
                    conn.commit()
                finally:
                    conn.close()
            except sqlite3.Error:
                time.sleep(interval)
                continue
            out.write(name + "\n")
            out.flush()
            time.sleep(interval)


if __name__ == "__main__":
    main()
