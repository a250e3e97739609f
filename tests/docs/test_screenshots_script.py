"""scripts/screenshots.py removes its temporary folder (demo databases, backups, settings,
audit log) when it ends, failed or not, and leaves the environment as it found it."""

from __future__ import annotations

import argparse
import importlib.util
import os
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "screenshots.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshots_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("fails", [False, True])
def test_the_temporary_folder_is_removed_at_the_end(tmp_path: Path, fails: bool,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    script = load()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("WSADMIN_HOME", "/the/operators/own")
    monkeypatch.delenv("WSADMIN_BACKUP_DIR", raising=False)
    seen: list[Path] = []

    def render(args: argparse.Namespace, work: Path) -> int:
        # What the real run writes there: a database, a backup, the audit log.
        assert os.environ["WSADMIN_HOME"] == str(work / "home")
        (work / "home").mkdir()
        (work / "home" / "audit.jsonl").write_text("{}\n")
        (work / "srv").mkdir()
        (work / "srv" / "app_metadata.db").write_bytes(b"SQLite format 3\0")
        seen.append(work)
        if fails:
            raise RuntimeError("a screenshot failed")
        return 0

    monkeypatch.setattr(script, "render", render)
    out = tmp_path / "out"
    if fails:
        with pytest.raises(RuntimeError):
            script.main(["--out", str(out)])
    else:
        assert script.main(["--out", str(out)]) == 0
    [work] = seen
    assert work.parent == tmp_path and work.name.startswith("wsadmin-shots-")
    assert not work.exists()
    assert [p.name for p in tmp_path.iterdir()] == []
    assert os.environ["WSADMIN_HOME"] == "/the/operators/own"
    assert "WSADMIN_BACKUP_DIR" not in os.environ
