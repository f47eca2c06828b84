"""The upscaler's network: a compact residual super-resolution net (after Real-ESRGAN's "SRVGGNetCompact").

All work happens at the low resolution: a 3×3 convolution into `width` channels, `depth` more 3×3 convolutions,
each followed by a per-channel PReLU, and a last 3×3 convolution to 3·f² channels that pixel-shuffle rearranges
into an f× larger picture. The net adds what it predicts to a bicubic upsampling of its input, so it only has
to learn the detail bicubic misses; its last convolution starts at zero, so an untrained net *is* bicubic.
No batch norm, no attention: on a 2-core CPU, 64→256 px costs a few milliseconds (benchmarks/README.md §11).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

FACTORS = (2, 4)


@dataclass(frozen=True)
class UpscalerSpec:
    factor: int = 4
    width: int = 32
    depth: int = 8
    arch: str = "compact-srvgg"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "UpscalerSpec":
        spec = cls(int(d["factor"]), int(d["width"]), int(d["depth"]), str(d.get("arch", "compact-srvgg")))
        if spec.factor not in FACTORS or not (4 <= spec.width <= 256) or not (1 <= spec.depth <= 64) \
                or spec.arch != "compact-srvgg":
            raise ValueError(f"unsupported upscaler settings {d}")
        return spec


class CompactSR(nn.Module):
    """RGB in [-1, 1], (N, 3, h, w) → (N, 3, f·h, f·w), not clamped."""

    def __init__(self, spec: UpscalerSpec):
        super().__init__()
        self.spec = spec
        w, f = spec.width, spec.factor
        layers: list[nn.Module] = [nn.Conv2d(3, w, 3, padding=1), nn.PReLU(w)]
        for _ in range(spec.depth):
            layers += [nn.Conv2d(w, w, 3, padding=1), nn.PReLU(w)]
        self.body = nn.Sequential(*layers)
        for m in self.body:
            if isinstance(m, nn.Conv2d):          # He init for PReLU(0.25): PyTorch's default shrank the signal
                nn.init.kaiming_normal_(m.weight, a=0.25, nonlinearity="leaky_relu")   # ~2.5× a layer,
                nn.init.zeros_(m.bias)                                                # so nothing learnt
        self.tail = nn.Conv2d(w, 3 * f * f, 3, padding=1)
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.spec.factor
        base = F.interpolate(x, scale_factor=f, mode="bicubic", align_corners=False)
        return base + F.pixel_shuffle(self.tail(self.body(x)), f)


def parameter_count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
