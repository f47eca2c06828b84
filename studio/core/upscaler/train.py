"""Training an upscaler: L1 (optionally + image-gradient L1, a Lite0 perceptual distance) on crop pairs, EMA.

    training = UpscalerTraining(targets, UpscalerSettings(factor=4, minutes=5), out_file, state_file)
    result = training.run(job)        # job: .check() (pause / cancel) and .progress(done, total, text)

Every `eval_every` steps the EMA net is scored on fixed validation pairs (beside it in every record, "lanczos":
the same distance for Lanczos enlargements of those pairs, the line to beat); a better score is written to
`out_file` at once (atomically), so a stop at any moment keeps the best so far. A stop (cancel) also writes
`state_file`: net, EMA, optimizer and counters, from which the next run of the stage continues.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ..checkpoint import CheckpointError, pack_module, pack_optimizer, read_file, save_file, unpack_module, \
    unpack_optimizer
from ..images import resize_lanczos
from ..stage_loop import StageLoop, StageResult
from .data import PairSampler, UpscalerError, to_tensor
from .degrade import Degradation
from .losses import PerceptualDistance, gradient_l1, l1
from .model import save_upscaler
from .net import CompactSR, UpscalerSpec


@dataclass
class UpscalerSettings:
    factor: int = 4
    width: int = 32
    depth: int = 8
    minutes: float = 5.0              # wall-clock budget of this call (0: until stopped)
    cpu_seconds: float = 0.0          # or a budget in process CPU seconds (benchmarks on a shared machine)
    steps: int = 0                    # or a number of steps (tests)
    batch: int = 32
    lr_crop: int = 16                 # low-res crop side; the high-res crop is factor× that (16: 2× the steps of 24)
    lr: float = 3e-3
    perceptual: float = 0.0           # weight of the Lite0 perceptual distance: it held the net at bicubic (§11)
    gradient: float = 0.0             # weight of the L1 between image differences (edges)
    perceptual_every: int = 1         # the perceptual term on every n-th step only (it costs ~2× an L1 step)
    warmup: int = 30                  # steps of linear learning-rate warm-up
    tail_std: float = 0.0             # the last conv's initial weights (0: an untrained net is bicubic)
    ema: float = 0.98
    eval_every: int = 25
    seed: int = 0
    degradation: Degradation = field(default_factory=lambda: Degradation(clean=0.7))

    @property
    def spec(self) -> UpscalerSpec:
        return UpscalerSpec(self.factor, self.width, self.depth)


UpscalerResult = StageResult                 # what a run of the stage returns


def lanczos_l1(lr: torch.Tensor, hr: torch.Tensor) -> float:
    """The L1 distance of Lanczos enlargements of the low-res crops `lr` to `hr` (both in [-1, 1], NCHW)."""
    size = hr.shape[-1]
    lo = ((lr.permute(0, 2, 3, 1) + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).numpy()
    big = np.stack([resize_lanczos(a, size, size) for a in lo])
    return float(l1(to_tensor(big), hr))


class UpscalerTraining(StageLoop):
    record_kind = "upscaler"

    def __init__(self, targets: np.ndarray, settings: UpscalerSettings, out_file: Path, state_file: Path | None,
                 meta: dict | None = None, device="cpu", on_record: Callable[[dict], None] | None = None):
        if targets.shape[1] < settings.factor * 8:
            raise UpscalerError("the pictures are too small to train an upscaler on")
        super().__init__(settings, on_record)
        self.device = torch.device(device)
        self.out_file, self.state_file, self.meta = Path(out_file), state_file, dict(meta or {})
        self.title = f"upscaler ×{settings.factor}"
        torch.manual_seed(settings.seed)
        self.net = CompactSR(settings.spec).to(self.device)
        if settings.tail_std > 0:
            torch.nn.init.normal_(self.net.tail.weight, std=settings.tail_std)
        self.ema = copy.deepcopy(self.net).requires_grad_(False)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=settings.lr, betas=(0.9, 0.99))
        self.sampler = PairSampler(targets, settings.factor, settings.lr_crop, settings.degradation,
                                   np.random.default_rng(settings.seed))
        val = PairSampler(targets, settings.factor, settings.lr_crop, settings.degradation,
                          np.random.default_rng(10_000 + settings.seed))
        self.val = val.batch(24)
        self.lanczos = lanczos_l1(*self.val)
        self.perc = PerceptualDistance("lite0", self.device, depths=3) if settings.perceptual > 0 else None
        if state_file is not None and Path(state_file).is_file():
            self._resume(Path(state_file))

    # ------------------------------------------------------------------ the loss
    def loss(self, net, lr: torch.Tensor, hr: torch.Tensor, perceptual: bool = True) -> torch.Tensor:
        out = net(lr.to(self.device))
        hr = hr.to(self.device)
        total = l1(out, hr)
        if self.s.gradient:
            total = total + self.s.gradient * gradient_l1(out, hr)
        if self.perc is not None and perceptual:
            total = total + self.s.perceptual * self.perc(out, hr).mean()
        return total

    def train_step(self) -> float:
        self.net.train()
        lr, hr = self.sampler.batch(self.s.batch)
        if self.s.warmup:
            for g in self.opt.param_groups:
                g["lr"] = self.s.lr * min(1.0, (self.step + 1) / self.s.warmup)
        loss = self.loss(self.net, lr, hr, self.step % max(1, self.s.perceptual_every) == 0)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        with torch.no_grad():
            for pe, p in zip(self.ema.parameters(), self.net.parameters()):
                pe.lerp_(p, 1 - self.s.ema if self.step > 50 else 1.0)
        return float(loss.detach())

    @torch.no_grad()
    def validate(self) -> tuple[float, dict]:
        """The EMA net's loss on the fixed pairs, and Lanczos's (the line to beat)."""
        return float(self.loss(self.ema, *self.val)), {"lanczos": self.lanczos}

    def has_best(self) -> bool:
        return self.out_file.is_file()

    def save_best(self, score: float) -> None:
        save_upscaler(self.out_file, self.ema, {**self.meta, "images_seen": self.seen, "steps": self.step,
                                                "val_loss": score})

    # ------------------------------------------------------------------ stopping and resuming
    def save_state(self) -> None:
        if self.state_file is None:
            return
        path = Path(self.state_file)
        tensors = {**pack_module("net", self.net), **pack_module("ema", self.ema)}
        opt, groups = pack_optimizer("opt", self.opt)
        tensors.update(opt)
        save_file(path, tensors, {"kind": "upscaler-state", "spec": self.s.spec.to_dict(), "opt": groups,
                                  "step": self.step, "images_seen": self.seen, "best": self.best})

    def _resume(self, path: Path) -> None:
        try:
            tensors, meta = read_file(path)
            if meta.get("spec") != self.s.spec.to_dict():
                return                                   # another factor or size: start afresh
            unpack_module("net", self.net, tensors, "upscaler")
            unpack_module("ema", self.ema, tensors, "upscaler EMA")
            unpack_optimizer("opt", self.opt, tensors, meta["opt"])
        except (CheckpointError, KeyError):
            return                                       # a damaged state: start afresh (the best file stays)
        self.step, self.seen = int(meta.get("step", 0)), int(meta.get("images_seen", 0))
        best = meta.get("best")
        self.best = float(best) if isinstance(best, (int, float)) else float("inf")
