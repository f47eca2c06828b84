"""The latent explorer: live canvas, sliders, keyframes, favourites and image export."""
from .pyside_fix import immortalize_singletons

immortalize_singletons()      # PySide6 6.12 + CPython 3.11 refcount bug (see pyside_fix.py)

from .workspace import ExplorerWorkspace  # noqa: E402

__all__ = ["ExplorerWorkspace", "install"]


def install(window) -> ExplorerWorkspace:
    """Register the 'explore' workspace in the MainWindow and wire it to the window's project,
    messages and undo stack (MainWindow.open_model calls its open_model)."""
    ws = ExplorerWorkspace(window, undo_stack=window.undo_stack)
    window.add_workspace("explore", "Explore", ws)
    ws.notice.connect(window.show_message)
    window.project_changed.connect(ws.set_project)
    if getattr(window, "project", None):
        ws.set_project(window.project)
    return ws
