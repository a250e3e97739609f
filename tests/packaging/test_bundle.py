"""The frozen bundle of `make bundle` (packaging/wsadmin.spec) works on its own.

Marked `bundle`: runs when dist/bundle/wsadmin exists and is newer than the sources,
or when asked for with `-m bundle` (which builds it first: about 2-3 minutes).
Each command runs from a folder outside the checkout, as an operator would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUNDLE = Path(os.environ.get("WSADMIN_BUNDLE", REPO / "dist" / "bundle" / "wsadmin"))
SOURCES = ("wsadmin", "migrations", "docs", "packaging")
# What the spec leaves out: if one of these shows up, the bundle grew fat again.
UNUSED_QT = ("Qml", "Quick", "WebEngine", "Network", "Pdf", "Multimedia", "3D", "OpenGL",
             "VirtualKeyboard")
SIZE_BUDGET = 150 * 2**20     # measured 127 MiB (Linux, stripped)

pytestmark = [pytest.mark.bundle, pytest.mark.timeout(1800)]


def _asked_for(config: pytest.Config) -> bool:
    expr = config.getoption("markexpr") or ""
    return "bundle" in expr and "not bundle" not in expr


def _stale() -> bool:
    built = (BUNDLE / "wsadmin").stat().st_mtime
    files = subprocess.run(["git", "ls-files", *SOURCES], cwd=REPO, capture_output=True,
                           text=True, check=True).stdout.split()
    return any((REPO / f).stat().st_mtime > built for f in files if (REPO / f).exists())


@pytest.fixture(scope="module")
def bundle(request: pytest.FixtureRequest) -> Path:
    present = (BUNDLE / "wsadmin").is_file()
    if _asked_for(request.config) and "WSADMIN_BUNDLE" not in os.environ and (
            not present or _stale()):
        subprocess.run(["make", "bundle"], cwd=REPO, check=True, timeout=1500)
    elif not present:
        pytest.skip(f"no bundle at {BUNDLE}: run `make bundle` or `pytest -m bundle`")
    elif "WSADMIN_BUNDLE" not in os.environ and _stale():
        pytest.skip("the bundle is older than the sources: run `make bundle`")
    return BUNDLE


def _run(exe: Path, cwd: Path, *args: str, ok: tuple[int, ...] = (0,),
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    done = subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**clean, **(env or {})})
    assert done.returncode in ok, f"{exe.name} {' '.join(args)}: exit {done.returncode}\n" \
                                  f"{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    return done


def test_the_frozen_cli_upgrades_and_checks_a_demo_database(bundle: Path, tmp_path: Path
                                                            ) -> None:
    cli = bundle / "wsadmin"
    here = tmp_path / "operator"
    here.mkdir()
    home = {"WSADMIN_HOME": str(tmp_path / "home")}
    versions = _run(cli, here, "--version").stdout.splitlines()
    assert [line.split()[0] for line in versions] == [
        "wsadmin", "Python", "Qt", "PySide6", "SQLAlchemy", "Alembic", "SQLite"]
    assert not any("not" in line for line in versions), versions
    _run(cli, here, "demo", "app_metadata.db", "--users", "300", "--state", "legacy")
    before = json.loads(_run(cli, here, "status", "app_metadata.db", "--json").stdout)
    assert before["current_revision"] is None and before["up_to_date"] is False
    _run(cli, here, "upgrade", "app_metadata.db", "--yes", env=home)
    after = json.loads(_run(cli, here, "status", "app_metadata.db", "--json").stdout)
    assert after["up_to_date"] is True
    check = json.loads(_run(cli, here, "check", "app_metadata.db", "--json", env=home,
                            ok=(0, 1)).stdout)
    # schema_drift runs the shipped migrations from their files: it works only if the
    # bundle carries them (and the sources they hash) where the package expects them.
    frozen = {c["id"]: (c["status"], c["count"]) for c in check["checks"]}
    assert frozen["schema_drift"] == ("ok", 0)
    assert not [k for k, (status, _n) in frozen.items() if status == "error"], frozen
    # The demo carries the realistic faults SCHEMA.md asks of it (an invalid role, a
    # plain-text config, a row of a deleted creator): the frozen app finds exactly what
    # the package finds on the same file.
    source = subprocess.run([sys.executable, "-m", "wsadmin", "check",
                             str(here / "app_metadata.db"), "--json"],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, **home})
    assert source.returncode in (0, 1), source.stderr
    assert frozen == {c["id"]: (c["status"], c["count"])
                      for c in json.loads(source.stdout)["checks"]}


def test_the_frozen_gui_opens_a_database_offscreen(bundle: Path, tmp_path: Path) -> None:
    _run(bundle / "wsadmin", tmp_path, "demo", "app_metadata.db", "--users", "50")
    env = {"QT_QPA_PLATFORM": "offscreen", "WSADMIN_EXIT_WHEN_READY": "1",
           "WSADMIN_HOME": str(tmp_path / "home")}
    done = _run(bundle / "wsadmin-gui", tmp_path, "app_metadata.db", env=env)
    assert "wsadmin: ready app_metadata.db" in done.stdout


def test_the_bundle_is_lean(bundle: Path) -> None:
    links = [p for p in bundle.rglob("*") if p.is_symlink()]
    assert all(p.exists() for p in links), [str(p) for p in links if not p.exists()]
    files = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()]
    fat = [p.name for p in files if any(f"Qt6{m}" in p.name or f"Qt{m}." in p.name
                                        for m in UNUSED_QT)]
    assert not fat, f"unused Qt modules in the bundle: {fat}"
    assert not [p for p in files if "translations" in p.parts]
    size = sum(p.stat().st_size for p in files)
    assert size < SIZE_BUDGET, f"bundle is {size / 2**20:.0f} MiB"
    # the two executables share one _internal folder
    assert (bundle / "wsadmin").is_file() and (bundle / "wsadmin-gui").is_file()
    assert len([p for p in files if p.name.startswith("libQt6Core")]) == 1
