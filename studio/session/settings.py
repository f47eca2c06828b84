"""The training-settings rules the window and the command line share (each written once, here or in core):

- an architecture brings its own latent size, width, learning rates, betas and loss (core.config.with_arch);
- the suggestion for a folder (`suggestion`: size, architecture, width, batch, duration, augmentation, the reasons
  and the time estimate) depends on its usable image count, the device the run will use (whatever the window's
  status bar happens to say), and the size and architecture when those were chosen;
- the upscaler stage after the GAN (`upscaler_minutes`) follows the factor the folder's pictures support
  (`UpscalePlan`, found by session.upscaling.folder_plan): a few minutes where they allow ×2 or ×4, else none;
- `suggested` applies it to a config, keeping every setting the artist chose (command-line flags, or the fields
  edited on the Dataset page, which a `SettingsDraft` remembers); a start model (init_from) brings its latent
  size and width (`fit_start_model`: half the width where the run grows it to twice its size);
- resuming a run that reached its target trains as long again (`resume_plan`), and says so.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from studio.core.config import TrainConfig, arch_defaults, with_arch
from studio.core.models.registry import ARCHITECTURES, get_arch

__all__ = ["architecture_choices", "with_arch", "suggestion", "Suggestion", "suggested", "SettingsDraft", "ResumePlan",
           "resume_plan", "SUGGESTED_KEYS", "check_start_model", "fit_start_model", "UpscalePlan",
           "UPSCALER_MINUTES", "ENCODER_MINUTES", "STAGE_MINUTES"]


def architecture_choices() -> list[tuple[str, str]]:
    """(name, the window's label) of every registered architecture, in the registry's order."""
    return [(a.name, a.window_label()) for a in ARCHITECTURES.values()]


# what a suggestion decides; every other setting (data, preprocessing, precision, seed, device …) is kept
SUGGESTED_KEYS = ("resolution", "arch", "batch", "kimg", "minutes", "augment", "loss",
                  "z_dim", "width", "lr_g", "lr_d", "beta1", "beta2", "upscaler_minutes",
                  "encoder_minutes")

# What the defaults come from: quality per minute of training, measured with benchmarks/quality_per_minute.py
# (figures and commands in benchmarks/README.md §9). On a 2-core CPU, projected at 64 px shows recognisable shapes
# after 5 minutes where dcgan 64 shows smudges (KID in EfficientNet-Lite1 0.30× dcgan's at 5 minutes and 0.46× at
# 15 on the mean of five seeds run side by side the same day, 0.33-0.55× per seed, on a 146-picture folder; lr 3e-4
# measured better than 2e-4, far better at 5 minutes), starts from a related model well (--init-from halves the
# time to a quality), and projected at 128 px needs ~2× the time per image and is still at blobs after 15 minutes.
CPU_WIDTH = {64: 16, 128: 8}          # G's width at full size: the CPU spends its time in the largest layers
CPU_KIMG = {64: 150.0, 128: 60.0}     # about 25 minutes each on a 2-core laptop CPU (projected)
CPU_IMAGES_PER_S = {64: 100.0, 128: 40.0}   # projected on two threads at the suggested widths (measured)
GPU_KIMG = 500.0
# The upscaler stage: 3 minutes on a 2-core CPU reach most of what 5 reach (benchmarks/README.md §11a); a GPU
# does many more steps in the same time.
UPSCALER_MINUTES = {"cpu": 3.0, "gpu": 2.0}
# The encoder stage: on a 2-core CPU 3 minutes bring the model's own pictures within ~5 % before the search's few
# refining steps (benchmarks/README.md §10).
ENCODER_MINUTES = {"cpu": 3.0, "gpu": 1.0}
STAGE_MINUTES = {"upscaler": UPSCALER_MINUTES, "encoder": ENCODER_MINUTES}


@dataclass(frozen=True)
class UpscalePlan:
    """The factor a folder's pictures support for a run's size and fit (0: none) and the sentence when it is less
    than ×4 (session.upscaling.folder_plan finds it; this module stays free of the engine)."""
    factor: int
    note: str = ""

    @property
    def text(self) -> str:
        """The Dataset page's line: 'Upscaler ×2 — the pictures … are too small for ×4 …'."""
        if not self.factor:
            return self.note[:1].upper() + self.note[1:] + "." if self.note else "No upscaler."
        return f"Upscaler ×{self.factor}" + (f" — {self.note}." if self.note else "")


@dataclass(frozen=True)
class Suggestion:
    """Default settings for a folder on a device, the reasons (sentences the Dataset page shows) and, where
    known, about how many minutes the suggested duration takes."""
    config: TrainConfig
    reasons: tuple[str, ...]
    minutes: float | None = None

    @property
    def why(self) -> str:
        return " ".join(self.reasons)


def _where(device_type: str) -> str:
    return "this CPU" if device_type == "cpu" else ("this GPU" if device_type == "cuda" else "this Mac's GPU")


def _choose_arch(resolution: int | None, arch: str | None, why: list[str]) -> str:
    if arch is not None:
        return arch
    first = next(iter(ARCHITECTURES.values()))
    if resolution is None or first.supports(resolution):
        return first.name
    fits = next((a for a in ARCHITECTURES.values() if a.supports(resolution)), first)
    why.append(f"{fits.label.split(' — ')[0]}: the architecture for {resolution} px "
               f"({first.name} supports {first.resolutions}).")
    return fits.name


def _cpu_minutes(arch: str, res: int, kimg: float) -> tuple[float | None, bool]:
    """About how long `kimg` takes on a 2-core CPU, and whether that was measured (else extrapolated by pixel
    count from projected at 64 px); None where nothing was measured for the architecture."""
    if arch != "projected":
        return None, False
    rate = CPU_IMAGES_PER_S.get(res)
    measured = rate is not None
    rate = rate or CPU_IMAGES_PER_S[64] * (64 / res) ** 2
    return kimg * 1000 / rate / 60, measured


def _duration(gpu: bool, arch: str, res: int, chosen: bool, why: list[str]) -> tuple[int, float, float | None]:
    """(batch, kimg, minutes estimate) and the reasons for them."""
    if gpu:
        if not chosen:
            why.append(f"{res} px: a GPU can afford it.")
        return 32, GPU_KIMG, None
    if not chosen:
        why.append("64 px on this CPU: it learns about twice as many images per minute as 128 px, which is what "
                   "makes pictures worth a look within 15 minutes; choose 128 px if you can leave it an hour.")
    kimg = CPU_KIMG.get(res, 40.0)
    minutes, measured = _cpu_minutes(arch, res, kimg)
    if minutes is None:
        why.append(f"{kimg:g} thousand images on a CPU; stop any time, or train longer later.")
    else:
        about = "about" if measured else "roughly"
        why.append(f"{kimg:g} thousand images: {about} {_minutes_text(minutes)} at {res} px on a 2-core CPU; "
                   "stop any time, or train longer later.")
    return 16, kimg, minutes


def _minutes_text(m: float) -> str:
    if m < 90:
        return f"{max(5, round(m / 5) * 5):g} minutes"
    return f"{m / 60:.0f} hours" if m >= 150 else f"{m / 60:.1f} hours"


def _upscaler_minutes(gpu: bool, upscale: UpscalePlan | None, why: list[str]) -> float:
    """The upscaler stage's minutes: some where the pictures allow ×2 or more, none where unknown or too small."""
    if upscale is None:
        return 0.0
    if not upscale.factor:
        why.append(upscale.text)
        return 0.0
    minutes = UPSCALER_MINUTES["gpu" if gpu else "cpu"]
    why.append(f"Then {minutes:g} minutes to learn a ×{upscale.factor} upscaler from the full-size pictures"
               + (f" ({upscale.note})." if upscale.note else "."))
    return minutes


def suggestion(count: int, device_type: str = "cpu", resolution: int | None = None,
               arch: str | None = None, upscale: UpscalePlan | None = None) -> Suggestion:
    """THE suggestion for a folder of `count` usable images on a `device_type` ('cpu', 'cuda', 'mps') device, at
    `resolution` / with `arch` when those were chosen (else chosen here), and the upscaler its pictures allow
    (`upscale`, None: not known, no upscaler stage). Both faces call it."""
    gpu = not device_type.startswith("cpu")
    why = [f"Suggested for {count:,} image{'s' if count != 1 else ''} on {_where(device_type)}:"]
    arch = _choose_arch(resolution, arch, why)
    entry = get_arch(arch)
    if arch == "projected":
        why.append("Projected GAN: the discriminator looks through a pretrained network, so recognisable "
                   "pictures come after minutes rather than hours.")
    res = resolution or min(max(256 if gpu else 64, entry.min_resolution), entry.max_resolution)
    batch, kimg, minutes = _duration(gpu, arch, res, resolution is not None, why)
    defaults = arch_defaults(arch)
    if arch == "projected":
        defaults["width"] = 32 if gpu else CPU_WIDTH.get(res, 8 if res > 64 else 16)
    small = count < 5000
    if small:
        why.append(f"Augmentation on: with {count:,} images it keeps the discriminator from memorising them."
                   if count else "Augmentation on: it keeps the discriminator from memorising a small folder.")
    up_minutes = _upscaler_minutes(gpu, upscale, why)
    enc_minutes = ENCODER_MINUTES["gpu" if gpu else "cpu"]
    if enc_minutes:
        why.append(f"Then {enc_minutes:g} minutes to learn an encoder, so Find Image and Restore take a second.")
    cfg = TrainConfig(resolution=res, arch=arch, batch=batch, kimg=kimg, minutes=0.0, augment=small,
                      device=device_type, mirror=False, upscaler_minutes=up_minutes, encoder_minutes=enc_minutes,
                      **defaults)
    return Suggestion(cfg, tuple(why), minutes)


def _kept(edited) -> set[str]:
    keep = set(edited)
    if keep & {"kimg", "minutes"}:
        keep |= {"kimg", "minutes"}                 # one duration: images or minutes
    return keep


def suggestion_for(count: int, device_type: str, base: TrainConfig, edited=(),
                   upscale: UpscalePlan | None = None) -> Suggestion:
    """The suggestion for `base`'s size and architecture where those are among `edited` (chosen)."""
    return suggestion(count, device_type, base.resolution if "resolution" in edited else None,
                      base.arch if "arch" in edited else None, upscale)


def suggested(count: int, device_type: str, base: TrainConfig | None = None, edited=(),
              upscale: UpscalePlan | None = None) -> TrainConfig:
    """`base` with the suggestion for `count` usable images on a `device_type` device, except the settings named
    in `edited` (chosen by the artist: flags on the command line, hand edits on the Dataset page), which keep
    `base`'s values. The suggestion follows the chosen size and architecture. Not validated."""
    base = base or TrainConfig()
    s = suggestion_for(count, device_type, base, edited, upscale).config
    keep = _kept(edited)
    return fit_start_model(dataclasses.replace(base, **{k: getattr(s, k) for k in SUGGESTED_KEYS if k not in keep}),
                           keep)


def fit_start_model(cfg: TrainConfig, keep=()) -> TrainConfig:
    """cfg with the latent size and width its start model (init_from) needs, those in `keep` (chosen) aside: the
    model's own, or half its width where the run grows it to twice its size (core/growth.py). cfg itself without
    a start model, or with one that cannot be read or is another architecture (check_start_model says so)."""
    if not cfg.init_from:
        return cfg
    from studio.core.errors import StudioError
    from studio.core.growth import start_settings
    from studio.core.train_state import start_model
    try:
        _, theirs = start_model(cfg.init_from)
    except StudioError:
        return cfg
    if theirs.arch != cfg.arch:
        return cfg
    fit = start_settings(theirs, cfg.resolution)
    return dataclasses.replace(cfg, **{k: v for k, v in fit.items() if k not in keep})


# the Dataset page's fields a suggestion fills in, as config keys
PAGE_FIELDS = ("resolution", "arch", "batch", "kimg", "minutes", "augment", "upscaler_minutes", "encoder_minutes")


@dataclass
class SettingsDraft:
    """A new project's settings while the artist edits them: what the suggestion depends on (the folder's usable
    image count, the device type and the upscaler its pictures allow, from the last scan) and which fields the
    artist set by hand (kept)."""
    count: int | None = None
    device_type: str = ""
    upscale: UpscalePlan | None = None
    edited: set[str] = field(default_factory=set)

    def note_edits(self, old: TrainConfig, new: TrainConfig, keys=PAGE_FIELDS) -> None:
        """The artist changed old into new: the `keys` that differ are theirs from now on (the page's fields;
        every suggested setting for a whole config set at once)."""
        self.edited |= {k for k in keys if getattr(old, k) != getattr(new, k)}

    @property
    def ready(self) -> bool:
        return self.count is not None and bool(self.device_type)

    def apply(self, cfg: TrainConfig) -> TrainConfig:
        """cfg with the suggestion for its folder and device, hand edits kept (cfg itself before a scan)."""
        return suggested(self.count, self.device_type, cfg, self.edited, self.upscale) if self.ready else cfg

    def why(self, cfg: TrainConfig) -> str:
        return suggestion_for(self.count, self.device_type, cfg, self.edited, self.upscale).why if self.ready else ""


def check_start_model(cfg: TrainConfig) -> str:
    """'' when cfg.init_from (if any) fits cfg's architecture and size, else the sentence that says what differs.
    Reads only the model file's header: fast enough for the window to ask on every edit."""
    if not cfg.init_from:
        return ""
    from studio.core.errors import StudioError
    from studio.core.models import ModelSpec
    from studio.core.train_state import init_source
    try:
        init_source(cfg.init_from, ModelSpec.from_config(cfg))
    except StudioError as e:
        return str(e)[:1].upper() + str(e)[1:] + "."
    return ""


@dataclass
class ResumePlan:
    target_kimg: float | None      # train until this many thousand images in total (None: no image target)
    minutes: float | None          # or for this many minutes of this session
    notice: str = ""               # said to the artist when the plan is not the obvious one


def resume_plan(done_kimg: float, cfg: TrainConfig, more_kimg: float | None = None,
                minutes: float | None = None) -> ResumePlan:
    """How far a (re)started run trains. Asked for: `more_kimg` more, or `minutes`. Otherwise the run's own
    duration: up to cfg.kimg — and when the run already reached it, as long again (cfg.kimg more)."""
    if more_kimg:
        return ResumePlan(done_kimg + more_kimg, None)
    if minutes:
        return ResumePlan(None, minutes)
    if cfg.kimg and done_kimg >= cfg.kimg * 0.999:
        return ResumePlan(done_kimg + cfg.kimg, None,
                          f"The run already reached its {cfg.kimg:g} thousand images: training "
                          f"{cfg.kimg:g} thousand more (to {done_kimg + cfg.kimg:.1f}k).")
    return ResumePlan(cfg.kimg or None, cfg.minutes or None)
