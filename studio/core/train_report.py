"""What the training loop reports: a StepMetrics line (metrics.jsonl) and sample grids (samples/).

Rank 0 alone writes them in a data-parallel run (studio/core/distributed.py); the other ranks skip the work.
"""
from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from .events import Notice, Samples, StepMetrics
from .files import atomic_path
from .latent import make_grid, to_uint8


def emit_metrics(t, vals, ips, target, minutes, session) -> None:
    """vals: [loss_g, loss_d, D(x), D(G(z))] averaged over the last steps (and the ranks)."""
    remaining = []
    if target is not None:
        remaining.append(max(0.0, target * 1000 - t.nimg) / max(ips, 1e-9))
    if minutes is not None:
        remaining.append(max(0.0, minutes * 60 - session))
    progress = None
    fracs = ([t.nimg / (target * 1000)] if target else []) + ([session / (minutes * 60)] if minutes else [])
    if fracs:
        progress = min(1.0, max(fracs))
    ev = StepMetrics(t.step, t.kimg, vals[0], vals[1], vals[2], vals[3], ips,
                     min(remaining) if remaining else None, t.opt_g.param_groups[0]["lr"],
                     t.opt_d.param_groups[0]["lr"], progress, t.elapsed)
    try:
        if t.world.main:
            t.run_folder.append_metrics(ev.to_dict())
    except OSError as e:
        t.on_event(Notice(f"Could not write metrics.jsonl ({e.strerror or e}); training continues.", "warning"))
    t.on_event(ev)
    if early_sample_due(t.nimg, getattr(t, "early_sampled", 0), t.cfg.sample_every_kimg):
        t.early_sampled = t.nimg
        emit_samples(t)


# A new run shows life early: sample grids after about 200, 400, 800 and 1,600 images (at the first metrics line
# past each), then every sample_every_kimg as the trainer decides (step-0 noise stayed up for the first 2,000
# images, about a minute on a CPU). Only below the first regular sample, so a resumed run adds none.
EARLY_SAMPLES = (200, 400, 800, 1600)


def early_sample_due(nimg: int, sampled_nimg: int, sample_every_kimg: float) -> bool:
    """Whether an early grid is due at `nimg` images, the last early one shown at `sampled_nimg`."""
    regular = sample_every_kimg * 1000
    return any(sampled_nimg < m <= nimg and m < regular for m in EARLY_SAMPLES) and nimg < regular


@torch.no_grad()
def render_samples(t) -> np.ndarray:
    t.G_ema.eval()
    imgs = to_uint8(t.G_ema(t.fixed_z.to(t.device)).float())
    rows, cols = t.cfg.sample_grid
    return make_grid(imgs, rows, cols)


def emit_samples(t) -> None:
    t.sampled_step = t.step
    if not t.world.main:
        return
    grid = render_samples(t)
    path = t.run_folder.samples_dir / f"step-{t.step:09d}.png"
    try:
        with atomic_path(path, ".png") as tmp:
            Image.fromarray(grid).save(tmp, format="PNG")
        saved = str(path)
    except OSError as e:
        saved = None
        t.on_event(Notice(f"Could not save the sample grid ({e.strerror or e}); training continues.", "warning"))
    t.on_event(Samples(t.step, t.kimg, grid, saved))
