"""docs/health-checks.md lists every check with its severity and fixes, as the registry has them."""

from __future__ import annotations

import re
from pathlib import Path

from wsadmin.db.health.registry import CHECKS

DOC = Path(__file__).resolve().parents[3] / "docs" / "health-checks.md"


def test_the_table_matches_the_registry() -> None:
    rows = re.findall(r"^\| `([a-z_0-9]+)` \| ([a-z]+) \| .+ \| (.+) \|$", DOC.read_text("utf-8"),
                      re.M)
    table = {cid: (severity, tuple(re.findall(r"`([a-z_]+)`", fixes)))
             for cid, severity, fixes in rows}
    assert list(table) == [c.id for c in CHECKS]
    for check in CHECKS:
        assert table[check.id] == (check.severity.value, check.fix_ids), check.id
