"""One registry for every architecture. A ModelSpec is all that is needed to rebuild G (and D)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch.nn as nn

from . import dcgan, fastgan, projected

_ARCHS = {"dcgan": dcgan, "fastgan": fastgan, "projected": projected}


@dataclass(frozen=True)
class ModelSpec:
    arch: str = "dcgan"
    resolution: int = 64
    channels: int = 3
    z_dim: int = 100
    width: int = 64

    @classmethod
    def from_config(cls, cfg) -> "ModelSpec":
        return cls(cfg.arch, cfg.resolution, cfg.img_channels, cfg.z_dim, cfg.width)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelSpec":
        spec = cls(str(d["arch"]), int(d["resolution"]), int(d["channels"]), int(d["z_dim"]), int(d["width"]))
        if spec.arch not in _ARCHS:
            raise ValueError(f"unknown architecture '{spec.arch}'")
        if spec.channels not in (3, 4) or not (16 <= spec.resolution <= 1024) or spec.z_dim < 1 or spec.width < 1:
            raise ValueError(f"model settings out of range: {spec}")
        return spec


def _module(spec: ModelSpec):
    try:
        return _ARCHS[spec.arch]
    except KeyError:
        raise ValueError(f"unknown architecture '{spec.arch}': choose one of {', '.join(_ARCHS)}") from None


def build_generator(spec: ModelSpec) -> nn.Module:
    return _module(spec).Generator(spec.z_dim, spec.resolution, spec.channels, spec.width)


def build_discriminator(spec: ModelSpec) -> nn.Module:
    return _module(spec).Discriminator(spec.resolution, spec.channels, spec.width)


def build_models(spec: ModelSpec) -> tuple[nn.Module, nn.Module]:
    return build_generator(spec), build_discriminator(spec)


# Architectures measured faster with channels_last convolutions (benchmarks/README.md); the maths is the same.
_CHANNELS_LAST = {"cpu": ("dcgan", "projected"), "cuda": ("dcgan", "fastgan", "projected")}


def preferred_memory_format(spec: ModelSpec, device) -> "torch.memory_format | None":
    """torch.channels_last where it pays on this device, else None (leave the default layout)."""
    import torch
    kind = torch.device(device).type
    return torch.channels_last if spec.arch in _CHANNELS_LAST.get(kind, ()) else None


# Architectures whose CPU training steps were measured faster when the C heap keeps freed blocks (activations over
# 32 MB; studio/core/allocator.py, benchmarks/README.md §2). Elsewhere it cost memory and gained nothing.
_KEEP_FREED_MEMORY = {"cpu": ("fastgan",)}


def keeps_freed_memory(spec: ModelSpec, device) -> bool:
    import torch
    return spec.arch in _KEEP_FREED_MEMORY.get(torch.device(device).type, ())
