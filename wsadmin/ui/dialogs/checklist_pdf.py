"""The checklist's report as a PDF, printed by Qt from the report's HTML.

Used by the wizard's final page and by `wsadmin checklist --report FILE.pdf`
(which has no window: a QGuiApplication is made for the printing when there
is none). The file is written beside its final name and renamed into place,
with permissions no wider than the database's.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrinter


def _mode(database: Path) -> int:
    try:
        return stat.S_IMODE(database.stat().st_mode) & 0o666
    except OSError:
        return 0o600


def write_pdf(html: str, path: str | Path, database: Path) -> int:
    """Print `html` to `path` (A4); returns the number of pages."""
    # Printing needs an application object (fonts); the command line has none.
    own = QGuiApplication(["wsadmin"]) if QGuiApplication.instance() is None else None
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        doc = QTextDocument()
        doc.setHtml(html)
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp))
        printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                          QPageLayout.Orientation.Portrait,
                                          QMarginsF(15, 15, 15, 15),
                                          QPageLayout.Unit.Millimeter))
        doc.setPageSize(printer.pageRect(QPrinter.Unit.Point).size())
        pages = doc.pageCount()
        doc.print_(printer)
        del printer         # the PDF is complete once the printer is gone
        os.chmod(tmp, _mode(database))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    del own
    return pages
