"""`ganstudio train DATA_DIR --out RUN_DIR` and `ganstudio resume RUN_DIR`: adapters over TrainingSession.

The settings come from the same rules as the window's Dataset page (studio.session.settings): the suggestion
for the folder's usable image count on the run's device, an architecture's own settings, then every flag.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..core.config import CLASS_MODES
from ..core.models.registry import ARCHITECTURES, arch_names
from ..session.settings import CPU_KIMG, ENCODER_MINUTES, UPSCALER_MINUTES
from .common import (DEVICE_CHOICES, CliError, ProgressPrinter, add_launch_args, launch, launching, positive,
                     replica_printer, scan_progress, stop_on_signals)

QUALITY_HELP = "skip the periodic quality measurement (KID etc., about 5%% of training time)"


def add_parser(sub) -> None:
    t = sub.add_parser("train", help="train a GAN on a folder of images",
                       description="Scan DATA_DIR (recursively), cache it in the run folder and train.")
    t.add_argument("data_dir", metavar="DATA_DIR")
    t.add_argument("--out", required=True, metavar="RUN_DIR", help="run folder to create")
    t.add_argument("--arch", choices=arch_names(),
                   help="architecture (default: chosen for the folder and the device)")
    t.add_argument("--resolution", type=int, metavar="N", help="square size in px, a power of two 32-1024")
    t.add_argument("--batch", type=positive(int), metavar="N")
    dur = t.add_mutually_exclusive_group()
    dur.add_argument("--minutes", type=positive(float), metavar="M", help="train for M minutes")
    dur.add_argument("--kimg", type=positive(float), metavar="K",
                     help="train on K thousand images (default: the suggestion for the folder and device, "
                          f"{CPU_KIMG[64]:g} at 64 px on a CPU: about 25 minutes on two cores)")
    t.add_argument("--upscaler-minutes", dest="upscaler_minutes", type=not_negative, metavar="M",
                   help="then learn the run's ×2/×4 upscaler from the full-size pictures for M minutes (0: none; "
                        f"default: {UPSCALER_MINUTES['cpu']:g} on a CPU where the pictures allow ×2 or more)")
    t.add_argument("--encoder-minutes", dest="encoder_minutes", type=not_negative, metavar="M",
                   help="then learn the run's encoder (finds pictures in the model in a second) for M minutes "
                        f"(0: none; default: {ENCODER_MINUTES['cpu']:g} on a CPU)")
    t.add_argument("--device", default="auto", choices=DEVICE_CHOICES)
    t.add_argument("--seed", type=int)
    t.add_argument("--augment", dest="augment", action="store_true", default=None,
                   help="differentiable augmentation (default: on for fewer than 5,000 images)")
    t.add_argument("--no-augment", dest="augment", action="store_false")
    t.add_argument("--channels", choices=["rgb", "rgba"], default="rgb",
                   help="rgba keeps transparency; rgb composites it on --background")
    t.add_argument("--fit", choices=["crop", "pad", "stretch"], default="crop")
    t.add_argument("--background", default="#ffffff", help="colour for transparency and padding")
    t.add_argument("--mirror", action="store_true", help="random horizontal flips of the images")
    t.add_argument("--width", type=positive(int), help="base channel width (default: the architecture's)")
    t.add_argument("--classes", choices=CLASS_MODES,
                   help="kinds of picture the model learns to tell apart (projected only): subfolders — one kind "
                        "per subfolder; found — kinds found in the pictures; none; auto (default) — subfolders "
                        "where the folder has them")
    t.add_argument("--kinds", type=int, default=0, metavar="N",
                   help="find N kinds in the pictures (--classes found, which --kinds implies; default 0: as many "
                        "as suit the folder's size)")
    t.add_argument("--class-rule", dest="class_rules", action="append", type=class_rule, metavar="SUBFOLDER=NAME",
                   help="the subfolder's pictures are the kind NAME (two subfolders given one name merge); "
                        "SUBFOLDER= leaves it out; repeatable (the Dataset page's Kinds section does the same)")
    t.add_argument("--init-from", dest="init_from", metavar="MODEL_OR_RUN",
                   help="start from this model's weights (a run folder, a checkpoint, an exported model, or demo): "
                        "G, and D when the file has one; the same architecture and settings, or a model of half "
                        "this size to grow (projected, at half its width): G keeps its blocks and gains one")
    t.add_argument("--fade-kimg", dest="fade_kimg", type=positive(float), metavar="K",
                   help="growing a model (--init-from at half the size): its new block fades in over K thousand "
                        "images (default 20)")
    t.add_argument("--lr", type=positive(float), metavar="RATE",
                   help="Adam learning rate of G and D (default: the architecture's: " +
                        ", ".join(f"{a.name} {a.lr_g:g}" for a in ARCHITECTURES.values()) + ")")
    t.add_argument("--r1-gamma", dest="r1_gamma", type=float, help="R1 penalty weight (default 0: off)")
    t.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                   help="auto (default): bf16 mixed precision where the hardware does bf16 natively (CUDA GPUs "
                        "from Ampere on, CPUs with AVX512-BF16 or AMX: about 1.7-2x faster, slightly different "
                        "numbers), fp32 elsewhere; bf16: always; fp32: full precision everywhere")
    t.add_argument("--compile", action="store_true",
                   help="compile G and D with torch.compile (compiles for a while at the start; same maths to "
                        "rounding; falls back to eager with a notice where it cannot compile)")
    t.add_argument("--show-skipped", type=int, default=20, metavar="N", help="list at most N skipped files")
    t.add_argument("--no-quality", dest="quality", action="store_false", help=QUALITY_HELP)
    t.add_argument("--inception", metavar="FILE", help="a local Inception TorchScript file "
                   "(inception-2015-12-05.pt): adds true FID to the quality measurements")
    add_launch_args(t)
    t.set_defaults(func=run_train)
    _add_resume_parser(sub)


def _add_resume_parser(sub) -> None:
    r = sub.add_parser("resume", help="continue a run from its newest checkpoint",
                       description="Continue a run from its newest good checkpoint: for --kimg or --minutes more, "
                       "else up to the run's own duration; a run that reached it trains as long again. A run whose upscaler stage "
                       "was stopped continues that stage (without --kimg or --minutes).")
    r.add_argument("run_dir", metavar="RUN_DIR")
    dur = r.add_mutually_exclusive_group()
    dur.add_argument("--minutes", type=positive(float), metavar="M", help="train M more minutes")
    dur.add_argument("--kimg", type=positive(float), metavar="K", help="train on K thousand more images")
    r.add_argument("--device", choices=DEVICE_CHOICES, help="device for this session only")
    r.add_argument("--precision", choices=["auto", "bf16", "fp32"], help="change the run's precision from now on")
    r.add_argument("--compile", action=argparse.BooleanOptionalAction, default=None,
                   help="turn torch.compile on or off from now on")
    r.add_argument("--no-quality", dest="quality", action="store_false", help=QUALITY_HELP)
    r.add_argument("--inception", metavar="FILE", help="a local Inception TorchScript file: adds true FID")
    add_launch_args(r)
    r.set_defaults(func=run_resume)


def base_config(args):
    """What the flags say about the data and the run, before the suggestion fills in the rest."""
    from studio.core.config import TrainConfig
    from studio.session.devices import model_source
    init = str(model_source(args.init_from).resolve()) if getattr(args, "init_from", None) else ""
    cfg = TrainConfig(data_dir=str(Path(args.data_dir).resolve()), device=args.device, channels=args.channels,
                      fit=args.fit, background=args.background, mirror=args.mirror, precision=args.precision,
                      compile=args.compile, init_from=init, kinds=args.kinds,
                      classes=args.classes or ("found" if args.kinds else "auto"),
                      class_rules=dict(args.class_rules or ()))
    if getattr(args, "fade_kimg", None) is not None:
        cfg.fade_kimg = args.fade_kimg
    return cfg


# flags that set a suggested setting: given, they are kept as the artist's choice (settings.suggested)
_CHOSEN = {"resolution": ("resolution",), "arch": ("arch",), "batch": ("batch",), "width": ("width",),
           "lr": ("lr_g", "lr_d"), "augment": ("augment",), "kimg": ("kimg", "minutes"),
           "minutes": ("kimg", "minutes"), "upscaler_minutes": ("upscaler_minutes",),
           "encoder_minutes": ("encoder_minutes",)}


def class_rule(text):
    folder, sep, name = str(text).partition("=")
    if not sep or not folder.strip():
        raise argparse.ArgumentTypeError(f"'{text}' is not SUBFOLDER=NAME (or SUBFOLDER= to leave it out)")
    return folder.strip(), name.strip()


def not_negative(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not v >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return v


def config_from_args(args, count: int, device_type: str, upscale=None):
    """The run's settings: the suggestion for `count` usable images on a `device_type` device for the chosen size
    and architecture and the upscaler the pictures allow (`upscale`: settings.UpscalePlan, None before a scan) —
    settings.suggested, the same function as the window's — keeping every flag given."""
    from studio.session.settings import suggested
    base = base_config(args)
    edited = {key for flag, keys in _CHOSEN.items() if getattr(args, flag) is not None for key in keys}
    for name in ("resolution", "arch", "batch", "seed", "width", "r1_gamma", "augment", "upscaler_minutes",
                 "encoder_minutes"):
        if getattr(args, name) is not None:
            setattr(base, name, getattr(args, name))
    if args.lr is not None:
        base.lr_g = base.lr_d = args.lr                       # one rate for both, as the defaults have it
    if args.kimg is not None or args.minutes is not None:
        base.kimg, base.minutes = (args.kimg or 0.0), (args.minutes or 0.0)
    return suggested(count, device_type, base, edited, upscale).validate()


