"""The latent explorer: live canvas, sliders, keyframes, favourites and image export."""
from __future__ import annotations

from .workspace import ExplorerWorkspace

__all__ = ["ExplorerWorkspace", "install"]


def install(window) -> ExplorerWorkspace:
    """Register the 'explore' workspace in the MainWindow over the studio's explorer document, and wire it to
    the window's messages; a project opened with no model in Explore opens the project's model."""
    ws = ExplorerWorkspace(window.studio.explorer, window.studio)
    window.add_workspace("explore", "Explore", ws)
    ws.notice.connect(window.show_message)

    def project_changed(_path) -> None:
        model = ws.doc.home_model()
        if model is not None and ws.model is None:
            ws.open_model(model, quiet=True)
    window.project_changed.connect(project_changed)
    project_changed(window.project)
    return ws
