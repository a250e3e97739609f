"""`wsadmin workspace list|show|add|edit|members|rm|move-rows`: the workspaces editor.

A workspace is named by its slug (or `id:N`). A rename keeps the slug, as the
backend does. The redis password is set from standard input
(`--redis-password-stdin`) or cleared, and never shown. `rm` and `move-rows`
show their counts first (`--dry-run` stops there) and take a verified backup
(a move only above editors.BACKUP_ABOVE rows) before one transaction.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path
from typing import Any

from wsadmin.cli.common import print_json
from wsadmin.cli.users import (
    ROLES,
    add_change,
    apply,
    read_db,
    read_secret,
    require_editable,
    user_ref,
    workspace_ref,
)
from wsadmin.db.common.text import printable, printable_lines


def _yes_no(value: str) -> bool:
    if value.lower() in ("yes", "on", "true", "1"):
        return True
    if value.lower() in ("no", "off", "false", "0"):
        return False
    raise argparse.ArgumentTypeError("yes or no")


def register(sub: Any) -> None:
    ws = sub.add_parser("workspace", help="list, add, edit or delete workspaces, their members, "
                        "settings and rows",
                        description="The workspaces editor: every change is one short "
                                    "transaction, audited; the database must be at head.")
    cmds = ws.add_subparsers(dest="workspace_command", metavar="ACTION", required=True)

    ls = cmds.add_parser("list", help="workspaces with their counts (read-only)")
    ls.add_argument("db")
    ls.add_argument("--search", default="", help="part of a name or slug")
    ls.add_argument("--member", metavar="USER", help="only workspaces this user is in")
    ls.add_argument("--without-admin", action="store_true", help="no active admin")
    ls.add_argument("--sort", default="id", help="id, slug, name or created_at")
    ls.add_argument("--desc", action="store_true")
    ls.add_argument("--limit", type=int, default=50, help="at most this many rows (0: all)")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.set_defaults(func=run_list)

    show = cmds.add_parser("show", help="one workspace: counts, settings, permissions")
    show.add_argument("db")
    show.add_argument("workspace", help="slug, or id:N")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=run_show)

    add = cmds.add_parser("add", help="a new workspace, as the backend's API makes one")
    add.add_argument("db")
    add.add_argument("name")
    add.add_argument("--creator", required=True, metavar="USER",
                     help="who creates it (becomes its admin)")
    add_change(add)
    add.set_defaults(func=run_add)

    edit = cmds.add_parser("edit", help="rename (the slug stays), settings, stale permissions")
    edit.add_argument("db")
    edit.add_argument("workspace", help="slug, or id:N")
    edit.add_argument("--name", help="new name (the slug stays, as in the backend)")
    edit.add_argument("--max-dashboards", type=int)
    edit.add_argument("--max-members", type=int)
    edit.add_argument("--redis-enabled", type=_yes_no, metavar="yes|no")
    edit.add_argument("--redis-host")
    edit.add_argument("--redis-port", type=int)
    secret = edit.add_mutually_exclusive_group()
    secret.add_argument("--redis-password-stdin", action="store_true",
                        help="set the redis password, read from standard input")
    secret.add_argument("--clear-redis-password", action="store_true")
    edit.add_argument("--remove-stale-permissions", action="store_true",
                      help="delete the stale connection permissions of its connections")
    add_change(edit)
    edit.set_defaults(func=run_edit)

    mem = cmds.add_parser("members", help="list members, or add, re-role or remove one")
    mem.add_argument("db")
    mem.add_argument("workspace", help="slug, or id:N")
    what = mem.add_mutually_exclusive_group()
    what.add_argument("--add", metavar="USER")
    what.add_argument("--set-role", metavar="USER")
    what.add_argument("--remove", metavar="USER")
    mem.add_argument("--role", choices=ROLES, help="for --add (default viewer) and --set-role")
    mem.add_argument("--new-current", metavar="WORKSPACE", help="for --remove of someone's "
                     "current workspace: which of theirs becomes current")
    mem.add_argument("--search", default="", help="list: part of a username or email")
    mem.add_argument("--limit", type=int, default=50, help="list: at most this many (0: all)")
    add_change(mem)
    mem.set_defaults(func=run_members)

    rm = cmds.add_parser("rm", help="delete a workspace after moving everything out of it")
    rm.add_argument("db")
    rm.add_argument("workspace", help="slug, or id:N")
    rm.add_argument("--rows-to", metavar="WORKSPACE", help="where its rows go (required)")
    rm.add_argument("--users-to", metavar="WORKSPACE", help="where users whose current "
                    "workspace it is go (default: their oldest other workspace, else --rows-to)")
    rm.add_argument("--dry-run", action="store_true", help="only show the counts")
    rm.add_argument("--backup-dir", help="where to write the backup (default: beside the DB)")
    add_change(rm)
    rm.set_defaults(func=run_rm)

    mv = cmds.add_parser("move-rows", help="move rows of a table to another workspace; "
                         "linked rows follow")
    mv.add_argument("db")
    mv.add_argument("source", metavar="FROM", help="slug, or id:N")
    mv.add_argument("target", metavar="TO", help="slug, or id:N")
    mv.add_argument("--table", required=True,
                    choices=("dashboards", "charts", "connections", "data_sources"))
    which = mv.add_mutually_exclusive_group(required=True)
    which.add_argument("--ids", help="comma-separated row ids")
    which.add_argument("--all", action="store_true", help="every row of the table in FROM")
    mv.add_argument("--links", choices=("follow", "unlink"), default="follow",
                    help="dashboard links to rows that stay: follow (move those too) or "
                         "unlink (delete the links)")
    mv.add_argument("--dry-run", action="store_true", help="only show what would move")
    mv.add_argument("--backup-dir", help="where to write the backup (default: beside the DB)")
    add_change(mv)
    mv.set_defaults(func=run_move)


def _line(row: Any) -> str:
    rows = ", ".join(f"{t} {n:,}" for t, n in row.rows.items() if n) or "no rows"
    return printable(f"{row.id:>6}  {row.slug:<28} {row.name:<28} {row.creator or '-':<16} "
                     f"members {row.members:,}, admins {row.admins:,}; {rows}")


def run_list(args: argparse.Namespace) -> int:
    from wsadmin.db.editors import WorkspaceFilter, workspace_ids, workspace_rows

    member = user_ref(args.db, args.member) if args.member else None
    flt = WorkspaceFilter(args.search, member, args.without_admin)

    def work(c: sqlite3.Connection) -> tuple[int, list[Any]]:
        ids = workspace_ids(c, flt, args.sort, args.desc)
        return len(ids), workspace_rows(c, ids[:args.limit] if args.limit else ids)

    total, rows = read_db(args.db, work)
    if args.json:
        print_json({"total": total, "workspaces": [vars(r) for r in rows]})
        return 0
    for row in rows:
        print(_line(row))
    print(f"{len(rows):,} of {total:,} workspace(s)")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from wsadmin.db.editors import permissions, settings_of, workspace_rows

    wid = workspace_ref(args.db, args.workspace)

    def work(c: sqlite3.Connection) -> tuple[Any, Any, list[Any]]:
        return workspace_rows(c, [wid])[0], settings_of(c, wid), permissions(c, wid)

    row, settings, perms = read_db(args.db, work)
    if args.json:
        print_json({**vars(row), "settings": vars(settings),
                    "permissions": [vars(p) for p in perms]})
        return 0
    print(_line(row))
    if settings.exists:
        pw = "set" if settings.redis_password_set else "not set"
        print(printable(f"  settings: max_dashboards {settings.max_dashboards}, max_members "
                        f"{settings.max_members}, redis {'on' if settings.redis_enabled else 'off'}"
                        f" {settings.redis_host}:{settings.redis_port}, redis password {pw}"))
    else:
        print("  settings: none (the backend's settings page fails; `edit` creates them)")
    for p in perms:
        stale = f"  STALE: {p.stale}" if p.stale else ""
        print(printable(f"  permission {p.id}: {p.username or p.user_id} {p.level} on "
                        f"{p.connection} ({p.connection_id}){stale}"))
    return 0


def run_add(args: argparse.Namespace) -> int:
    from wsadmin.db.editors import check_workspace_name, create_workspace, suggest_slug

    require_editable(args.db)
    creator = user_ref(args.db, args.creator, "creator")
    check_workspace_name(args.name)
    slug = read_db(args.db, lambda c: suggest_slug(c, args.name))
    return apply(args, f"Create the workspace {args.name!r} (slug {slug})?", "workspace.add",
                 lambda c: create_workspace(c, args.name, creator),
                 {"name": args.name, "creator": creator})


def run_edit(args: argparse.Namespace) -> int:
    from wsadmin.db.editors import (
        SettingsEdit,
        combine,
        remove_stale_permissions,
        rename_workspace,
        update_settings,
    )

    require_editable(args.db)
    wid = workspace_ref(args.db, args.workspace)
    password = read_secret("Redis password", twice=True) if args.redis_password_stdin else None
    settings = SettingsEdit(args.max_dashboards, args.max_members, args.redis_enabled,
                            args.redis_host, args.redis_port, password,
                            args.clear_redis_password)

    def edit(c: sqlite3.Connection) -> Any:
        steps = []
        if args.name is not None:
            steps.append(rename_workspace(c, wid, args.name))
        if settings != SettingsEdit():
            steps.append(update_settings(c, wid, settings))
        if args.remove_stale_permissions:
            steps.append(remove_stale_permissions(c, wid))
        return combine("workspace.edit", steps)

    return apply(args, f"Change the workspace {args.workspace}?", "workspace.edit", edit,
                 {"workspace_id": wid, "name": args.name,
                  "redis_password": "set" if password else (
                      "cleared" if args.clear_redis_password else None)})


def run_members(args: argparse.Namespace) -> int:
    from wsadmin.db.editors import add_member, remove_member, set_member_role

    if not (args.add or args.set_role or args.remove):
        return _list_members(args, workspace_ref(args.db, args.workspace))
    require_editable(args.db)        # below head, say so before looking for the workspace
    wid = workspace_ref(args.db, args.workspace)
    if args.add:
        uid = user_ref(args.db, args.add, "member")
        role = args.role or "viewer"
        return apply(args, f"Add {args.add} to {args.workspace} as {role}?", "member.add",
                     lambda c: add_member(c, wid, uid, role),
                     {"workspace_id": wid, "user_id": uid, "role": role})
    if args.set_role:
        if not args.role:
            from wsadmin.db.editors import FieldError

            raise FieldError("role", "--set-role needs --role ROLE")
        uid = user_ref(args.db, args.set_role, "member")
        return apply(args, f"Make {args.set_role} {args.role} of {args.workspace}?",
                     "member.role", lambda c: set_member_role(c, wid, uid, args.role),
                     {"workspace_id": wid, "user_id": uid, "role": args.role})
    uid = user_ref(args.db, args.remove, "member")
    new_current = (workspace_ref(args.db, args.new_current, "current_workspace")
                   if args.new_current else None)
    return apply(args, f"Remove {args.remove} from {args.workspace}?", "member.remove",
                 lambda c: remove_member(c, wid, uid, new_current=new_current),
                 {"workspace_id": wid, "user_id": uid, "new_current": new_current})


def _list_members(args: argparse.Namespace, wid: int) -> int:
    from wsadmin.db.editors import member_ids, member_rows

    def work(c: sqlite3.Connection) -> tuple[int, list[Any]]:
        ids = member_ids(c, wid, text_filter=args.search)
        return len(ids), member_rows(c, wid, ids[:args.limit] if args.limit else ids)

    total, rows = read_db(args.db, work)
    if args.json:
        print_json({"total": total, "members": [vars(r) for r in rows]})
        return 0
    for r in rows:
        flags = (" (current)" if r.current else "") + ("" if r.active else " (inactive)")
        print(printable(f"{r.user_id:>8}  {r.username or '(missing user)':<24} {r.role:<7}"
                        f"{flags}"))
    print(f"{len(rows):,} of {total:,} member(s)")
    return 0


def run_rm(args: argparse.Namespace) -> int:
    from wsadmin.db.editors import FieldError, delete_workspace, preview_workspace_delete

    require_editable(args.db)
    wid = workspace_ref(args.db, args.workspace)
    rows_to = workspace_ref(args.db, args.rows_to, "rows_to") if args.rows_to else None
    users_to = workspace_ref(args.db, args.users_to, "users_to") if args.users_to else None
    p = read_db(args.db, lambda c: preview_workspace_delete(c, wid, rows_to, users_to))
    if args.json and args.dry_run:
        print_json({"preview": p.to_json(), "applied": False})
        return 0
    if not args.json:
        rows = ", ".join(f"{n:,} {t}" for t, n in p.rows.items()) or "no rows"
        lines = [f"deleting {p.slug} (id {p.workspace_id}) {p.name}:", f"  rows that move: {rows}",
                 f"  memberships deleted: {p.members:,}; settings deleted: {p.settings:,}",
                 f"  users whose current workspace it is: {p.users_current:,} "
                 f"({p.users_to_own:,} to another workspace of theirs, {p.users_joining:,} "
                 "join their new one as viewer)"]
        lines.extend(f"  note: {n}" for n in p.notes)
        print(printable_lines("\n".join(lines)))
    if args.dry_run:
        return 0
    if rows_to is None:
        raise FieldError("rows_to", "deleting a workspace needs --rows-to WORKSPACE: its rows "
                         "move there", "nothing is deleted with the workspace")
    return apply(args, f"Back up {Path(args.db).name} and delete the workspace "
                 f"{args.workspace}?", "workspace.delete",
                 lambda c: delete_workspace(c, wid, rows_to, users_to),
                 {"workspace_id": wid, "rows_to": rows_to, "users_to": users_to}, backup=True)


def run_move(args: argparse.Namespace) -> int:
    from wsadmin.db.editors import FieldError, move_rows, plan_move

    require_editable(args.db)
    source = workspace_ref(args.db, args.source)
    target = workspace_ref(args.db, args.target, "target")
    ids: list[int] | None = None
    if args.ids is not None:
        try:
            ids = [int(i) for i in args.ids.split(",") if i.strip()]
        except ValueError as exc:
            raise FieldError("ids", f"{args.ids!r} is not a list of row ids",
                             "give ids like 1,2,3") from exc
    plan = read_db(args.db, lambda c: plan_move(c, source, args.table, ids, target,
                                                links=args.links))
    if args.json and args.dry_run:
        print_json({"plan": plan.to_json(), "applied": False})
        return 0
    if not args.json:
        rows = ", ".join(f"{n:,} {t}" for t, n in plan.rows.items()) or "nothing"
        print(printable(f"moving {rows} from {args.source} to {args.target}"
                        + (f"; {plan.unlinked:,} dashboard link(s) cut" if plan.unlinked
                           else "")))
        for note in plan.notes:
            print(printable(f"  note: {note}"))
    if args.dry_run:
        return 0
    return apply(args, f"Move {plan.total:,} row(s)?", "workspace.move_rows",
                 lambda c: move_rows(c, source, args.table, ids, target, links=args.links),
                 {"source": source, "target": target, "table": args.table,
                  "ids": ids[:50] if ids else None, "links": args.links},
                 backup=plan.needs_backup)
