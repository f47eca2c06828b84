"""What a Trainer reports. The GUI turns these into Qt signals; the CLI prints them."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass
class StepMetrics:
    step: int
    kimg: float                  # thousands of real images shown to D
    loss_g: float
    loss_d: float
    d_real: float                # mean D(x): probability (bce) or critic score (hinge)
    d_fake: float                # mean D(G(z))
    images_per_sec: float
    eta_sec: float | None        # None when training runs until stopped
    lr_g: float
    lr_d: float
    progress: float | None       # 0..1 of the requested duration, None if open-ended
    elapsed_sec: float
    kind: str = "step"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Samples:
    step: int
    kimg: float
    grid: np.ndarray = field(repr=False)    # uint8 (H, W, C), row-major
    path: str | None = None
    kind: str = "samples"


@dataclass
class CheckpointSaved:
    step: int
    kimg: float
    path: str
    kind: str = "checkpoint"


@dataclass
class Notice:
    message: str
    level: str = "info"           # info | warning | error
    kind: str = "notice"


@dataclass
class Finished:
    step: int
    kimg: float
    reason: str                   # "done" | "stopped"
    kind: str = "finished"


@dataclass
class Failed:
    reason: str
    kind: str = "failed"


@dataclass
class Quality:
    step: int
    kimg: float
    metrics: dict = field(repr=False)   # the metrics.jsonl record: kind "quality", kid, kid_std, fd, precision, …
    best: bool = False                  # a new lowest KID: run_dir/best.safetensors was updated
    plateau: bool = False               # KID has stopped improving
    kind: str = "quality"
