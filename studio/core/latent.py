"""Latent-space maths shared by training samples, the explorer, exports and animations."""
from __future__ import annotations

import numpy as np
import torch


def seed_to_z(seed: int, z_dim: int) -> torch.Tensor:
    """The latent of a seed: the same vector on every machine and device (drawn on the CPU)."""
    g = torch.Generator().manual_seed(int(seed) & 0xFFFF_FFFF_FFFF_FFFF)
    return torch.randn(z_dim, generator=g)


def seeds_to_z(seeds, z_dim: int) -> torch.Tensor:
    return torch.stack([seed_to_z(s, z_dim) for s in seeds]) if len(seeds) else torch.zeros(0, z_dim)


def truncate(z: torch.Tensor, psi: float, mean: torch.Tensor | None = None) -> torch.Tensor:
    """Move z toward the mean latent (zero for a Gaussian prior) by ψ: ψ=1 unchanged, ψ=0 the mean."""
    m = torch.zeros_like(z) if mean is None else mean.to(z)
    return m + (z - m) * float(psi)


def lerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    return a + (b - a) * float(t)


def slerp(a: torch.Tensor, b: torch.Tensor, t: float, eps: float = 1e-7) -> torch.Tensor:
    """Spherical interpolation that also interpolates the norm (keeps samples on the Gaussian shell)."""
    t = float(t)
    na, nb = a.norm(dim=-1, keepdim=True), b.norm(dim=-1, keepdim=True)
    ua, ub = a / na.clamp_min(eps), b / nb.clamp_min(eps)
    dot = (ua * ub).sum(-1, keepdim=True).clamp(-1.0, 1.0)
    omega = torch.arccos(dot)
    so = torch.sin(omega)
    small = so.abs() < 1e-5
    wa = torch.where(small, torch.full_like(so, 1 - t), torch.sin((1 - t) * omega) / so.where(~small, torch.ones_like(so)))
    wb = torch.where(small, torch.full_like(so, t), torch.sin(t * omega) / so.where(~small, torch.ones_like(so)))
    direction = wa * ua + wb * ub
    return direction * (na + (nb - na) * t)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """Generator output in [-1, 1], (N, C, H, W) → uint8 (N, H, W, C) numpy, row-major for Qt/pyqtgraph."""
    x = (x.detach().float() * 127.5 + 128).clamp_(0, 255).to(torch.uint8)
    return x.permute(0, 2, 3, 1).contiguous().cpu().numpy()


def make_grid(images: np.ndarray, rows: int, cols: int, pad: int = 2, fill: int = 0) -> np.ndarray:
    """uint8 (N, H, W, C) → one uint8 grid image (rows*H + pads, cols*W + pads, C)."""
    n, h, w, c = images.shape
    grid = np.full((rows * h + (rows + 1) * pad, cols * w + (cols + 1) * pad, c), fill, np.uint8)
    if c == 4:
        grid[..., 3] = 255 if fill else 0
    for i in range(min(n, rows * cols)):
        r, k = divmod(i, cols)
        y, x = pad + r * (h + pad), pad + k * (w + pad)
        grid[y:y + h, x:x + w] = images[i]
    return grid
