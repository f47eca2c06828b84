"""The explorer's latent state — seed, ψ, direction values, mix — and how it becomes z.

Pure core: the explorer GUI, `ganstudio generate --direction` and PNG metadata all use
`compose`, so an image made in one place is reproduced bit for bit in the others.

    a = base latent (explicit z) or seed_to_z(seed)
    a = slerp(a, mix latent, t)            when mixing (t = 0: a, t = 1: the mix latent)
    z = truncate(a, ψ) + Σ_k value_k · d_k  (d_k orthonormal GANSpace directions, values in σ)
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import torch

from .kind_rows import kind_from_json
from .latent import make_grid, seed_to_z, slerp, truncate

PSI_RANGE = (-1.0, 2.0)
DIR_RANGE = (-10.0, 10.0)
SEED_MAX = 2 ** 31 - 1            # the seed box is a 32-bit spin box


@dataclass(frozen=True, eq=False)
class LatentState:
    seed: int = 0
    psi: float = 1.0
    dirs: tuple[float, ...] = ()                 # value of direction k (σ), missing = 0
    base: torch.Tensor | None = None             # explicit latent replacing the seed's (keyframe, PNG)
    mix_seed: int | None = None
    mix_z: torch.Tensor | None = None            # explicit second latent (a keyframe)
    mix_t: float = 0.0
    label: str = ""
    kind_mix: dict | None = None                     # None: "Any kind" (the latent's own), else {name: weight}

    def replace(self, **kw) -> "LatentState":
        return dataclasses.replace(self, **kw)

    def with_direction(self, k: int, value: float) -> "LatentState":
        vals = list(self.dirs) + [0.0] * max(0, k + 1 - len(self.dirs))
        vals[k] = float(value)
        while vals and vals[-1] == 0.0:
            vals.pop()
        return self.replace(dirs=tuple(vals))

    def direction(self, k: int) -> float:
        return self.dirs[k] if 0 <= k < len(self.dirs) else 0.0

    def reset_directions(self, k: int | None = None) -> "LatentState":
        return self.replace(dirs=()) if k is None else self.with_direction(k, 0.0)

    @property
    def mixing(self) -> bool:
        return self.mix_t != 0.0 and (self.mix_z is not None or self.mix_seed is not None)

    def same_as(self, other: "LatentState") -> bool:
        def eqt(a, b):
            return (a is None and b is None) or (a is not None and b is not None and torch.equal(a, b))
        return (self.seed, self.psi, self.dirs, self.mix_seed, self.mix_t) == \
            (other.seed, other.psi, other.dirs, other.mix_seed, other.mix_t) and \
            eqt(self.base, other.base) and eqt(self.mix_z, other.mix_z) and self.kind_mix == other.kind_mix


def base_latent(state: LatentState, z_dim: int) -> torch.Tensor:
    """The latent before truncation and direction edits (after mixing)."""
    a = state.base.float() if state.base is not None else seed_to_z(state.seed, z_dim)
    if state.mixing:
        b = state.mix_z.float() if state.mix_z is not None else seed_to_z(state.mix_seed, z_dim)
        a = slerp(a, b, state.mix_t)
    return a


def compose(state: LatentState, z_dim: int, directions: torch.Tensor | None = None) -> torch.Tensor:
    """LatentState → z (z_dim,) float32. `directions` are the (K, z_dim) orthonormal vectors."""
    z = truncate(base_latent(state, z_dim), state.psi)
    vals = [v for v in state.dirs]
    if directions is not None and any(vals):
        n = min(len(vals), len(directions))
        z = z + torch.tensor(vals[:n], dtype=torch.float32) @ directions[:n].float()
    return z


def parse_direction(text: str) -> tuple[int, float]:
    """'K=VALUE' (K counts from 1, as the explorer's 'Direction K') → (index from 0, value in σ)."""
    k, sep, v = str(text).partition("=")
    try:
        k, v = int(k), float(v)
    except ValueError:
        k = None
    if not sep or k is None or not 1 <= k <= 64 or not math.isfinite(v) or not DIR_RANGE[0] <= v <= DIR_RANGE[1]:
        raise ValueError(f"'{text}' is not K=VALUE with K from 1 to 64 and VALUE from {DIR_RANGE[0]:g} "
                         f"to {DIR_RANGE[1]:g}")
    return k - 1, v


def batch_latents(states, z_dim: int, directions: torch.Tensor | None = None) -> torch.Tensor:
    return torch.stack([compose(s, z_dim, directions) for s in states]) if states else torch.zeros(0, z_dim)


def contact_sheet(model, zs: torch.Tensor, cols: int | None = None, pad: int = 4, fill: int = 24,
                  kind=None) -> np.ndarray:
    """Render latents (N, z_dim) into one uint8 grid image (kind: GeneratorModel.render's)."""
    n = len(zs)
    cols = cols or max(1, math.ceil(math.sqrt(n)))
    rows = max(1, math.ceil(n / cols))
    return make_grid(model.render(zs, kind=kind), rows, cols, pad=pad, fill=fill)


# ---------------------------------------------------------------- metadata (see pngmeta for the file side)
def state_to_meta(state: LatentState, model, z: torch.Tensor, direction_names: list[str] | None = None) -> dict:
    """What an exported PNG records: enough to restore exactly this latent."""
    spec = model.spec
    d = {"model": {"identity": model.identity, "name": model.path.name, "arch": spec.arch,
                   "resolution": spec.resolution, "channels": spec.channels, "z_dim": spec.z_dim},
         "seed": int(state.seed), "psi": float(state.psi),
         "directions": {str(k): float(v) for k, v in enumerate(state.dirs) if v},
         "z": [float(v) for v in z.float().tolist()],
         "z_base": [float(v) for v in base_latent(state, spec.z_dim).tolist()]}
    if direction_names:
        d["direction_names"] = {str(k): direction_names[k] for k, v in enumerate(state.dirs)
                                if v and k < len(direction_names)}
    if state.mixing:
        d["mix"] = {"seed": state.mix_seed, "t": float(state.mix_t)}
    if state.label:
        d["label"] = state.label
    return d


def state_from_meta(meta, z_dim: int, directions: torch.Tensor | None = None) -> LatentState:
    """Validated metadata (pngmeta.ImageMeta) → a state whose compose() is exactly meta.z.

    The seed, ψ and direction values are restored so the controls show them; if re-composing them
    does not give the recorded latent bit for bit (other directions, other model), the recorded z
    itself becomes the base with no edits on top.
    """
    dirs = [0.0] * (max((int(k) for k in meta.directions), default=-1) + 1)
    for k, v in meta.directions.items():
        dirs[int(k)] = float(v)
    while dirs and dirs[-1] == 0.0:
        dirs.pop()
    z = meta.z
    if meta.z_base is not None:
        st = LatentState(seed=meta.seed, psi=meta.psi, dirs=tuple(dirs), base=meta.z_base, label=meta.label)
        if torch.equal(compose(st, z_dim, directions), z):
            return st
    return LatentState(seed=meta.seed, psi=1.0, base=z, label=meta.label)


# ---------------------------------------------------------------- the explorer's position (saved per model)
def state_to_dict(state: LatentState) -> dict:
    """A LatentState as plain JSON values (the explorer's position, kept with the model it was made on)."""
    def vec(t):
        return None if t is None else [float(v) for v in t.float().tolist()]
    return {"seed": int(state.seed), "psi": float(state.psi), "dirs": [float(v) for v in state.dirs],
            "base": vec(state.base), "mix_seed": state.mix_seed, "mix_z": vec(state.mix_z),
            "mix_t": float(state.mix_t), "label": state.label,
            **({"kind": dict(state.kind_mix)} if state.kind_mix else {})}


def state_from_dict(d: dict, z_dim: int) -> LatentState:
    """The inverse of state_to_dict, checked: ValueError (one sentence) for anything out of range."""
    def num(key, lo, hi, default):
        v = d.get(key, default)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
            raise ValueError(f"the saved position's {key} is not a number from {lo:g} to {hi:g}")
        return v

    def vec(key):
        v = d.get(key)
        if v is None:
            return None
        if not isinstance(v, list) or len(v) != z_dim or \
                not all(isinstance(x, (int, float)) and math.isfinite(x) for x in v):
            raise ValueError(f"the saved position's {key} is not {z_dim} finite numbers")
        return torch.tensor(v, dtype=torch.float32)

    if not isinstance(d, dict):
        raise ValueError("the saved position is not a JSON object")
    dirs = d.get("dirs", [])
    if not isinstance(dirs, list) or len(dirs) > 64 or not all(
            isinstance(v, (int, float)) and math.isfinite(v) and DIR_RANGE[0] <= v <= DIR_RANGE[1] for v in dirs):
        raise ValueError("the saved position's direction values are out of range")
    mix_seed = d.get("mix_seed")
    return LatentState(seed=int(num("seed", 0, SEED_MAX, 0)), psi=float(num("psi", *PSI_RANGE, 1.0)),
                       dirs=tuple(float(v) for v in dirs), base=vec("base"),
                       mix_seed=int(mix_seed) if isinstance(mix_seed, int) and 0 <= mix_seed <= SEED_MAX else None,
                       mix_z=vec("mix_z"), mix_t=float(num("mix_t", 0.0, 1.0, 0.0)),
                       label=str(d.get("label", ""))[:200], kind_mix=kind_from_json(d.get("kind"), "saved position"))
