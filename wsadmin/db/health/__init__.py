"""Health checks of app_metadata.db: checks as data, read-only runs, fixes, diffs.

- registry.CHECKS: one frozen Check record per check id of SCHEMA.md (the 23 of its
  "Health checks" table; their SQL in checks_users / checks_workspaces / checks_rows /
  checks_schema, secret columns only through secret_columns);
- runner.run_checks(path, only=, checks=, full_integrity=) -> HealthReport (read-only);
- apply.preview_fix / apply_fix: a fix's plan (fix_plan.Planner; fix_users /
  fix_workspaces / fix_rows / fix_schema), previewed or applied (backup, one
  transaction, exact row counts, audit, re-check);
- diff.around(path, operation) / diff.compare(before, after) -> HealthDiff.

The names are imported on first use: `wsadmin check` needs the runner only, not
the backup and audit machinery behind the fixes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wsadmin.db.health.apply import FixResult, Preview, apply_fix, preview_fix
    from wsadmin.db.health.diff import CheckChange, HealthDiff, around, compare
    from wsadmin.db.health.model import Check, CheckResult, CheckStatus, HealthReport, Severity
    from wsadmin.db.health.registry import CHECKS, IDS
    from wsadmin.db.health.runner import run_checks

_WHERE = {
    "FixResult": "apply", "Preview": "apply", "apply_fix": "apply", "preview_fix": "apply",
    "CheckChange": "diff", "HealthDiff": "diff", "around": "diff", "compare": "diff",
    "Check": "model", "CheckResult": "model", "CheckStatus": "model", "HealthReport": "model",
    "Severity": "model", "CHECKS": "registry", "IDS": "registry", "run_checks": "runner",
}

__all__ = [
    "CHECKS", "IDS", "Check", "CheckChange", "CheckResult", "CheckStatus", "FixResult",
    "HealthDiff", "HealthReport", "Preview", "Severity", "apply_fix", "around", "compare",
    "preview_fix", "run_checks",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
