"""What a Trainer reports: typed events, dispatched by their class (never by a name string).

The session layer (studio.session) forwards them to its subscribers; the CLI prints them and the
window shows them. Every event is an `Event`; `StepMetrics.to_dict()` is also the metrics.jsonl record.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np


class Event:
    """Base class of everything a trainer or a session reports."""


@dataclass
class StepMetrics(Event):
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

    def to_dict(self) -> dict:
        """The metrics.jsonl record (kind "step")."""
        return {"kind": "step", **asdict(self)}


@dataclass
class Samples(Event):
    step: int
    kimg: float
    grid: np.ndarray = field(repr=False)    # uint8 (H, W, C), row-major
    path: str | None = None


@dataclass
class CheckpointSaved(Event):
    step: int
    kimg: float
    path: str


@dataclass
class Notice(Event):
    message: str
    level: str = "info"           # info | warning | error


@dataclass
class ThreadsChanged(Notice):
    """Training moved to another CPU thread count (core/threads.py); message says why, in a sentence."""
    threads: int = 0


@dataclass
class Finished(Event):
    step: int
    kimg: float
    reason: str                   # "done" | "stopped"


@dataclass
class Failed(Event):
    reason: str


@dataclass
class Quality(Event):
    step: int
    kimg: float
    metrics: dict = field(repr=False)   # the metrics.jsonl record: kind "quality", kid, kid_std, fd, …, missing
    best: bool = False                  # a new lowest KID: run_dir/best.safetensors was updated
    plateau: bool = False               # KID has stopped improving
