"""Entry point of the frozen bundle: one script behind both executables.

The bundle's two executables (`wsadmin`, a console program, and `wsadmin-gui`,
a windowed one on Windows and macOS) are built from this one script so they
share a single set of libraries; the executable's own name says which entry
point of the wheel to run, exactly as the wheel's console and GUI scripts do.
"""

import sys
from pathlib import Path

if Path(sys.executable).stem.lower().endswith("-gui"):
    from wsadmin.ui.app import main
else:
    from wsadmin.cli import main

raise SystemExit(main())
