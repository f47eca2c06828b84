"""The encoder at the app's level: which one a model has, whether it serves it, and training it.

    found = encoder_for(model)                   # EncoderChoice: .encoder (or None) and .note (why not, once)
    z = found.encoder.encode(pictures)           # uint8 (N, R, R, C) → (N, z_dim): where the search starts
    training = prepare_encoder(run, job, minutes=3)  # the training, ready: training.run(job) (pause, cancel)
    stage = EncoderStage(run, minutes, emit)     # the stage after the GAN (and the upscaler), as the session runs it

Where the file lives: a run folder's `encoder.safetensors`; beside a loose `NAME.safetensors` model,
`NAME.encoder.safetensors` (the bundled demo model's too). A model without a usable encoder — none, a damaged
file, another run's — is searched the long way; `note` says which, for the caller to say once.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from studio.core.encoder import FILE_NAME, Encoder, EncoderError, EncoderSettings, EncoderTraining, load_encoder
from studio.core.invert import pixel_error
from studio.core.run import companion_file

from .stages import RunStage, curve_writer, run_folder, stage_curve

STATE_NAME = "encoder-state.safetensors"        # in checkpoints/: where a stopped stage continues from
FOREIGN_ERROR = 0.2           # above: the encoder does not know this model (its own pictures are guessed ~0.07 off)
CHECK_PICTURES = 8


def encoder_file(model_or_run) -> Path:
    """Where the encoder of a model (GeneratorModel or path) or run folder is, or would be written."""
    return companion_file(model_or_run, FILE_NAME)


@dataclass
class EncoderChoice:
    encoder: Encoder | None
    note: str = ""               # '' when the encoder serves; else why the search starts from scratch


def _guess_error(encoder: Encoder, model) -> float:
    """Mean pixel error (0–1) of the model's pictures found again by the encoder alone, on fixed latents."""
    g = torch.Generator().manual_seed(1234)
    z = torch.randn(CHECK_PICTURES, model.z_dim, generator=g)
    dtype = next(model.G.parameters()).dtype
    with torch.inference_mode():
        x = model.G(z.to(model.device, dtype)).float()
        y = model.G(encoder.net(x).to(dtype)).float()
        return float(pixel_error(y, x, None).mean()) / 2


def encoder_for(model, device=None) -> EncoderChoice:
    """The model's encoder when it has one that serves it; else None and the sentence why (no file, a damaged
    file, one trained for another model), ending in how to get one."""
    f = encoder_file(model)
    slow = "finding a picture takes the full search"
    if not f.is_file():
        return EncoderChoice(None, f"This model has no encoder yet, so {slow} (a few seconds; ganstudio encoder "
                                   "RUN, or the Train view's encoder stage, trains one).")
    try:
        enc = load_encoder(f, device or model.device)
        enc.check(model)
        if enc.meta.get("model_identity") != model.identity:     # another checkpoint, or another run's file
            err = _guess_error(enc, model)
            if err > FOREIGN_ERROR:
                raise EncoderError(f"The encoder {f.name} does not know this model (its guesses are {err:.0%} off; "
                                   "it was trained for another one): train one for it with ganstudio encoder RUN.")
    except EncoderError as e:
        return EncoderChoice(None, f"{str(e).rstrip('.')}; meanwhile {slow}.")
    return EncoderChoice(enc)


def _run_model(folder, device="cpu"):
    from studio.core.checkpoint import load_generator
    path = folder.model_file()
    if path is None:
        raise EncoderError(f"the run {folder.path.name} has no trained model yet: train the GAN first, then its "
                           "encoder")
    return load_generator(path, device)


def _real_pictures(folder, job=None) -> np.ndarray | None:
    """The run's own pictures at the model's size (its dataset cache; a rescan only if the folder changed), or
    None when neither the folder nor a cache is left: the encoder then learns from the model's pictures alone."""
    from studio.core.dataset import DatasetError, reopen_dataset
    try:
        ds = reopen_dataset(folder.config(), folder.cache_dir, getattr(job, "progress", None),
                            getattr(job, "cancel_event", None))
    except (DatasetError, OSError):
        return None
    return np.asarray(ds.images)


def prepare_encoder(run, job=None, minutes: float = 3.0, device="cpu", settings: EncoderSettings | None = None,
                    on_record=None) -> EncoderTraining:
    """The encoder stage's training for a run: its model and pictures read, ready to run(job) for `minutes` (0: until
    cancelled), continuing a stopped one. The best so far is in the run's encoder.safetensors at every moment;
    cancelling keeps it and saves the state to continue from."""
    folder = run_folder(run)
    model = _run_model(folder, device)
    real = _real_pictures(folder, job)
    s = settings or EncoderSettings()
    s.minutes = minutes
    meta = {"model_file": model.path.name, "training_images": 0 if real is None else len(real)}

    folder.checkpoints_dir.mkdir(parents=True, exist_ok=True)
    return EncoderTraining(model, real, s, folder.encoder_file, folder.checkpoints_dir / STATE_NAME, meta,
                           on_record=curve_writer(folder, "encoder", on_record))


def encoder_curve(run) -> list[dict]:
    """The stage's evaluations so far, oldest first."""
    return stage_curve(run, "encoder")


class EncoderStage(RunStage):
    """The run's encoder stage (stages.RunStage), after the GAN and its upscaler."""
    name = "encoder"

    def prepare(self, minutes: float, on_record):
        training = prepare_encoder(self.folder, self.job, minutes, self.device, self.settings, on_record)
        note = "" if training.real is not None else ("the run's pictures are gone, so the encoder learns from the "
                                                     "model's own pictures alone")
        return training, "Training the encoder (finds pictures in the model)", note

    def summary(self, res, training) -> str:
        text = ("The encoder is learnt" if res.reason == "finished" else
                "Encoder stopped; the best so far is kept and Resume continues it")
        return (f"{text} ({res.steps:,} steps; the model's pictures found again {res.best:.1%} off before the "
                "search refines them).")
