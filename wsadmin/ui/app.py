"""Entry point of the desktop app (placeholder until the GUI shell lands)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    args = list(sys.argv[1:] if argv is None else argv)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    label = QLabel(f"wsadmin — {args[0] if args else 'no database open'}")
    label.setMinimumSize(640, 400)
    label.show()
    return int(app.exec())
