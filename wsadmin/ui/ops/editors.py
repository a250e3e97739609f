"""The users and workspaces editors' calls on the worker (wsadmin.db.editors underneath).

Reads open a read-only connection that leaves no side files (`editors.read`);
the lazy tables call the id and row functions with the database's path. An
edit runs `editors.run_edit`: one short audited transaction, SQLITE_BUSY
retried (each wait reported as a progress step "busy" with who holds the
file), a backup first for deletes and big moves. Users and workspaces typed
by the operator travel as `Ref`s and are resolved inside the edit's own
transaction, so a FieldError names the input they came from. Passwords are
hashed here, off the GUI thread, and only the hash reaches the database; no
password or hash is returned, logged or put in an audit entry.
"""

from __future__ import annotations

import sqlite3
import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from wsadmin.db.editors.move import MOVABLE
from wsadmin.db.editors.users_read import UserFilter
from wsadmin.db.editors.workspaces_edit import SettingsEdit
from wsadmin.db.editors.workspaces_read import WorkspaceFilter
from wsadmin.ui.ops.core import Step, StepState

if TYPE_CHECKING:
    from wsadmin.db.editors import Editability, EditResult
    from wsadmin.ui.ops.core import Status

__all__ = ["MOVABLE", "ROLES", "Ref", "SettingsEdit", "UserFilter", "WorkspaceFilter",
           "add_user_now", "apply_edit", "check_input", "editability_for", "member_ids_for",
           "member_rows_for", "preview_for", "resolve_ref", "set_password_now",
           "user_detail_for", "user_ids_for", "user_rows_for", "workspace_detail_for",
           "workspace_ids_for", "workspace_rows_for"]

ROLES: Final = ("admin", "editor", "viewer")
EDITS: Final = frozenset({
    "add_user", "edit_user", "deactivate_user", "delete_user", "set_password",
    "add_member", "set_member_role", "remove_member", "create_workspace", "rename_workspace",
    "update_settings", "remove_stale_permissions", "move_rows", "delete_workspace"})
"""The wsadmin.db.editors functions `apply_edit` may run."""


@dataclass(frozen=True)
class Ref:
    """A user or workspace as the operator typed it (username / slug, or id:N)."""

    kind: str           # "user" | "workspace"
    text: str
    field: str          # the input it came from (FieldError.field)


def _read(path: str, work: Callable[[sqlite3.Connection], Any]) -> Any:
    from wsadmin.db.editors import read
    from wsadmin.db.editors.runner import require_readable

    def checked(conn: sqlite3.Connection) -> Any:
        require_readable(conn, path)
        return work(conn)

    return read(path, checked)


def _resolve(conn: sqlite3.Connection, value: Any) -> Any:
    from wsadmin.db.editors.common import resolve_user, resolve_workspace

    if isinstance(value, Ref):
        text = value.text.strip()
        if not text:
            from wsadmin.db.editors import FieldError

            raise FieldError(value.field, f"give a {value.kind}",
                             "a username or id:N" if value.kind == "user" else "a slug or id:N")
        resolve = resolve_user if value.kind == "user" else resolve_workspace
        return resolve(conn, text, value.field)
    return value


# ---- reads ---------------------------------------------------------------------------------

FIRST_PAGE_BUDGET_S: Final = 0.08
"""A first page under a text filter walks the table until it has its rows: ms for a
common text, the whole table for a rare one. Past this budget the walk stops and the
full list (the next read) brings the first page as well."""


