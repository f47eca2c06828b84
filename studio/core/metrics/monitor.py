"""Quality during training: the trainer calls a QualityMonitor from its loop (trainer.evaluator).

    trainer.evaluator = QualityMonitor()          # auto interval, ≤ 5 % of training time
    trainer.run()

Every so often it renders a fixed set of samples from G_ema, measures them against the training
images (real features are computed once per run and cached in run_dir/cache), appends a
kind "quality" record to metrics.jsonl, emits a `Quality` event, keeps run_dir/best.safetensors
(the EMA generator with the lowest KID so far) and says in words when quality has stopped
improving (plateau) or the generator has collapsed onto a few modes.

It runs synchronously in the training thread, between two steps: the evaluation then sees
exactly the weights of that step, needs no copy of the model, never competes with training for
the GPU or the CPU cores, and the interval is chosen from the measured cost so that evaluation
takes at most `budget` (5 %) of the training time. A background thread would save no work on
a single device: it would slow the training steps by the same amount, while making the numbers
depend on thread timing.
"""
from __future__ import annotations

import math
import time

from ..checkpoint import save_generator
from ..events import Notice, Quality
from ..run import BEST_NAME
from .quality import collapse_warning, evaluate_features, generate, pick_real, real_features

__all__ = ["QualityMonitor", "BEST_NAME", "default_counts"]


def default_counts(device_type: str) -> tuple[int, int]:
    """(generated, real) image counts: ample on a GPU, small enough to stay cheap on a CPU."""
    return (1000, 2000) if device_type == "cuda" else (200, 500)


