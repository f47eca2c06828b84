"""The latent explorer: live canvas, sliders, keyframes, favourites and image export."""


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
