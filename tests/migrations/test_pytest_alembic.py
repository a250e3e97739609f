"""pytest-alembic's built-in tests against our alembic.ini and env.py (DESIGN: a peer's suite).

Single head, upgrade from an empty database, and up/down consistency through
every revision. Model/DDL matching does not apply: the shapes are data
(wsadmin.db.schema), there are no SQLAlchemy models. The experimental
`test_downgrade_leaves_no_trace` does not run on SQLAlchemy 2.1 (its wrapping
connection fails SQLAlchemy's has_table type check); our own tests
(test_downgrades, test_roundtrip_property) cover that ground.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_alembic.tests import (
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)

from wsadmin.db.sqlite.connect import engine_for_url

REPO = Path(__file__).resolve().parents[2]

__all__ = ["test_single_head_revision", "test_up_down_consistency", "test_upgrade"]


@pytest.fixture
def alembic_config() -> dict[str, Any]:
    return {"file": str(REPO / "alembic.ini")}


@pytest.fixture
def alembic_engine(tmp_path: Path) -> Iterator[Any]:
    """One open Connection, as wsadmin hands env.py (config.attributes["connection"]).

    pytest-alembic passes whatever this yields to env.py; our env.py takes a
    Connection (not an Engine), like wsadmin.db.migrate.runner.run_alembic gives it.
    The engine is our seam's: pysqlite autocommit off, foreign keys off, BEGIN
    IMMEDIATE.
    """
    engine = engine_for_url(f"sqlite:///{tmp_path / 'app_metadata.db'}")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()
