"""Keyframes: named latents saved in the project as JSON (plain numbers, never pickles).

File format (project/keyframes.json):
    {"format": "ganstudio-keyframes", "version": 1, "model": "<identity or ''>",
     "keyframes": [{"label": str, "seed": int|null, "psi": float, "z": [float, ...], "easing"?: str,
                    "kind"?: {name: weight}}, ...]}
`z` is the final latent (truncation and direction edits already applied); seed/psi are for display.
`easing` (optional) is the easing of the segment that leaves this keyframe; absent = the animation's default.
`kind` (optional) is the kind the keyframe was made with (a model with kinds, core/kinds.py); absent = "Any kind",
the latent's own.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .files import atomic_write_text
from .errors import StudioError
from .kind_rows import kind_from_json

FORMAT = "ganstudio-keyframes"
EASINGS = ("linear", "ease-in-out", "cubic")          # the names studio.core.animation.ease knows
MAX_DIM = 4096
MAX_KEYFRAMES = 1000


class KeyframeError(StudioError, ValueError):
    pass


@dataclass
class Keyframe:
    z: torch.Tensor                 # (z_dim,) float32
    label: str = ""
    seed: int | None = None
    psi: float = 1.0
    extra: dict = field(default_factory=dict)
    easing: str = ""                # easing of the segment leaving this keyframe; "" = the animation's default
    kind_mix: dict | None = None        # {name: weight}; None = "Any kind" (the latent's own)

    def to_dict(self) -> dict:
        return {"label": self.label, "seed": self.seed, "psi": self.psi,
                "z": [float(v) for v in self.z.float().tolist()], **({"extra": self.extra} if self.extra else {}),
                **({"easing": self.easing} if self.easing else {}),
                **({"kind": dict(self.kind_mix)} if self.kind_mix else {})}

    @classmethod
    def from_dict(cls, d: dict, z_dim: int | None = None) -> "Keyframe":
        if not isinstance(d, dict) or not isinstance(d.get("z"), list):
            raise KeyframeError("a keyframe has no latent vector 'z'")
        z = d["z"]
        if not 0 < len(z) <= MAX_DIM or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in z):
            raise KeyframeError("a keyframe's latent vector is empty, too long or not finite numbers")
        if z_dim is not None and len(z) != z_dim:
            raise KeyframeError(f"a keyframe has {len(z)} latent values but the model expects {z_dim}")
        seed = d.get("seed")
        psi = d.get("psi", 1.0)
        easing = d.get("easing", "") or ""
        if easing and easing not in EASINGS:
            raise KeyframeError(f"unknown easing '{str(easing)[:40]}' in a keyframe: use {', '.join(EASINGS)}")
        try:
            kind = kind_from_json(d.get("kind"), "keyframe")
        except ValueError as e:
            raise KeyframeError(str(e)) from None
        return cls(torch.tensor(z, dtype=torch.float32), str(d.get("label", ""))[:200],
                   int(seed) if isinstance(seed, int) else None,
                   float(psi) if isinstance(psi, (int, float)) and math.isfinite(psi) else 1.0,
                   d.get("extra") if isinstance(d.get("extra"), dict) else {}, easing, kind)


def segment_easings(keyframes: list[Keyframe], default: str, loop: bool) -> list[str]:
    """The easing of each segment of a path through `keyframes`: each keyframe's own, else `default`."""
    n_seg = len(keyframes) if loop else len(keyframes) - 1
    return [keyframes[i].easing or default for i in range(max(0, n_seg))]


def save_keyframes(path: Path, keyframes: list[Keyframe], model: str = "") -> None:
    doc = {"format": FORMAT, "version": 1, "model": model, "keyframes": [k.to_dict() for k in keyframes]}
    atomic_write_text(Path(path), json.dumps(doc, indent=1))


def load_keyframes(path: Path, z_dim: int | None = None) -> tuple[list[Keyframe], str]:
    """→ (keyframes, model identity). Raises KeyframeError with a readable reason."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise KeyframeError(f"cannot read keyframes from {path}: {e}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("keyframes"), list):
        raise KeyframeError(f"{path} is not a GAN Studio keyframes file")
    if len(doc["keyframes"]) > MAX_KEYFRAMES:
        raise KeyframeError(f"{path} holds more than {MAX_KEYFRAMES} keyframes")
    return [Keyframe.from_dict(k, z_dim) for k in doc["keyframes"]], str(doc.get("model", ""))
