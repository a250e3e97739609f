"""`wsadmin user list|show|add|edit|passwd|deactivate|rm`: the users editor on the command line.

Passwords come only from standard input (`--password-stdin`): on a terminal they
are typed twice without echo, from a pipe the first line is the password. They
are never an argument (the process list shows those), never echoed, and no
output or audit entry holds a password or a hash. Every change asks for
confirmation unless --yes; --json prints the Change (wsadmin.db.editors).
Two forms are fixed because scripts use them:
`wsadmin user add DB USERNAME --email EMAIL --password-stdin [--yes]` and
`wsadmin user passwd DB USERNAME --password-stdin [--yes]`.
"""

from __future__ import annotations

import argparse
import getpass
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wsadmin.cli.common import add_yes, confirm, print_json, print_step, table
from wsadmin.db.common.text import printable, printable_lines

ROLES = ("admin", "editor", "viewer")


# -- shared with wsadmin.cli.workspaces ------------------------------------------------------

def add_change(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_yes(p)


def read_db(db: str, work: Callable[[sqlite3.Connection], Any]) -> Any:
    """`work` on a read-only connection, refused (NotEditable: the state and the command
    that brings it to head) where the editors have nothing to read, as the GUI's editors do:
    below revision 001's tables (legacy, half_initialised, mixed) their queries would fail."""
    from wsadmin.db.editors import read, require_readable

    def checked(conn: sqlite3.Connection) -> Any:
        require_readable(conn, db)
        return work(conn)

    return read(db, checked)


def require_editable(db: str) -> None:
    """Refuse at once (before any prompt) unless the database is at head."""
    from wsadmin.db.editors import read, require_head

    read(db, lambda c: require_head(c, db))


def read_secret(label: str, *, twice: bool) -> str:
    """A secret from standard input: typed (twice) without echo on a terminal, else the
    first line of the pipe (its line break dropped)."""
    from wsadmin.db.editors import FieldError

    if sys.stdin.isatty():
        first = getpass.getpass(f"{label}: ")
        if twice and getpass.getpass(f"{label} again: ") != first:
            raise FieldError("password", "the two entries differ", "type the same one twice")
        return first
    line = sys.stdin.readline()
    secret = line[:-1] if line.endswith("\n") else line
    secret = secret[:-1] if secret.endswith("\r") else secret
    if not secret:
        raise FieldError("password", f"no {label.lower()} on standard input",
                         "pipe it in, one line")
    return secret


def read_password() -> str:
    """The bcrypt hash of a new password from standard input (see read_secret)."""
    from wsadmin.db.editors import new_password_hash

    return str(new_password_hash(read_secret("New password", twice=True)))


def backup_steps(step: Any) -> None:
    """Progress lines of the backup a delete or a big move takes; the edit's own outcome is
    the `done:` line."""
    if step.id != "edit":
        print_step(step)


def busy_line(message: str) -> None:
    print(printable(f"wsadmin: {message}"), file=sys.stderr)


def apply(args: argparse.Namespace, question: str, action: str,
          edit: Callable[[sqlite3.Connection], Any], audit_fields: dict[str, Any], *,
          backup: bool = False) -> int:
    """Confirm, run the edit through editors.run_edit, print what changed."""
    from wsadmin.db.editors import run_edit

    confirm(question, args)
    result = run_edit(args.db, action, edit, audit_fields=audit_fields, backup=backup,
                      backup_dir=getattr(args, "backup_dir", None),
                      progress=None if args.json else backup_steps, on_busy=busy_line)
    report(args, result.change, result.backup.path if result.backup else None)
    return 0


def report(args: argparse.Namespace, change: Any, backup: str | None) -> None:
    if args.json:
        print_json({"change": change.to_json(), "backup": backup})
        return
    print(printable(f"done: {change.summary}"))
    if change.counts:
        print("  " + ", ".join(f"{k}: {n:,}" for k, n in change.counts.items()))
    if backup:
        print(printable(f"  backup: {backup}"))
    for note in change.notes:
        print(printable(f"  note: {note}"))


USER_HEADER = ("id", "username", "email", "role", "active", "current workspace", "ws",
               "last login")
USER_NUMBERS = (0, 6)          # right-aligned columns


def row_cells(row: Any) -> list[str]:
    """One user as the cells of USER_HEADER, printable (table() pads them)."""
    active = {True: "active", False: "inactive", None: "active NULL"}[row.active]
    current = row.current_workspace_slug or ("-" if row.current_workspace_id is None
                                             else f"missing {row.current_workspace_id}")
    return [printable(str(cell)) for cell in (
        row.id, row.username, row.email, row.global_role, active, current, row.workspaces,
        row.last_login or "-")]


# -- commands ---------------------------------------------------------------------------------

def register(sub: Any) -> None:
    user = sub.add_parser("user", help="list, add, edit, deactivate or delete users",
                          description="The users editor: every change is one short "
                                      "transaction, audited; the database must be at head.")
    cmds = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    ls = cmds.add_parser("list", help="users matching filters (read-only)")
    ls.add_argument("db", help="path to app_metadata.db")
    ls.add_argument("--search", default="", help="part of a username or email")
    ls.add_argument("--without-workspace", action="store_true")
    ls.add_argument("--global-admins", action="store_true")
    ls.add_argument("--inactive", action="store_true")
    ls.add_argument("--member-of", metavar="WORKSPACE", help="slug or id:N")
    ls.add_argument("--sort", default="id", help="id, username, email, global_role, active, "
                                                  "created_at or last_login")
    ls.add_argument("--desc", action="store_true", help="descending order")
    ls.add_argument("--limit", type=int, default=50, help="at most this many rows (0: all)")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.set_defaults(func=run_list)

    show = cmds.add_parser("show", help="one user and their workspaces (read-only)")
    show.add_argument("db")
    show.add_argument("user", help="username, or id:N")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=run_show)

    add = cmds.add_parser("add", help="a new user, as the backend's registration makes one")
    add.add_argument("db")
    add.add_argument("username")
    add.add_argument("--email", required=True)
    add.add_argument("--password-stdin", action="store_true", required=True,
                     help="read the password from standard input (required)")
    add.add_argument("--join", metavar="WORKSPACE", help="no personal workspace: join this "
                     "existing one (slug or id:N) instead")
    add.add_argument("--role", choices=ROLES, default="viewer",
                     help="the role in --join's workspace (default viewer)")
    add.add_argument("--global-role", choices=ROLES, help="users.role (registration: admin; "
                     "with --join: viewer). 'admin' lets them manage every user in the backend")
    add_change(add)
    add.set_defaults(func=run_add)

    edit = cmds.add_parser("edit", help="change email, activity, global role, current "
                           "workspace, memberships (one transaction)")
    edit.add_argument("db")
    edit.add_argument("user", help="username, or id:N")
    edit.add_argument("--email")
    state = edit.add_mutually_exclusive_group()
    state.add_argument("--active", dest="active", action="store_const", const=True)
    state.add_argument("--inactive", dest="active", action="store_const", const=False)
    edit.add_argument("--global-role", choices=ROLES,
                      help="users.role: 'admin' gates user management in the backend")
    edit.add_argument("--current", metavar="WORKSPACE",
                      help="current workspace (one they are a member of)")
    edit.add_argument("--join", metavar="WORKSPACE", help="add a membership (with --role)")
    edit.add_argument("--role", choices=ROLES, default="viewer", help="role for --join")
    edit.add_argument("--member-role", nargs=2, metavar=("WORKSPACE", "ROLE"),
                      help="change their role in a workspace")
    edit.add_argument("--leave", metavar="WORKSPACE", help="remove a membership (leaving the "
                      "current workspace needs --current)")
    edit.add_argument("--successor", metavar="USER", help="with --inactive: who becomes admin "
                      "where they are the only active admin")
    add_change(edit)
    edit.set_defaults(func=run_edit_cmd)

    pw = cmds.add_parser("passwd", help="set a new password (bcrypt, from standard input)")
    pw.add_argument("db")
    pw.add_argument("user", help="username, or id:N")
    pw.add_argument("--password-stdin", action="store_true", required=True,
                    help="read the password from standard input (required)")
    add_change(pw)
    pw.set_defaults(func=run_passwd)

    off = cmds.add_parser("deactivate", help="the backend's removal: is_active = 0")
    off.add_argument("db")
    off.add_argument("user", help="username, or id:N")
    off.add_argument("--successor", metavar="USER", help="who becomes admin where they are "
                     "the only active admin")
    add_change(off)
    off.set_defaults(func=run_deactivate)

    rm = cmds.add_parser("rm", help="delete a user for good (after a backup); an heir takes "
                         "over what they created")
    rm.add_argument("db")
    rm.add_argument("user", help="username, or id:N")
    rm.add_argument("--heir", metavar="USER", help="who takes over what they created")
    rm.add_argument("--dry-run", action="store_true", help="only show what would change")
    rm.add_argument("--backup-dir", help="where to write the backup (default: beside the DB)")
    add_change(rm)
    rm.set_defaults(func=run_rm)


