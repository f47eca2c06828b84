"""A few-shot GAN in the spirit of FastGAN (Liu et al., ICLR 2021).

G: GLU up-blocks with noise injection, and skip-layer excitation (SLE) from low-resolution
features onto high-resolution ones. D: residual down-blocks to 8x8, a patch head, and a
self-supervised reconstruction head (decode the whole image and a random quarter from D's
features), which keeps D from overfitting a small folder. Spectral norm on every conv.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm

from .dcgan import init_weights

_NFC = {4: 16, 8: 8, 16: 4, 32: 2, 64: 2, 128: 1, 256: 0.5, 512: 0.25, 1024: 0.125}


def nfc(r: int, width: int) -> int:
    return max(4, int(_NFC[r] * width))


def conv(*a, **k) -> nn.Module:
    return spectral_norm(nn.Conv2d(*a, **k))


class GLU(nn.Module):
    def forward(self, x):
        a, b = x.chunk(2, dim=1)
        return a * torch.sigmoid(b)


class NoiseInjection(nn.Module):
    """Adds learned-scale noise while training; none at eval, so rendering is deterministic."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        if not self.training:
            return x
        n = torch.randn(x.shape[0], 1, x.shape[2], x.shape[3], device=x.device, dtype=x.dtype)
        # in x's precision: under bf16 autocast an fp32 weight would promote the whole map (and every layer after
        # it up to the next convolution) to fp32, twice the memory traffic; in fp32 this is the same sum
        return x + self.weight.to(x.dtype) * n


def up_block(cin: int, cout: int) -> nn.Module:
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), conv(cin, cout * 2, 3, 1, 1, bias=False),
                         nn.BatchNorm2d(cout * 2), GLU())


def up_block_comp(cin: int, cout: int) -> nn.Module:
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), conv(cin, cout * 2, 3, 1, 1, bias=False),
                         NoiseInjection(), nn.BatchNorm2d(cout * 2), GLU(),
                         conv(cout, cout * 2, 3, 1, 1, bias=False), NoiseInjection(), nn.BatchNorm2d(cout * 2), GLU())


class SLE(nn.Module):
    """Skip-layer excitation: channel gates computed from a small feature map scale a big one."""

    def __init__(self, c_small: int, c_big: int):
        super().__init__()
        self.main = nn.Sequential(nn.AdaptiveAvgPool2d(4), conv(c_small, c_big, 4, 1, 0, bias=False), nn.SiLU(),
                                  conv(c_big, c_big, 1, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, small, big):
        return big * self.main(small)


def sle_pairs(resolution: int) -> list[tuple[int, int]]:
    pairs = [(r, r * 16) for r in (4, 8, 16, 32) if r * 16 <= min(resolution, 512)]
    return pairs[-3:]


class Generator(nn.Module):
    has_recon = False

    def __init__(self, z_dim: int = 256, resolution: int = 256, channels: int = 3, width: int = 64):
        super().__init__()
        self.z_dim, self.resolution, self.channels = z_dim, resolution, channels
        c4 = nfc(4, width)
        self.init = nn.Sequential(spectral_norm(nn.ConvTranspose2d(z_dim, c4 * 2, 4, 1, 0, bias=False)),
                                  nn.BatchNorm2d(c4 * 2), GLU())
        self.ups = nn.ModuleDict()
        r, i = 4, 0
        while r < resolution:
            block = up_block_comp if i % 2 == 0 else up_block
            self.ups[str(r * 2)] = block(nfc(r, width), nfc(r * 2, width))
            r, i = r * 2, i + 1
        self.sles = nn.ModuleDict({f"{a}_{b}": SLE(nfc(a, width), nfc(b, width)) for a, b in sle_pairs(resolution)})
        self.to_rgb = conv(nfc(resolution, width), channels, 3, 1, 1, bias=False)
        self.apply(init_weights)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        feats = {4: self.init(z.view(z.shape[0], self.z_dim, 1, 1))}
        sources = {b: a for a, b in sle_pairs(self.resolution)}
        x, r = feats[4], 4
        while r < self.resolution:
            r *= 2
            x = self.ups[str(r)](x)
            if r in sources:
                a = sources[r]
                x = self.sles[f"{a}_{r}"](feats[a], x)
            feats[r] = x
        return torch.tanh(self.to_rgb(x))


class DownBlock(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.main = nn.Sequential(conv(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2, True),
                                  conv(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2))
        self.direct = nn.Sequential(nn.AvgPool2d(2, 2), conv(cin, cout, 1, 1, 0, bias=False),
                                    nn.BatchNorm2d(cout), nn.LeakyReLU(0.2))

    def forward(self, x):
        return (self.main(x) + self.direct(x)) / 2


class Decoder(nn.Module):
    """8x8 features → an image of size `out` (for D's reconstruction loss)."""

    def __init__(self, cin: int, out: int, channels: int, width: int):
        super().__init__()
        layers: list[nn.Module] = [nn.AdaptiveAvgPool2d(8)]
        c, r = cin, 8
        while r < out:
            r *= 2
            layers.append(up_block(c, nfc(r, width) // 2 or 4))
            c = nfc(r, width) // 2 or 4
        layers += [conv(c, channels, 3, 1, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        return self.main(x)


class Discriminator(nn.Module):
    has_recon = True

    def __init__(self, resolution: int = 256, channels: int = 3, width: int = 64):
        super().__init__()
        self.resolution = resolution
        self.from_img = nn.Sequential(conv(channels, nfc(resolution, width), 3, 1, 1, bias=False), nn.LeakyReLU(0.2, True))
        self.downs = nn.ModuleList()
        r = resolution
        while r > 8:
            self.downs.append(DownBlock(nfc(r, width), nfc(r // 2, width)))
            r //= 2
        c8 = nfc(8, width)
        self.head = nn.Sequential(conv(c8, c8 * 4, 1, 1, 0, bias=False), nn.BatchNorm2d(c8 * 4),
                                  nn.LeakyReLU(0.2, True), conv(c8 * 4, 1, 4, 1, 0, bias=False))
        self.dec_res = min(resolution, 128)
        self.dec_all = Decoder(c8, self.dec_res, channels, width)
        self.dec_part = Decoder(nfc(16, width), self.dec_res, channels, width)
        self.apply(init_weights)

    def forward(self, x: torch.Tensor, with_recon: bool = False):
        h = self.from_img(x)
        f16 = None
        for block in self.downs:
            h = block(h)
            if h.shape[-1] == 16:
                f16 = h
        logits = self.head(h).view(x.shape[0], -1)
        if not with_recon:
            return logits
        # reconstruct the whole image from 8x8 features and one quarter from 16x16 features
        q = int(torch.randint(0, 4, (1,)).item())
        qy, qx = divmod(q, 2)
        part = f16[:, :, qy * 8:(qy + 1) * 8, qx * 8:(qx + 1) * 8]
        half = x.shape[-1] // 2
        target_part = x[:, :, qy * half:(qy + 1) * half, qx * half:(qx + 1) * half]
        target_all = F.interpolate(x, size=self.dec_res, mode="area")
        target_part = F.interpolate(target_part, size=self.dec_res, mode="area")
        rec = F.mse_loss(self.dec_all(h).float(), target_all.float()) + \
            F.mse_loss(self.dec_part(part).float(), target_part.float())
        return logits, rec


def n_blocks(resolution: int) -> int:
    return int(math.log2(resolution)) - 2
