"""What a training checkpoint holds, and putting a Trainer back from one.

Everything that decides the numbers is saved: G, G_ema and D (with batch-norm buffers), both Adam states, the
training RNG, torch's RNG (and CUDA's), the fixed sample latents and the loop state (step, images seen,
elapsed time, current batch size, divergences in a row). Loading it all makes a stop/resume continue exactly
as if the run had never stopped.
"""
from __future__ import annotations

from pathlib import Path

import torch

from . import checkpoint as ckpt
from . import growth
from .events import Failed, Notice
from .models.fade import has_fade


def pack(t) -> tuple[dict, dict]:
    """(tensors, metadata) of Trainer `t`, ready for checkpoint.save_file."""
    growth.update(t)                           # a fade that has reached its end is never saved
    tensors = {}
    tensors.update(ckpt.pack_module("G", t.G))
    tensors.update(ckpt.pack_module("G_ema", t.G_ema))
    tensors.update(ckpt.pack_module("D", t.D))
    og, og_meta = ckpt.pack_optimizer("opt_g", t.opt_g)
    od, od_meta = ckpt.pack_optimizer("opt_d", t.opt_d)
    tensors.update(og)
    tensors.update(od)
    tensors["rng.train"] = t.gen.get_state().cpu()
    tensors["rng.torch"] = torch.get_rng_state()
    if t.device.type == "cuda":
        tensors["rng.cuda"] = torch.cuda.get_rng_state(t.device).cpu()
    tensors["fixed_z"] = t.fixed_z.contiguous()
    meta = {"kind": "training", "model": t.spec.to_dict(), "config": t.cfg.to_dict(),
            "state": {"step": t.step, "nimg": t.nimg, "elapsed": t.elapsed, "batch": t.batch,
                      "nan_failures": t.nan_failures, "world_size": t.world.size},
            "opt_g": og_meta, "opt_d": od_meta}
    return tensors, meta


def load(t, path: Path) -> None:
    """Put Trainer `t` back to the checkpoint at `path`; raises CheckpointError/KeyError/ValueError if unusable."""
    tensors, meta = ckpt.read_file(path)
    for prefix in ("G", "G_ema", "D"):
        ckpt.check_finite(tensors, prefix, path.name)
    apply(t, tensors, meta)


def share(t) -> None:
    """Rank 0's whole training state onto every rank of a data-parallel run (distributed.py): at the start of each
    session and after a rollback, so only rank 0 ever reads the run folder."""
    packed = t.world.from_main(pack(t) if t.world.main else None)
    if not t.world.main:
        apply(t, *packed)


def world_notice(path: Path, world_size: int) -> str | None:
    """A sentence when the checkpoint at `path` was written by a run with another number of processes."""
    before = int(ckpt.read_metadata(path).get("state", {}).get("world_size", 1))
    if before == world_size:
        return None
    def procs(n):
        return f"{n} process{'es' if n != 1 else ''}"
    return (f"This run was trained with {procs(before)} and continues with {procs(world_size)} from its newest "
            f"checkpoint ({path.name}): each step sees the same images, but BatchNorm statistics and noise are "
            "split differently, so the numbers will not repeat an uninterrupted run exactly.")


def apply(t, tensors: dict, meta: dict) -> None:
    """Put Trainer `t` into the state that pack() gave (tensors, meta)."""
    theirs = tuple(meta.get("model", {}).get("classes") or ())
    if theirs != t.spec.classes:
        raise ValueError(f"it was trained {kinds_phrase(theirs)} and the run now has {kinds_phrase(t.spec.classes)}: "
                         "a run keeps the kinds it began with (start a new run for other kinds)")
    growth.match(t, tensors)                   # saved mid-fade: the fade goes on before the weights
    ckpt.unpack_module("G", t.G, tensors, "generator")
    ckpt.unpack_module("G_ema", t.G_ema, tensors, "EMA generator")
    if getattr(t.D, "classify", None) is not None and "D.classify.weight" not in tensors:
        # a run with kinds begun before the kind guide (2026-12-05) goes on as it began: without it
        t.D.classify = None
        t.opt_d = type(t.opt_d)(t.D.parameters(), **t.opt_d.defaults)
    ckpt.unpack_module("D", t.D, tensors, "discriminator")
    ckpt.unpack_optimizer("opt_g", t.opt_g, tensors, meta["opt_g"])
    ckpt.unpack_optimizer("opt_d", t.opt_d, tensors, meta["opt_d"])
    t.gen.set_state(tensors["rng.train"].to(t.gen.get_state().device))
    torch.set_rng_state(tensors["rng.torch"])
    if "rng.cuda" in tensors and t.device.type == "cuda":
        torch.cuda.set_rng_state(tensors["rng.cuda"], t.device)
    t.fixed_z = tensors["fixed_z"].clone()
    st = meta["state"]
    t.step, t.nimg, t.elapsed = int(st["step"]), int(st["nimg"]), float(st["elapsed"])
    t.batch, t.nan_failures = int(st.get("batch", t.cfg.batch)), int(st.get("nan_failures", 0))
    t.saved_step = t.step


