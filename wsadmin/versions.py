"""The versions a bug report needs, one line per component: `wsadmin --version`, the
About dialog and the crash report all print these same lines.

Qt-free: the Qt and PySide6 lines import PySide6.QtCore only when asked for and
say "not available" when it cannot load (a broken Qt install must not break
`--version`, which is what an operator runs first to report it). SQLAlchemy and
Alembic are read from the installed metadata, without importing them.
"""

from __future__ import annotations

import importlib
import platform
import sqlite3
from importlib import metadata

import wsadmin

# (label, distribution name, module name): metadata first, the module's own
# __version__ when the metadata is missing (a frozen bundle built without it).
_LIBRARIES = (
    ("SQLAlchemy", "SQLAlchemy", "sqlalchemy"),
    ("Alembic", "alembic", "alembic"),
)


def _library(dist: str, module: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        pass
    try:
        return str(importlib.import_module(module).__version__)
    except (ImportError, AttributeError):
        return "not installed"


def _qt() -> tuple[str, str]:
    """(Qt's run-time version, PySide6's version)."""
    try:
        import PySide6
        from PySide6.QtCore import qVersion
    except ImportError as exc:   # the Qt libraries or their system dependencies
        why = f"not available ({exc})"
        return why, why
    return str(qVersion()), str(PySide6.__version__)


def components() -> list[tuple[str, str]]:
    """[(component, version)] in the order they are printed."""
    qt, pyside = _qt()
    return [
        ("wsadmin", wsadmin.__version__),
        ("Python", platform.python_version()),
        ("Qt", qt),
        ("PySide6", pyside),
        *((label, _library(dist, module)) for label, dist, module in _LIBRARIES),
        ("SQLite", sqlite3.sqlite_version),
    ]


def version_lines() -> list[str]:
    return [f"{name} {version}" for name, version in components()]


def version_text() -> str:
    return "\n".join(version_lines())
