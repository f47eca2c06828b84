"""The training loop. Pure Python + PyTorch; the GUI drives it from a worker thread.

    trainer = Trainer.create(run_dir, cfg, on_event=print)   # scans + caches the folder
    trainer.run()                                            # blocks; pause()/resume()/stop() from any thread
    trainer = Trainer.open(run_dir)                          # later: restores the newest good checkpoint
    trainer = Trainer.join(world)                            # ranks > 0 of a data-parallel run (distributed.py)

Everything that decides the numbers (weights, optimizers, step, RNG states) is saved in each
checkpoint (train_state.py), so a stop/resume continues exactly as if the run had never stopped.
"""
from __future__ import annotations

import copy
import math
import os
import threading
import time
from dataclasses import dataclass, field
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from . import checkpoint as ckpt
from . import allocator, compiled, distributed, growth, run_kinds, threads, train_report, train_state
from .augment import diff_augment, parse_policy
from .config import TrainConfig
from .distributed import ALONE, World
from .dataset import Dataset, DatasetError, build_dataset, reopen_dataset
from .device import pick_device, resolve_precision
from .events import CheckpointSaved, Failed, Finished, Notice, ThreadsChanged
from .losses import d_loss_fake, d_loss_real, d_score, g_loss, r1_penalty
from .models import ModelSpec, build_models
from .models.registry import keeps_freed_memory, preferred_memory_format
from .run import RunFolder


@dataclass
class _Loop:
    """The training loop's clocks and running sums for one run() call."""
    session_start: float                  # elapsed training seconds before this session
    last_nimg: int                        # images seen at the last metrics report
    acc: "torch.Tensor"                   # summed [loss_g, loss_d, D(x), D(G(z))] since then
    acc_n: int = 0
    t_start: float = field(default_factory=time.perf_counter)     # moved on by pauses
    last_t: float = field(default_factory=time.perf_counter)
    last_ckpt: float = field(default_factory=time.perf_counter)


