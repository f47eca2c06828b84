"""Find an image in a generator's latent space (GAN inversion).

    target = prepare_image(path, model.spec)                       # same crop/pad rules as training
    result = invert(model, target, InvertSettings(), progress=cb, cancel=event)
    result.z, result.image, result.distance                        # the latent, its picture, how close

Restoring a damaged picture with this search is core/restore.py.

The search optimises z for the EMA generator in eval mode (deterministic, as the explorer renders it):
- it starts from the best `restarts` of `candidates` random latents (one batched forward pass ranks them), or
  from a given latent (`start`: the run's encoder's guess, core/encoder; then a few steps refine it),
- optimises them together as one batch with Adam (cosine-decayed step size), and keeps the best,
- the loss is a perceptual distance — EfficientNet-Lite0 features at four depths, each channel vector
  unit-normalised as LPIPS does — plus a pixel distance, and a prior that keeps z typical of the Gaussian
  the generator was trained on (its norm near √d),
- with a mask, only the known pixels count: the pixel term is masked, and each feature depth counts only
  the cells whose receptive field is mostly known.

Everything is in torch on the model's device. `search()` is a generator that yields a
Step (fraction done, the best reconstruction so far) every few optimisation steps and return the result, so a
worker can show a live preview and pause or cancel between steps; `invert()` drives it (`drive()` any such
generator), with progress(fraction, preview_uint8) and `cancel` (a threading.Event: Cancelled, nothing returned).
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .errors import Cancelled, StudioError
from .images import ImageSkipped, fit_square, load_image
from .latent import to_uint8


REFINE_LR = 0.15                 # the step size of a search from an encoder's latent


class InvertError(StudioError):
    """The image or mask cannot be used; the message says why and what to do."""


@dataclass
class InvertSettings:
    steps: int = 150             # optimisation steps
    restarts: int = 4            # latents optimised together; the best is kept
    candidates: int = 64         # random latents ranked to pick the starting points
    lr: float = 0.08
    perceptual: float = 1.0      # weight of the feature distance
    pixel: float = 1.0           # weight of the mean absolute pixel difference (in [-1, 1] units)
    prior: float = 0.002         # weight of (|z|²/d - 1)²: keeps z on the Gaussian shell
    seed: int = 0                # the random starting latents
    preview_every: int = 10
    close: float = 0.0           # stop once the best match's mean pixel error (0-1) is this small (0: never) …
    min_steps: int = 20          # … after at least this many steps

    @classmethod
    def refining(cls, steps: int = 95, **kw) -> "InvertSettings":
        """The settings of a search that starts from an encoder's latent: one start, a larger step size, and an end
        as soon as the match is as close as the model's own pictures are found (a picture the model made: about a
        second), else after `steps` (a picture it never saw: about two). Measured: benchmarks/README.md §10."""
        kw = {"close": 0.025, **kw}
        return cls(steps=steps, restarts=1, candidates=1, lr=REFINE_LR, **kw)

    def validate(self) -> "InvertSettings":
        if not 1 <= self.steps <= 100_000:
            raise InvertError(f"steps must be from 1 to 100000, not {self.steps}")
        if not 1 <= self.restarts <= 64:
            raise InvertError(f"restarts must be from 1 to 64, not {self.restarts}")
        self.candidates = max(self.candidates, self.restarts)
        return self


@dataclass
class Step:
    fraction: float              # of the search done
    preview: np.ndarray | None   # uint8 (H, W, C): the best reconstruction so far (every preview_every steps)
    note: str = ""               # something the caller says once (the session: how the search started)


@dataclass
class InvertResult:
    z: torch.Tensor              # (z_dim,) float32 on the CPU: the found latent
    image: np.ndarray            # uint8 (H, W, C): what the model makes from it
    distance: float              # the perceptual distance to the target (known pixels only with a mask)
    pixel_error: float           # mean absolute difference on a 0-1 scale (known pixels only)
    steps: int


# ---------------------------------------------------------------------------------------------- input
def load_original(path: Path | str, channels: int = 3, background=(255, 255, 255)) -> np.ndarray:
    """An image file at its own size → uint8 (H, W, 3 or 4 for a 4-channel model); InvertError says why not."""
    try:
        return load_image(path, "rgba" if channels == 4 else "rgb", background, min_size=1)
    except ImageSkipped as e:
        raise InvertError(f"{Path(path).name} cannot be used: it is {e}") from None


def prepare_image(path: Path | str, resolution: int, channels: int = 3, fit: str = "crop",
                  background=(255, 255, 255)) -> np.ndarray:
    """An image file → uint8 (resolution, resolution, channels), by the same rules as training data."""
    return fit_square(load_original(path, channels, background), resolution, fit, background)


def read_mask(path: Path | str, width: int, height: int) -> tuple[np.ndarray, str | None]:
    """A mask file (white = missing or damaged) → bool (height, width) for a picture of that size, and a note
    when it had another size (it is then stretched to the picture's)."""
    try:
        m = load_image(path, "rgb", min_size=1)
    except ImageSkipped as e:
        raise InvertError(f"the mask {Path(path).name} cannot be used: it is {e}") from None
    note = None
    h, w = m.shape[:2]
    if (h, w) != (height, width):
        note = f"the mask is {w}×{h}; it was stretched to the picture's {width}×{height}"
        m = np.asarray(Image.fromarray(m).resize((width, height), Image.Resampling.NEAREST))
    return m.mean(axis=2) >= 128, note


# ---------------------------------------------------------------------------------------------- losses
class Perceptual:
    """Distance between images through EfficientNet-Lite0 features at four depths (LPIPS-style)."""

    def __init__(self, device):
        from .backbone import get_backbone
        self.net = get_backbone("lite0", device)
        self.layout = torch.channels_last if torch.device(device).type == "cpu" else torch.contiguous_format

    @staticmethod
    def _unit(f: torch.Tensor) -> torch.Tensor:
        return f / (f.norm(dim=1, keepdim=True) + 1e-8)

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        rgb = x[:, :3]
        if x.shape[1] == 4:                                    # judged as composited on white
            a = (x[:, 3:4] + 1) * 0.5
            rgb = rgb * a + (1 - a)
        if rgb.shape[-1] < 64:                                 # the deepest tap needs a few cells
            rgb = F.interpolate(rgb, size=64, mode="bilinear", align_corners=False)
        return [self._unit(f) for f in self.net.taps(rgb.contiguous(memory_format=self.layout))]

    def distance(self, feats: list[torch.Tensor], target: list[torch.Tensor],
                 known: torch.Tensor | None = None) -> torch.Tensor:
        """(N,) mean over depths of the mean squared difference of unit feature vectors over (known) cells."""
        total = 0.0
        for f, t in zip(feats, target):
            d = (f - t).square().sum(dim=1)                    # (N, h, w)
            if known is None:
                total = total + d.mean(dim=(1, 2))
            else:
                w = F.adaptive_avg_pool2d(known, d.shape[-2:])[:, 0]
                w = (w > 0.75).float()                          # cells that mostly see known pixels
                total = total + (d * w).sum(dim=(1, 2)) / w.sum(dim=(1, 2)).clamp_min(1.0)
        return total / len(feats)


def pixel_error(x: torch.Tensor, target: torch.Tensor, known: torch.Tensor | None) -> torch.Tensor:
    """(N,) mean absolute difference in [-1, 1] units over (known) pixels."""
    d = (x - target).abs().mean(dim=1, keepdim=True)
    if known is None:
        return d.mean(dim=(1, 2, 3))
    return (d * known).sum(dim=(1, 2, 3)) / known.sum(dim=(1, 2, 3)).clamp_min(1.0)


# ---------------------------------------------------------------------------------------------- search
def _to_tensor(img: np.ndarray, device) -> torch.Tensor:
    return torch.tensor(np.asarray(img), device=device).permute(2, 0, 1)[None].float() / 127.5 - 1.0


def drive(steps, progress, cancel):
    """Run a search generator to its end: report each Step, stop with Cancelled when asked."""
    while True:
        if cancel is not None and cancel.is_set():
            steps.close()
            raise Cancelled("the search was cancelled")
        try:
            step = next(steps)
        except StopIteration as done:
            return done.value
        if progress is not None:
            progress(step.fraction, step.preview)


def invert(model, target: np.ndarray, settings: InvertSettings | None = None, mask: np.ndarray | None = None,
           progress: Callable[[float, np.ndarray | None], None] | None = None,
           cancel: threading.Event | None = None) -> InvertResult:
    """Find the latent whose image is closest to `target` (uint8 HxWxC at the model's size).

    mask: bool HxW, True where the target's pixels are missing (they do not guide the search)."""
    return drive(search(model, target, settings, mask), progress, cancel)


def _starting_points(G, dtype, dev, z_dim: int, s: InvertSettings, losses) -> torch.Tensor:
    """The `restarts` best of `candidates` random latents (seeded), ranked by the loss in chunks of 16."""
    gen = torch.Generator().manual_seed(s.seed)
    cands = torch.randn(s.candidates, z_dim, generator=gen)
    scores = []
    with torch.no_grad():
        for i in range(0, s.candidates, 16):
            zc = cands[i:i + 16].to(dev)
            scores.append(losses(G(zc.to(dtype)).float(), zc)[0].cpu())
    order = torch.cat(scores).argsort()[:s.restarts]
    return cands[order].clone().to(dev)


def search(model, target: np.ndarray, settings: InvertSettings | None = None, mask: np.ndarray | None = None,
           start: torch.Tensor | None = None):
    """The inversion as a generator: yields a Step after every optimisation step (with a preview every
    `preview_every` steps and at the end), returns the InvertResult.

    start: (z_dim,) or (k, z_dim) latents to start from (an encoder's guess) instead of the best random
    candidates; a first Step (fraction 0) previews the start before any optimisation step."""
    s = (settings or InvertSettings()).validate()
    spec, dev, G = model.spec, model.device, model.G
    if target.shape != (spec.resolution, spec.resolution, spec.channels):
        raise InvertError(f"the image must be {spec.resolution}×{spec.resolution} with {spec.channels} channels "
                          f"for this model (prepare_image fits it)")
    if mask is not None and mask.all():
        raise InvertError("the mask covers the whole image: leave some pixels unmasked to guide the search")
    G.eval()
    dtype = next(G.parameters()).dtype
    perc = Perceptual(dev)
    tgt = _to_tensor(target, dev)
    known = None if mask is None or not mask.any() else \
        torch.from_numpy(~mask).to(dev, torch.float32)[None, None]
    with torch.no_grad():
        tgt_feats = perc.features(tgt)

    def losses(x: torch.Tensor, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        kn = None if known is None else known.expand(len(x), -1, -1, -1)
        pd = perc.distance(perc.features(x), [t.expand(len(x), -1, -1, -1) for t in tgt_feats], kn)
        px = pixel_error(x, tgt, kn)
        shell = (z.square().mean(dim=1) - 1.0).square()
        return s.perceptual * pd + s.pixel * px + s.prior * shell, pd, px

    # 1. the given start, else rank random candidates with one forward pass each and keep the best
    if start is not None:
        z = torch.as_tensor(start, dtype=torch.float32).reshape(-1, spec.z_dim).to(dev).clone()
        with torch.no_grad():
            yield Step(0.0, to_uint8(G(z[:1].to(dtype)).float())[0])
    else:
        z = _starting_points(G, dtype, dev, spec.z_dim, s, losses)
    z.requires_grad_(True)

    # 2. optimise them together; the step size decays on a cosine to 5 % of lr
    opt = torch.optim.Adam([z], lr=s.lr, betas=(0.9, 0.99))
    best_loss = torch.full((len(z),), math.inf, device=dev)
    best_z = z.detach().clone()
    best_px = torch.full((len(z),), math.inf, device=dev)
    done = s.steps
    for step in range(s.steps):
        for g in opt.param_groups:
            g["lr"] = s.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / s.steps)))
        x = G(z.to(dtype)).float()
        loss, _, px = losses(x, z)
        with torch.no_grad():
            better = loss < best_loss
            best_loss = torch.where(better, loss.detach(), best_loss)
            best_px = torch.where(better, px.detach(), best_px)
            best_z[better] = z.detach()[better]
        opt.zero_grad(set_to_none=True)
        loss.sum().backward()
        opt.step()
        close = s.close > 0 and step + 1 >= s.min_steps and float(best_px[best_loss.argmin()]) / 2 <= s.close
        preview = None
        if step % s.preview_every == 0 or step == s.steps - 1 or close:
            k = int(best_loss.argmin())
            with torch.no_grad():
                preview = to_uint8(G(best_z[k:k + 1].to(dtype)).float())[0]
        yield Step(1.0 if close else (step + 1) / s.steps, preview)   # every step: pause and cancel answer at once
        if close:                                            # as close as the model's own pictures are found
            done = step + 1
            break

    # 3. the final latents count too (the last step may have improved them)
    return _best_result(G, dtype, z.detach(), best_z, best_loss, losses, done)


@torch.no_grad()
def _best_result(G, dtype, z, best_z, best_loss, losses, steps: int) -> InvertResult:
    """The best latent of the search (the final ones included) with its picture and figures."""
    x = G(z.to(dtype)).float()
    loss, _, _ = losses(x, z)
    better = loss < best_loss
    best_z[better] = z[better]
    k = int(torch.where(better, loss, best_loss).argmin())
    zk = best_z[k:k + 1]
    x = G(zk.to(dtype)).float()
    _, pd, px = losses(x, zk)
    return InvertResult(zk[0].float().cpu(), to_uint8(x)[0], float(pd), float(px) / 2.0, steps)