def _prefs(args):
    from studio.session.preferences import Preferences
    return Preferences(feature_weights=args.inception or "") if args.inception else None


def _train(session, printer, **run_kw) -> int:
    from studio.session.launched import relay
    session.subscribe(printer)
    with stop_on_signals(session.stop, lambda: session.stopping), relay(session):   # relay: started by the window
        reason = session.run(**run_kw)
    if reason == "failed":
        return 1 if session.started is not None else 2        # failed while training / could not start
    return 130 if reason == "cancelled" else 0


def _replica(world, device, args) -> int:
    """A training process of rank > 0 (torchrun): trains its share, prints only its failures."""
    from studio.session.training import Replica
    replica = Replica(world, device, _prefs(args), replica_printer(world.rank))
    with stop_on_signals(replica.stop, lambda: replica.stopping, message=""):     # rank 0 says it
        return 1 if replica.run() == "failed" else 0


def _processes(args) -> int:
    return args.nproc * args.nnodes


def run_train(args) -> int:
    from studio.session.project import Project
    from studio.session.training import joined

    data = Path(args.data_dir)
    if not data.is_dir():
        raise CliError(f"the image folder {data} does not exist or is not a folder")
    if launching(args):                                  # the same checks as below, before any process starts
        if Project(args.out).trained:
            raise CliError(f"{args.out} already holds a training run: use resume, or choose a new folder")
        if args.batch is not None:
            from studio.core.distributed import World
            World(0, _processes(args)).check_batch(args.batch)
        return launch(args, f"ganstudio resume {args.out} --nproc {args.nproc}")
    with joined(args.device) as (world, device):
        if not world.main:
            return _replica(world, device, args)
        return _train_main(args, world, device)


