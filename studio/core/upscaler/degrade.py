"""(low-res, high-res) pairs: a high-res crop of an artist's picture, and what a 64 px model would show of it.

`degrade(hr, factor, rng)` makes the low-res half. A share of the pairs is the clean path the run's own
training images take (a Lanczos reduction, images.fit_square), so the upscaler matches exactly what the GAN
learnt from; the rest go through a randomised chain in the spirit of Real-ESRGAN's "practical" degradations,
kept to what a 64 px GAN sample shows: a blur, a reduction with a random kernel (sometimes in two steps),
noise, a faint high-frequency grid or hatching like the generator's nearest-neighbour upsampling leaves (2 px
periods along the axes or a checkerboard), and JPEG through Pillow. The probabilities were chosen by
measurement (benchmarks/README.md §11).
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

_KERNELS = (Image.Resampling.LANCZOS, Image.Resampling.BICUBIC, Image.Resampling.BILINEAR, Image.Resampling.BOX)


@dataclass(frozen=True)
class Degradation:
    clean: float = 0.35          # share of pairs reduced exactly like the run's training images
    blur: float = 0.4
    two_step: float = 0.3
    noise: float = 0.3
    hatching: float = 0.3
    jpeg: float = 0.3

    @classmethod
    def none(cls) -> "Degradation":
        return cls(clean=1.0)


def _blur(im: Image.Image, rng: np.random.Generator) -> Image.Image:
    return im.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0.3, 1.6))))


def _reduce(im: Image.Image, size: int, rng: np.random.Generator, two_step: bool) -> Image.Image:
    if two_step:
        mid = int(round(size * rng.uniform(1.2, 2.0)))
        if mid < im.width:
            im = im.resize((mid, mid), _KERNELS[int(rng.integers(len(_KERNELS)))])
    return im.resize((size, size), _KERNELS[int(rng.integers(len(_KERNELS)))])


def _noise(a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    sigma = rng.uniform(1.0, 8.0)
    if rng.random() < 0.4:
        n = rng.normal(0, sigma, a.shape[:2] + (1,))
    else:
        n = rng.normal(0, sigma, a.shape)
    return a + n


def hatching_pattern(size: int, rng: np.random.Generator) -> np.ndarray:
    """A (size, size, 1) pattern of ±1 with a 2 px period: vertical, horizontal or checkerboard lines."""
    y, x = np.mgrid[0:size, 0:size]
    kind = int(rng.integers(3))
    phase = int(rng.integers(2))
    p = {0: x + phase, 1: y + phase, 2: x + y + phase}[kind] % 2
    return (p * 2.0 - 1.0)[..., None]


def _jpeg(a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="JPEG", quality=int(rng.integers(40, 96)))
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im.convert("RGB"))


def degrade(hr: np.ndarray, factor: int, rng: np.random.Generator, d: Degradation = Degradation()) -> np.ndarray:
    """uint8 (S, S, 3) → uint8 (S/factor, S/factor, 3)."""
    size = hr.shape[0] // factor
    im = Image.fromarray(hr)
    if rng.random() < d.clean:
        return np.asarray(im.resize((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0))
    if rng.random() < d.blur:
        im = _blur(im, rng)
    a = np.asarray(_reduce(im, size, rng, rng.random() < d.two_step)).astype(np.float64)
    if rng.random() < d.noise:
        a = _noise(a, rng)
    if rng.random() < d.hatching:
        a = a + rng.uniform(1.5, 6.0) * hatching_pattern(size, rng)
    a = np.clip(a + 0.5, 0, 255).astype(np.uint8)
    if rng.random() < d.jpeg:
        a = _jpeg(a, rng)
    return a
