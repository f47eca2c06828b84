"""Principal latent directions, found the GANSpace way (Härkönen et al. 2020).

Our generators take z directly (no mapping network), so the directions are found like this:

1. Draw N random latents z ~ N(0, I) and record the activations y(z) of an *early* generator
   layer (the output of the first block, 4x4 feature maps, flattened). Early layers decide the
   large-scale layout, which is what an artist wants on a slider.
2. PCA of the centred activations: y - μ ≈ Σ_k x_k v_k, where v_k are the principal axes of the
   activation space ordered by the variance σ_k² they explain, and x = Vᵀ(y - μ) are the PCA
   coordinates of each sample.
3. Map back to z space by least squares, as GANSpace does for BigGAN: find U minimising
   ‖Z - X Uᵀ‖², i.e. regress the latents on the PCA coordinates. Column u_k is the latent
   change that moves the activations along v_k (and only along v_k, to first order).
4. Make the directions orthonormal in z space while keeping their order: QR (Gram-Schmidt) of
   [u_1 … u_K] in that order, signs fixed so that each q_k points the same way as u_k. The PCA
   coordinates are uncorrelated, so the regression decouples per component and Gram-Schmidt is
   sequential: the explorer computes the largest K once and shows the first n (8–64) of them.

Slider values are in standard deviations: for z ~ N(0, I) and a unit direction d, zᵀd ~ N(0, 1).
The result is cached in the project as JSON (plain numbers, never pickles).
"""
from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn as nn

from .dataset import Cancelled  # noqa: F401  (re-exported: raised when cancelled)
from .errors import StudioError
from .files import atomic_write_text
from .run import run_of

FORMAT = "ganstudio-directions"
MAX_DIRECTIONS = 64
DEFAULT_SAMPLES = 4000


class DirectionsError(StudioError, ValueError):
    pass




@dataclass
class Directions:
    vectors: torch.Tensor                      # (K, z_dim), orthonormal rows, ordered by variance
    variance: list[float]                      # fraction of activation variance each explains
    names: list[str] = field(default_factory=list)
    model: str = ""                            # identity of the checkpoint they belong to
    layer: str = ""
    samples: int = 0
    std: list[float] = field(default_factory=list)   # spread of the latents along each direction (sliders: ±3)

    def __post_init__(self):
        k = len(self.vectors)
        self.names = [(self.names[i] if i < len(self.names) and self.names[i] else f"Direction {i + 1}")
                      for i in range(k)]
        # files cached before the spread was stored: zᵀd ~ N(0, 1) for a unit direction, so 1
        self.std = [float(self.std[i]) if i < len(self.std) and self.std[i] > 0 else 1.0 for i in range(k)]

    def __len__(self) -> int:
        return len(self.vectors)

    def to_dict(self) -> dict:
        return {"format": FORMAT, "version": 1, "model": self.model, "layer": self.layer, "samples": self.samples,
                "names": self.names, "variance": [float(v) for v in self.variance], "std": self.std,
                "vectors": [[float(v) for v in row] for row in self.vectors.float().tolist()]}

    @classmethod
    def from_dict(cls, d: dict, z_dim: int | None = None) -> "Directions":
        if not isinstance(d, dict) or d.get("format") != FORMAT or not isinstance(d.get("vectors"), list):
            raise DirectionsError("not a GAN Studio directions file")
        rows = d["vectors"]
        if not 0 < len(rows) <= MAX_DIRECTIONS or not all(isinstance(r, list) for r in rows):
            raise DirectionsError("the directions file holds no usable vectors")
        n = len(rows[0])
        if (z_dim is not None and n != z_dim) or not all(len(r) == n for r in rows) or not all(
                isinstance(v, (int, float)) and math.isfinite(v) for r in rows for v in r):
            raise DirectionsError("the directions do not fit this model")
        var = d.get("variance") if isinstance(d.get("variance"), list) else []
        var = [float(v) if isinstance(v, (int, float)) and math.isfinite(v) else 0.0 for v in var][:len(rows)]
        var += [0.0] * (len(rows) - len(var))
        names = [str(x)[:60] for x in d.get("names", []) if isinstance(x, str)] if isinstance(d.get("names"), list) else []
        std = [float(v) if isinstance(v, (int, float)) and math.isfinite(v) and v > 0 else 0.0
               for v in d["std"]] if isinstance(d.get("std"), list) else []      # absent in older files
        return cls(torch.tensor(rows, dtype=torch.float32), var, names, str(d.get("model", "")),
                   str(d.get("layer", "")), int(d["samples"]) if isinstance(d.get("samples"), int) else 0, std)


# ---------------------------------------------------------------- computing them
class _Stop(Exception):
    pass