def kinds_phrase(classes) -> str:
    return f"with the kinds {', '.join(classes)}" if classes else "without kinds"


def start_model(source: Path | str) -> tuple[Path, "ModelSpec"]:
    """(the file a run started from `source` (init_from) begins at, the model it holds). source: a run folder (its
    newest checkpoint, which has D too, else its best model), a training checkpoint or a generator file."""
    from .models import ModelSpec
    source = Path(source)
    found = [p for _, p in ckpt.list_checkpoints(source / "checkpoints")] if source.is_dir() else []
    path = found[0] if found else ckpt.resolve_model_path(source)
    meta = ckpt.read_metadata(path)
    try:
        return path, ModelSpec.from_dict(meta["model"])
    except (KeyError, TypeError, ValueError) as e:
        raise ckpt.CheckpointError(f"{path.name} does not say which architecture it holds ({e})") from None


def init_source(source: Path | str, spec, kinds: bool = True) -> Path:
    """The file a run would start from (start_model), checked to fit `spec` (the same model, or one of half its
    size to grow: growth.check_fit); CheckpointError says what differs. kinds=False: the run's kinds are not
    known yet (its folder is not read): everything but them is checked."""
    import dataclasses
    path, theirs = start_model(source)
    if not kinds:
        spec = dataclasses.replace(spec, classes=theirs.classes)
    growth.check_fit(theirs, spec, path.name)
    if has_fade(ckpt.tensor_names(path), "G_ema"):
        raise ckpt.CheckpointError(f"cannot start from {path.name}: it was saved while its newest block was still "
                                   "fading in; resume its own run past the fade, or choose another model")
    return path


def init_from(t, source: Path | str) -> str:
    """Start Trainer `t` from another model's weights (fine-tuning): G and G_ema, and D where the file has one.

    Optimizer state, RNG and the loop counters stay fresh: this is a new run that begins where the other model
    is; a model of half the size grows (growth.py). Returns a sentence saying what was taken."""
    from .models import ModelSpec
    path = init_source(source, t.spec)
    tensors, meta = ckpt.read_file(path)
    tensors = {k: v.float() if v.is_floating_point() else v for k, v in tensors.items()}
    for prefix in ("G_ema", "G", "D"):
        ckpt.check_finite(tensors, prefix, path.name)
    theirs = ModelSpec.from_dict(meta["model"])
    if theirs != t.spec:
        return growth.grow(t, tensors, path, theirs)
    has_g = any(k.startswith("G.") for k in tensors)
    ckpt.unpack_module("G" if has_g else "G_ema", t.G, tensors, "generator")
    ckpt.unpack_module("G_ema", t.G_ema, tensors, "EMA generator")
    has_d = any(k.startswith("D.") for k in tensors)
    if has_d:
        ckpt.unpack_module("D", t.D, tensors, "discriminator", optional=("classify.",))   # a fresh kind guide
    return (f"Starting from {path}: generator{' and discriminator' if has_d else ''} weights"
            + ("" if has_d else " (the file has no discriminator: a new one learns alongside)") + ".")


def recover_from_nan(t) -> bool:
    """Losses became NaN/inf: back to the newest checkpoint with halved learning rates (False: given up, said)."""
    t.nan_failures += 1
    if t.nan_failures > t.cfg.max_nan_retries:
        t.on_event(Failed(f"Training diverged {t.nan_failures} times in a row (losses became NaN/inf) and was "
                             "stopped. Try a lower learning rate, the R1 penalty (r1_gamma), or more augmentation."))
        return False
    lr_g = t.opt_g.param_groups[0]["lr"] * 0.5
    lr_d = t.opt_d.param_groups[0]["lr"] * 0.5
    failures = t.nan_failures
    path = t.restore_latest() if t.world.main else None
    if t.world.active and t.world.from_main(path) is not None:
        path = path or "rank 0's checkpoint"
        share(t)                               # the others roll back to what rank 0 read
    if path is None:
        t.on_event(Failed("Training diverged (NaN/inf losses) and no checkpoint could be restored."))
        return False
    t.nan_failures = failures
    for opt, lr in ((t.opt_g, lr_g), (t.opt_d, lr_d)):
        for g in opt.param_groups:
            g["lr"] = lr
    t.on_event(Notice(f"Losses became NaN/inf: rolled back to step {t.step} ({Path(path).name}) and halved the "
                      f"learning rates (G {lr_g:.2e}, D {lr_d:.2e}). Training carries on.", "warning"))
    return True



def shrink_batch(t) -> bool:
    """Out of GPU memory: halve Trainer `t`'s batch (said); False when it is already 1."""
    for p in list(t.G.parameters()) + list(t.D.parameters()):
        p.grad = None
    if t.device.type == "cuda":
        torch.cuda.empty_cache()
    if t.batch <= 1:
        return False
    t.batch = max(1, t.batch // 2)
    t.on_event(Notice(f"Out of GPU memory: batch size halved to {t.batch}.", "warning"))
    return True
