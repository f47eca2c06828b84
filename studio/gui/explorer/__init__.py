"""The latent explorer: live canvas, sliders, keyframes, favourites and image export."""
from .workspace import ExplorerWorkspace

__all__ = ["ExplorerWorkspace"]
