"""Training an encoder for a model: E(x) → z, from the model's own pictures and the run's real ones.

    training = EncoderTraining(model, real, EncoderSettings(minutes=5), out_file, state_file)
    result = training.run(job)        # StageLoop: budget, pause, cancel, the best kept at every evaluation

Pairs (z, G(z)) cost one forward pass of the frozen generator. Each step:
- a batch of the model's own pictures: a small latent loss (z itself; most of z's directions barely change the
  picture, so it only steadies the start) and the reconstruction loss of a part of the batch — G(E(x)) against x,
  pixel L1 plus the LPIPS-style perceptual distance the search uses, through the frozen G;
- every other step, where the run has pictures, the reconstruction loss of a few real pictures, so E also lands
  near pictures the model only approximates.
Scored every `eval_every` steps on fixed held pairs: the mean pixel error (0–1 scale) of G(E(x)) for the model's
own pictures is the score; the real pictures' perceptual distance is recorded beside it.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ..backbone import get_backbone
from ..checkpoint import CheckpointError, pack_module, pack_optimizer, read_file, save_file, unpack_module, \
    unpack_optimizer
from ..device import native_bf16
from ..invert import Perceptual, pixel_error
from ..stage_loop import StageLoop, StageResult
from .model import EncoderError, images_to_tensor, save_encoder
from .net import EncoderSpec, LatentEncoder

EncoderResult = StageResult


@dataclass
class EncoderSettings:
    width: int = 32
    minutes: float = 5.0              # wall-clock budget of this call (0: until stopped)
    cpu_seconds: float = 0.0          # or process CPU seconds (benchmarks)
    steps: int = 0                    # or a number of steps (tests)
    batch: int = 32                   # the model's own pictures per step (the latent loss)
    recon: int = 16                   # of which this many also count through G (pixel + perceptual)
    real_batch: int = 8               # real pictures per real step
    real_every: int = 2
    latent: float = 0.1               # weight of the latent loss
    perceptual: float = 1.0
    pixel: float = 1.0
    lr: float = 1e-3
    eval_every: int = 25
    held: int = 16                    # held pictures of each kind for the score
    seed: int = 0


class EncoderTraining(StageLoop):
    record_kind = "encoder"
    title = "encoder"

    def __init__(self, model, real: np.ndarray | None, settings: EncoderSettings, out_file: Path,
                 state_file: Path | None, meta: dict | None = None, on_record: Callable[[dict], None] | None = None):
        super().__init__(settings, on_record)
        self.model, self.device = model, model.device
        self.G = model.G.eval().requires_grad_(False)
        self.dtype = next(self.G.parameters()).dtype
        self.out_file, self.state_file = Path(out_file), state_file
        self.meta = {"model_identity": model.identity, "model": model.spec.to_dict(), **(meta or {})}
        self.fast = native_bf16(self.device)              # pairs made in bf16 where the hardware does it
        torch.manual_seed(settings.seed)
        self.spec = EncoderSpec.for_model(model.spec, settings.width)
        self.net = LatentEncoder(self.spec, get_backbone("lite0", self.device)).to(self.device)
        self.opt = torch.optim.Adam([p for p in self.net.parameters() if p.requires_grad], lr=settings.lr,
                                    betas=(0.9, 0.99))
        self.perc = Perceptual(self.device)
        self.gen = torch.Generator().manual_seed(settings.seed)
        self.rng = np.random.default_rng(settings.seed)
        held = torch.Generator().manual_seed(10_000 + settings.seed)
        self.val_z = torch.randn(settings.held, model.z_dim, generator=held).to(self.device)
        with torch.no_grad():
            self.val_x = self.G(self.val_z.to(self.dtype)).float()
        self.real, self.val_real = self._split_real(real)
        if state_file is not None and Path(state_file).is_file():
            self._resume(Path(state_file))

    def _split_real(self, real):
        """(training pictures, held pictures as a tensor) from uint8 (N, R, R, C); a few held out when enough."""
        if real is None or len(real) == 0:
            return None, None
        spec = self.model.spec
        if real.shape[1:] != (spec.resolution, spec.resolution, spec.channels):
            raise EncoderError(f"the run's pictures are {real.shape[2]}×{real.shape[1]}, not the model's "
                               f"{spec.resolution} px: the encoder cannot learn from them")
        order = np.random.default_rng(20_000 + self.s.seed).permutation(len(real))
        n_held = min(self.s.held, len(real) // 5)
        held = images_to_tensor(real[np.sort(order[:n_held])], self.device) if n_held else None
        return real[np.sort(order[n_held:])], held

    # ------------------------------------------------------------------ the loss
    def _generate(self, z: torch.Tensor) -> torch.Tensor:
        ctx = torch.autocast(self.device.type, torch.bfloat16) if self.fast else contextlib.nullcontext()
        with torch.no_grad(), ctx:
            return self.G(z.to(self.dtype)).float()

    def reconstruction(self, x: torch.Tensor, z_hat: torch.Tensor) -> torch.Tensor:
        """(N,) pixel + perceptual distance of G(z_hat) to x (G frozen, gradients reach z_hat)."""
        y = self.G(z_hat.to(self.dtype)).float()
        with torch.no_grad():
            target = self.perc.features(x)
        return (self.s.pixel * pixel_error(y, x, None)
                + self.s.perceptual * self.perc.distance(self.perc.features(y), target))

    def train_step(self) -> float:
        s = self.s
        self.net.train()
        z = torch.randn(s.batch, self.model.z_dim, generator=self.gen).to(self.device)
        x = self._generate(z)
        z_hat = self.net(x)
        loss = s.latent * F.mse_loss(z_hat, z) + self.reconstruction(x[:s.recon], z_hat[:s.recon]).mean()
        if self.real is not None and self.step % s.real_every == 0:
            pick = np.sort(self.rng.choice(len(self.real), min(s.real_batch, len(self.real)), replace=False))
            xr = images_to_tensor(self.real[pick], self.device)
            loss = loss + self.reconstruction(xr, self.net(xr)).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return float(loss.detach())

    @torch.no_grad()
    def validate(self) -> tuple[float, dict]:
        self.net.eval()
        y = self.G(self.net(self.val_x).to(self.dtype)).float()
        score = float(pixel_error(y, self.val_x, None).mean()) / 2
        extra = {"pixel_error": score}
        if self.val_real is not None:
            yr = self.G(self.net(self.val_real).to(self.dtype)).float()
            extra["real_distance"] = float(self.perc.distance(self.perc.features(yr),
                                                              self.perc.features(self.val_real)).mean())
        return score, extra

    def has_best(self) -> bool:
        return self.out_file.is_file()

    def save_best(self, score: float) -> None:
        save_encoder(self.out_file, self.net, {**self.meta, "images_seen": self.seen, "steps": self.step,
                                               "pixel_error": score})

    # ------------------------------------------------------------------ stopping and resuming
    def save_state(self) -> None:
        if self.state_file is None:
            return
        tensors = pack_module("net", self.net)
        opt, groups = pack_optimizer("opt", self.opt)
        tensors.update(opt)
        save_file(Path(self.state_file), tensors, {
            "kind": "encoder-state", "spec": self.spec.to_dict(), "model_identity": self.model.identity,
            "opt": groups, "step": self.step, "images_seen": self.seen, "best": self.best})

    def _resume(self, path: Path) -> None:
        try:
            tensors, meta = read_file(path)
            if meta.get("spec") != self.spec.to_dict():
                return                                   # another model size: start afresh
            unpack_module("net", self.net, tensors, "encoder")
            unpack_optimizer("opt", self.opt, tensors, meta["opt"])
        except (CheckpointError, KeyError):
            return                                       # a damaged state: start afresh (the best file stays)
        self.step, self.seen = int(meta.get("step", 0)), int(meta.get("images_seen", 0))
        best = meta.get("best")
        self.best = float(best) if isinstance(best, (int, float)) and meta.get("model_identity") == \
            self.model.identity else float("inf")       # a newer model: the old score does not hold
