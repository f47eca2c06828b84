"""DCGAN (Radford et al. 2016): transposed convs + batch norm in G, strided convs + LeakyReLU in D.

At 64 px with width 64 this is exactly the pytorch/examples DCGAN (ngf = ndf = 64).
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn


def _mult(resolution: int, r: int) -> int:
    """Channel multiplier of the feature map at size r: 8 at 4x4 for 64 px, halving as r doubles."""
    return max(1, min(8, resolution // (2 * r)))


def init_weights(m: nn.Module) -> None:
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


class Generator(nn.Module):
    has_recon = False

    def __init__(self, z_dim: int = 100, resolution: int = 64, channels: int = 3, width: int = 64):
        super().__init__()
        self.z_dim, self.resolution, self.channels = z_dim, resolution, channels
        ups = int(math.log2(resolution)) - 2
        ch = width * _mult(resolution, 4)
        layers: list[nn.Module] = [nn.ConvTranspose2d(z_dim, ch, 4, 1, 0, bias=False), nn.BatchNorm2d(ch), nn.ReLU(True)]
        r = 4
        for _ in range(ups - 1):
            r *= 2
            out = width * _mult(resolution, r)
            layers += [nn.ConvTranspose2d(ch, out, 4, 2, 1, bias=False), nn.BatchNorm2d(out), nn.ReLU(True)]
            ch = out
        layers += [nn.ConvTranspose2d(ch, channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)
        self.apply(init_weights)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z.view(z.shape[0], self.z_dim, 1, 1))


class Discriminator(nn.Module):
    has_recon = False

    def __init__(self, resolution: int = 64, channels: int = 3, width: int = 64):
        super().__init__()
        r = resolution // 2
        ch = width * _mult(resolution, r)
        layers: list[nn.Module] = [nn.Conv2d(channels, ch, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
        while r > 4:
            r //= 2
            out = width * _mult(resolution, r)
            layers += [nn.Conv2d(ch, out, 4, 2, 1, bias=False), nn.BatchNorm2d(out), nn.LeakyReLU(0.2, inplace=True)]
            ch = out
        layers += [nn.Conv2d(ch, 1, 4, 1, 0, bias=False)]
        self.main = nn.Sequential(*layers)
        self.apply(init_weights)

    def forward(self, x: torch.Tensor, with_recon: bool = False):
        logits = self.main(x).view(x.shape[0], -1)
        return (logits, x.new_zeros(())) if with_recon else logits
