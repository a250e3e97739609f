#!/usr/bin/env bash
# Debian libraries that Qt (PySide6 wheels) needs. `offscreen` is enough for the
# headless test suite (poppler-utils: the checklist's PDF report is checked as
# pictures with pdftoppm); `gui` adds what a real X11 window needs, plus Xvfb for
# screenshots. Installs only what is missing; needs root or sudo to install.
set -euo pipefail
profile="${1:-gui}"
pkgs=(libegl1 libgl1 libfontconfig1 libfreetype6 libglib2.0-0 libxkbcommon0 libdbus-1-3 sqlite3
      poppler-utils)
if [ "$profile" = gui ]; then
  pkgs+=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libxcb-image0
         libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
         libx11-xcb1 libxrender1 libxi6 fonts-dejavu-core xvfb xauth)
fi
command -v dpkg-query >/dev/null 2>&1 || { echo "not a Debian system: install Qt's X11 libraries by hand (${pkgs[*]})"; exit 0; }
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages Qt needs: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
  echo "run as root: apt-get install -y ${missing[*]}" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