def user_ref(db: str, ref: str, field: str = "user") -> int:
    from wsadmin.db.editors.common import resolve_user

    return int(read_db(db, lambda c: resolve_user(c, ref, field)))


def workspace_ref(db: str, ref: str, field: str = "workspace") -> int:
    from wsadmin.db.editors.common import resolve_workspace

    return int(read_db(db, lambda c: resolve_workspace(c, ref, field)))


def run_list(args: argparse.Namespace) -> int:
    from wsadmin.db.editors import UserFilter, count_users, user_ids, user_rows

    member = workspace_ref(args.db, args.member_of) if args.member_of else None
    flt = UserFilter(args.search, args.without_workspace, args.global_admins, args.inactive,
                     member)

    def work(c: sqlite3.Connection) -> tuple[int, list[Any]]:
        ids = user_ids(c, flt, args.sort, args.desc, limit=args.limit or None)
        return count_users(c, flt), user_rows(c, ids)

    total, rows = read_db(args.db, work)
    if args.json:
        print_json({"total": total, "users": [vars(r) for r in rows]})
        return 0
    # Columns as wide as their widest cell: long usernames and e-mails stay aligned.
    for line in table(USER_HEADER, (row_cells(r) for r in rows), right=USER_NUMBERS):
        print(line)
    print(f"{len(rows):,} of {total:,} user(s)")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from wsadmin.db.editors import user_detail

    uid = user_ref(args.db, args.user)
    detail = read_db(args.db, lambda c: user_detail(c, uid))
    if args.json:
        print_json({**vars(detail.row), "memberships": [vars(m) for m in detail.memberships]})
        return 0
    for line in table(USER_HEADER, [row_cells(detail.row)], right=USER_NUMBERS):
        print(line)
    for m in detail.memberships:
        marks = (" (current)" if m.current else "") + (" (only active admin)" if m.sole_admin
                                                       else "")
        print(printable(f"  {m.slug or f'missing {m.workspace_id}'}: {m.role}{marks}"))
    return 0