def _train_main(args, world, world_device) -> int:
    from studio.core.dataset import show_path
    from studio.core.device import describe, precision_text, resolve_precision
    from studio.session.devices import device_type, resolve_device
    from studio.session.jobs import Job
    from studio.session.events import TrainingStarted
    from studio.session.project import Project
    from studio.session.training import TrainingSession, processes_text

    device = world_device or resolve_device(args.device)   # a device that is not there: one sentence, at once
    kind = device_type(args.device)                      # the suggestion's device, as the window decides it
    if Project(args.out).trained:
        raise CliError(f"{args.out} already holds a training run: use resume, or choose a new folder")
    first = config_from_args(args, 0, kind)
    if first.init_from:                                  # a model that does not fit: one sentence, nothing written
        from studio.core.models import ModelSpec
        from studio.core.train_state import init_source
        init_source(first.init_from, ModelSpec.from_config(first))
    project = Project.create(args.out, first)
    job = Job()
    job.on_progress(scan_progress())
    with stop_on_signals(job.cancel, lambda: job.cancelled, "cancelling the scan"):
        with project.locked_while():
            dataset = project.scan(config_from_args(args, 0, kind), job)
    from studio.session.upscaling import folder_plan
    upscale = folder_plan(config_from_args(args, len(dataset), kind), dataset.report.usable)
    cfg = config_from_args(args, len(dataset), kind, upscale)
    world.check_batch(cfg.batch)                         # several processes: the batch is shared out evenly
    for line in dataset.report.lines(limit=args.show_skipped):
        print(line)
    precision = precision_text(resolve_precision(cfg.precision, device), cfg.precision)
    print(f"GAN Studio: training {cfg.arch} at {cfg.resolution} px ({cfg.channels.upper()}), batch {cfg.batch}, "
          f"on {processes_text(world.size)}{describe(device)}, {precision}{', compiled' if cfg.compile else ''}")
    if cfg.upscaler_minutes:
        print(f"then the upscaler: ×{upscale.factor} for {cfg.upscaler_minutes:g} min" +
              (f" ({upscale.note})" if upscale.note else "") if upscale.factor else f"warning: {upscale.text}")
    if cfg.encoder_minutes:
        print(f"then the encoder: {cfg.encoder_minutes:g} min")
    print(f"run folder: {show_path(project.path.resolve())}", flush=True)
    session = TrainingSession(project, _prefs(args), device=args.device, quality=args.quality, world=world,
                              world_device=world_device)
    session.subscribe(lambda ev: _print_kinds(project), TrainingStarted)      # decided as the run begins
    return _train(session, ProgressPrinter(), cfg=cfg)


