"""The latent explorer: live canvas, sliders, keyframes, favourites and image export."""
from .pyside_fix import immortalize_singletons

immortalize_singletons()      # PySide6 6.12 + CPython 3.11 refcount bug (see pyside_fix.py)

from .workspace import ExplorerWorkspace  # noqa: E402

__all__ = ["ExplorerWorkspace"]