def run_add(args: argparse.Namespace) -> int:
    from wsadmin.db.editors import add_user, check_email, check_username

    require_editable(args.db)
    join = workspace_ref(args.db, args.join) if args.join else None
    read_db(args.db, lambda c: (check_username(c, args.username), check_email(c, args.email)))
    password_hash = read_password()
    where = f"joining {args.join} as {args.role}" if join else "with a personal workspace"
    return apply(args, f"Add the user {args.username} ({args.email}) {where}?", "user.add",
                 lambda c: add_user(c, args.username, args.email, password_hash, join=join,
                                    role=args.role, global_role=args.global_role),
                 {"username": args.username, "email": args.email, "join": join})


def run_edit_cmd(args: argparse.Namespace) -> int:
    from wsadmin.db.editors import (
        add_member,
        combine,
        edit_user,
        remove_member,
        set_member_role,
    )

    require_editable(args.db)
    uid = user_ref(args.db, args.user)
    join = workspace_ref(args.db, args.join) if args.join else None
    current = workspace_ref(args.db, args.current, "current_workspace") if args.current else None
    leave = workspace_ref(args.db, args.leave) if args.leave else None
    successor = user_ref(args.db, args.successor, "successor") if args.successor else None
    member_role = ((workspace_ref(args.db, args.member_role[0]), args.member_role[1])
                   if args.member_role else None)

    def edit(c: sqlite3.Connection) -> Any:
        steps = []
        if join is not None:
            steps.append(add_member(c, join, uid, args.role))
        if member_role is not None:
            steps.append(set_member_role(c, member_role[0], uid, member_role[1]))
        steps.append(edit_user(c, uid, email=args.email, active=args.active,
                               global_role=args.global_role,
                               current_workspace=None if leave == current else current,
                               successor=successor))
        if leave is not None:
            steps.append(remove_member(c, leave, uid, new_current=current))
        return combine("user.edit", steps)

    return apply(args, f"Change the user {args.user}?", "user.edit", edit,
                 {"user_id": uid, "email": args.email, "active": args.active,
                  "global_role": args.global_role, "current": current, "join": join,
                  "member_role": list(member_role) if member_role else None, "leave": leave})


