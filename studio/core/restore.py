"""Restore a damaged picture with the model: fill what is missing with what the model paints there.

    restored = restore(model, photo, mask, fit="crop")             # mask: True where pixels are missing
    restored.image                                                 # the photo at its own size, repaired

A restore works on the picture at its own size (RestorePlan): the search (core/invert) sees it fitted to the model's
size by the training rule (Framing: crop / pad / stretch), with a model pixel missing wherever any of it is; the
model's fill is enlarged back to the picture's size (`enlarge(fill, width, height)`: the session's upscaler,
default Lanczos) and blended in over a feathered edge, so every pixel beyond that edge is the picture's own, bit
for bit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from PIL import Image

from .images import fit_square, resize_lanczos
from .invert import InvertError, InvertResult, InvertSettings, Step, drive, search


# ---------------------------------------------------------------------------------------------- restore
def _distance_outside(mask: np.ndarray, limit: float) -> np.ndarray:
    """Euclidean distance (px) from each pixel to the nearest masked pixel (0 inside the mask), exact up to
    `limit`; beyond it only "more than limit". O(H·W·limit): the distance down each column, then the nearest
    column within `limit` (the exact transform of two passes, cut at the band that matters)."""
    h, w = mask.shape
    cap = np.float32(limit + 1)
    g = np.empty((h, w), np.float32)
    run = np.full(w, cap, np.float32)
    for y in range(h):                                          # down, then up: the vertical distance, capped
        run = np.where(mask[y], np.float32(0), np.minimum(run + 1, cap))
        g[y] = run
    run = np.full(w, cap, np.float32)
    for y in range(h - 1, -1, -1):
        run = np.where(mask[y], np.float32(0), np.minimum(run + 1, cap))
        np.minimum(g[y], run, out=g[y])
    g2 = g * g
    d2 = g2.copy()
    for dx in range(1, min(w, int(math.ceil(limit)) + 1)):      # the nearest masked pixel within `limit` columns
        np.minimum(d2[:, dx:], g2[:, :-dx] + dx * dx, out=d2[:, dx:])
        np.minimum(d2[:, :-dx], g2[:, dx:] + dx * dx, out=d2[:, :-dx])
    return np.sqrt(d2)


def blend_weights(mask: np.ndarray, feather: float) -> np.ndarray:
    """How much of the model's fill each pixel takes: 1 in the mask, a smooth fall-off over `feather` px
    outside it, exactly 0 beyond (those pixels stay the original's). Only the mask's surroundings are computed."""
    if feather <= 0 or not mask.any():
        return mask.astype(np.float32)
    out = np.zeros(mask.shape, np.float32)
    ys, xs = np.nonzero(mask)
    r = int(math.ceil(feather)) + 1
    y0, y1 = max(0, ys.min() - r), min(mask.shape[0], ys.max() + r + 1)
    x0, x1 = max(0, xs.min() - r), min(mask.shape[1], xs.max() + r + 1)
    d = _distance_outside(mask[y0:y1, x0:x1], feather)
    w = np.clip(1.0 - d / feather, 0.0, 1.0)
    out[y0:y1, x0:x1] = w * w * (3 - 2 * w)                     # smoothstep: no visible seam
    return out


@dataclass(frozen=True)
class Framing:
    """Where the model's square picture lies in a picture of `width`×`height` fitted by the training rule `fit`:
    `box` (left, top, right, bottom) in the picture's pixels, beyond its edges for "pad"."""
    width: int
    height: int
    resolution: int
    fit: str = "crop"

    @property
    def box(self) -> tuple[int, int, int, int]:
        w, h = self.width, self.height
        if self.fit == "crop":                                   # as images.fit_square cuts and pastes
            s = min(w, h)
            left, top = (w - s) // 2, (h - s) // 2
        elif self.fit == "pad":
            s = max(w, h)
            left, top = -((s - w) // 2), -((s - h) // 2)
        else:
            return 0, 0, w, h
        return left, top, left + s, top + s

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the box: what the model's picture stands for, in the picture's pixels."""
        left, top, right, bottom = self.box
        return right - left, bottom - top

    def inside(self) -> np.ndarray:
        """bool (height, width): the picture's pixels the model sees."""
        left, top, right, bottom = self.box
        seen = np.zeros((self.height, self.width), bool)
        seen[max(0, top):bottom, max(0, left):right] = True
        return seen

    def mask_to_model(self, mask: np.ndarray) -> np.ndarray:
        """The picture's mask at the model's size: a model pixel is missing when any part of it is."""
        left, top, right, bottom = self.box
        window = np.zeros((bottom - top, right - left), np.uint8)
        ys, xs = slice(max(0, top), min(self.height, bottom)), slice(max(0, left), min(self.width, right))
        window[ys.start - top:ys.stop - top, xs.start - left:xs.stop - left] = mask[ys, xs] * np.uint8(255)
        r = self.resolution
        if window.shape != (r, r):
            window = np.asarray(Image.fromarray(window).resize((r, r), Image.Resampling.BOX))
        return window > 0


class RestorePlan:
    """A restore of a picture at its own size: the search sees the picture and its mask fitted to the model
    (`target`, `model_mask`); the model's fill, enlarged to the picture's size, is blended in with `weights`
    (1 in the mask, feathered over `feather` px of the picture around it, exactly 0 beyond)."""

    def __init__(self, original: np.ndarray, mask: np.ndarray, resolution: int, fit: str = "crop",
                 background=(255, 255, 255), feather: float | None = None):
        h, w = original.shape[:2]
        if mask.shape != (h, w):
            raise InvertError(f"the mask is {mask.shape[1]}×{mask.shape[0]} but the picture {w}×{h}: paint it again")
        if not mask.any():
            raise InvertError("the mask is empty: paint (or draw in white) the damaged or missing part first")
        self.original, self.mask = original, mask
        self.framing = Framing(w, h, resolution, fit)
        seen = self.framing.inside()
        if (mask & ~seen).any():
            raise InvertError("the mask reaches beyond the centre square the model sees (this model's pictures "
                              "are cropped square): paint only inside it, or crop the picture around the damage")
        self.target = fit_square(original, resolution, fit, background)
        self.model_mask = self.framing.mask_to_model(mask)
        self.feather = max(1.0, min(self.framing.size) / 32) if feather is None else float(feather)
        self.weights = blend_weights(mask, self.feather) * seen       # the fill exists inside the box only

    def compose(self, fill: np.ndarray, enlarge: Callable | None = None) -> np.ndarray:
        """The original with `fill` (the model's picture) enlarged by `enlarge(fill, width, height)` (default:
        Lanczos) and blended in; every pixel where the weight is 0 is the original's, bit for bit."""
        bw, bh = self.framing.size
        big = (enlarge or resize_lanczos)(fill, bw, bh)
        out = self.original.copy()
        ys, xs = np.nonzero(self.weights)
        if len(ys) == 0:
            return out
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        left, top = self.framing.box[:2]
        w = self.weights[y0:y1, x0:x1, None]
        orig = self.original[y0:y1, x0:x1]
        mixed = orig * (1 - w) + big[y0 - top:y1 - top, x0 - left:x1 - left] * w
        out[y0:y1, x0:x1] = np.where(w > 0, np.clip(mixed + 0.5, 0, 255).astype(np.uint8), orig)
        return out


@dataclass
class RestoreResult:
    image: np.ndarray            # uint8 (H, W, C): the original, at its own size, with the masked region filled
    fill: np.ndarray             # uint8: the model's whole reconstruction, at the model's size
    inversion: InvertResult


def restore(model, target: np.ndarray, mask: np.ndarray, settings: InvertSettings | None = None,
            feather: float | None = None, progress=None, cancel=None, **plan) -> RestoreResult:
    """Fill the masked (True) pixels of `target` (any size: fitted to the model by `fit`) with what the model
    paints there, blended with a feathered edge that lies in the mask's surroundings; pixels beyond the feather
    keep their original values. `plan`: fit, background, enlarge, previews (see restore_steps)."""
    return drive(restore_steps(model, target, mask, settings, feather, **plan), progress, cancel)


def restore_steps(model, target: np.ndarray, mask: np.ndarray, settings: InvertSettings | None = None,
                  feather: float | None = None, fit: str = "crop", background=(255, 255, 255),
                  enlarge: Callable | None = None, previews: str = "fill", guess: Callable | None = None):
    """restore() as a generator of Steps, returning the RestoreResult. The search runs at the model's size; the
    fill is enlarged to the picture's by `enlarge(fill, width, height)` (default Lanczos) and blended in.
    previews: "fill" (the model's picture) or "blended" (the whole picture with the fill so far, Lanczos).
    guess(fitted target) → the latent the search starts from (the run's encoder), else random candidates."""
    spec = model.spec
    plan = RestorePlan(target, mask, spec.resolution, fit, background, feather)
    start = guess(plan.target) if guess is not None else None
    steps = search(model, plan.target, settings, plan.model_mask, start)
    while True:
        try:
            step = next(steps)
        except StopIteration as done:
            res = done.value
            break
        if previews == "blended" and step.preview is not None:
            step = Step(step.fraction, plan.compose(step.preview), step.note)
        yield step
    return RestoreResult(plan.compose(res.image, enlarge), res.image, res)
