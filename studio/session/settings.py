"""The training-settings rules the window and the command line share (each written once, here or in core):

- an architecture brings its own latent size, width, learning rates, betas and loss (core.config.with_arch);
- the suggestion for a folder depends on its usable image count and the device the run will use
  (`suggested`), whatever the window's status bar happens to say;
- resuming a run that reached its target trains as long again (`resume_plan`), and says so.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from studio.core.config import ARCH_DEFAULTS, TrainConfig, suggest, suggestion, with_arch

__all__ = ["with_arch", "suggested", "suggested_why", "ResumePlan", "resume_plan", "SUGGESTED_KEYS", "check_start_model"]

# what a suggestion decides; every other setting (data, preprocessing, precision, seed, device …) is kept
SUGGESTED_KEYS = ("resolution", "arch", "batch", "kimg", "minutes", "augment", "loss") + \
    tuple(sorted({k for d in ARCH_DEFAULTS.values() for k in d}))


def suggested(count: int, device_type: str, base: TrainConfig | None = None,
              resolution: int | None = None, arch: str | None = None) -> TrainConfig:
    """Settings for a folder of `count` usable images trained on a `device_type` ('cpu', 'cuda', 'mps')
    device (at `resolution` / with `arch` when those are chosen), keeping `base`'s other settings (its data
    folder, fit, colours, precision, device choice …)."""
    s = suggest(count, device_type, resolution, arch)
    base = base or TrainConfig()
    return dataclasses.replace(base, **{k: getattr(s, k) for k in SUGGESTED_KEYS})


def suggested_why(count: int, device_type: str) -> str:
    """Why the suggestion for `count` usable images on a `device_type` device is what it is, in sentences."""
    where = "this CPU" if device_type == "cpu" else ("this GPU" if device_type == "cuda" else "this Mac's GPU")
    return f"Suggested for {count:,} image{'s' if count != 1 else ''} on {where}: {suggestion(count, device_type).why}"


def check_start_model(cfg: TrainConfig) -> str:
    """'' when cfg.init_from (if any) fits cfg's architecture and size, else the sentence that says what differs.
    Reads only the model file's header: fast enough for the window to ask on every edit."""
    if not cfg.init_from:
        return ""
    from studio.core.errors import StudioError
    from studio.core.models import ModelSpec
    from studio.core.train_state import init_source
    try:
        init_source(cfg.init_from, ModelSpec.from_config(cfg))
    except StudioError as e:
        return str(e)[:1].upper() + str(e)[1:] + "."
    return ""


@dataclass
class ResumePlan:
    target_kimg: float | None      # train until this many thousand images in total (None: no image target)
    minutes: float | None          # or for this many minutes of this session
    notice: str = ""               # said to the artist when the plan is not the obvious one


def resume_plan(done_kimg: float, cfg: TrainConfig, more_kimg: float | None = None,
                minutes: float | None = None) -> ResumePlan:
    """How far a (re)started run trains. Asked for: `more_kimg` more, or `minutes`. Otherwise the run's own
    duration: up to cfg.kimg — and when the run already reached it, as long again (cfg.kimg more)."""
    if more_kimg:
        return ResumePlan(done_kimg + more_kimg, None)
    if minutes:
        return ResumePlan(None, minutes)
    if cfg.kimg and done_kimg >= cfg.kimg * 0.999:
        return ResumePlan(done_kimg + cfg.kimg, None,
                          f"The run already reached its {cfg.kimg:g} thousand images: training "
                          f"{cfg.kimg:g} thousand more (to {done_kimg + cfg.kimg:.1f}k).")
    return ResumePlan(cfg.kimg or None, cfg.minutes or None)
