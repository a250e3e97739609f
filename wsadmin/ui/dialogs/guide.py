"""The user guide (F1), shown inside the app.

The guide is package data, `wsadmin.docs/user-guide.md` with its
`screenshots/*.png` and the pages it links to (`health-checks.md`), read
through importlib.resources: an installed wheel shows it exactly as a
checkout does, and never depends on a browser or on where the checkout is.
Images are loaded from the same package; links to web pages open in the
browser.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

GUIDE_PACKAGE = "wsadmin.docs"
GUIDE_FILE = "user-guide.md"


def guide_root() -> Traversable:
    return files(GUIDE_PACKAGE)


def guide_text() -> str:
    return (guide_root() / GUIDE_FILE).read_text(encoding="utf-8")


def _packaged(path: str) -> Traversable:
    item = guide_root()
    for part in path.split("/"):
        if part and part != ".":
            item = item / part
    return item


class GuideBrowser(QTextBrowser):
    """Markdown with its images and its other pages (health-checks.md) resolved in the
    guide's package (relative links only)."""

    def loadResource(self, kind: int, url: QUrl | str) -> Any:
        target = QUrl(url) if isinstance(url, str) else url
        if kind == QTextDocument.ResourceType.ImageResource.value and target.isRelative():
            item = _packaged(target.path())
            if item.is_file():
                return QImage.fromData(item.read_bytes())
        return super().loadResource(kind, url)

    def doSetSource(self, name: QUrl | str, /,
                    type: QTextDocument.ResourceType = QTextDocument.ResourceType.UnknownResource,
                    ) -> None:
        # The document has no source (setMarkdown), so Qt would resolve a link to another
        # page against nothing and blank the view ("No document for ..."). A page of the
        # guide is read from the package, like the guide itself.
        target = QUrl(name) if isinstance(name, str) else name
        page = _packaged(target.path())
        if target.isRelative() and target.path().endswith(".md") and page.is_file():
            self.setMarkdown(page.read_text(encoding="utf-8"))
            return
        super().doSetSource(name, type)


class GuideDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guideDialog")
        self.setWindowTitle("wsadmin user guide")
        self.resize(860, 680)
        layout = QVBoxLayout(self)
        self.browser = GuideBrowser(self)
        self.browser.setObjectName("guideBrowser")
        self.browser.setAccessibleName("User guide")
        self.browser.setOpenExternalLinks(True)
        self.browser.setMarkdown(guide_text())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)

    def image(self, name: str) -> QImage:
        """The image the document shows for `name` (null when it could not be loaded)."""
        resource = self.browser.document().resource(
            QTextDocument.ResourceType.ImageResource.value, QUrl(name))
        return resource if isinstance(resource, QImage) else QImage()
