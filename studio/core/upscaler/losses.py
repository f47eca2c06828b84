"""Distances between pictures: the perceptual distance in a shipped EfficientNet's features, and PSNR.

The perceptual distance is LPIPS-style without learnt weights: feature maps at the network's four depths
(backbone.Backbone.taps), each cell's feature vector scaled to unit length, the squared difference summed over
channels, averaged over cells, then over depths. Training uses Lite0, every reported figure Lite1: a score in the
features the loss optimised would flatter the upscaler (the same rule as the quality metrics).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


class PerceptualDistance:
    def __init__(self, space: str = "lite0", device="cpu", depths: int = 4):
        from ..backbone import get_backbone
        self.net = get_backbone(space, device)
        self.taps = self.net.stages[:depths]         # fewer depths: the network stops early (training: 3)
        self.layout = torch.channels_last if torch.device(device).type == "cpu" else torch.contiguous_format

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """x: RGB in [-1, 1], (N, 3, H, W) with H, W ≥ 32."""
        return [f / (f.norm(dim=1, keepdim=True) + 1e-8) for f in self.net.taps(x.contiguous(memory_format=self.layout), self.taps)]

    @staticmethod
    def between(a: list[torch.Tensor], b: list[torch.Tensor]) -> torch.Tensor:
        """(N,) distance between two feature lists."""
        return sum((fa - fb).square().sum(dim=1).mean(dim=(1, 2)) for fa, fb in zip(a, b)) / len(a)

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            fy = self.features(y)
        return self.between(self.features(x), fy)


def psnr(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(N,) PSNR in dB of pictures in [-1, 1] (peak 255 in 8-bit terms)."""
    mse = ((x.clamp(-1, 1) - y) * 127.5).round().square().mean(dim=(1, 2, 3)).clamp_min(1e-10)
    return 10 * torch.log10(255.0 ** 2 / mse)


def l1(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.l1_loss(x, y)


def gradient_l1(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """L1 between the pictures' horizontal and vertical differences: edges and texture, not flat colour."""
    dx = lambda t: t[..., :, 1:] - t[..., :, :-1]  # noqa: E731
    dy = lambda t: t[..., 1:, :] - t[..., :-1, :]  # noqa: E731
    return F.l1_loss(dx(x), dx(y)) + F.l1_loss(dy(x), dy(y))
