"""Training configuration: one dataclass, saved as config.json in every run folder."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from .errors import StudioError

ARCHS = ("dcgan", "fastgan", "projected")
FIT_MODES = ("crop", "pad", "stretch")
CHANNELS = ("rgb", "rgba")
PRECISIONS = ("auto", "bf16", "fp32")


class ConfigError(StudioError, ValueError):
    """A setting is out of range; the message says which and what is allowed."""


@dataclass
class TrainConfig:
    # data
    data_dir: str = ""
    resolution: int = 64
    fit: str = "crop"                 # crop | pad | stretch
    channels: str = "rgb"             # rgb | rgba
    background: str = "#ffffff"       # composite colour for transparency (rgb) and pad colour
    min_size: int = 16                # images smaller than this (shorter side) are skipped
    mirror: bool = False              # random horizontal flips of real images
    # model
    arch: str = "dcgan"
    z_dim: int = 100
    width: int = 64                   # base feature width (ngf/ndf for dcgan, ngf for fastgan)
    init_from: str = ""               # start G (and D) from this model: a run folder or checkpoint (fine-tuning)
    # optimisation
    batch: int = 32
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    loss: str = ""                    # "" = the architecture's loss (ARCH_LOSS)
    r1_gamma: float = 0.0             # 0 disables the R1 penalty
    r1_every: int = 16
    ema_kimg: float = 10.0            # EMA half-life of G_ema in thousands of images (StyleGAN-style)
    ema_rampup: float = 0.05          # short runs: half-life at most this fraction of images seen
    # augmentation (DiffAugment)
    augment: bool = True
    augment_policy: str = "color,translation,cutout"
    # duration
    kimg: float = 0.0                 # stop after this many thousand images (0 = use minutes)
    minutes: float = 0.0              # stop after this many minutes (0 and kimg 0 = until stopped)
    # bookkeeping
    seed: int = 0
    device: str = "auto"
    compile: bool = False             # torch.compile G and D (falls back to eager with a notice if it fails)
    precision: str = "auto"           # auto = bf16 autocast where native (device.resolve_precision); bf16; fp32
    log_every: int = 10               # steps between metric events (and host syncs)
    sample_every_kimg: float = 2.0
    checkpoint_every_kimg: float = 10.0
    checkpoint_min_sec: float = 120.0   # fast GPUs: no more than one checkpoint per 2 minutes …
    checkpoint_max_sec: float = 900.0   # … slow CPUs: at least one every 15 minutes, whatever the kimg
    max_nan_retries: int = 3          # divergences in a row before training stops
    keep_checkpoints: int = 3
    sample_grid: tuple = (4, 4)       # rows, cols of the live sample grid
    extra: dict = field(default_factory=dict)

    @property
    def img_channels(self) -> int:
        return 4 if self.channels == "rgba" else 3

    @property
    def background_rgb(self) -> tuple[int, int, int]:
        from .images import parse_colour
        return parse_colour(self.background)

    @property
    def loss_name(self) -> str:
        return self.loss or ARCH_LOSS.get(self.arch, "hinge")

    def validate(self) -> "TrainConfig":
        r = self.resolution
        if r < 32 or r > 1024 or r & (r - 1):
            raise ConfigError(f"resolution must be a power of two from 32 to 1024, not {r}")
        if self.arch not in ARCHS:
            raise ConfigError(f"unknown architecture '{self.arch}': choose one of {', '.join(ARCHS)}")
        if self.arch == "dcgan" and r > 256:
            raise ConfigError("dcgan supports 32-256 px; use --arch fastgan for larger images")
        if self.arch == "fastgan" and r < 64:
            raise ConfigError("fastgan supports 64-1024 px; use --arch dcgan for 32 px")
        if self.arch == "projected" and not 64 <= r <= 512:
            raise ConfigError("projected supports 64-512 px; use --arch dcgan for 32 px, fastgan above 512 px")
        if self.fit not in FIT_MODES:
            raise ConfigError(f"fit must be one of {', '.join(FIT_MODES)}, not '{self.fit}'")
        if self.channels not in CHANNELS:
            raise ConfigError(f"channels must be rgb or rgba, not '{self.channels}'")
        if self.loss_name not in ("bce", "hinge"):
            raise ConfigError(f"loss must be bce or hinge, not '{self.loss}'")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}, not '{self.precision}'")
        if self.batch < 1:
            raise ConfigError("batch size must be at least 1")
        if self.z_dim < 1 or self.width < 1:
            raise ConfigError("z_dim and width must be positive")
        self.sample_grid = tuple(int(v) for v in self.sample_grid)
        return self

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["sample_grid"] = list(self.sample_grid)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        known = {k: v for k, v in d.items() if k in names}
        if "sample_grid" in known:
            known["sample_grid"] = tuple(known["sample_grid"])
        return cls(**known).validate()

    def save(self, path: Path) -> None:
        from .files import atomic_write_text
        atomic_write_text(Path(path), json.dumps(self.to_dict(), indent=2))

    @classmethod
    def load(cls, path: Path) -> "TrainConfig":
        try:
            return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError, TypeError) as e:
            raise ConfigError(f"cannot read training settings {path}: {e}") from e


# Per-architecture settings (one place; the window and the command line both read it through with_arch).
ARCH_LOSS: dict[str, str] = {"dcgan": "bce", "fastgan": "hinge", "projected": "hinge"}
ARCH_DEFAULTS: dict[str, dict] = {
    "dcgan": dict(z_dim=100, width=64, lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999),
    "fastgan": dict(z_dim=256, width=64, lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999),
    # projected 3e-4: far ahead of 2e-4 at 5 CPU-minutes, ahead at 15 on five seeds (benchmarks/README.md §9, caveats)
    "projected": dict(z_dim=128, width=16, lr_g=3e-4, lr_d=3e-4, beta1=0.0, beta2=0.99),
}


def arch_defaults(arch: str) -> dict:
    if arch not in ARCH_DEFAULTS:
        raise ConfigError(f"unknown architecture '{arch}': choose one of {', '.join(ARCHS)}")
    return dict(ARCH_DEFAULTS[arch])


def with_arch(cfg: TrainConfig, arch: str) -> TrainConfig:
    """`cfg` with another architecture and that architecture's own settings (latent size, width, learning
    rates, betas, loss); everything else is kept. Choosing the architecture `cfg` already has changes nothing,
    so settings tuned for it stay. Not validated: the caller validates the whole config."""
    if arch == cfg.arch:
        return cfg
    return dataclasses.replace(cfg, arch=arch, loss="", **arch_defaults(arch))


@dataclass(frozen=True)
class Suggestion:
    """Default settings for a folder on a device, and the reasons, in sentences the Dataset page shows."""
    config: TrainConfig
    reasons: tuple[str, ...]

    @property
    def why(self) -> str:
        return " ".join(self.reasons)


# What the defaults come from: quality per minute of training, measured with benchmarks/quality_per_minute.py
# (figures and commands in benchmarks/README.md §9). On a 2-core CPU, projected at 64 px shows recognisable shapes
# after 5 minutes where dcgan 64 shows smudges (KID in EfficientNet-Lite1 0.30× dcgan's at 5 minutes and 0.46× at
# 15 on the mean of five seeds run side by side the same day, 0.33-0.55× per seed, on a 146-picture folder; lr 3e-4
# measured better than 2e-4, far better at 5 minutes), starts from a related
# model well (--init-from halves the time to a quality), and projected at 128 px needs ~2× the time per image and
# is still at blobs after 15 minutes.
CPU_WIDTH = {64: 16, 128: 8}          # G's width at full size: the CPU spends its time in the largest layers
CPU_KIMG = {64: 150.0, 128: 60.0}     # about 25 minutes on a 2-core laptop CPU (64 px: about 100 img/s on two threads)
GPU_KIMG = 500.0


def suggestion(count: int, device: str = "cpu", resolution: int | None = None,
               arch: str | None = None) -> Suggestion:
    """Defaults for a folder of `count` images on `device` ('cpu', 'cuda' or 'mps'), with the reasons."""
    gpu = not device.startswith("cpu")
    why: list[str] = []
    if arch is None and resolution is not None and resolution < 64:
        arch = "dcgan"
        why.append(f"DCGAN: the architecture for {resolution} px (projected starts at 64 px).")
    elif arch is None and resolution is not None and resolution > 512:
        arch = "fastgan"
        why.append(f"FastGAN: the architecture for {resolution} px (projected goes up to 512 px).")
    arch = arch or "projected"
    if arch == "projected":
        why.append("Projected GAN: the discriminator looks through a pretrained network, so recognisable "
                   "pictures come after minutes rather than hours.")
    if gpu:
        res = resolution or 256
        if resolution is None:
            why.append(f"{res} px: a GPU can afford it.")
        batch, kimg = 32, GPU_KIMG
    else:
        res = resolution or 64
        if resolution is None:
            why.append("64 px on this CPU: it learns about twice as many images per minute as 128 px, which is what "
                       "makes pictures worth a look within 15 minutes; choose 128 px if you can leave it an hour.")
        batch = 16
        kimg = CPU_KIMG.get(res, 40.0)
        why.append(f"{kimg:g} thousand images: about 25 minutes on a 2-core CPU; stop any time, or train longer later.")
    if arch == "dcgan" and res < 32:
        res = 32
    defaults = arch_defaults(arch)
    if arch == "projected" and not gpu:
        defaults["width"] = CPU_WIDTH.get(res, 8 if res > 64 else 16)
    elif arch == "projected":
        defaults["width"] = 32
    small = count < 5000
    if small:
        why.append(f"Augmentation on: with {count:,} images it keeps the discriminator from memorising them."
                   if count else "Augmentation on: it keeps the discriminator from memorising a small folder.")
    cfg = TrainConfig(resolution=res, arch=arch, batch=batch, kimg=kimg, augment=small, device=device,
                      mirror=False, **defaults)
    return Suggestion(cfg.validate(), tuple(why))


def suggest(count: int, device: str = "cpu", resolution: int | None = None, arch: str | None = None) -> TrainConfig:
    """The suggested TrainConfig alone (see suggestion() for the reasons)."""
    return suggestion(count, device, resolution, arch).config