def _print_kinds(project) -> None:
    from studio.session.kinds import run_kinds_lines
    for line in run_kinds_lines(project):
        print(line, flush=True)


def run_resume(args) -> int:
    from studio.session.project import Project
    from studio.session.training import joined

    if launching(args):                                  # the same check as below, before any process starts
        if not Project.open(args.run_dir).trained:
            raise CliError(f"{args.run_dir} has no checkpoint to resume from")
        return launch(args, f"ganstudio resume {args.run_dir} --nproc {args.nproc}")
    with joined(args.device) as (world, device):
        if not world.main:
            return _replica(world, device, args)
        return _resume_main(args, world, device)


def _resume_main(args, world, world_device) -> int:
    from studio.session.events import TrainingStarted
    from studio.session.project import Project
    from studio.session.training import TrainingSession

    from studio.session.launched import linked
    project = Project.open(args.run_dir)
    if not project.trained and not linked():             # the window starts new runs on all GPUs this way
        raise CliError(f"{args.run_dir} has no checkpoint to resume from")
    overrides = {k: getattr(args, k) for k in ("precision", "compile") if getattr(args, k) is not None}
    session = TrainingSession(project, _prefs(args), device=args.device, quality=args.quality,
                              config_overrides=overrides, world=world, world_device=world_device)
    session.subscribe(lambda ev: print(f"resuming {args.run_dir} at step {ev.step} ({ev.kimg:.2f} kimg) on "
                                       f"{ev.device}", flush=True), TrainingStarted)
    return _train(session, ProgressPrinter(), kimg=args.kimg, minutes=args.minutes)
