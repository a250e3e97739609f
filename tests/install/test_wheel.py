"""The installed wheel is the product: build it, install it (not editable) into a fresh
venv, and use it from a folder that is not the checkout, as an operator would.

Fails when a module or data file of the source tree is missing from the wheel,
or when a command or the GUI does not work from the installed copy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# What the source tree ships, and under which name in the wheel.
SHIPPED = {"wsadmin": "wsadmin", "migrations": "wsadmin/migrations", "docs": "wsadmin/docs"}
DATA_SUFFIXES = (".py", ".md", ".png", ".svg", ".sql", ".mako")


def _tracked(folder: str) -> list[str]:
    out = subprocess.run(["git", "ls-files", folder], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout.split()
    return [p for p in out if p.endswith(DATA_SUFFIXES)]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Built from the tracked files only, as a clean clone would be: a stale build/ folder
    # in the checkout would otherwise put deleted modules into the wheel.
    source = tmp_path_factory.mktemp("source")
    archive = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                             check=True).stdout.split(b"\0")
    for name in filter(None, archive):
        src, dst = REPO / os.fsdecode(name), source / os.fsdecode(name)
        if src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    # No build isolation: the dev venv has a recent setuptools, and no download is needed.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(source)], check=True, cwd=out,
                   env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    found = list(out.glob("wsadmin-*.whl"))
    assert len(found) == 1
    return found[0]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The bin folder of a fresh venv with only the wheel (and its dependencies)."""
    env_dir = tmp_path_factory.mktemp("venv") / "v"
    venv.create(env_dir, with_pip=True)
    subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q",
                    "--disable-pip-version-check", str(wheel)], check=True)
    yield env_dir / "bin"


def test_every_source_file_is_in_the_wheel(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = []
    for folder, target in SHIPPED.items():
        for path in _tracked(folder):
            inside = target + path[len(folder):]
            if inside not in names:
                missing.append(path)
    assert not missing, f"left out of the wheel: {missing}"
    shipped = {target + path[len(folder):] for folder, target in SHIPPED.items()
               for path in _tracked(folder)}
    extra = sorted(n for n in names if n.startswith("wsadmin/") and n not in shipped)
    assert not extra, f"in the wheel but not in the source tree: {extra}"


def _run(bin_dir: Path, cwd: Path, *args: str, ok: tuple[int, ...] = (0,),
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(bin_dir / "wsadmin"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env={**os.environ, **(env or {})})
    assert done.returncode in ok, f"wsadmin {' '.join(args)}: exit {done.returncode}\n" \
                                  f"{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    return done


def test_commands_work_from_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "operator"
    elsewhere.mkdir()
    home = {"WSADMIN_HOME": str(tmp_path / "home")}
    assert "wsadmin" in _run(installed, elsewhere, "--version").stdout
    _run(installed, elsewhere, "demo", "app_metadata.db", "--users", "300", "--state", "legacy")
    db = elsewhere / "app_metadata.db"
    status = json.loads(_run(installed, elsewhere, "status", "app_metadata.db", "--json").stdout)
    assert status["current_revision"] is None
    check = json.loads(_run(installed, elsewhere, "check", "app_metadata.db", "--json",
                            ok=(0, 1)).stdout)
    assert {c["id"] for c in check["checks"]} and check["checks"][0]["status"]
    backup = _run(installed, elsewhere, "backup", "app_metadata.db", "--json", env=home)
    assert Path(json.loads(backup.stdout)["path"]).is_file()
    plan = _run(installed, elsewhere, "upgrade", "app_metadata.db", "--dry-run", env=home)
    assert "would run: yes" in plan.stdout
    _run(installed, elsewhere, "upgrade", "app_metadata.db", "--yes", env=home)
    after = json.loads(_run(installed, elsewhere, "status", str(db), "--json").stdout)
    assert after["up_to_date"] is True
    # Nothing was read from the checkout: the installed package is not under REPO.
    where = subprocess.run([str(installed / "python"), "-c",
                            "import wsadmin, wsadmin.migrations, wsadmin.docs; "
                            "print(wsadmin.__file__)"],
                           cwd=elsewhere, capture_output=True, text=True, check=True).stdout
    assert not Path(where.strip()).is_relative_to(REPO)


def test_the_gui_starts_from_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    _run(installed, tmp_path, "demo", "app_metadata.db", "--users", "50", "--state", "legacy")
    done = _run(installed, tmp_path, "gui", "app_metadata.db",
                env={"QT_QPA_PLATFORM": "offscreen", "WSADMIN_EXIT_WHEN_READY": "1",
                     "WSADMIN_HOME": str(tmp_path / "home")})
    assert "wsadmin: ready app_metadata.db" in done.stdout


def test_the_user_guide_ships_with_the_wheel(installed: Path, tmp_path: Path) -> None:
    code = ("import importlib.resources as r; "
            "print(len(r.files('wsadmin.docs').joinpath('user-guide.md').read_text()))")
    out = subprocess.run([str(installed / "python"), "-c", code], cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout
    assert int(out) > 1000
