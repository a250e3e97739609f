"""Desktop integration: the .desktop entry, the icon, and the install script that makes
wsadmin-gui the handler of SQLite files for the current user."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from PySide6.QtGui import QIcon
from pytestqt.qtbot import QtBot

REPO = Path(__file__).resolve().parents[2]
DESKTOP = REPO / "packaging" / "wsadmin.desktop"
SCRIPT = REPO / "packaging" / "install-desktop.sh"
ICON = REPO / "wsadmin" / "ui" / "resources" / "wsadmin.svg"
SQLITE_TYPES = ("application/vnd.sqlite3", "application/x-sqlite3")


def entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str      # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_opens_sqlite_files_with_the_gui_script() -> None:
    desktop = entry(DESKTOP)
    command, arg = desktop["Exec"].split()
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["gui-scripts"]
    assert command in scripts and arg == "%f"
    assert desktop["Icon"] == ICON.stem
    assert set(SQLITE_TYPES) <= set(filter(None, desktop["MimeType"].split(";")))
    if shutil.which("desktop-file-validate"):
        done = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True,
                              text=True)
        assert done.returncode == 0 and not done.stdout.strip(), done.stdout


def test_icon_renders_at_menu_sizes(qtbot: QtBot) -> None:
    icon = QIcon(str(ICON))
    for size in (16, 48, 256):
        image = icon.pixmap(size, size).toImage()
        assert image.width() == size
        opaque = sum(image.pixelColor(x, y).alpha() > 200
                     for x in range(size) for y in range(size))
        assert opaque > size * size // 2, f"{size}px: mostly transparent"


def _install(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    return subprocess.run(["sh", str(SCRIPT), *args], env=env, capture_output=True, text=True,
                          check=True, timeout=60)


def test_install_script_registers_launcher_icon_and_association(tmp_path: Path) -> None:
    exe = "/opt/wsadmin bundle/wsadmin-gui"     # a space: the Exec value must be quoted
    out = _install(tmp_path, "--exec", exe).stdout
    installed = tmp_path / "data" / "applications" / "wsadmin.desktop"
    assert entry(installed)["Exec"] == f'"{exe}" %f'
    assert entry(installed)["MimeType"] == entry(DESKTOP)["MimeType"]
    icon = tmp_path / "data" / "icons" / "hicolor" / "scalable" / "apps" / "wsadmin.svg"
    assert icon.read_bytes() == ICON.read_bytes()
    mimeapps = tmp_path / "config" / "mimeapps.list"
    if shutil.which("xdg-mime"):
        listed = mimeapps.read_text()
        for mime in SQLITE_TYPES:
            assert f"{mime}=wsadmin.desktop" in listed
    else:
        assert "xdg-mime default wsadmin.desktop" in out

    if mimeapps.exists():
        with mimeapps.open("a") as f:
            f.write("text/plain=editor.desktop\n")
    _install(tmp_path, "--uninstall")
    assert not installed.exists() and not icon.exists()
    if mimeapps.exists():
        assert "wsadmin.desktop" not in mimeapps.read_text()
        assert "text/plain=editor.desktop" in mimeapps.read_text()


def test_install_script_refuses_without_a_gui_to_launch(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "XDG_DATA_HOME": str(tmp_path / "data")}
    done = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True)
    if shutil.which("wsadmin-gui", path=env["PATH"]):
        pytest.skip("a wsadmin-gui is installed system-wide")
    assert done.returncode == 2 and "wsadmin-gui not found" in done.stderr
    assert not (tmp_path / "data" / "applications").exists()
