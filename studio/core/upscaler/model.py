"""A trained upscaler: `upscaler.safetensors` in the run folder (safetensors + JSON metadata, never pickles).

The file holds the EMA weights ("upscaler.*" tensors) and, as metadata, the network's settings (factor, width,
depth, architecture), the run's model size, the training images seen and the held-out scores when measured.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..checkpoint import load_network, pack_module, save_file
from ..images import resize_lanczos
from ..run import UPSCALER_NAME
from .data import UpscalerError
from .net import CompactSR, UpscalerSpec

FILE_NAME = UPSCALER_NAME                        # in a run folder (core.run's layout)
KIND = "upscaler"
MAX_INPUT = 2048                         # longest side upscaled in one piece


def save_upscaler(path: Path, net: CompactSR, meta: dict) -> None:
    """Write the weights and metadata atomically (a crash never leaves half a file)."""
    save_file(Path(path), pack_module("upscaler", net), {"kind": KIND, "spec": net.spec.to_dict(), **meta})


def _corrupt(path: Path, why: str) -> UpscalerError:
    return UpscalerError(f"The upscaler {path} cannot be used ({why}): train it again with "
                         f"ganstudio upscaler RUN.")


def load_upscaler(path: Path, device="cpu") -> "Upscaler":
    path = Path(path)

    def build(spec: dict):
        spec = UpscalerSpec.from_dict(spec)
        return CompactSR(spec), spec
    net, spec, meta = load_network(path, KIND, build, lambda why: _corrupt(path, why))
    net.to(device)
    if torch.device(device).type == "cpu":
        net.to(memory_format=torch.channels_last)
    return Upscaler(net, spec, meta, path, torch.device(device))


@dataclass
class Upscaler:
    net: CompactSR
    spec: UpscalerSpec
    meta: dict = field(default_factory=dict)
    path: Path | None = None
    device: torch.device = torch.device("cpu")

    @property
    def factor(self) -> int:
        return self.spec.factor

    @property
    def factors(self) -> tuple[int, ...]:
        """The factors it can make: its own and 2× below it (its output reduced by Lanczos); 1 always."""
        return tuple(f for f in (1, 2, 4) if f <= self.spec.factor)

    def check_factor(self, factor: int) -> None:
        if factor not in self.factors:
            raise UpscalerError(f"this upscaler enlarges at most ×{self.spec.factor}, so ×{factor} is not "
                                f"available: choose {' or '.join(f'×{f}' for f in self.factors if f > 1)}")

    @torch.inference_mode()
    def upscale(self, images: np.ndarray, factor: int | None = None, batch: int = 8) -> np.ndarray:
        """uint8 (N, H, W, C) with C in 1, 3, 4 → uint8 (N, f·H, f·W, C). Alpha is enlarged by Lanczos."""
        factor = self.spec.factor if factor is None else int(factor)
        self.check_factor(factor)
        images = np.asarray(images)
        if factor == 1:
            return images.copy()
        if max(images.shape[1:3]) > MAX_INPUT:
            raise UpscalerError(f"a {images.shape[2]}×{images.shape[1]} picture is too large to upscale "
                                f"(at most {MAX_INPUT} px on the longer side)")
        rgb = np.repeat(images, 3, axis=3) if images.shape[3] == 1 else images[..., :3]
        out = []
        for i in range(0, len(rgb), batch):
            x = torch.from_numpy(np.ascontiguousarray(rgb[i:i + batch])).to(self.device)
            x = x.permute(0, 3, 1, 2).float().div(127.5).sub(1.0).contiguous(memory_format=torch.channels_last)
            y = self.net(x).clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8)
            out.append(y.permute(0, 2, 3, 1).cpu().numpy())
        big = np.concatenate(out)
        if factor != self.spec.factor:
            big = _resize_all(big, images.shape[2] * factor, images.shape[1] * factor)
        if images.shape[3] == 1:
            return big.mean(axis=3, keepdims=True).round().astype(np.uint8)
        if images.shape[3] == 4:
            alpha = _resize_all(images[..., 3:], big.shape[2], big.shape[1])
            big = np.concatenate([big, alpha], axis=3)
        return big


def _resize_all(images: np.ndarray, w: int, h: int) -> np.ndarray:
    return np.stack([resize_lanczos(a, w, h) for a in images])
