"""Differentiable augmentation (DiffAugment, Zhao et al. 2020), applied to real and fake batches alike.

All randomness comes from the `gen` torch.Generator so a resumed run replays exactly. Under data parallelism x is
one rank's rows of a global batch (shard = (rank, world size)): the draws are made for the whole batch and the
rank keeps its rows, so N ranks augment exactly as one process does (studio/core/distributed.py).
Colour ops touch RGB only; an alpha channel is moved (translation) and cut out with the rest.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

POLICIES = ("color", "translation", "cutout")


ALONE = (0, 1)


def _mine(t: torch.Tensor, n: int, shard: tuple[int, int]) -> torch.Tensor:
    """This shard's n rows of a draw made for the whole batch."""
    return t[shard[0] * n:(shard[0] + 1) * n] if shard[1] > 1 else t


def _rand(x: torch.Tensor, gen: torch.Generator | None, shard, *shape) -> torch.Tensor:
    n = shape[0]
    t = torch.rand(n * shard[1], *shape[1:], generator=gen, device=x.device, dtype=torch.float32)
    return _mine(t, n, shard).to(x.dtype)


def _randint(x: torch.Tensor, gen, shard, low: int, high: int, n: int) -> torch.Tensor:
    return _mine(torch.randint(low, high, (n * shard[1], 1, 1), generator=gen, device=x.device), n, shard)


def color(x: torch.Tensor, gen=None, shard=ALONE) -> torch.Tensor:
    n = x.shape[0]
    rgb, rest = x[:, :3], x[:, 3:]
    rgb = rgb + (_rand(x, gen, shard, n, 1, 1, 1) - 0.5)
    mean = rgb.mean(dim=1, keepdim=True)
    rgb = (rgb - mean) * (_rand(x, gen, shard, n, 1, 1, 1) * 2) + mean
    mean = rgb.mean(dim=(1, 2, 3), keepdim=True)
    rgb = (rgb - mean) * (_rand(x, gen, shard, n, 1, 1, 1) + 0.5) + mean
    return torch.cat([rgb, rest], dim=1) if rest.shape[1] else rgb


def translation(x: torch.Tensor, gen=None, shard=ALONE, ratio: float = 0.125) -> torch.Tensor:
    n, _, h, w = x.shape
    sy, sx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    ty = _randint(x, gen, shard, -sy, sy + 1, n)
    tx = _randint(x, gen, shard, -sx, sx + 1, n)
    gy = (torch.arange(h, device=x.device).view(1, h, 1) + ty + 1).clamp(0, h + 1)
    gx = (torch.arange(w, device=x.device).view(1, 1, w) + tx + 1).clamp(0, w + 1)
    padded = F.pad(x, [1, 1, 1, 1]).permute(0, 2, 3, 1)
    b = torch.arange(n, device=x.device).view(n, 1, 1)
    return padded[b, gy, gx].permute(0, 3, 1, 2).contiguous()


def cutout(x: torch.Tensor, gen=None, shard=ALONE, ratio: float = 0.5) -> torch.Tensor:
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    oy = _randint(x, gen, shard, 0, h + (1 - ch % 2), n)
    ox = _randint(x, gen, shard, 0, w + (1 - cw % 2), n)
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


def diff_augment(x: torch.Tensor, policy: tuple[str, ...], gen: torch.Generator | None = None,
                 shard: tuple[int, int] = ALONE) -> torch.Tensor:
    for name in policy:
        x = _OPS[name](x, gen, shard)
    return x
