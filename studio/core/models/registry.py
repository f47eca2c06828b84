"""One registry for every architecture. Adding one: its model file (a Generator and a Discriminator) and one
`Architecture` entry here (`register`); the settings, validation, command line, window and directions read it.

A ModelSpec is all that is needed to rebuild G (and D). This module imports neither torch nor the model files
until a model is built, so the window can list the architectures before torch is loaded.
"""
from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Architecture:
    name: str                          # what --arch and config.json say
    module: str                        # dotted module holding Generator(z_dim, resolution, channels, width)
                                       # and Discriminator(resolution, channels, width)
    label: str                         # the window's choice, e.g. "DCGAN — light"
    min_resolution: int = 32           # powers of two in this range
    max_resolution: int = 1024
    z_dim: int = 100                   # its own settings (config.with_arch)
    width: int = 64
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    loss: str = "hinge"                # bce | hinge
    channels_last: tuple[str, ...] = ()      # device types where channels_last convolutions were measured faster
    keep_freed_memory: tuple[str, ...] = ()  # device types where keeping freed heap blocks was measured faster
    direction_layer: str = ""          # G's submodule whose output is its first block (directions); "" = first child
    kinds: bool = False                # G(z, c) and D(x, c) take kinds (core/kinds.py): subfolder classes, found kinds
    grows: bool = False                # a run can grow a model of half its size (core/growth.py): G has fade
                                       # and half_rgb(), and its channels at each size stay when width halves

    @property
    def defaults(self) -> dict:
        """The settings choosing this architecture brings (config.with_arch), loss aside."""
        return dict(z_dim=self.z_dim, width=self.width, lr_g=self.lr_g, lr_d=self.lr_d,
                    beta1=self.beta1, beta2=self.beta2)

    @property
    def resolutions(self) -> str:
        return f"{self.min_resolution}-{self.max_resolution} px"

    def supports(self, resolution: int) -> bool:
        return self.min_resolution <= resolution <= self.max_resolution

    def window_label(self) -> str:
        return f"{self.label}, {self.min_resolution}–{self.max_resolution} px"

    def load(self):
        return importlib.import_module(self.module)


# Window order: the first is the suggestion where it fits. channels_last / keep_freed_memory: benchmarks/README.md
# (§2 for the heap: activations over 32 MB; elsewhere it cost memory and gained nothing).
ARCHITECTURES: dict[str, Architecture] = {}


def register(arch: Architecture) -> Architecture:
    """Add (or replace) an architecture; returns it."""
    ARCHITECTURES[arch.name] = arch
    return arch


def unregister(name: str) -> None:
    ARCHITECTURES.pop(name, None)


def arch_names() -> tuple[str, ...]:
    return tuple(ARCHITECTURES)


def get_arch(name: str) -> Architecture:
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise ValueError(f"unknown architecture '{name}': choose one of {', '.join(ARCHITECTURES)}") from None


register(Architecture("projected", "studio.core.models.projected", "Projected GAN — learns fastest", 64, 512,
                      # 3e-4: far ahead of 2e-4 at 5 CPU-minutes, ahead at 15 on five seeds (benchmarks §9, caveats)
                      z_dim=128, width=16, lr_g=3e-4, lr_d=3e-4, beta1=0.0, beta2=0.99, loss="hinge",
                      channels_last=("cpu", "cuda"), direction_layer="init", grows=True, kinds=True))
register(Architecture("dcgan", "studio.core.models.dcgan", "DCGAN — light", 32, 256, loss="bce",
                      channels_last=("cpu", "cuda"), direction_layer="main.2"))      # ConvT + BN + ReLU
register(Architecture("fastgan", "studio.core.models.fastgan", "FastGAN — few images", 64, 1024, z_dim=256,
                      channels_last=("cuda",), keep_freed_memory=("cpu",), direction_layer="init"))


@dataclass(frozen=True)
class ModelSpec:
    arch: str = "dcgan"
    resolution: int = 64
    channels: int = 3
    z_dim: int = 100
    width: int = 64
    classes: tuple[str, ...] = ()      # the kinds G and D are conditioned on (core/kinds.py); () = none

    @classmethod
    def from_config(cls, cfg, classes: tuple[str, ...] | list[str] = ()) -> "ModelSpec":
        return cls(cfg.arch, cfg.resolution, cfg.img_channels, cfg.z_dim, cfg.width, tuple(classes))

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        if self.classes:
            d["classes"] = list(self.classes)
        else:                                 # files without kinds read exactly as before
            d.pop("classes")
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ModelSpec":
        spec = cls(str(d["arch"]), int(d["resolution"]), int(d["channels"]), int(d["z_dim"]), int(d["width"]),
                   tuple(str(n) for n in d.get("classes") or ()))
        if spec.classes and not get_arch(spec.arch).kinds:
            raise ValueError(f"{spec.arch} models cannot have kinds")
        get_arch(spec.arch)
        if spec.channels not in (3, 4) or not (16 <= spec.resolution <= 1024) or spec.z_dim < 1 or spec.width < 1:
            raise ValueError(f"model settings out of range: {spec}")
        return spec


def _kinds_kw(spec: ModelSpec) -> dict:
    return {"n_classes": len(spec.classes)} if spec.classes else {}


def build_generator(spec: ModelSpec):
    return get_arch(spec.arch).load().Generator(spec.z_dim, spec.resolution, spec.channels, spec.width,
                                                **_kinds_kw(spec))


def build_discriminator(spec: ModelSpec):
    return get_arch(spec.arch).load().Discriminator(spec.resolution, spec.channels, spec.width, **_kinds_kw(spec))


def build_models(spec: ModelSpec) -> tuple:
    return build_generator(spec), build_discriminator(spec)


def arch_of_generator(G) -> Architecture | None:
    """The registered architecture whose model file defines G's class (None for a foreign generator)."""
    module = type(G).__module__
    return next((a for a in ARCHITECTURES.values() if a.module == module), None)


def preferred_memory_format(spec: ModelSpec, device) -> "torch.memory_format | None":
    """torch.channels_last where it pays on this device, else None (leave the default layout)."""
    import torch
    kind = torch.device(device).type
    return torch.channels_last if kind in get_arch(spec.arch).channels_last else None


def keeps_freed_memory(spec: ModelSpec, device) -> bool:
    import torch
    return torch.device(device).type in get_arch(spec.arch).keep_freed_memory
