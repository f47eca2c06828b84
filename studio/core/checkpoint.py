"""Checkpoints: safetensors + JSON metadata only, written atomically, never unpickled.

A training checkpoint holds G, G_ema, D, both optimizers, RNG states and the loop state.
A generator file (export / bundled demo model) holds G_ema alone, optionally in fp16.
Both load through `load_generator` for the explorer, `generate` and `animate`.
"""
from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from .errors import StudioError
from .files import atomic_write_bytes
from .models import ModelSpec, build_generator
from .models.fade import attach, has_fade
from .run import CKPT_RE, RunFolder, checkpoint_name, list_checkpoints  # noqa: F401  (the layout lives in run.py)

FORMAT = "ganstudio"
VERSION = "1"
MAX_HEADER = 64 * 1024 * 1024
RAW_KEYS = ("format", "version", "kind")      # plain strings; every other metadata value is JSON


class CheckpointError(StudioError, ValueError):
    """A file that cannot be used as a model; the message says why and what to do."""


# ---------------------------------------------------------------- packing state into flat tensors
def pack_module(prefix: str, module: nn.Module) -> dict[str, torch.Tensor]:
    return {f"{prefix}.{k}": v.detach().cpu().contiguous().clone() for k, v in module.state_dict().items()}


def unpack_module(prefix: str, module: nn.Module, tensors: dict[str, torch.Tensor], what: str,
                  optional: tuple[str, ...] = ()) -> None:
    """Load `prefix.*` tensors into module, exactly; `optional`: name prefixes of weights a file may lack (parts added
    to the architecture later: they keep their fresh values)."""
    sd = {k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
    if not sd:
        raise CheckpointError(f"the file has no {what} weights ('{prefix}.*' tensors are missing)")
    if optional:
        sd = {**{k: v for k, v in module.state_dict().items() if k.startswith(optional) and k not in sd}, **sd}
    try:
        module.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        first = str(e).strip().splitlines()
        raise CheckpointError(f"the {what} weights do not fit the architecture in the file's settings "
                              f"({first[1].strip() if len(first) > 1 else first[0]})") from None


def pack_optimizer(prefix: str, opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    sd = opt.state_dict()
    tensors = {}
    for pid, st in sd["state"].items():
        for k, v in st.items():
            t = v if torch.is_tensor(v) else torch.tensor(v)
            tensors[f"{prefix}.{pid}.{k}"] = t.detach().cpu().contiguous().clone()
    return tensors, {"param_groups": sd["param_groups"]}


def unpack_optimizer(prefix: str, opt: torch.optim.Optimizer, tensors: dict, groups: dict) -> None:
    state: dict[int, dict] = {}
    for key, v in tensors.items():
        if key.startswith(prefix + "."):
            pid, name = key[len(prefix) + 1:].split(".", 1)
            state.setdefault(int(pid), {})[name] = v
    try:
        opt.load_state_dict({"state": state, "param_groups": groups["param_groups"]})
    except (ValueError, KeyError, RuntimeError) as e:
        raise CheckpointError(f"optimizer state does not fit the model ({e})") from None
    # a file holds every tensor in the default layout; a fused optimizer walks a moment and its parameter as flat
    # memory side by side, so each moment takes its parameter's layout again (channels_last convolutions)
    for p, st in opt.state.items():
        for k, v in st.items():
            if torch.is_tensor(v) and v.shape == p.shape and v.stride() != p.stride():
                st[k] = torch.empty_like(p, dtype=v.dtype).copy_(v)


# ---------------------------------------------------------------- reading and writing files
def save_file(path: Path, tensors: dict[str, torch.Tensor], meta: dict) -> None:
    """Write tensors + metadata atomically (temp file, fsync, rename)."""
    md = {"format": FORMAT, "version": VERSION}
    md.update({k: str(v) if k in RAW_KEYS else json.dumps(v) for k, v in meta.items()})
    atomic_write_bytes(Path(path), st_save(tensors, metadata=md))


def _refuse_unsafe(path: Path, head: bytes) -> None:
    if head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5:
        raise CheckpointError(f"{path.name} is a Python pickle. GAN Studio never opens pickles because "
                              "they can run arbitrary code; use a GAN Studio .safetensors checkpoint.")
    if head[:4] == b"PK\x03\x04":
        raise CheckpointError(f"{path.name} is a PyTorch .pt/.pth archive (pickle inside). GAN Studio never "
                              "opens pickles because they can run arbitrary code; use a .safetensors checkpoint.")


def _read(path: Path, header_only: bool) -> tuple[bytes, int]:
    """(bytes, header length): the header alone, or the whole file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(16)
            _refuse_unsafe(path, head)
            if size < 8:
                raise CheckpointError(f"{path.name} is truncated ({size} bytes)")
            (n,) = struct.unpack("<Q", head[:8])
            if n > MAX_HEADER:
                raise CheckpointError(f"{path.name} has an oversized header ({n} bytes): not a valid checkpoint")
            if 8 + n > size:
                raise CheckpointError(f"{path.name} is truncated (header runs past the end of the file)")
            f.seek(0)
            return f.read(8 + n if header_only else -1), n
    except FileNotFoundError:
        raise CheckpointError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise CheckpointError(f"{path} is a folder, not a checkpoint file") from None
    except OSError as e:
        raise CheckpointError(f"cannot read {path} ({e.strerror or e})") from None


def _metadata(path: Path, header: dict) -> dict:
    raw = header.get("__metadata__") or {}
    if raw.get("format") != FORMAT:
        raise CheckpointError(f"{Path(path).name} is a safetensors file but not a GAN Studio model "
                              "(no GAN Studio metadata)")
    meta = {}
    for k, v in raw.items():
        try:
            meta[k] = json.loads(v) if k not in RAW_KEYS else v
        except json.JSONDecodeError:
            raise CheckpointError(f"{Path(path).name} has damaged metadata ('{k}')") from None
    return meta


def read_file(path: Path) -> tuple[dict[str, torch.Tensor], dict]:
    """Read and validate a GAN Studio safetensors file → (tensors, decoded metadata)."""
    data, n = _read(path, header_only=False)
    try:
        header = json.loads(data[8:8 + n])
        tensors = st_load(data)
    except Exception as e:  # safetensors raises its own error types for damaged files
        raise CheckpointError(f"{Path(path).name} is damaged or truncated ({str(e)[:200]})") from None
    return tensors, _metadata(path, header)


def _header(path: Path) -> dict:
    data, n = _read(path, header_only=True)
    try:
        header = json.loads(data[8:8 + n])
    except (ValueError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{Path(path).name} is damaged or truncated ({str(e)[:200]})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{Path(path).name} is damaged (its header is not a table)")
    return header


def read_metadata(path: Path) -> dict:
    """The decoded GAN Studio metadata alone: reads only the file's header (fast, whatever the file's size)."""
    return _metadata(path, _header(path))


def tensor_names(path: Path) -> set[str]:
    """The names of the tensors a GAN Studio file holds, from its header alone."""
    header = _header(path)
    _metadata(path, header)
    return {k for k in header if k != "__metadata__"}


def check_finite(tensors: dict[str, torch.Tensor], prefix: str, name: str) -> None:
    for k, v in tensors.items():
        if k.startswith(prefix + ".") and v.is_floating_point() and not torch.isfinite(v).all():
            raise CheckpointError(f"{name} contains NaN or infinite weights ({k}); it cannot be used")


def load_network(path: Path, kind: str, build, error) -> tuple[nn.Module, object, dict]:
    """A trained network saved with save_file under the prefix `kind` (the upscaler's, the encoder's): its metadata
    says it is a `kind` and holds its "spec"; build(spec dict) → (module, spec). Any damage (another kind of file,
    NaN weights, missing or misshapen tensors, unreadable settings) becomes error(why): one sentence. Returns
    (module in eval mode, spec, metadata)."""
    path = Path(path)
    try:
        tensors, meta = read_file(path)
        if meta.get("kind") != kind:
            raise CheckpointError(f"it holds a {meta.get('kind') or 'different'} file, not an {kind}")
        net, spec = build(meta.get("spec") or {})
        check_finite(tensors, kind, path.name)
        unpack_module(kind, net, {k: v.float() for k, v in tensors.items()}, kind)
    except CheckpointError as e:
        raise error(str(e).rstrip(".")) from None
    except (ValueError, KeyError, TypeError) as e:
        raise error(f"its settings are damaged: {e}") from None
    return net.eval().requires_grad_(False), spec, meta


def file_identity(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


# ---------------------------------------------------------------- run-folder checkpoints
def prune(folder: Path, keep: int, protect: set[Path] = frozenset()) -> None:
    for _, p in list_checkpoints(folder)[max(1, keep):]:
        if p not in protect:
            try:
                p.unlink()
            except OSError:
                pass


# ---------------------------------------------------------------- inference
@dataclass
class GeneratorModel:
    G: nn.Module                 # eval mode, on `device`
    spec: ModelSpec
    meta: dict
    path: Path
    identity: str
    device: torch.device

    @property
    def z_dim(self) -> int:
        return self.spec.z_dim

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds the model was trained on (core/kinds.py); () for a model without."""
        return self.spec.classes

    def kind_tensor(self, kind, n: int) -> torch.Tensor | None:
        """(n, K) weights for G from a kind name, {name: weight} mix, (K,) weights or (n, K) rows; None → None
        (G derives each latent's kind from the latent). KindError for a kind the model lacks."""
        import numpy as np
        from .kinds import kind_weights
        if kind is None:
            return None
        w = kind_weights(self.kinds, kind) if isinstance(kind, (str, dict)) else np.asarray(kind, np.float32)
        if not self.kinds:
            from .kinds import KindError
            raise KindError("this model was trained without kinds")
        t = torch.as_tensor(w, dtype=torch.float32).to(self.device)
        return (t.expand(n, -1) if t.ndim == 1 else t).to(self.dtype)

    @torch.no_grad()
    def render(self, z: torch.Tensor, batch: int = 32, kind=None):
        """Latents (N, z_dim) → uint8 (N, H, W, C) numpy. kind: see kind_tensor (None: each latent's own)."""
        import numpy as np
        from .latent import to_uint8
        c = self.kind_tensor(kind, len(z))

        def g(i):
            zi = z[i:i + batch].to(self.device, self.dtype)
            return self.G(zi) if c is None else self.G(zi, c[i:i + batch])
        outs = [to_uint8(g(i)) for i in range(0, len(z), batch)]
        return np.concatenate(outs) if outs else np.zeros((0, self.spec.resolution, self.spec.resolution,
                                                          self.spec.channels), np.uint8)

    @property
    def dtype(self) -> torch.dtype:
        """The dtype of the generator's weights (what its input latents are cast to)."""
        return next(self.G.parameters()).dtype


def resolve_model_path(path: Path) -> Path:
    """A run folder → its best, else newest loadable checkpoint; a file → itself."""
    path = Path(path)
    if path.is_dir():
        found = RunFolder(path).model_file()
        if found is not None:
            return found
        raise CheckpointError(f"{path} has no checkpoint yet: train it first (ganstudio train / resume)")
    if path.suffix.lower() in (".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin") and path.exists():
        with open(path, "rb") as f:
            _refuse_unsafe(path, f.read(16))
    return path


def bake_normalisation(G: nn.Module) -> nn.Module:
    """A frozen generator's spectrally normalised weights, computed once: the same numbers (the normalisation uses
    its stored vectors in eval mode), without a division of every weight on every call — the demo model's forward
    at batch 1 5.0 → 3.0 ms, forward and backward (the picture search) 10.0 → 6.7 ms. Not for saving or training."""
    from torch.nn.utils import remove_spectral_norm
    for m in G.modules():
        if hasattr(m, "weight_orig") and hasattr(m, "weight_u"):
            remove_spectral_norm(m)
    return G.requires_grad_(False)


def load_generator(path: Path, device: torch.device | str = "cpu", frozen: bool = True) -> GeneratorModel:
    """Load G_ema from a training checkpoint, generator file or run folder, ready to render. frozen: its weights
    baked for rendering (bake_normalisation); False keeps the module as trained, to save it again."""
    path = resolve_model_path(Path(path))
    tensors, meta = read_file(path)
    try:
        spec = ModelSpec.from_dict(meta["model"])
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{path.name} does not say which architecture it holds ({e})") from None
    check_finite(tensors, "G_ema", path.name)
    G = build_generator(spec)
    if has_fade(tensors, "G_ema"):          # saved while a grown model's new block faded in: render it as it was
        attach(G)
    unpack_module("G_ema", G, {k: v.float() if v.is_floating_point() else v for k, v in tensors.items()},
                  "generator")
    G.eval().requires_grad_(False).to(device)
    if os.environ.get("GANSTUDIO_PLAIN_EAGER", "") in ("", "0"):     # same speed path as the trainer
        from .models.registry import preferred_memory_format
        fmt = preferred_memory_format(spec, device)
        if fmt is not None:
            G.to(memory_format=fmt)
    if frozen:                  # after the layout: baked weights turned channels_last drew wrong pixels at batch 1
        bake_normalisation(G)
    return GeneratorModel(G, spec, meta, path, file_identity(path), torch.device(device))


def save_generator(path: Path, G: nn.Module, spec: ModelSpec, meta: dict | None = None, half: bool = False) -> None:
    """Export G (usually G_ema) alone: a small file for sharing or bundling."""
    tensors = pack_module("G_ema", G)
    if half:
        tensors = {k: v.half() if v.is_floating_point() else v for k, v in tensors.items()}
    save_file(Path(path), tensors, {"kind": "generator", "model": spec.to_dict(), **(meta or {})})
