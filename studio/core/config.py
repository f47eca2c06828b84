"""Training configuration: one dataclass, saved as config.json in every run folder."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from .errors import StudioError
from .models.registry import ARCHITECTURES, arch_names

FIT_MODES = ("crop", "pad", "stretch")
CHANNELS = ("rgb", "rgba")
CLASS_MODES = ("auto", "subfolders", "found", "none")
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
    classes: str = "auto"             # kinds (core/kinds.py): auto | subfolders | found | none
    kinds: int = 0                    # how many kinds to find in a flat folder (classes found); 0 = automatic
    class_rules: dict = field(default_factory=dict)   # subfolder → kind name (rename / merge), "" = ignore
    kind_fade_kimg: float = 0.0       # kinds fade in: none until a quarter of this, full from here; 0: from the start
    # model
    arch: str = "dcgan"
    z_dim: int = 100
    width: int = 64                   # base feature width (ngf/ndf for dcgan, ngf for fastgan)
    init_from: str = ""               # start G (and D) from this model: a run folder or checkpoint (fine-tuning)
    fade_kimg: float = 20.0           # init_from a model of half the size: its new block fades in over this (growth.py)
    # optimisation
    batch: int = 32
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    loss: str = ""                    # "" = the architecture's loss (models.registry)
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
    upscaler_minutes: float = 0.0     # then learn the run's ×2/×4 upscaler for this long (0 = no upscaler stage)
    encoder_minutes: float = 0.0      # then its encoder (picture → latent) for this long (0 = no encoder stage)
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
        arch = ARCHITECTURES.get(self.arch)
        return self.loss or (arch.loss if arch else "hinge")

    def validate(self) -> "TrainConfig":
        r = self.resolution
        if r < 32 or r > 1024 or r & (r - 1):
            raise ConfigError(f"resolution must be a power of two from 32 to 1024, not {r}")
        self._validate_arch()
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
        if not self.upscaler_minutes >= 0:
            raise ConfigError(f"the upscaler's minutes must be 0 (no upscaler) or more, not {self.upscaler_minutes}")
        if not self.encoder_minutes >= 0:
            raise ConfigError(f"the encoder's minutes must be 0 (no encoder) or more, not {self.encoder_minutes}")
        if self.z_dim < 1 or self.width < 1:
            raise ConfigError("z_dim and width must be positive")
        if self.classes not in CLASS_MODES:
            raise ConfigError(f"classes must be one of {', '.join(CLASS_MODES)}, not '{self.classes}'")
        if self.classes in ("subfolders", "found") and not ARCHITECTURES[self.arch].kinds:
            takes = [a.name for a in ARCHITECTURES.values() if a.kinds]
            raise ConfigError(f"{self.arch} models cannot learn kinds: use --arch {' or '.join(takes)}, "
                              "or --classes none")
        if not isinstance(self.class_rules, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in self.class_rules.items()):
            raise ConfigError("class_rules must map subfolder names to kind names (\"\" ignores a subfolder)")
        if not (isinstance(self.kinds, int) and 0 <= self.kinds <= 64):
            raise ConfigError(f"kinds (how many kinds to find) must be 0 (automatic) to 64, not {self.kinds}")
        if not self.kind_fade_kimg >= 0:
            raise ConfigError(f"kind_fade_kimg (how long kinds take to fade in) must be 0 (no fade) or more, not "
                              f"{self.kind_fade_kimg}")
        if not self.fade_kimg > 0:
            raise ConfigError(f"fade_kimg (how long a grown model's new block fades in) must be positive, "
                              f"not {self.fade_kimg}")
        self.sample_grid = tuple(int(v) for v in self.sample_grid)
        return self

    def _validate_arch(self) -> None:
        arch, r = ARCHITECTURES.get(self.arch), self.resolution
        if arch is None:
            raise ConfigError(f"unknown architecture '{self.arch}': choose one of {', '.join(arch_names())}")
        if not arch.supports(r):
            fits = [a.name for a in ARCHITECTURES.values() if a.supports(r)]
            raise ConfigError(f"{arch.name} supports {arch.resolutions}; "
                              + (f"use --arch {' or '.join(fits)} for {r} px" if fits else "choose another size"))

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


def arch_defaults(arch: str) -> dict:
    """The settings an architecture brings (models.registry), loss aside."""
    if arch not in ARCHITECTURES:
        raise ConfigError(f"unknown architecture '{arch}': choose one of {', '.join(arch_names())}")
    return ARCHITECTURES[arch].defaults


def with_arch(cfg: TrainConfig, arch: str) -> TrainConfig:
    """`cfg` with another architecture and that architecture's own settings (latent size, width, learning
    rates, betas, loss); everything else is kept. Choosing the architecture `cfg` already has changes nothing,
    so settings tuned for it stay. Not validated: the caller validates the whole config."""
    if arch == cfg.arch:
        return cfg
    return dataclasses.replace(cfg, arch=arch, loss="", **arch_defaults(arch))
