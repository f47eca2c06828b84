"""Growing a model to twice its size: a run started (`init_from`) from a model of half the run's resolution.

After Karras et al., "Progressive Growing of GANs for Improved Quality, Stability, and Variation" (ICLR 2018).
G keeps every trained block, its weights copied as they are (a grown model has the same channels at every size
the old one had: for projected, half the width), and gains one up-block and a to-RGB for the doubled size. D keeps
what still fits by name and shape (projected: the random projections, the pixel head, the first layers of the
feature heads; its frozen network simply sees the larger image). The new block fades in: G renders
(1 - alpha) · upsample(old to-RGB) + alpha · new to-RGB (models/fade.py), and the real images D sees are faded the
same way between their half-size and full-size versions, so early in the fade D cannot tell them apart by
sharpness alone. alpha = images seen / cfg.fade_kimg: part of the saved loop state, so a run stopped mid-fade
resumes at the same alpha. At 1 the fade is taken off, and the model is an ordinary one of the new size.
"""
from __future__ import annotations

from pathlib import Path

import torch

from . import checkpoint as ckpt
from .events import Notice
from .models.fade import RGB, attach, detach, fading, has_fade, upsampled_half
from .models.registry import ARCHITECTURES, get_arch


def describe_spec(spec) -> str:
    ch = "RGBA" if spec.channels == 4 else "RGB"
    return f"{spec.arch} at {spec.resolution} px ({ch}, z {spec.z_dim}, width {spec.width})"


def start_settings(theirs, resolution: int) -> dict:
    """The latent size and width a run at `resolution` needs to start from model `theirs`: its own, or half its
    width where the run grows it (twice its size, an architecture that grows, a width that halves)."""
    grows = resolution == 2 * theirs.resolution and get_arch(theirs.arch).grows and theirs.width % 2 == 0
    return {"z_dim": theirs.z_dim, "width": theirs.width // 2 if grows else theirs.width}


def check_fit(theirs, spec, name: str) -> bool:
    """False: model `theirs` is a `spec` model (fine-tuning); True: a `spec` run grows it to twice its size.
    Otherwise CheckpointError, one sentence: what differs and what to do."""
    if theirs == spec:
        return False

    def refuse(fix: str) -> ckpt.CheckpointError:
        return ckpt.CheckpointError(f"cannot start from {name}: it is a {describe_spec(theirs)} and this run is a "
                                    f"{describe_spec(spec)}; {fix}")
    if theirs.arch != spec.arch:
        raise refuse("choose the same architecture, or another model")
    if theirs.classes != spec.classes:
        have = f"the kinds {', '.join(theirs.classes)}" if theirs.classes else "no kinds"
        want = f"the kinds {', '.join(spec.classes)}" if spec.classes else "none"
        raise ckpt.CheckpointError(f"cannot start from {name}: it was trained with {have} and this run has {want}; "
                                   "choose a model trained with the same kinds (or --classes to match it)")
    if theirs.channels != spec.channels:
        raise refuse("choose the same channels (RGB or RGBA), or another model")
    if theirs.z_dim != spec.z_dim:
        raise refuse(f"set the latent size (z_dim) to {theirs.z_dim}, or choose another model")
    if theirs.resolution == spec.resolution:
        raise refuse(f"set the width to {theirs.width}, or choose another model")
    if spec.resolution != 2 * theirs.resolution:
        raise refuse(f"a run starts from a model of its own size or grows one of half its size "
                     f"({spec.resolution // 2} px), one doubling at a time")
    if not get_arch(spec.arch).grows:
        growing = " and ".join(a.name for a in ARCHITECTURES.values() if a.grows)
        raise refuse(f"only {growing} models grow to twice their size: choose a {spec.resolution} px model")
    if theirs.width % 2:
        raise refuse("a grown model has half the width (the same channels at every size), and an odd width "
                     "cannot be halved: choose another model")
    width = start_settings(theirs, spec.resolution)["width"]
    if spec.width != width:
        raise refuse(f"grown, it keeps its channels at every size with width {width}: set the width to {width}")
    return True


def _part(tensors: dict, prefix: str) -> dict:
    return {k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}


def _grow_generator(G, old: dict, memory_format, name: str) -> None:
    """G (a fresh model of twice the size) takes every block of `old` (its state dict) and fades in from it."""
    fade = attach(G)
    if memory_format is not None:
        fade.to(memory_format=memory_format)
    own = G.state_dict()
    rest = {k: v for k, v in old.items() if not k.startswith(RGB)}
    misfit = next((k for k, v in rest.items() if k not in own or own[k].shape != v.shape), None)
    try:
        if misfit is not None:
            raise RuntimeError(misfit)
        fade.rgb.load_state_dict({k[len(RGB):]: v for k, v in old.items() if k.startswith(RGB)})
    except RuntimeError as e:
        raise ckpt.CheckpointError(f"the generator in {name} does not fit the grown model "
                                   f"({str(e).strip().splitlines()[0]})") from None
    G.load_state_dict(rest, strict=False)


def grow(t, tensors: dict, path: Path, theirs) -> str:
    """Start Trainer `t` from `tensors`, a model of half its size (check_fit said so): G and G_ema grown and
    fading in, D's weights that fit. Returns the sentence that says what was taken."""
    has_g = any(k.startswith("G.") for k in tensors)
    _grow_generator(t.G, _part(tensors, "G" if has_g else "G_ema"), t.memory_format, path.name)
    _grow_generator(t.G_ema, _part(tensors, "G_ema"), t.memory_format, path.name)
    old_d, own = _part(tensors, "D"), t.D.state_dict()
    fit = {k: v for k, v in old_d.items() if k in own and own[k].shape == v.shape}
    t.D.load_state_dict(fit, strict=False)
    d = (f"the discriminator's weights that fit ({len(fit)} of its {len(own)} tensors)" if old_d
         else "a new discriminator (the file has none)")
    return (f"Growing {path} from {theirs.resolution} to {t.spec.resolution} px: the generator's blocks and {d} "
            f"are kept; the new {t.spec.resolution} px block fades in over "
            f"{t.cfg.fade_kimg:g} thousand images.")


def update(t) -> None:
    """alpha for the images seen so far on G and G_ema; once it reaches 1 the fade comes off (with a notice)."""
    if not fading(t.G):
        return
    alpha = min(1.0, t.nimg / max(1.0, t.cfg.fade_kimg * 1000))
    if alpha < 1.0:
        for G in (t.G, t.G_ema):
            G.fade.alpha.fill_(alpha)
        return
    detach(t.G)
    detach(t.G_ema)
    t.on_event(Notice(f"The {t.spec.resolution} px block has faded in: the model is an ordinary "
                      f"{t.spec.resolution} px model from here on.", "info"))


def begin_step(t, real: torch.Tensor) -> torch.Tensor:
    """A training step begins: alpha for the images seen (update); `real`, the batch, faded as G's images are."""
    update(t)
    if not fading(t.G):
        return real
    return torch.lerp(upsampled_half(real), real, t.G.fade.alpha)


def match(t, tensors: dict) -> None:
    """Before loading a checkpoint into `t`: a fade on G and G_ema exactly when the file was saved mid-fade."""
    for prefix, G in (("G", t.G), ("G_ema", t.G_ema)):
        if has_fade(tensors, prefix) and not fading(G):
            fade = attach(G)
            if t.memory_format is not None:
                fade.to(memory_format=t.memory_format)
        elif not has_fade(tensors, prefix) and fading(G):
            detach(G)
