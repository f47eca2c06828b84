"""Differentiable augmentation (DiffAugment, Zhao et al. 2020), applied to real and fake batches alike.

All randomness comes from the `gen` torch.Generator so a resumed run replays exactly.
Colour ops touch RGB only; an alpha channel is moved (translation) and cut out with the rest.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

POLICIES = ("color", "translation", "cutout")


def _rand(x: torch.Tensor, gen: torch.Generator | None, *shape) -> torch.Tensor:
    return torch.rand(*shape, generator=gen, device=x.device, dtype=torch.float32).to(x.dtype)


def color(x: torch.Tensor, gen=None) -> torch.Tensor:
    n = x.shape[0]
    rgb, rest = x[:, :3], x[:, 3:]
    rgb = rgb + (_rand(x, gen, n, 1, 1, 1) - 0.5)
    mean = rgb.mean(dim=1, keepdim=True)
    rgb = (rgb - mean) * (_rand(x, gen, n, 1, 1, 1) * 2) + mean
    mean = rgb.mean(dim=(1, 2, 3), keepdim=True)
    rgb = (rgb - mean) * (_rand(x, gen, n, 1, 1, 1) + 0.5) + mean
    return torch.cat([rgb, rest], dim=1) if rest.shape[1] else rgb


def translation(x: torch.Tensor, gen=None, ratio: float = 0.125) -> torch.Tensor:
    n, _, h, w = x.shape
    sy, sx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    ty = torch.randint(-sy, sy + 1, (n, 1, 1), generator=gen, device=x.device)
    tx = torch.randint(-sx, sx + 1, (n, 1, 1), generator=gen, device=x.device)
    gy = (torch.arange(h, device=x.device).view(1, h, 1) + ty + 1).clamp(0, h + 1)
    gx = (torch.arange(w, device=x.device).view(1, 1, w) + tx + 1).clamp(0, w + 1)
    padded = F.pad(x, [1, 1, 1, 1]).permute(0, 2, 3, 1)
    b = torch.arange(n, device=x.device).view(n, 1, 1)
    return padded[b, gy, gx].permute(0, 3, 1, 2).contiguous()


def cutout(x: torch.Tensor, gen=None, ratio: float = 0.5) -> torch.Tensor:
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    oy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), generator=gen, device=x.device)
    ox = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), generator=gen, device=x.device)
    yy = torch.arange(h, device=x.device).view(1, h, 1)
    xx = torch.arange(w, device=x.device).view(1, 1, w)
    inside = ((yy >= oy - ch // 2) & (yy < oy - ch // 2 + ch)) & ((xx >= ox - cw // 2) & (xx < ox - cw // 2 + cw))
    return x * (~inside).unsqueeze(1).to(x.dtype)


_OPS = {"color": color, "translation": translation, "cutout": cutout}


def parse_policy(policy: str) -> tuple[str, ...]:
    names = tuple(p.strip() for p in (policy or "").split(",") if p.strip())
    bad = [p for p in names if p not in _OPS]
    if bad:
        raise ValueError(f"unknown augmentation {', '.join(bad)}: choose from {', '.join(POLICIES)}")
    return names


def diff_augment(x: torch.Tensor, policy: tuple[str, ...], gen: torch.Generator | None = None) -> torch.Tensor:
    for name in policy:
        x = _OPS[name](x, gen)
    return x
