"""Bringing the artist's own pictures into the model: find one in the latent space, or restore a damaged one.

The Explore document's side of it, Qt-free; the window runs the generators on a worker (previews arrive as
yielded Steps, pause and cancel work between optimisation steps) and the command line drives the same core
functions (studio/commands/invert.py).

    pic = fit_picture(doc, path)                        # fitted to the model by its training rules
    result = yield from find_steps(doc, pic)            # on a worker: from the encoder's guess, else the full search
    apply_found(doc, pic, result)                       # the found latent becomes the current one: one undo step
    judge_match(pic.name, result.distance, result.pixel_error)   # close / rough / poor, in words
    restored = yield from restore_steps(doc, pic, mask)  # mask at the picture's own size: the fill, enlarged by
    save_restored(path, restored.image)                 # the model's upscaler (else Lanczos), feathered in
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from studio.core.errors import StudioError
from studio.core.explore import LatentState
from studio.core.files import atomic_path
from studio.core.images import fit_square
from studio.core.invert import InvertSettings, load_original, search
from studio.core.restore import restore_steps as core_restore_steps
from studio.core.run import find_config

ENCODER_START = "Started from the model's encoder"     # how a Step's note begins when the search did
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif")


class SearchError(StudioError, ValueError):
    pass


# How close a found picture is, from measured figures (the bundled demo model, default settings, 2026-12):
# pictures the model made itself are found again at mean pixel difference 0.008–0.024 (benchmarks/README.md §10:
# 0.011 on average, the target is < 0.03) and perceptual distance 0.01–0.05; pictures it never saw (stripes, noise,
# a flat grey, Tux Paint stamps) end at 0.28–0.41 pixel difference and perceptual distance 1.0–1.5.
CLOSE_PIXEL = 0.03           # at most: as close as the model's own pictures are found
POOR_PIXEL = 0.10            # above: a poor match, whatever the perceptual distance
POOR_PERCEPTUAL = 0.5        # above: a poor match (ten times the model's own pictures, half the unseen ones')


@dataclass
class MatchVerdict:
    level: str                   # "close" | "rough" | "poor"
    title: str                   # "Found cat.png in the model" / "Only a poor match for cat.png"
    sentence: str                # the figures and, unless close, what helps


def judge_match(name: str, distance: float, pixel_error: float, quick: bool = False) -> MatchVerdict:
    """How good a search result is, in words: the window's Find bar and `ganstudio invert` say the same. quick: it
    came from the encoder's guess and a few steps (the full search is what helps next)."""
    figures = f"perceptual distance {distance:.3f}, mean pixel difference {pixel_error:.1%}"
    more = ("The full search (Search closer; ganstudio invert --full) helps a little" if quick else
            "More steps of the full search (ganstudio invert --full --steps 300) help a little")
    helps = f"{more}; a model trained on pictures like this one helps most."
    if pixel_error > POOR_PIXEL or distance > POOR_PERCEPTUAL:
        return MatchVerdict("poor", f"Only a poor match for {name}",
                            f"This is a poor match ({figures}): the model cannot make this picture; what it found "
                            f"is only the closest of its own. {helps}")
    if pixel_error > CLOSE_PIXEL:
        return MatchVerdict("rough", f"Found a rough match for {name}",
                            f"A rough match ({figures}; the model's own pictures are found within "
                            f"{CLOSE_PIXEL:.0%}). {helps}")
    return MatchVerdict("close", f"Found {name} in the model", f"A close match ({figures}).")


@dataclass
class Picture:
    """An outside picture, fitted to the open model's size by the rules the model was trained with."""
    name: str
    image: np.ndarray            # uint8 (resolution, resolution, channels): what the search sees
    path: Path | None = None
    original: np.ndarray | None = None     # uint8 (H, W, channels) at its own size (None: `image` is the original)
    fit: str = "crop"                      # how `image` was made from it (the model's training rules)
    background: tuple = (255, 255, 255)

    @property
    def full(self) -> np.ndarray:
        """The picture at its own size: what Restore paints on and gives back."""
        return self.image if self.original is None else self.original


def is_picture(path: Path | str) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def has_latent(path: Path | str) -> bool:
    """Whether the file is a GAN Studio PNG (it has a 'ganstudio' text chunk: its latent is restored, not
    searched for; damaged metadata is then reported by the restore)."""
    from studio.core.pngmeta import MAX_FILE, PngMetaError, read_text
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE:
            return False
        return read_text(path.read_bytes()) is not None
    except (OSError, PngMetaError):
        return False