def early_layer(G: nn.Module) -> tuple[str, nn.Module]:
    """The module whose output is 'the first block' of G (4x4 feature maps): the layer its architecture names
    in the registry (models.registry.Architecture.direction_layer), else G's first child."""
    from .models.registry import arch_of_generator
    arch = arch_of_generator(G)
    if arch is not None and arch.direction_layer:
        return arch.direction_layer, G.get_submodule(arch.direction_layer)
    for name, m in G.named_children():
        return name, m
    raise DirectionsError("the generator has no layers")


@torch.inference_mode()
def early_activations(G: nn.Module, z: torch.Tensor, batch: int = 256) -> torch.Tensor:
    """(N, z_dim) → (N, D) flattened early-layer activations; the rest of G is never run."""
    _, layer = early_layer(G)
    grabbed: list[torch.Tensor] = []

    def hook(_m, _inp, out):
        grabbed.append(out.detach().float().flatten(1).cpu())
        raise _Stop

    handle = layer.register_forward_hook(hook)
    try:
        dev, dtype = next(G.parameters()).device, next(G.parameters()).dtype
        for i in range(0, len(z), batch):
            try:
                G(z[i:i + batch].to(dev, dtype))
            except _Stop:
                pass
    finally:
        handle.remove()
    return torch.cat(grabbed)


def compute_directions(G: nn.Module, z_dim: int, count: int = MAX_DIRECTIONS, samples: int = DEFAULT_SAMPLES,
                       seed: int = 0x6A5, progress=None, cancel: threading.Event | None = None,
                       model: str = "") -> Directions:
    """GANSpace directions of G (see the module docstring). progress(done, total) is called as it goes."""
    count = max(1, min(int(count), MAX_DIRECTIONS, z_dim))
    samples = max(int(samples), 4 * count + 16)
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(samples, z_dim, generator=gen)
    chunks, step = [], 250
    for i in range(0, samples, step):
        if cancel is not None and cancel.is_set():
            raise Cancelled
        chunks.append(early_activations(G, z[i:i + step]))
        if progress:
            progress(min(i + step, samples), samples + samples // 4)
    y = torch.cat(chunks).double()
    y -= y.mean(0, keepdim=True)
    total = float((y * y).sum()) or 1.0
    q = min(count + 16, min(y.shape))
    with torch.random.fork_rng(devices=[]):                  # reproducible, global RNG untouched
        torch.manual_seed(seed)
        _, s, v = torch.pca_lowrank(y, q=q, center=False, niter=6)
    k = min(count, s.numel())
    x = y @ v[:, :k]                                         # PCA coordinates (N, k)
    if cancel is not None and cancel.is_set():
        raise Cancelled
    u = torch.linalg.lstsq(x, z.double()).solution.T         # (z_dim, k): latent change per PCA unit
    qm, r = torch.linalg.qr(u)                               # orthonormal, order kept
    sign = torch.sign(torch.diagonal(r))
    sign[sign == 0] = 1
    qm = qm * sign
    if progress:
        progress(1, 1)
    var = [(float(si) ** 2) / total for si in s[:k]]
    std = (z.double() @ qm).std(dim=0).tolist()             # the sampled latents' spread along each direction
    return Directions(qm.T.float().contiguous(), var, [], model, early_layer(G)[0], samples, std)


# ---------------------------------------------------------------- cache in the project
def cache_path(project: Path, identity: str) -> Path:
    return Path(project) / "explore" / f"directions-{identity}.json"


def save_directions(path: Path, d: Directions) -> None:
    atomic_write_text(Path(path), json.dumps(d.to_dict()))


def load_directions(path: Path, z_dim: int | None = None) -> Directions:
    try:
        text = Path(path).read_text(encoding="utf-8")
        if len(text) > 32 * 1024 * 1024:
            raise DirectionsError(f"{path} is too large to be a directions file")
        return Directions.from_dict(json.loads(text), z_dim)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DirectionsError(f"cannot read directions from {path}: {e}") from None


def project_of(model_path: Path) -> Path | None:
    """The project (run folder) a checkpoint belongs to, or None for a loose file (run.run_of decides)."""
    run = run_of(model_path)
    return run.path if run is not None else None


def directions_for(model, project: Path | None = None, compute: bool = True, **kw) -> Directions | None:
    """Cached directions of a loaded GeneratorModel, computed (and cached) when missing."""
    project = project or project_of(model.path)
    path = cache_path(project, model.identity) if project else None
    if path and path.exists():
        try:
            return load_directions(path, model.z_dim)
        except DirectionsError:
            pass
    if not compute:
        return None
    d = compute_directions(model.G, model.z_dim, model=model.identity, **kw)
    if path:
        save_directions(path, d)
    return d