def user_ids_for(path: str, flt: UserFilter, sort: str = "id", descending: bool = False, *,
                 limit: int | None = None) -> array[int] | None:
    """The ids of `flt`; with `limit` (a first page) and a text, None past the budget."""
    from wsadmin.db.editors import user_ids

    if limit is None or not flt.text.strip():
        return _read(path, lambda c: user_ids(c, flt, sort, descending, limit=limit))  # type: ignore[no-any-return]

    def within_budget(conn: sqlite3.Connection) -> array[int] | None:
        deadline = time.monotonic() + FIRST_PAGE_BUDGET_S
        conn.set_progress_handler(lambda: time.monotonic() > deadline, 20_000)
        try:
            return user_ids(conn, flt, sort, descending, limit=limit)
        except sqlite3.OperationalError as exc:
            if time.monotonic() > deadline and "interrupt" in str(exc):
                return None
            raise
        finally:
            conn.set_progress_handler(None, 0)

    return _read(path, within_budget)  # type: ignore[no-any-return]


def user_rows_for(path: str, ids: Sequence[int]) -> list[Any]:
    from wsadmin.db.editors import user_rows

    return _read(path, lambda c: user_rows(c, ids))  # type: ignore[no-any-return]


def workspace_ids_for(path: str, flt: WorkspaceFilter, sort: str = "id",
                      descending: bool = False, *, limit: int | None = None) -> array[int]:
    from wsadmin.db.editors import workspace_ids

    ids = _read(path, lambda c: workspace_ids(c, flt, sort, descending))
    return ids[:limit] if limit is not None else ids  # type: ignore[no-any-return]


def workspace_rows_for(path: str, ids: Sequence[int]) -> list[Any]:
    from wsadmin.db.editors import workspace_rows

    return _read(path, lambda c: workspace_rows(c, ids))  # type: ignore[no-any-return]


def member_ids_for(path: str, workspace_id: int, text: str = "", sort: str = "user_id",
                   descending: bool = False, *, limit: int | None = None) -> array[int]:
    from wsadmin.db.editors import member_ids

    ids = _read(path, lambda c: member_ids(c, workspace_id, text_filter=text, sort=sort,
                                           descending=descending))
    return ids[:limit] if limit is not None else ids  # type: ignore[no-any-return]


def member_rows_for(workspace_id: int) -> Callable[[str, Sequence[int]], list[Any]]:
    """The row function of one workspace's members table."""
    def rows(path: str, ids: Sequence[int]) -> list[Any]:
        from wsadmin.db.editors import member_rows

        found = _read(path, lambda c: member_rows(c, workspace_id, ids))
        return [_Member(r) for r in found]
    return rows


class _Member:
    """A MemberRow with the `id` the lazy table keys rows by (the user's id)."""

    def __init__(self, row: Any) -> None:
        self.row = row
        self.id = row.user_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


def user_detail_for(path: str, user_id: int) -> Any:
    from wsadmin.db.editors import user_detail

    return _read(path, lambda c: user_detail(c, user_id))


def workspace_detail_for(path: str, workspace_id: int) -> tuple[Any, Any, list[Any]]:
    """(row, settings, permissions) of one workspace."""
    from wsadmin.db.editors import FieldError, permissions, settings_of, workspace_rows

    def work(c: sqlite3.Connection) -> tuple[Any, Any, list[Any]]:
        rows = workspace_rows(c, [workspace_id])
        if not rows:
            raise FieldError("workspace", f"there is no workspace with id {workspace_id}")
        return rows[0], settings_of(c, workspace_id), permissions(c, workspace_id)

    return _read(path, work)  # type: ignore[no-any-return]


def resolve_ref(path: str, ref: Ref) -> int:
    return _read(path, lambda c: _resolve(c, ref))  # type: ignore[no-any-return]


