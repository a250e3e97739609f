"""Dropping a database file onto a window."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent


def dropped_file(event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> str | None:
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    return next((str(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()), None)


class FileDropTarget:
    """Mixin for a QWidget that accepts drags carrying a local file and calls
    `file_dropped(path)` once the drop has returned (so that the drag source is not kept
    waiting). Drag events only: no filter on every event of the window."""

    def file_dropped(self, path: str) -> Any:
        raise NotImplementedError

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_file(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if dropped_file(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = dropped_file(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, lambda: self.file_dropped(path))
