"""The latent explorer: live canvas, sliders, keyframes, favourites and image export."""
from __future__ import annotations

from pathlib import Path

from .workspace import ExplorerWorkspace

__all__ = ["ExplorerWorkspace", "install"]


def install(window) -> ExplorerWorkspace:
    """Register the 'explore' workspace in the MainWindow over the studio's explorer document, and wire it to
    the window's messages. A project that has a model opens it in Explore (unless Explore already shows a model of
    that project); what the artist made on the model Explore showed before stays with that model."""
    ws = ExplorerWorkspace(window.studio.explorer, window.studio)
    window.add_workspace("explore", "Explore", ws)
    ws.notice.connect(window.show_message)

    def project_changed(path) -> None:
        model = ws.doc.home_model()
        shown = ws.doc.project
        if model is not None and (shown is None or Path(shown).resolve() != Path(path).resolve()):
            ws.open_model(model, quiet=True)
    window.project_changed.connect(project_changed)
    project_changed(window.project)
    return ws
