"""`wsadmin --version`: one line per component, the versions actually loaded."""

from __future__ import annotations

import platform
import sqlite3
import subprocess
import sys
from importlib import metadata

import alembic
import PySide6
import pytest
import sqlalchemy
from PySide6.QtCore import qVersion

import wsadmin
from wsadmin.cli import main


def run_version(capsys: pytest.CaptureFixture[str]) -> list[str]:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code in (0, None)
    return capsys.readouterr().out.splitlines()


def test_version_prints_every_component(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_version(capsys) == [
        f"wsadmin {wsadmin.__version__}",
        f"Python {platform.python_version()}",
        f"Qt {qVersion()}",
        f"PySide6 {PySide6.__version__}",
        f"SQLAlchemy {sqlalchemy.__version__}",
        f"Alembic {alembic.__version__}",
        f"SQLite {sqlite3.sqlite_version}",
    ]


def test_version_without_metadata_reads_the_modules(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A frozen bundle may lack the distributions' metadata."""
    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    lines = run_version(capsys)
    assert f"SQLAlchemy {sqlalchemy.__version__}" in lines
    assert f"Alembic {alembic.__version__}" in lines


def test_version_still_works_when_qt_cannot_load(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken Qt install is what an operator reports with --version."""
    monkeypatch.setitem(sys.modules, "PySide6.QtCore", None)
    lines = run_version(capsys)
    assert lines[0] == f"wsadmin {wsadmin.__version__}"
    assert lines[2].startswith("Qt not available (")
    assert lines[-1] == f"SQLite {sqlite3.sqlite_version}"


def test_help_does_not_load_qt() -> None:
    """Only --version asks Qt for its version: other commands start without it."""
    code = ("import sys; from wsadmin.cli import build_parser; build_parser().format_help(); "
            "print('PySide6' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
