"""The fade-in of a grown generator (progressive growth, studio/core/growth.py).

A model grown from half its size renders, while it grows, (1 - alpha) · upsample(old to-RGB of the half-size map)
+ alpha · its own full-size image; alpha goes 0 → 1, then the fade is taken off and the model is an ordinary one.
A generator that can grow has `fade` (None, or this module, which its forward applies last) and `half_rgb()`
(a to-RGB layer for its half-size map: what the model half its size ended with).

The old to-RGB is kept as it was trained (frozen: it is on its way out, and the optimizer never sees it); it and
alpha are in the state dict, so a checkpoint taken mid-fade resumes exactly and renders what the samples showed.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

PREFIX = "fade."                  # its keys in a generator's state dict
RGB = "to_rgb."                   # a growing generator's last layer, the to-RGB of its full-size map


class FadeIn(nn.Module):
    def __init__(self, rgb: nn.Module):
        super().__init__()
        self.rgb = rgb.requires_grad_(False)
        self.register_buffer("alpha", torch.zeros(()))

    def forward(self, half: torch.Tensor, img: torch.Tensor) -> torch.Tensor:
        """half: G's map at half the size; img: G's full-size image (after tanh)."""
        old = F.interpolate(torch.tanh(self.rgb(half)), scale_factor=2, mode="nearest")
        return torch.lerp(old.to(img.dtype), img, self.alpha.to(img.dtype))


def upsampled_half(x: torch.Tensor) -> torch.Tensor:
    """Images as the half-size model saw them, at full size: 2×2 means, enlarged as the fade enlarges them."""
    return F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="nearest")


def fading(G: nn.Module) -> bool:
    return getattr(G, "fade", None) is not None


def attach(G: nn.Module) -> FadeIn:
    """Put a fade (alpha 0, a fresh old to-RGB to load or copy into) on G, on G's device and dtype."""
    ref = next(G.parameters())
    G.fade = FadeIn(G.half_rgb()).to(ref.device, ref.dtype)
    return G.fade


def detach(G: nn.Module) -> None:
    """The fade is over: G is an ordinary model again."""
    G.fade = None


def has_fade(tensors: dict, prefix: str) -> bool:
    """Whether the file's `prefix` module (G, G_ema) was saved mid-fade."""
    return any(k.startswith(f"{prefix}.{PREFIX}") for k in tensors)
