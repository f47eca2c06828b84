"""Demo material for a first launch: the bundled demo model and a procedural "abstract art" image set.

`make_artwork(seed, index, size)` paints one composition from a few controllable factors
(palette family, background gradient, texture, number and kinds of shapes), chosen by a
random generator seeded with (seed, index): the same arguments give the same pixels on every
machine, and `write_demo_images` writes byte-identical PNG files for the same seed.
Pure numpy + Pillow; about a millisecond per 64 px image.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw

from .. import resources
from .files import atomic_write_text

DEMO_MODEL_NAME = "demo.safetensors"

# Palette families: (name, list of RGB colours). Every image draws all its colours from one family.
PALETTES: dict[str, list[tuple[int, int, int]]] = {
    "sunset": [(252, 92, 101), (253, 150, 68), (254, 211, 48), (165, 94, 234), (38, 28, 66)],
    "ocean": [(10, 61, 98), (60, 99, 130), (56, 173, 169), (130, 204, 221), (248, 239, 186)],
    "forest": [(34, 49, 39), (76, 117, 80), (161, 181, 108), (229, 211, 158), (184, 91, 56)],
    "pastel": [(255, 209, 220), (204, 229, 255), (220, 255, 214), (255, 240, 200), (222, 205, 255)],
    "neon": [(17, 17, 35), (255, 0, 110), (0, 245, 212), (251, 255, 18), (131, 56, 236)],
    "earth": [(94, 64, 51), (166, 124, 82), (221, 184, 146), (237, 224, 212), (127, 85, 57)],
    "mono": [(20, 20, 24), (70, 70, 78), (140, 140, 150), (205, 205, 210), (245, 245, 245)],
    "bauhaus": [(230, 57, 70), (29, 53, 87), (241, 196, 15), (241, 250, 238), (33, 33, 33)],
}
SHAPES = ("circle", "square", "triangle", "ring", "bar", "blob")
TEXTURES = ("none", "stripes", "noise", "dots")


@dataclass(frozen=True)
class Factors:
    """What one demo image was made of (saved beside the images as .factors.json)."""
    palette: str
    gradient_angle: int           # degrees, 0 = left to right
    texture: str
    shapes: tuple[str, ...]       # kinds, in drawing order


# ---------------------------------------------------------------- the bundled model
def demo_model_path() -> Path | None:
    """The bundled demo generator (studio/resources/models/demo.safetensors), or None when it is missing.

    GANSTUDIO_DEMO_MODEL=FILE puts another model in its place."""
    candidates = [os.environ.get("GANSTUDIO_DEMO_MODEL", "")]
    try:
        candidates.append(resources.path("models", DEMO_MODEL_NAME))
    except resources.ResourceError:
        pass
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    return None


# ---------------------------------------------------------------- painting
def _rng(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, int(index)]))


def _gradient(size: int, c0, c1, angle_deg: int) -> np.ndarray:
    t = np.linspace(-0.5, 0.5, size, dtype=np.float32)
    a = np.deg2rad(angle_deg)
    ramp = np.cos(a) * t[None, :] + np.sin(a) * t[:, None]
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    c0, c1 = np.asarray(c0, np.float32), np.asarray(c1, np.float32)
    return c0 + (c1 - c0) * ramp[..., None]


def _texture(img: np.ndarray, kind: str, rng: np.random.Generator) -> np.ndarray:
    size = img.shape[0]
    if kind == "stripes":
        period = rng.uniform(0.06, 0.18) * size
        a = rng.uniform(0, np.pi)
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
        wave = np.sin((np.cos(a) * xx + np.sin(a) * yy) * (2 * np.pi / period))
        img = img * (1.0 + 0.12 * wave[..., None])
    elif kind == "noise":
        coarse = rng.normal(0, 1, (size // 8 + 2, size // 8 + 2)).astype(np.float32)
        up = np.asarray(Image.fromarray(coarse, "F").resize((size, size), Image.Resampling.BICUBIC))
        img = img * (1.0 + 0.07 * up[..., None])
    elif kind == "dots":
        step = max(4, int(size * rng.uniform(0.08, 0.14)))
        yy, xx = np.mgrid[0:size, 0:size]
        on = ((yy % step) < step // 3) & ((xx % step) < step // 3)
        img = img * np.where(on, 0.85, 1.0)[..., None]
    return img


def _draw_shape(draw: ImageDraw.ImageDraw, kind: str, S: int, colour, rng: np.random.Generator) -> None:
    cx, cy = rng.uniform(0.15, 0.85, 2) * S
    r = rng.uniform(0.08, 0.3) * S
    box = [cx - r, cy - r, cx + r, cy + r]
    if kind == "circle":
        draw.ellipse(box, fill=colour)
    elif kind == "square":
        a = rng.uniform(0, np.pi / 2)
        pts = [(cx + r * np.cos(a + k * np.pi / 2), cy + r * np.sin(a + k * np.pi / 2)) for k in range(4)]
        draw.polygon(pts, fill=colour)
    elif kind == "triangle":
        a = rng.uniform(0, 2 * np.pi)
        pts = [(cx + r * np.cos(a + k * 2 * np.pi / 3), cy + r * np.sin(a + k * 2 * np.pi / 3)) for k in range(3)]
        draw.polygon(pts, fill=colour)
    elif kind == "ring":
        draw.ellipse(box, outline=colour, width=max(2, int(r * rng.uniform(0.2, 0.4))))
    elif kind == "bar":
        a = rng.uniform(0, np.pi)
        dx, dy = np.cos(a) * r * 1.6, np.sin(a) * r * 1.6
        draw.line([(cx - dx, cy - dy), (cx + dx, cy + dy)], fill=colour, width=max(2, int(r * 0.35)))
    else:  # blob: a soft-cornered polygon
        n = 7
        ang = np.sort(rng.uniform(0, 2 * np.pi, n))
        rad = r * rng.uniform(0.6, 1.1, n)
        draw.polygon([(cx + q * np.cos(t), cy + q * np.sin(t)) for t, q in zip(ang, rad)], fill=colour)


def make_artwork(seed: int, index: int, size: int = 64) -> tuple[np.ndarray, Factors]:
    """One abstract composition → (uint8 (size, size, 3), the factors it was made from)."""
    rng = _rng(seed, index)
    names = sorted(PALETTES)
    palette_name = names[int(rng.integers(len(names)))]
    pal = PALETTES[palette_name]
    order = rng.permutation(len(pal))
    angle = int(rng.integers(0, 8)) * 45
    texture = TEXTURES[int(rng.integers(len(TEXTURES)))]
    n_shapes = int(rng.integers(1, 6))
    kinds_allowed = rng.choice(len(SHAPES), size=int(rng.integers(1, 3)), replace=False)
    kinds = tuple(SHAPES[int(rng.choice(kinds_allowed))] for _ in range(n_shapes))

    S = size * 2                                    # paint at 2x, downscale = antialiasing
    bg = _gradient(S, pal[order[0]], pal[order[1]], angle)
    canvas = Image.fromarray(np.clip(bg, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(canvas)
    for i, kind in enumerate(kinds):
        _draw_shape(draw, kind, S, tuple(pal[order[2 + i % (len(pal) - 2)]]), rng)
    img = np.asarray(canvas, np.float32)
    img = _texture(img, texture, rng)
    out = Image.fromarray(np.clip(img + 0.5, 0, 255).astype(np.uint8), "RGB")
    out = out.resize((size, size), Image.Resampling.BOX)
    return np.asarray(out), Factors(palette_name, angle, texture, kinds)


# ---------------------------------------------------------------- writing a folder
def image_name(index: int) -> str:
    return f"art-{index:05d}.png"


def write_demo_images(out_dir: Path | str, count: int = 1000, size: int = 64, seed: int = 0,
                      progress: Callable[[int, int], None] | None = None,
                      cancel: threading.Event | None = None) -> list[Path]:
    """Write `count` PNGs (art-00000.png …) and a hidden .factors.json into out_dir; return the paths.

    Each file is written to a temporary name and renamed when complete (no per-file fsync: these are
    regenerable demo images, and thousands of fsyncs would make it slow); a cancel (raises `Cancelled`) leaves only complete images.
    """
    from .dataset import Cancelled
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    if not 16 <= size <= 1024:
        raise ValueError(f"size must be from 16 to 1024 px, not {size}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out} is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    paths, factors = [], []
    for i in range(count):
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        img, f = make_artwork(seed, i, size)
        p = out / image_name(i)
        tmp = out / f".{p.name}.part"                # complete files only, renamed into place
        try:
            Image.fromarray(img).save(tmp, format="PNG", optimize=False)
            os.replace(tmp, p)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        paths.append(p)
        factors.append({"file": p.name, **asdict(f)})
        if progress and (i % 32 == 0 or i == count - 1):
            progress(i + 1, count)
    atomic_write_text(out / ".factors.json", json.dumps({"seed": seed, "size": size, "images": factors}))
    return paths
