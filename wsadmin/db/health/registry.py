"""The list of health checks: one record per check id of SCHEMA.md, in its order."""

from __future__ import annotations

import dataclasses
from typing import Final

from wsadmin.db.common.errors import Refused
from wsadmin.db.health import checks_rows, checks_schema, checks_users, checks_workspaces
from wsadmin.db.health.fixes import fixes_for
from wsadmin.db.health.model import Check

ORDER: Final = (
    "users_without_workspace", "users_dangling_workspace", "users_not_member_of_current",
    "duplicate_slugs", "invalid_slugs", "workspaces_without_admin",
    "workspaces_without_settings", "workspace_creator_missing", "rows_without_workspace",
    "rows_dangling_workspace", "rows_orphaned_creator", "memberships_dangling", "invalid_roles",
    "isolation_violations", "stale_connection_permissions", "unusable_password_hashes",
    "users_unreadable", "unencrypted_connection_configs", "sqlite_integrity", "foreign_keys",
    "schema_drift", "revision_mismatch", "half_upgrade",
)
"""SCHEMA.md's "Health checks" table, top to bottom."""


def _assemble() -> tuple[Check, ...]:
    found = {c.id: c for module in (checks_users, checks_workspaces, checks_rows, checks_schema)
             for c in module.CHECKS}
    if set(found) != set(ORDER):
        raise RuntimeError(f"health checks and SCHEMA.md disagree: {set(found) ^ set(ORDER)}")
    return tuple(dataclasses.replace(found[i], explanation=" ".join(found[i].explanation.split()),
                                     fixes=fixes_for(i)) for i in ORDER)


CHECKS: Final[tuple[Check, ...]] = _assemble()
BY_ID: Final[dict[str, Check]] = {check.id: check for check in CHECKS}
IDS: Final = tuple(BY_ID)


def get(check_id: str) -> Check:
    try:
        return BY_ID[check_id]
    except KeyError:
        raise Refused(f"unknown check {check_id!r}",
                      "choose one of: " + ", ".join(IDS)) from None