def run_passwd(args: argparse.Namespace) -> int:
    from wsadmin.db.editors import set_password

    require_editable(args.db)
    uid = user_ref(args.db, args.user)
    password_hash = read_password()
    return apply(args, f"Set a new password for {args.user}?", "user.passwd",
                 lambda c: set_password(c, uid, password_hash), {"user_id": uid})


def run_deactivate(args: argparse.Namespace) -> int:
    from wsadmin.db.editors import deactivate_user

    require_editable(args.db)
    uid = user_ref(args.db, args.user)
    successor = user_ref(args.db, args.successor, "successor") if args.successor else None
    return apply(args, f"Deactivate {args.user} (they can no longer log in)?",
                 "user.deactivate", lambda c: deactivate_user(c, uid, successor=successor),
                 {"user_id": uid, "successor": successor})


def render_delete_preview(p: Any) -> str:
    lines = [f"deleting {p.username} (id {p.user_id}):"]
    created = ", ".join(f"{n:,} {t}" for t, n in p.created.items() if n) or "nothing"
    lines.append(f"  created: {created}")
    for w in p.workspaces_created:
        lines.append(f"  workspace created: {w.slug} (id {w.id}) {w.name}")
    lines.append(f"  memberships deleted: {p.memberships:,}; their connection permissions "
                 f"deleted: {p.permissions_held:,}; permissions they granted reassigned: "
                 f"{p.permissions_granted:,}; logs kept without user: {p.logs:,}")
    if p.sole_admin_of:
        lines.append(f"  only active admin of {len(p.sole_admin_of)} workspace(s): the heir "
                     "becomes admin there")
    lines.extend(f"  note: {n}" for n in p.notes)
    return printable_lines("\n".join(lines))


def run_rm(args: argparse.Namespace) -> int:
    from wsadmin.db.editors import FieldError, delete_user, preview_user_delete

    require_editable(args.db)
    uid = user_ref(args.db, args.user)
    heir = user_ref(args.db, args.heir, "heir") if args.heir else None
    preview = read_db(args.db, lambda c: preview_user_delete(c, uid))
    if args.json and args.dry_run:
        print_json({"preview": preview.to_json(), "applied": False})
        return 0
    if not args.json:
        print(render_delete_preview(preview))
    if args.dry_run:
        return 0
    if heir is None:
        raise FieldError("heir", "deleting a user needs --heir USER, who takes over what they "
                         "created", "or deactivate them instead (`wsadmin user deactivate`)")
    return apply(args, f"Back up {Path(args.db).name} and delete {args.user} for good?",
                 "user.delete", lambda c: delete_user(c, uid, heir),
                 {"user_id": uid, "heir": heir}, backup=True)
