"""Health checks of app_metadata.db: checks as data, read-only runs, fixes, diffs.

- registry.CHECKS: one frozen Check record per check id of SCHEMA.md;
- runner.run_checks(path, only=, full_integrity=) -> HealthReport (read-only);
- apply.preview_fix / apply_fix: a fix's plan, previewed or applied (backup, one
  transaction, audit, re-check);
- diff.around(path, operation) / diff.compare(before, after) -> HealthDiff.
"""

from wsadmin.db.health.apply import FixResult, Preview, apply_fix, preview_fix
from wsadmin.db.health.diff import CheckChange, HealthDiff, around, compare
from wsadmin.db.health.model import Check, CheckResult, CheckStatus, HealthReport, Severity
from wsadmin.db.health.registry import CHECKS, IDS
from wsadmin.db.health.runner import run_checks

__all__ = [
    "CHECKS", "IDS", "Check", "CheckChange", "CheckResult", "CheckStatus", "FixResult",
    "HealthDiff", "HealthReport", "Preview", "Severity", "apply_fix", "around", "compare",
    "preview_fix", "run_checks",
]