def check_input(path: str, field: str, value: str, user_id: int | None = None) -> str:
    """Validate one input as the operator types (FieldError if refused). For a workspace
    name, returns the slug the backend would give it."""
    from wsadmin.db.editors import (
        check_email,
        check_username,
        check_workspace_name,
        suggest_slug,
    )

    if field == "username":
        return _read(path, lambda c: check_username(c, value))  # type: ignore[no-any-return]
    if field == "email":
        return _read(path, lambda c: check_email(  # type: ignore[no-any-return]
            c, value, user_id=user_id))
    if field == "name":
        check_workspace_name(value)
        return _read(path, lambda c: suggest_slug(c, value))  # type: ignore[no-any-return]
    if field in ("user", "workspace") or field in ("heir", "successor", "member", "join",
                                                   "rows_to", "users_to", "target",
                                                   "creator", "current_workspace"):
        kind = "workspace" if field in ("workspace", "join", "rows_to", "users_to",
                                        "target", "current_workspace") else "user"
        return str(resolve_ref(path, Ref(kind, value, field)))
    raise ValueError(f"no live check for {field!r}")


def preview_for(path: str, what: str, *args: Any) -> Any:
    """A delete's or a move's preview (read-only); Refs among `args` resolved."""
    from wsadmin.db import editors

    fn: Any = {"user_delete": editors.preview_user_delete,
               "workspace_delete": editors.preview_workspace_delete,
               "move": editors.plan_move}[what]
    return _read(path, lambda c: fn(c, *(_resolve(c, a) for a in args)))


def editability_for(status: Status | None) -> Editability | None:
    from wsadmin.db.editors import editability_of

    return editability_of(status) if status is not None else None


# ---- edits ---------------------------------------------------------------------------------

def apply_edit(path: str, action: str, name: str, args: tuple[Any, ...] = (),
               kwargs: dict[str, Any] | None = None, *, audit: dict[str, Any] | None = None,
               backup: bool = False, progress: Any = None) -> EditResult:
    """Run the editors' function `name` as one audited transaction (module docstring)."""
    from wsadmin.db import editors
    from wsadmin.db.backup.folders import default_backup_folder

    if name not in EDITS:
        raise ValueError(f"{name!r} is not an edit")
    fn = getattr(editors, name)
    given = dict(kwargs or {})

    def edit(conn: sqlite3.Connection) -> Any:
        return fn(conn, *(_resolve(conn, a) for a in args),
                  **{k: _resolve(conn, v) for k, v in given.items()})

    def on_busy(message: str) -> None:
        if progress is not None:
            progress(Step("busy", "Waiting for the database", StepState.RUNNING, message))

    return editors.run_edit(path, action, edit, audit_fields=audit or {}, backup=backup,
                            backup_dir=default_backup_folder(path) if backup else None,
                            progress=progress, on_busy=on_busy)


def _hash(password: str, confirm: str) -> str:
    from wsadmin.db.editors import new_password_hash

    return new_password_hash(password, confirm)


def add_user_now(path: str, username: str, email: str, password: str, confirm: str,
                 join: Ref | None, role: str, global_role: str | None, *,
                 progress: Any = None) -> EditResult:
    """New user: registration, or joining `join`; the password hashed here (0.25 s)."""
    password_hash = _hash(password, confirm)
    return apply_edit(path, "user.add", "add_user", (username, email, password_hash),
                      {"join": join, "role": role, "global_role": global_role},
                      audit={"username": username, "email": email,
                             "join": join.text if join else None}, progress=progress)


def set_password_now(path: str, user_id: int, password: str, confirm: str, *,
                     progress: Any = None) -> EditResult:
    password_hash = _hash(password, confirm)
    return apply_edit(path, "user.passwd", "set_password", (user_id, password_hash),
                      audit={"user_id": user_id}, progress=progress)


def first_page(ids_fn: Callable[..., Sequence[int] | None],
               rows_fn: Callable[[str, Sequence[int]], Sequence[Any]], path: str,
               args: tuple[Any, ...], limit: int
               ) -> tuple[Sequence[int], Sequence[Any]] | None:
    """A lazy table's first read: the first `limit` ids of a filter and their rows, in one
    go (None when `ids_fn` gave up on a quick first page: the full list follows)."""
    ids = ids_fn(path, *args, limit=limit)
    return None if ids is None else (ids, rows_fn(path, ids))
