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


def pack(t) -> tuple[dict, dict]:
    """(tensors, metadata) of Trainer `t`, ready for checkpoint.save_file."""
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
                      "nan_failures": t.nan_failures},
            "opt_g": og_meta, "opt_d": od_meta}
    return tensors, meta


def load(t, path: Path) -> None:
    """Put Trainer `t` back to the checkpoint at `path`; raises CheckpointError/KeyError/ValueError if unusable."""
    tensors, meta = ckpt.read_file(path)
    for prefix in ("G", "G_ema", "D"):
        ckpt.check_finite(tensors, prefix, path.name)
    ckpt.unpack_module("G", t.G, tensors, "generator")
    ckpt.unpack_module("G_ema", t.G_ema, tensors, "EMA generator")
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
    t._saved_step = t.step
