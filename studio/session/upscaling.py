"""The upscaler at the app's level: which one a model has, enlarging pictures with it, and training it.

    up = upscaler_for(model)                     # a GeneratorModel, a run folder or a model file → Upscaler | None
    big = upscale(images, 4, up)                 # uint8 (N, H, W, C) → (N, 4H, 4W, C); factor 1: a copy
    factor_choices(up)                           # [1, 2, 4] / [1, 2] / [1]: what Export and the canvas offer
    missing_factor(4, up)                        # '' or why ×4 is not offered and how to get it
    big = enlarge(image, 512, 512, up)           # one picture to any size: the fitting factor, then Lanczos
    enlarging(64, 512, 512, up)                  # … and how, in words
    plan = plan_upscaler(run)                    # the factor the run's folder supports, and the sentence why
    result = train_upscaler(run, job, minutes=5)  # the training stage (Job: progress, pause, cancel)
    folder_plan(cfg, usable)                     # settings.UpscalePlan of a scanned folder (the Dataset page, CLI)
    stage = UpscalerStage(run, minutes, emit)    # the stage after the GAN, as the TrainingSession drives it

Where the file lives: a run folder's `upscaler.safetensors`; beside a loose `NAME.safetensors` model,
`NAME.upscaler.safetensors` (the bundled demo model's too). Qt-free: the window calls these on a worker.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from studio.core.run import RunFolder, companion_file
from studio.core.upscaler import FILE_NAME, FactorChoice, Upscaler, UpscalerError, UpscalerResult, \
    UpscalerSettings, UpscalerTraining, choose_factor, load_targets, load_upscaler

from .settings import UpscalePlan
from .stages import RunStage, curve_writer, run_folder, stage_curve

STATE_NAME = "upscaler-state.safetensors"       # in checkpoints/: where a stopped stage continues from


def upscaler_file(model_or_run) -> Path:
    """Where the upscaler of a model (GeneratorModel or path) or run folder is, or would be written."""
    return companion_file(model_or_run, FILE_NAME)


def upscaler_for(model_or_run, device="cpu") -> Upscaler | None:
    """The loaded upscaler, or None when the model has none; a damaged file raises UpscalerError (one sentence)."""
    f = upscaler_file(model_or_run)
    return load_upscaler(f, device) if f.is_file() else None


def factor_choices(upscaler: Upscaler | None) -> list[int]:
    return list(upscaler.factors) if upscaler is not None else [1]


def missing_factor(factor: int, upscaler: Upscaler | None) -> str:
    """'' when the model can make ×`factor` pictures, else why not and how to get an upscaler that can."""
    if factor in factor_choices(upscaler):
        return ""
    if upscaler is None:
        return (f"this model has no upscaler yet, so it cannot make ×{factor} pictures: train one with "
                "ganstudio upscaler RUN (or the Train view's upscaler stage)")
    return (f"this model's upscaler enlarges at most ×{upscaler.factor}: for ×{factor}, train a ×{factor} one with "
            f"ganstudio upscaler RUN --factor {factor} (the run's pictures must be large enough)")


def upscale(images: np.ndarray, factor: int, upscaler: Upscaler | None) -> np.ndarray:
    """Enlarge uint8 (N, H, W, C) pictures `factor` times; 1 returns a copy. No upscaler: one sentence."""
    if factor == 1:
        return np.array(images, copy=True)
    if upscaler is None:
        raise UpscalerError(missing_factor(factor, None))
    return upscaler.upscale(images, factor)


def fitting_factor(scale: float, upscaler: Upscaler | None) -> int:
    """The upscaler's factor to enlarge by `scale`: the smallest that reaches it, else its largest; 1 (Lanczos
    alone) when nothing is enlarged or there is no upscaler."""
    factors = [f for f in factor_choices(upscaler) if f > 1]
    if scale <= 1 or not factors:
        return 1
    return min((f for f in factors if f >= scale), default=max(factors))


def enlarging(size: int, width: int, height: int, upscaler: Upscaler | None) -> str:
    """How `enlarge` takes a `size` px picture to width×height, in words (for the restore's report)."""
    if (width, height) == (size, size):
        return "kept at the model's size"
    f = fitting_factor(min(width / size, height / size), upscaler)
    if f > 1:
        rest = "" if (width, height) == (f * size, f * size) else " and Lanczos"
        return f"enlarged from {size} px to {width}×{height} by the model's ×{f} upscaler{rest}"
    bigger = min(width, height) > size
    why = " (the model has no upscaler yet: ganstudio upscaler RUN trains one)" if bigger and upscaler is None else ""
    return f"{'enlarged' if bigger else 'resized'} from {size} px to {width}×{height} by Lanczos{why}"


def enlarge(image: np.ndarray, width: int, height: int, upscaler: Upscaler | None) -> np.ndarray:
    """One uint8 (H, W, C) picture at (height, width, C): through the upscaler's fitting factor when it has one,
    the rest (or all of it) by Lanczos. The same size comes back unchanged."""
    from studio.core.images import resize_lanczos
    image = np.asarray(image)
    f = fitting_factor(min(width / image.shape[1], height / image.shape[0]), upscaler)
    if f > 1:
        image = upscaler.upscale(image[None], f)[0]
    return resize_lanczos(image, width, height)


def _pictures(folder: RunFolder) -> list[Path]:
    """The run's usable pictures at their original size: scan.json's list, else the folder's files."""
    cfg = folder.config()
    root = Path(cfg.data_dir)
    if not root.is_dir():
        raise UpscalerError(f"the run's image folder {root} is gone: the upscaler learns from the original "
                            "pictures, so it cannot be trained without them")
    try:
        usable = json.loads(folder.scan_file.read_text(encoding="utf-8"))["usable"]
        files = [root / u for u in usable if (root / u).is_file()]
    except (OSError, ValueError, KeyError, TypeError):
        files = []
    if not files:
        from studio.core.dataset import iter_files
        files = list(iter_files(root))
    return files


def folder_plan(cfg, usable: list[str] | None = None) -> UpscalePlan:
    """The upscaler `cfg`'s folder allows at its size and fit: `usable` (a scan's relative paths) or every file
    of the folder; factor 0 and the sentence why when none."""
    root = Path(cfg.data_dir)
    if usable is not None:
        files = [root / u for u in usable]
    else:
        from studio.core.dataset import iter_files
        files = list(iter_files(root)) if root.is_dir() else []
    try:
        choice = _choose(cfg, files)
    except UpscalerError as e:
        return UpscalePlan(0, str(e))
    return UpscalePlan(choice.factor, choice.note)


def _choose(cfg, files: list[Path], factor: int | None = None) -> FactorChoice:
    return choose_factor(files, cfg.resolution, cfg.fit, factor, where=Path(cfg.data_dir).name or "the folder")


def plan_upscaler(run, factor: int | None = None) -> FactorChoice:
    """The factor the run's pictures support (at most `factor`), the pictures, and a sentence when it is less."""
    folder = run_folder(run)
    cfg = folder.config()
    return _choose(cfg, _pictures(folder), factor)


def train_upscaler(run, job=None, minutes: float = 5.0, factor: int | None = None, device="cpu",
                   settings: UpscalerSettings | None = None, plan: FactorChoice | None = None) -> UpscalerResult:
    """The upscaler stage of a run: learn from the run's original pictures for `minutes` (0: until cancelled),
    continuing a stopped stage of the same factor. The best so far is in the run's upscaler.safetensors at every
    moment; cancelling (job.cancel()) keeps it and saves the state to continue from."""
    return prepare_upscaler(run, job, minutes, factor, device, settings, plan).run(job)


def prepare_upscaler(run, job=None, minutes: float = 5.0, factor: int | None = None, device="cpu",
                     settings: UpscalerSettings | None = None, plan: FactorChoice | None = None,
                     on_record=None) -> UpscalerTraining:
    """train_upscaler's first half: the pictures read (job.progress: pictures), the training ready to run(job).
    on_record(record) hears every evaluation after it is written to the curve file."""
    folder = run_folder(run)
    cfg = folder.config()
    plan = plan or plan_upscaler(folder, factor)
    cancel = getattr(job, "cancel_event", None)
    targets = load_targets(plan.files, cfg.resolution * plan.factor, cfg.fit, cfg.background_rgb, cancel,
                           getattr(job, "progress", None))
    s = settings or UpscalerSettings()
    s.factor, s.minutes = plan.factor, minutes
    meta = {"model_resolution": cfg.resolution, "model_channels": cfg.img_channels, "training_images": len(targets),
            "data": Path(cfg.data_dir).name}

    folder.checkpoints_dir.mkdir(parents=True, exist_ok=True)
    return UpscalerTraining(targets, s, folder.upscaler_file, folder.checkpoints_dir / STATE_NAME, meta,
                            device, on_record=curve_writer(folder, "upscaler", on_record))


def upscaler_curve(run) -> list[dict]:
    """The stage's evaluations so far, oldest first."""
    return stage_curve(run, "upscaler")


# ---------------------------------------------------------------------------- the stage after the GAN
class UpscalerStage(RunStage):
    """The run's upscaler stage (stages.RunStage): reads the run's pictures, learns for what is left of `minutes`."""
    name = "upscaler"

    def prepare(self, minutes: float, on_record):
        self.plan = plan = plan_upscaler(self.folder)
        training = prepare_upscaler(self.folder, self.job, minutes, device=self.device, settings=self.settings,
                                    plan=plan, on_record=on_record)
        return training, f"Training the upscaler ×{plan.factor}", plan.note

    def summary(self, res, training) -> str:
        f = self.plan.factor
        text = (f"The ×{f} upscaler is learnt" if res.reason == "finished" else
                f"Upscaler stopped; the best ×{f} so far is kept and Resume continues it")
        return f"{text} ({res.steps:,} steps, validation L1 {res.best:.4f}, Lanczos {training.lanczos:.4f})."