def fit_picture(doc, path: Path | str) -> Picture:
    """Read `path` and fit it to the open model (its project's crop/pad rule and background, else crop on white).
    Raises SearchError (a sentence) when no model is open or the file is not a usable image."""
    model = doc.model
    if model is None:
        raise SearchError("Open a model first: the picture is searched for in the model shown in Explore.")
    spec = model.spec
    cfg = find_config(model.path, model)
    fit, background = (cfg.fit, cfg.background_rgb) if cfg is not None else ("crop", (255, 255, 255))
    path = Path(path)
    original = load_original(path, spec.channels, background)
    return Picture(path.name, fit_square(original, spec.resolution, fit, background), path, original, fit,
                   tuple(background))


def _own_model(doc):
    """A private copy of the open model for the search, so the canvas keeps rendering meanwhile."""
    from studio.core.checkpoint import load_generator
    return load_generator(doc.model.path, doc.model.device)


@dataclass
class SearchStart:
    """How a search begins: from the run's encoder (settings refine its guess for a few steps) or, without one, the
    full search from random candidates; `note` says which and why, for the caller to say once per model."""
    settings: InvertSettings
    guess: object = None                   # callable(fitted uint8 picture) → latent, or None
    note: str = ""


def search_start(model, settings: InvertSettings | None = None, full: bool = False) -> SearchStart:
    """Start from the model's encoder unless `full` (the closer, slower search) or it has none that serves it.
    `settings` given: kept as they are (their steps refine the encoder's guess when it is used)."""
    if full:
        return SearchStart(settings or InvertSettings())
    from .encoding import encoder_for
    found = encoder_for(model)
    if found.encoder is None:
        return SearchStart(settings or InvertSettings(), None, found.note)
    enc = found.encoder
    settings = InvertSettings.refining() if settings is None else InvertSettings.refining(settings.steps,
                                                                                        seed=settings.seed)
    return SearchStart(settings, lambda image: enc.encode(image[None])[0],
                       f"{ENCODER_START}'s guess, refined for up to {settings.steps} steps.")


def _noted(steps, note: str):
    """The steps, the first one carrying `note`; returns what `steps` returns."""
    first = True
    while True:
        try:
            step = next(steps)
        except StopIteration as done:
            return done.value
        if first and note:
            step = replace(step, note=note)
        first = False
        yield step


def find_steps(doc, picture: Picture, settings: InvertSettings | None = None, full: bool = False):
    """Generator: search the picture in the open model — from its encoder's guess when it has one (the first Step
    previews that guess before any search step), else the full search; returns the InvertResult. The first Step's
    note says how it started."""
    if doc.model is None:
        raise SearchError("Open a model first.")
    model = _own_model(doc)
    how = search_start(model, settings, full)
    start = how.guess(picture.image) if how.guess is not None else None
    return (yield from _noted(search(model, picture.image, how.settings, start=start), how.note))


def apply_found(doc, picture: Picture, result) -> bool:
    """The found latent becomes the current one, as one undoable step (sliders, mixing, keyframes work from it)."""
    if doc.model is None or len(result.z) != doc.model.z_dim:
        raise SearchError("The model changed during the search: search again with the model now open.")
    return doc.edit(LatentState(seed=0, psi=1.0, base=result.z.clone(), label=f"Found: {picture.name}"),
                    f"Find {picture.name}")


def _enlarger(model):
    """Enlarge a fill to a size: through the model's upscaler when it has a fitting factor, else Lanczos (also when
    its upscaler file is damaged: the restore still works)."""
    from .upscaling import UpscalerError, enlarge, upscaler_for
    try:
        up = upscaler_for(model, model.device)
    except UpscalerError:
        up = None
    return lambda image, width, height: enlarge(image, width, height, up)


def restore_steps(doc, picture: Picture, mask: np.ndarray, settings: InvertSettings | None = None,
                  feather: float | None = None, full: bool = False):
    """Generator: fill the mask (True = missing; the picture's own size) with the model's painting. The search
    runs at the model's size; each Step's preview is the whole picture with the fill found so far blended in.
    Returns the core RestoreResult: the picture at its own size, the fill enlarged by the model's upscaler (else
    Lanczos), every pixel beyond the feathered edge the original's."""
    if doc.model is None:
        raise SearchError("Open a model first.")
    whole = picture.full
    if mask.shape != whole.shape[:2]:
        raise SearchError("The mask does not fit the picture: paint it again.")
    model = _own_model(doc)
    how = search_start(model, settings, full)
    return (yield from _noted(core_restore_steps(model, whole, mask, how.settings, feather, picture.fit,
                                                 picture.background, _enlarger(model), "blended", how.guess),
                              how.note))


def save_restored(path: Path | str, image: np.ndarray) -> Path:
    """Write the restored picture as a PNG, whole or not at all."""
    from PIL import Image
    path = Path(path)
    if path.suffix.lower() != ".png":
        path = path.with_suffix(".png")
    with atomic_path(path, ".png") as tmp:
        Image.fromarray(image).save(tmp, format="PNG")
    return path
