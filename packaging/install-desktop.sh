#!/bin/sh
# Register wsadmin with a freedesktop desktop (Linux), for the current user:
# the launcher in the applications menu, its icon in the hicolor theme, and
# wsadmin-gui as the default application for SQLite files.
#
#   install-desktop.sh                 # wsadmin-gui beside this script (the bundle) or on PATH (pipx)
#   install-desktop.sh --exec PATH     # another wsadmin-gui
#   install-desktop.sh --uninstall
#
# Works from the frozen bundle (the script sits beside wsadmin-gui) and from a
# checkout (packaging/). Plain copies into $XDG_DATA_HOME (what `xdg-desktop-menu
# install --mode user` does, without its legacy extras), then xdg-mime for the
# association when xdg-utils is installed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
mimeapps="${XDG_CONFIG_HOME:-$HOME/.config}/mimeapps.list"
apps="$data/applications"
icons="$data/icons/hicolor"
types="application/vnd.sqlite3 application/x-sqlite3"
exe=""
mode=install

while [ $# -gt 0 ]; do
    case "$1" in
        --exec) exe=$2; shift 2 ;;
        --uninstall) mode=uninstall; shift ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "install-desktop.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done

have() { command -v "$1" >/dev/null 2>&1; }

refresh() {
    if have update-desktop-database; then update-desktop-database -q "$apps" || true; fi
    if have gtk-update-icon-cache && [ -f "$icons/index.theme" ]; then
        gtk-update-icon-cache -q -t "$icons" || true
    fi
}

if [ "$mode" = uninstall ]; then
    rm -f "$apps/wsadmin.desktop" "$icons/scalable/apps/wsadmin.svg"
    # Our own defaults only (a type mapped to wsadmin.desktop alone).
    if [ -f "$mimeapps" ]; then sed -i '/^[^=]*=wsadmin\.desktop;\{0,1\}$/d' "$mimeapps"; fi
    refresh
    echo "wsadmin: desktop entry and icon removed"
    exit 0
fi

for icon in "$here/_internal/wsadmin/ui/resources/wsadmin.svg" \
            "$here/../wsadmin/ui/resources/wsadmin.svg" ""; do
    [ -z "$icon" ] || [ -f "$icon" ] && break
done
if [ -z "$icon" ]; then
    echo "install-desktop.sh: cannot find wsadmin.svg (run me from the bundle or a checkout)" >&2
    exit 2
fi

# The command the launcher runs: a bundle's wsadmin-gui by its absolute path; a pipx
# install by its name, so that `pipx upgrade` never leaves the launcher stale.
if [ -z "$exe" ]; then
    if [ -x "$here/wsadmin-gui" ]; then exe="$here/wsadmin-gui"
    elif have wsadmin-gui; then exe=wsadmin-gui
    else
        echo "install-desktop.sh: wsadmin-gui not found (install wsadmin, or give --exec PATH)" >&2
        exit 2
    fi
fi
case "$exe" in
    *[!A-Za-z0-9_./+-]*) exec_line="\"$exe\" %f" ;;   # the spec's quoting for odd paths
    *) exec_line="$exe %f" ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|^Exec=.*|Exec=$exec_line|" "$here/wsadmin.desktop" > "$tmp/wsadmin.desktop"

mkdir -p "$apps" "$icons/scalable/apps"
install -m 644 "$icon" "$icons/scalable/apps/wsadmin.svg"
install -m 644 "$tmp/wsadmin.desktop" "$apps/wsadmin.desktop"
refresh
if have xdg-mime; then
    # shellcheck disable=SC2086  # two MIME types, split on purpose
    xdg-mime default wsadmin.desktop $types
    echo "wsadmin: launcher, icon and SQLite association installed (Exec=$exec_line)"
else
    echo "wsadmin: launcher and icon installed (Exec=$exec_line); xdg-mime not found, so"
    echo "  SQLite files are not associated yet: install xdg-utils, then run"
    echo "  xdg-mime default wsadmin.desktop $types"
fi