class QualityMonitor:
    def __init__(self, every_kimg: float | None = None, count: int | None = None, real_count: int | None = None,
                 budget: float = 0.05, patience: int = 4, min_every_kimg: float = 0.5, save_best: bool = True,
                 first_after_sec: float | None = None, min_best_precision: float = 0.1, inception=None):
        """inception: an optional local Inception network (inception.InceptionFID) that adds true FID to
        every measurement (Preferences → FID feature weights in the window, --inception on the commands)."""
        self.every_kimg = every_kimg           # None = automatic, from the measured cost
        self.count, self.real_count = count, real_count
        self.budget, self.patience, self.min_every_kimg = budget, patience, min_every_kimg
        self.save_best = save_best
        self.first_after_sec = first_after_sec
        # best.safetensors is what a run folder opens with: only a model whose samples land on the training
        # images' manifold (precision) may take that place, never an early blur that happens to score best
        self.min_best_precision = min_best_precision
        self.extractors = None                 # (primary, secondary) feature spaces
        self.real = None                       # their real features
        self.inception = inception
        self.real_inception = None             # the real images' Inception features, once per run
        self.history: list[dict] = []
        self.best_kid = math.inf
        self.ref_kid = math.inf                # best KID that counted as a real improvement
        self.since_improved = 0
        self.plateau = False
        self.collapsed = False
        self.disabled = False
        self.next_nimg: int | None = None
        self.eval_cost: float | None = None    # seconds of the last evaluation (fake side)
        self.mark: tuple[float, int] | None = None   # (trainer.elapsed, nimg) when training resumed after it
        self._restored = False

    # ------------------------------------------------------------------ scheduling
    def _restore(self, trainer) -> None:
        """Replay the run's earlier quality records (after resume) so best/plateau carry on."""
        self._restored = True
        for rec in trainer.run_folder.read_metrics("quality"):
            if isinstance(rec.get("kid"), (int, float)):
                self._track(rec)
        self.mark = (trainer.elapsed, trainer.nimg)

    def due(self, trainer) -> bool:
        if self.disabled:
            return False
        if not self._restored:
            self._restore(trainer)
        if self.every_kimg and self.next_nimg is None:
            every = max(1, int(self.every_kimg * 1000))
            self.next_nimg = (trainer.nimg // every + 1) * every
        if self.next_nimg is not None:
            return trainer.nimg >= self.next_nimg
        # before the first evaluation of this session: wait until training has run long enough that an
        # evaluation of the estimated cost stays within the budget
        est = self.first_after_sec
        if est is None:
            count = self._counts(trainer)[0]
            per_image = 0.002 if trainer.device.type == "cuda" else 0.05
            est = count * per_image / self.budget
        return trainer.elapsed - self.mark[0] >= est

    def _counts(self, trainer) -> tuple[int, int]:
        fake, real = default_counts(trainer.device.type)
        return self.count or fake, self.real_count or real

    def _schedule(self, trainer, cost: float) -> None:
        elapsed0, nimg0 = self.mark
        train_sec = max(trainer.elapsed - elapsed0, 1e-6)
        ips = max(trainer.nimg - nimg0, 1) / train_sec
        if self.every_kimg:
            every = max(1, int(self.every_kimg * 1000))
            self.next_nimg = (trainer.nimg // every + 1) * every
            return
        step = max(int(self.min_every_kimg * 1000), int(math.ceil(cost / self.budget * ips)))
        self.next_nimg = trainer.nimg + step

    # ------------------------------------------------------------------ the evaluation
    def __call__(self, trainer) -> dict | None:
        """Evaluate now (the trainer calls this when due()). Returns the record, or None if skipped."""
        emit = trainer.on_event
        try:
            return self._evaluate(trainer)
        except InterruptedError:
            return None
        except Exception as e:  # noqa: BLE001 - quality is a bonus: never let it stop training
            self.disabled = True
            emit(Notice(f"Quality measurement failed ({type(e).__name__}: {e}) and is off for this session; "
                        "training continues.", "warning"))
            return None

    def _evaluate(self, trainer) -> dict:
        from .features import SPACES, get_extractor
        emit, run = trainer.on_event, trainer.run_folder
        t_call = time.perf_counter()
        n_fake, n_real = self._counts(trainer)
        cancel = trainer.stop_event
        if self.extractors is None:
            self.extractors = [get_extractor(trainer.device, s) for s in SPACES]
        if self.real is None:
            t0 = time.perf_counter()
            self.real = [real_features(trainer.dataset.images, n_real, e, run.cache_dir, cancel)
                         for e in self.extractors]
            dt = time.perf_counter() - t0
            if dt > 5:
                emit(Notice(f"Quality: measured {len(self.real[0])} training images once ({dt:.0f} s); "
                            "cached for this run.", "info"))
        t0 = time.perf_counter()
        fake = generate(trainer.G_ema, trainer.spec.z_dim, n_fake, trainer.device)
        feats = [e.features(fake, cancel) for e in self.extractors]
        report = evaluate_features(self.real[0], feats[0], secondary=(self.real[1], feats[1]),
                                   real_index=pick_real(trainer.dataset.images, n_real))
        if self.inception is not None:
            report.fid = self._fid(trainer, fake, n_real)
        report.seconds = time.perf_counter() - t0
        rec = report.record(trainer.step, trainer.kimg)
        earlier = list(self.history)
        improved = self._track(rec)
        rec["best"], rec["plateau"] = improved, self.plateau
        warning = collapse_warning(rec, earlier)
        rec["collapse"] = warning is not None
        try:
            run.append_metrics(rec)
        except OSError as e:
            emit(Notice(f"Could not write metrics.jsonl ({e.strerror or e}); training continues.", "warning"))
        if improved and self.save_best:
            try:
                save_generator(run.best_file, trainer.G_ema, trainer.spec,
                               {"quality": rec, "step": trainer.step, "kimg": trainer.kimg})
            except OSError as e:
                emit(Notice(f"Could not save {BEST_NAME} ({e.strerror or e}); training continues.", "warning"))
        emit(Quality(trainer.step, trainer.kimg, rec, improved, self.plateau))
        if warning and not self.collapsed:
            emit(Notice(warning, "warning"))
        self.collapsed = warning is not None
        if self.plateau and self.since_improved == self.patience:
            emit(Notice(self.plateau_message(), "info"))
        self.eval_cost = report.seconds
        self._schedule(trainer, report.seconds)
        self.mark = (trainer.elapsed + (time.perf_counter() - t_call), trainer.nimg)   # elapsed will include us
        return rec

    def _fid(self, trainer, fake, n_real: int) -> float:
        from .scores import frechet_distance
        if self.real_inception is None:
            images = trainer.dataset.images
            self.real_inception = self.inception.features(images[pick_real(images, n_real)])
        return frechet_distance(self.real_inception, self.inception.features(fake))

    def plateau_message(self) -> str:
        eligible = [r for r in self.history if r.get("precision", 1.0) >= self.min_best_precision]
        best = min(eligible or self.history, key=lambda r: r["kid"])
        recent = self.history[-self.patience:]
        span = f"{recent[0].get('kimg', 0):.1f}-{recent[-1].get('kimg', 0):.1f} kimg"
        if max(r.get("precision", 0.0) for r in self.history) < 0.1:
            return (f"Quality (KID) has not improved over the last {self.patience} measurements ({span}), and the "
                    "samples are still far from the training images. Give it more time; if it stays like this, "
                    "try a lower learning rate or more augmentation.")
        return (f"Quality has stopped improving: KID has not improved over the last {self.patience} measurements "
                f"({span}). The best model so far (KID {best['kid'] * 1e3:.2f}×10⁻³ at {best.get('kimg', 0):.1f} "
                f"kimg) is kept as {BEST_NAME}; if the samples look right to you, you can stop training now.")

    def _track(self, rec: dict) -> bool:
        """Update best / plateau from one record. True when it is a new best KID."""
        self.history.append(rec)
        kid, std = float(rec["kid"]), float(rec.get("kid_std", 0.0))
        improved = kid < self.best_kid and float(rec.get("precision", 1.0)) >= self.min_best_precision
        if improved:
            self.best_kid = kid
        margin = max(0.05 * abs(self.ref_kid), 0.5 * std) if math.isfinite(self.ref_kid) else 0.0
        if kid < self.ref_kid - margin:
            self.ref_kid, self.since_improved = kid, 0
        else:
            self.since_improved += 1
        self.plateau = self.since_improved >= self.patience
        return improved
