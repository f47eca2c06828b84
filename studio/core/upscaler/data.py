"""What an upscaler learns from: the folder's pictures at their original size, and which factor they allow.

A run's images are reduced to the model's size for the GAN; the upscaler needs them larger. For a ×f upscaler of
a `resolution` px model the target of one picture is the picture fitted (the run's crop/pad/stretch rule) to
f·resolution px, straight from the original file: exactly the picture a perfect ×f would make of the 64 px
image the GAN learnt from. A picture supports ×f when its fitted square is at least f·resolution px in the
original; a folder gets the largest factor that enough of its pictures support.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..errors import Cancelled, StudioError
from ..images import ImageSkipped, fit_square, load_image
from .degrade import Degradation, degrade
from .net import FACTORS

MIN_IMAGES = 4            # fewer pictures than this at a factor: not enough to learn it


class UpscalerError(StudioError, ValueError):
    """An upscaler cannot be trained, loaded or used as asked; the message is one sentence."""


@dataclass
class FactorChoice:
    factor: int
    files: list[Path]                 # the pictures large enough for it
    note: str = ""                    # a sentence when the factor is smaller than asked or pictures are left out


def fitted_side(path: Path, fit: str) -> int:
    """The side in original pixels of the square a picture is fitted to (0 if it cannot be read)."""
    try:
        with Image.open(path) as im:
            w, h = im.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return 0
    return max(w, h) if fit == "pad" else min(w, h)


def choose_factor(files: list[Path], resolution: int, fit: str = "crop", wanted: int | None = None,
                  where: str = "the folder") -> FactorChoice:
    """The largest factor (at most `wanted`) that at least half the pictures (and MIN_IMAGES) support."""
    if wanted is not None and wanted not in FACTORS:
        raise UpscalerError(f"an upscaler enlarges 2× or 4×, not {wanted}×")
    sides = [(p, fitted_side(p, fit)) for p in files]
    biggest = max((s for _, s in sides), default=0)
    for f in [f for f in sorted(FACTORS, reverse=True) if wanted is None or f <= wanted]:
        ok = [p for p, s in sides if s >= f * resolution]
        if len(ok) >= max(MIN_IMAGES, (len(sides) + 1) // 2):
            note = ""
            if wanted is not None and f < wanted or wanted is None and f < max(FACTORS):
                note = (f"the pictures in {where} are too small for ×{wanted or max(FACTORS)} (it needs "
                        f"{(wanted or max(FACTORS)) * resolution} px); this upscaler learns ×{f}")
            if len(ok) < len(sides):
                left = f"{len(sides) - len(ok)} picture(s) under {f * resolution} px are left out"
                note = f"{note}; {left}" if note else left
            return FactorChoice(f, ok, note)
    raise UpscalerError(f"no upscaler: the pictures in {where} are not larger than the model's {resolution} px "
                        f"(largest {biggest} px, ×2 needs {2 * resolution} px), so there is nothing finer to "
                        "learn from")


def load_targets(files: list[Path], size: int, fit: str = "crop", background=(255, 255, 255),
                 cancel=None, progress=None) -> np.ndarray:
    """uint8 (N, size, size, 3): each picture fitted to size px from its original (unreadable ones skipped)."""
    out = []
    for i, p in enumerate(files):
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        try:
            img = load_image(p, "rgb", background, min_size=16)
        except ImageSkipped:
            continue
        out.append(fit_square(img, size, fit, background))
        if progress is not None:
            progress(i + 1, len(files), os.fspath(p.name))
    if not out:
        raise UpscalerError("no upscaler: none of the pictures could be read")
    return np.stack(out)


def to_tensor(a: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W, 3) → float (N, 3, H, W) in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(a)).permute(0, 3, 1, 2).float() / 127.5 - 1.0


@dataclass
class PairSampler:
    """Random (low-res, high-res) crop pairs from the targets, flipped and turned at random, then degraded."""
    targets: np.ndarray
    factor: int
    lr_crop: int = 32
    degradation: Degradation = field(default_factory=Degradation)
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))

    def pair(self) -> tuple[np.ndarray, np.ndarray]:
        n, size = self.targets.shape[:2]
        crop = min(self.lr_crop * self.factor, size)
        i = int(self.rng.integers(n))
        y, x = (int(v) for v in self.rng.integers(0, size - crop + 1, 2))
        hr = self.targets[i, y:y + crop, x:x + crop]
        hr = np.rot90(hr, int(self.rng.integers(4)))
        if self.rng.random() < 0.5:
            hr = hr[:, ::-1]
        hr = np.ascontiguousarray(hr)
        return degrade(hr, self.factor, self.rng, self.degradation), hr

    def batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        pairs = [self.pair() for _ in range(n)]
        return to_tensor(np.stack([p[0] for p in pairs])), to_tensor(np.stack([p[1] for p in pairs]))