class Trainer:
    def __init__(self, run: RunFolder, cfg: TrainConfig, dataset: Dataset,
                 on_event: Callable | None = None, device: str | torch.device | None = None, world: World = ALONE,
                 kinds=None):
        self.run_folder, self.cfg, self.dataset = run, cfg.validate(), dataset
        self.world = world                       # this process's rank among the training processes; ALONE: one
        world.check_batch(cfg.batch)
        self.on_event = on_event or (lambda e: None)
        self.device = torch.device(device) if device is not None else pick_device(cfg.device)
        if dataset.channels != cfg.img_channels or dataset.resolution != cfg.resolution:
            raise DatasetError("the cached dataset does not match the run's resolution/channels")
        self.kinds = kinds                       # the kinds G and D are conditioned on (core/kinds.py), or None
        self.spec = ModelSpec.from_config(cfg, kinds.names if kinds is not None else ())
        torch.manual_seed(cfg.seed)
        self.G, self.D = build_models(self.spec)
        self.kind_sampler = None if kinds is None else run_kinds.Sampler(kinds, self.G, self.device,
                                                                         cfg.kind_fade_kimg)
        self.G.to(self.device)
        self.D.to(self.device)
        # Speed paths (same maths; GANSTUDIO_PLAIN_EAGER=1 turns them off): channels_last convs where they pay,
        # and no D weight-gradients in the G step (opt_d.zero_grad drops them before they are ever used).
        self.fast_path = os.environ.get("GANSTUDIO_PLAIN_EAGER", "") in ("", "0")
        self.memory_format = preferred_memory_format(self.spec, self.device) if self.fast_path else None
        self.keep_heap = self.fast_path and keeps_freed_memory(self.spec, self.device)
        if self.keep_heap:                       # until run() ends (train_step alone: benchmarks, tests)
            allocator.keep_freed_memory()
        self.threads = threads.ThreadChooser.for_training(self.device.type, world.active, self.fast_path)
        if self.memory_format is not None:
            self.G.to(memory_format=self.memory_format)
            self.D.to(memory_format=self.memory_format)
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        self.compiled = bool(cfg.compile)         # the step calls G and D through _g/_d: compiled views or themselves
        self._g, self._d = (compiled.compile_module(self.G), compiled.compile_module(self.D)) if self.compiled \
            else (self.G, self.D)
        # one fused kernel per optimizer step (CUDA and, since torch 2.4, CPU): the same update to rounding,
        # a third of the time of the per-tensor loop (benchmarks/README.md §10c)
        opt_kw = {"fused": True} if self.device.type in ("cuda", "cpu") else {}
        self.opt_g = torch.optim.Adam(self.G.parameters(), cfg.lr_g, betas=(cfg.beta1, cfg.beta2), **opt_kw)
        self.opt_d = torch.optim.Adam(self.D.parameters(), cfg.lr_d, betas=(cfg.beta1, cfg.beta2), **opt_kw)
        self.gen = torch.Generator(device=self.device).manual_seed(cfg.seed)
        n = cfg.sample_grid[0] * cfg.sample_grid[1]
        self.fixed_z = torch.randn(n, cfg.z_dim, generator=torch.Generator().manual_seed(cfg.seed + 1))
        if self.device.type == "cpu":     # share the (memory-mapped) uint8 cache: the OS page cache holds it once
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)          # read-only memmap: we only ever index it
                self.images = torch.from_numpy(dataset.images)
        else:
            self.images = torch.from_numpy(np.array(dataset.images)).to(self.device)   # uint8, resident
        self.policy = parse_policy(cfg.augment_policy) if cfg.augment else ()
        # bf16 autocast where the hardware does bf16 natively (auto), or when asked; see device.resolve_precision
        self.precision = resolve_precision(cfg.precision, self.device)
        self.amp = self.precision == "bf16"
        self.step = 0
        self.nimg = 0
        self.elapsed = 0.0
        self.batch = cfg.batch
        self.nan_failures = 0
        self._pause = threading.Event()
        self._stop = threading.Event()
        self._ckpt_failed = False
        self.saved_step = self.sampled_step = -1
        self.evaluator = None   # optional quality hook (studio.core.metrics.QualityMonitor): due(t), __call__(t)

    # ------------------------------------------------------------------ construction
    @classmethod
    def create(cls, run_dir: Path | str, cfg: TrainConfig, on_event=None, progress=None, cancel=None,
               device=None, world: World = ALONE) -> "Trainer":
        """Start a new run: scan + cache cfg.data_dir into run_dir, write config.json and scan.json."""
        run = RunFolder(run_dir)
        if run.exists() and ckpt.list_checkpoints(run.checkpoints_dir):
            raise FileExistsError(f"{run.path} already holds a training run: use resume, or choose a new folder")
        world.check_batch(cfg.validate().batch)
        if cfg.init_from:                         # refuse a model that does not fit before writing anything
            train_state.init_source(cfg.init_from, ModelSpec.from_config(cfg), kinds=None)
        run.create(cfg)
        data = build_dataset(cfg, run.cache_dir, progress, cancel)
        kinds, notes = run_kinds.for_new_run(run, cfg, data, device)
        t = cls(run, cfg, data, on_event, device, world, kinds)
        for note in notes:
            t.on_event(Notice(note, "info"))
        t._start_from_model()
        distributed.send_start(t)
        return t

    def _start_from_model(self) -> None:
        """A new run with init_from set begins at that model's weights (train_state.init_from checks they fit)."""
        if self.cfg.init_from:
            self.on_event(Notice(train_state.init_from(self, self.cfg.init_from), "info"))

    @classmethod
    def join(cls, world: World, on_event=None, device=None, progress=None, cancel=None) -> "Trainer":
        """A rank > 0 of the run rank 0 creates or opens: its settings come from rank 0 (distributed.receive_start),
        its weights and the rest of the state at the start of run(). Never writes the run folder."""
        run, cfg, data, kinds = distributed.receive_start(world, progress, cancel)
        return cls(run, cfg, data, on_event, device, world, kinds)

    @classmethod
    def open(cls, run_dir: Path | str, on_event=None, progress=None, cancel=None, device=None,
             config_overrides: dict | None = None, world: World = ALONE) -> "Trainer":
        """Reopen a run and restore its newest loadable checkpoint (falling back to older ones).

        config_overrides: settings changed from now on (saved in config.json, e.g. precision, compile), except
        'device', which holds for this session only (the run may move between machines)."""
        run = RunFolder(run_dir)
        if not run.exists():
            raise FileNotFoundError(f"{run.path} is not a GAN Studio run folder (no config.json)")
        cfg = run.config()
        for k, v in (config_overrides or {}).items():
            setattr(cfg, k, v)
        lasting = {k: v for k, v in (config_overrides or {}).items() if k != "device"}
        if lasting:
            saved = run.config()
            for k, v in lasting.items():
                setattr(saved, k, v)
            saved.validate().save(run.config_file)
        for stale in list(run.checkpoints_dir.glob(".*.part")) + list(run.samples_dir.glob(".*.part")):
            stale.unlink(missing_ok=True)            # temp files of writes cut short by a crash
        data = reopen_dataset(cfg, run.cache_dir, progress, cancel)
        if world.main:
            run_kinds.write_scan(run, data)           # what dataset indices name (quality's missing pictures)
        t = cls(run, cfg, data, on_event, device, world, run_kinds.load(run, cfg, data))
        path = t.restore_latest()
        if path is None:                      # stopped before its first checkpoint: begin again as created
            t._start_from_model()
        elif (notice := train_state.world_notice(path, world.size)) is not None:
            t.on_event(Notice(notice, "info"))
        distributed.send_start(t)
        return t

    # ------------------------------------------------------------------ control (any thread)
    def pause(self) -> None:
        self._pause.set()

    def resume(self) -> None:
        self._pause.clear()

    def stop(self) -> None:
        self._stop.set()
        self._pause.clear()

    @property
    def paused(self) -> bool:
        return self._pause.is_set()

    @property
    def stop_event(self) -> threading.Event:
        """Set when a stop was asked for: long work between steps (quality, exports) checks it to cancel."""
        return self._stop

    @property
    def kimg(self) -> float:
        return self.nimg / 1000.0

    # ------------------------------------------------------------------ the loop
    def run(self, kimg: float | None = None, minutes: float | None = None) -> str:
        """Train until `kimg` total, `minutes` of this session, or stop(). Returns the reason. None: the config's
        duration; 0: no limit of that kind (a resume for more images must not keep the run's old time limit)."""
        if self.keep_heap:
            allocator.keep_freed_memory()
        try:
            return self._run(kimg, minutes)
        finally:
            allocator.release_freed_memory()
            self.threads.restore()                   # the app's own thread count again

    def _run(self, kimg: float | None, minutes: float | None) -> str:
        target, minutes = self._goal(kimg, minutes)
        self._stop.clear()
        loop = _Loop(self.elapsed, self.nimg, torch.zeros(4, device=self.device))
        if self.step == 0 and self.saved_step != 0:      # a fresh run: step-0 samples and checkpoint
            train_report.emit_samples(self)
            self.save_checkpoint()
        loop.last_ckpt = time.perf_counter()
        reason = "done"
        try:
            while True:
                control = self._control(loop, target, minutes)     # stop / pause / goal reached
                if control == "pause":
                    continue
                if control is not None:
                    reason = control
                    break
                step = self._step_or_recover()                      # one D and one G step
                if isinstance(step, str):
                    if step == "failed":
                        return "failed"
                    continue                                        # a smaller batch or eager: again
                loop.acc += step
                loop.acc_n += 1
                prev = self.nimg - self.batch
                self.elapsed = loop.session_start + (time.perf_counter() - loop.t_start)
                if self.step % self.cfg.log_every == 0:
                    report = self._report(loop, target, minutes)
                    if report != "ok":
                        if report == "failed":
                            return "failed"
                        continue                                    # diverged: rolled back to a checkpoint
                self._periodic(loop, prev)                          # samples, checkpoint, quality
        except Exception as e:  # noqa: BLE001 - report every failure to the UI in words
            if self.world.active and distributed.lost_peer(e):
                return self._fail(distributed.lost_rank_message(e))
            return self._fail(f"Training stopped: {type(e).__name__}: {e}")
        if self.sampled_step != self.step:
            train_report.emit_samples(self)
        if self.saved_step != self.step:
            self.save_checkpoint()
        self.on_event(Finished(self.step, self.kimg, reason))
        return reason

    def _goal(self, kimg: float | None, minutes: float | None) -> tuple[float | None, float | None]:
        """(target kimg, minutes) of this session, None for no limit; the same on every rank."""
        target = (self.cfg.kimg if kimg is None else kimg) or None
        minutes = (self.cfg.minutes if minutes is None else minutes) or None
        if self.world.active:                 # every rank: rank 0's weights, optimizer, RNG, counters and goal
            train_state.share(self)
            target, minutes = self.world.from_main((target, minutes))
        return target, minutes

    def _control(self, loop: "_Loop", target, minutes) -> str | None:
        """'stopped', 'done' (goal reached), 'pause' (paused a moment) or None (train on), agreed by all ranks."""
        p0 = time.perf_counter()              # several ranks: agreed every log_every steps
        stop, pause, over = self.world.agree(
            self._stop.is_set(), self._pause.is_set(), minutes is not None and p0 - loop.t_start >= minutes * 60,
            device=self.device) if not self.world.active or self.step % self.cfg.log_every == 0 else (0, 0, 0)
        if stop:
            return "stopped"
        if pause:
            time.sleep(0.02)
            paused = time.perf_counter() - p0
            loop.t_start += paused
            loop.last_t += paused
            return "pause"
        if (target is not None and self.nimg >= target * 1000) or over:
            return "done"
        return None

    def _step_or_recover(self) -> "torch.Tensor | str":
        """train_step()'s losses; 'retry' after out of memory (smaller batch) or a compile failure (eager); 'failed'."""
        try:
            return self.train_step()
        except torch.cuda.OutOfMemoryError:
            if self.world.active or not train_state.shrink_batch(self):   # ranks cannot shrink apart: stop
                return self._fail(f"The GPU ran out of memory {distributed.per_process(self.batch, self.world)}"
                                  ": use a smaller resolution or architecture width, or train on the CPU.")
            return "retry"
        except Exception as e:  # noqa: BLE001 - compile failures only; the rest goes on up
            if self.world.active or not (self.compiled and compiled.is_compile_error(e)):
                raise
            return "retry" if self._stop_compiling(e) else "failed"

    def _report(self, loop: "_Loop", target, minutes) -> str:
        """Emit the last log_every steps' metrics (one host sync): 'ok'; diverged: 'recovered' or 'failed'."""
        vals = (self.world.mean_(loop.acc) / loop.acc_n).tolist()
        loop.acc.zero_()
        loop.acc_n = 0
        if not all(math.isfinite(v) for v in vals):
            return "recovered" if train_state.recover_from_nan(self) else "failed"
        self.nan_failures = 0
        now = time.perf_counter()
        ips = (self.nimg - loop.last_nimg) / max(now - loop.last_t, 1e-9)
        loop.last_t, loop.last_nimg = now, self.nimg
        train_report.emit_metrics(self, vals, ips, target, minutes, now - loop.t_start)
        if (change := self.threads.observe(self.elapsed, self.nimg)) and change.note:
            self.on_event(ThreadsChanged(change.note, "info", change.threads))   # the CPU is shared, or free
        return "ok"

    def _periodic(self, loop: "_Loop", prev: int) -> None:
        """Samples every sample_every_kimg, checkpoints (kimg-paced within min/max seconds), quality when due."""
        cfg = self.cfg
        sample_every = max(1, int(cfg.sample_every_kimg * 1000))
        ckpt_every = max(1, int(cfg.checkpoint_every_kimg * 1000))
        if self.nimg // sample_every != prev // sample_every:
            train_report.emit_samples(self)
        since = time.perf_counter() - loop.last_ckpt
        if ((self.nimg // ckpt_every != prev // ckpt_every and since >= cfg.checkpoint_min_sec)
                or since >= cfg.checkpoint_max_sec or self._ckpt_failed):
            self.save_checkpoint()
            loop.last_ckpt = time.perf_counter()
        if self.evaluator is not None and self.world.main and self.evaluator.due(self):
            self.evaluator(self)

    def train_step(self) -> torch.Tensor:
        """One D step and one G step. Returns [loss_g, loss_d, D(x), D(G(z))] as a device tensor."""
        cfg, dev, gen, b = self.cfg, self.device, self.gen, self.batch
        kind, mine, shard = cfg.loss_name, self.world.rows(b), self.world.shard()   # this rank's rows of the batch
        self.world.step_seed(cfg.seed, self.step)
        self.G.train()
        self.D.train().requires_grad_(True)
        kinds = self.kind_sampler
        idx = (kinds.real_indices(b, gen) if kinds else torch.randint(0, len(self.images), (b,), generator=gen,
                                                                    device=dev))[mine]
        real = growth.begin_step(self, self.images[idx].permute(0, 3, 1, 2).float().div_(127.5).sub_(1.0))
        if cfg.mirror:
            flip = (torch.rand(b, generator=gen, device=dev) < 0.5)[mine]
            real = torch.where(flip.view(-1, 1, 1, 1), real.flip(3), real)
        z = torch.randn(b, cfg.z_dim, generator=gen, device=dev)[mine]
        d_real_kw, g_kw = kinds.conditions(idx, b, gen, mine, self.nimg) if kinds else ({}, {})   # D judges each as its kind
        do_r1 = cfg.r1_gamma > 0 and self.step % cfg.r1_every == 0
        # D step: the real half's backward runs before the fake half's forward (as in the classic loop), so
        # only one of D's two activation graphs is alive at a time; the summed gradient is the same
        self.opt_d.zero_grad(set_to_none=True)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=self.amp):
            fake = self._g(z, **g_kw)
            real_in = diff_augment(real, self.policy, gen, shard)
            if do_r1:
                real_in = real_in.detach().requires_grad_(True)
            real_logits, rec = self._d(real_in, with_recon=True, **d_real_kw)
            loss_real = d_loss_real(real_logits.float(), kind) + rec
            if do_r1:
                loss_real = loss_real + r1_penalty(real_logits.float(), real_in) * (cfg.r1_gamma / 2 * cfg.r1_every)
        loss_real.backward()
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=self.amp):
            fake_logits = self._d(diff_augment(fake.detach(), self.policy, gen, shard), **g_kw)
            loss_fake = d_loss_fake(fake_logits.float(), kind)
        loss_fake.backward()
        loss_d = loss_real.detach() + loss_fake.detach()
        self.world.average_gradients(self.D.parameters())
        self.opt_d.step()
        if self.fast_path:
            self.D.requires_grad_(False)        # G step: only G's gradients are wanted
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=self.amp):
            gen_in = diff_augment(fake, self.policy, gen, shard)
            gen_logits, guide = self._d(gen_in, guide=True, **g_kw) if kinds else (self._d(gen_in), 0.0)
            loss_g = g_loss(gen_logits.float(), kind) + guide     # guide: the kind guide's loss, 0 without kinds
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.D.requires_grad_(True)
        self.world.average_gradients(self.G.parameters())
        self.opt_g.step()
        self.world.average_buffers(self.G, self.D)
        self.step, self.nimg = self.step + 1, self.nimg + b
        self._update_ema()
        with torch.no_grad():
            return torch.stack([loss_g.detach(), loss_d.detach(), d_score(real_logits.detach().float(), kind),
                                d_score(fake_logits.detach().float(), kind)]).float()

    @torch.no_grad()
    def _update_ema(self) -> None:
        ema_nimg = self.cfg.ema_kimg * 1000
        if self.cfg.ema_rampup:
            ema_nimg = min(ema_nimg, self.nimg * self.cfg.ema_rampup)
        beta = 0.5 ** (self.batch / max(ema_nimg, 1e-8))
        ep, p = list(self.G_ema.parameters()), list(self.G.parameters())
        torch._foreach_lerp_(ep, p, 1.0 - beta)
        for be, bs in zip(self.G_ema.buffers(), self.G.buffers()):
            be.copy_(bs)

    # ------------------------------------------------------------------ checkpoints
    def save_checkpoint(self) -> Path | None:
        if not self.world.main:                  # rank 0 alone writes the run folder
            self.saved_step = self.step
            return None
        path = self.run_folder.checkpoints_dir / ckpt.checkpoint_name(self.step)
        try:
            tensors, meta = train_state.pack(self)
            ckpt.save_file(path, tensors, meta)
        except OSError as e:
            self._ckpt_failed = True
            self.on_event(Notice(f"Could not save a checkpoint ({e.strerror or e}): free some disk space or check "
                                 "the folder's permissions. Training continues and will try again.", "error"))
            return None
        self._ckpt_failed = False
        self.saved_step = self.step
        ckpt.prune(self.run_folder.checkpoints_dir, self.cfg.keep_checkpoints, {path})
        self.on_event(CheckpointSaved(self.step, self.kimg, str(path)))
        return path

    def restore_latest(self) -> Path | None:
        """Load the newest checkpoint that loads cleanly; report and skip damaged ones."""
        for step, path in ckpt.list_checkpoints(self.run_folder.checkpoints_dir):
            try:
                train_state.load(self, path)
            except (ckpt.CheckpointError, KeyError, RuntimeError, ValueError) as e:
                self.on_event(Notice(f"Checkpoint {path.name} could not be used ({e}); trying an older one.",
                                     "warning"))
                continue
            self.run_folder.truncate_metrics(self.step)
            return path
        return None

    # ------------------------------------------------------------------ health (train_state: the other recoveries)
    def _stop_compiling(self, e: BaseException) -> bool:
        """Compilation failed mid-step: go eager and back to the newest checkpoint (the step may be half done)."""
        self.compiled, self._g, self._d = False, self.G, self.D
        compiled.reset()
        for p in list(self.G.parameters()) + list(self.D.parameters()):
            p.grad = None
        self.D.requires_grad_(True)
        if self.restore_latest() is None:
            self._fail(f"Compiling the training step failed ({type(e).__name__}) and no checkpoint could be "
                       "restored: start again with compilation off.")
            return False
        self.on_event(Notice(compiled.compile_error_message(e), "warning"))
        return True

    def _fail(self, reason: str) -> str:
        self.on_event(Failed(reason))
        return "failed"

