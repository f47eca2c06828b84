"""`ganstudio` — the window with no arguments, or a headless command over studio.core.

Each command is a thin layer: parse, call the core, print. Commands that belong to a larger
feature live in studio/commands/<name>.py and expose add_parser(subparsers) and run(args).
"""
from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from pathlib import Path

# Extra command modules under studio/commands/ (each: add_parser(sub) and run(args)).
COMMAND_MODULES: tuple[str, ...] = ("demo_data", "animate", "evaluate", "invert")


class CliError(Exception):
    """One clear sentence for the user; the command exits with status 2."""


def _positive(kind):
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if v <= 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0, not {text}")
        return v
    return parse


def _direction(text):
    from .core.explore import parse_direction
    try:
        return parse_direction(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


# ---------------------------------------------------------------- progress output
def _fmt_time(sec) -> str:
    if sec is None:
        return "--"
    sec = int(sec)
    h, rem = divmod(sec, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"


class ProgressPrinter:
    """Turns trainer events into a one-line progress bar (a line per update when not a terminal)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr             # looked up per call: stderr may be replaced
        self.tty = self.stream.isatty()
        self.last_len = 0

    def __call__(self, ev) -> None:
        k = ev.kind
        if k == "step":
            frac = ev.progress
            bar = ""
            if frac is not None:
                filled = int(frac * 24)
                bar = "[" + "#" * filled + "." * (24 - filled) + f"] {frac * 100:5.1f}% "
            line = (f"{bar}{ev.kimg:8.2f} kimg  step {ev.step}  {ev.images_per_sec:7.1f} img/s  "
                    f"ETA {_fmt_time(ev.eta_sec)}  G {ev.loss_g:.3f}  D {ev.loss_d:.3f}  "
                    f"D(x) {ev.d_real:.2f}  D(G(z)) {ev.d_fake:.2f}")
            self._line(line)
        elif k == "quality":
            m = ev.metrics
            self._print(f"quality at {ev.kimg:.2f} kimg: KID ({m.get('feature_space', '?')}) {m['kid']:.4f} ± "
                        f"{m['kid_std']:.4f}"
                        f"  precision {m['precision']:.2f}  recall {m['recall']:.2f}  coverage {m['coverage']:.2f}"
                        + ("  (best so far)" if ev.best else ""))
        elif k == "checkpoint":
            self._print(f"checkpoint saved: {ev.path}")
        elif k == "notice":
            self._print(("warning: " if ev.level != "info" else "") + ev.message)
        elif k == "failed":
            self._print(f"error: {ev.reason}")
        elif k == "finished":
            self._print(f"{'stopped' if ev.reason == 'stopped' else 'finished'} at step {ev.step} ({ev.kimg:.2f} kimg)")

    def _line(self, text: str) -> None:
        if self.tty:
            pad = max(0, self.last_len - len(text))
            self.stream.write("\r" + text + " " * pad)
            self.last_len = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def _print(self, text: str) -> None:
        if self.tty and self.last_len:
            self.stream.write("\n")
            self.last_len = 0
        self.stream.write(text + "\n")
        self.stream.flush()


def scan_progress(stream=None):
    stream = stream or sys.stderr
    tty = stream.isatty()

    def cb(done, total, name):
        if tty:
            stream.write(f"\rscanning images {done}/{total}")
            if done >= total:
                stream.write("\n")
            stream.flush()
    return cb


def _run_trainer(trainer, kimg=None, minutes=None, quality: bool = True) -> int:
    """Run with Ctrl-C / SIGTERM mapped to a clean stop (which saves a checkpoint)."""
    if quality:
        from .core.metrics import QualityMonitor
        trainer.evaluator = QualityMonitor()
    def on_signal(signum, frame):
        if trainer.stop_event.is_set():
            raise KeyboardInterrupt
        sys.stderr.write("\nstopping: saving a checkpoint (press Ctrl-C again to abort)\n")
        trainer.stop()
    trainer.run_folder.acquire_lock()
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        reason = trainer.run(kimg=kimg, minutes=minutes)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        trainer.run_folder.release_lock()
    return 1 if reason == "failed" else 0


# ---------------------------------------------------------------- commands
def cmd_train(args) -> int:
    from .core.config import TrainConfig, suggest
    from .core.dataset import show_path
    from .core.device import describe, pick_device, precision_text, resolve_precision
    from .core.trainer import Trainer

    data = Path(args.data_dir)
    if not data.is_dir():
        raise CliError(f"the image folder {data} does not exist or is not a folder")
    device = pick_device(args.device)
    cfg = suggest(0, device.type, args.resolution) if args.arch is None else TrainConfig()
    if args.arch:
        cfg.arch = args.arch
        cfg.loss = ""
        cfg.z_dim = 256 if args.arch == "fastgan" else 100
    if args.resolution:
        cfg.resolution = args.resolution
    for name in ("batch", "seed", "width", "r1_gamma"):
        if getattr(args, name) is not None:
            setattr(cfg, name, getattr(args, name))
    cfg.data_dir = str(data.resolve())
    cfg.device = args.device
    cfg.channels = args.channels
    cfg.fit = args.fit
    cfg.background = args.background
    cfg.mirror = args.mirror
    cfg.precision = args.precision
    cfg.compile = args.compile
    if args.augment is not None:
        cfg.augment = args.augment
    cfg.kimg, cfg.minutes = (args.kimg or 0.0), (args.minutes or 0.0)
    if args.kimg is None and args.minutes is None and cfg.kimg == 0:
        cfg.kimg = 20.0
    cfg.validate()
    precision = precision_text(resolve_precision(cfg.precision, device), cfg.precision)
    print(f"GAN Studio: training {cfg.arch} at {cfg.resolution} px ({cfg.channels.upper()}), batch {cfg.batch}, "
          f"on {describe(device)}, {precision}{', compiled' if cfg.compile else ''}")
    trainer = Trainer.create(args.out, cfg, on_event=ProgressPrinter(), progress=scan_progress(), device=device)
    for line in trainer.dataset.report.lines(limit=args.show_skipped):
        print(line)
    print(f"run folder: {show_path(Path(args.out).resolve())}")
    return _run_trainer(trainer, quality=args.quality)


def cmd_resume(args) -> int:
    from .core.device import describe, precision_text
    from .core.trainer import Trainer

    printer = ProgressPrinter()
    overrides = {k: getattr(args, k) for k in ("device", "precision", "compile") if getattr(args, k) is not None}
    trainer = Trainer.open(args.run_dir, on_event=printer, progress=scan_progress(), config_overrides=overrides)
    if trainer.step == 0 and not trainer.run_folder.checkpoints_dir.exists():
        raise CliError(f"{args.run_dir} has no checkpoint to resume from")
    print(f"resuming {args.run_dir} at step {trainer.step} ({trainer.kimg:.2f} kimg) on {describe(trainer.device)}, "
          f"{precision_text(trainer.precision, trainer.cfg.precision)}")
    kimg = trainer.kimg + args.kimg if args.kimg else None
    minutes = args.minutes
    if kimg is None and minutes is None and trainer.cfg.kimg and trainer.kimg >= trainer.cfg.kimg:
        raise CliError(f"the run already reached its {trainer.cfg.kimg:g} kimg: pass --kimg K to train "
                       "K thousand images more, or --minutes M")
    return _run_trainer(trainer, kimg=kimg, minutes=minutes, quality=args.quality)


def cmd_generate(args) -> int:
    import torch

    from .core.checkpoint import load_generator
    from .core.explore import LatentState, batch_latents, state_to_meta
    from .core.pngmeta import save_png

    source = args.model
    if source == "demo" and not Path(source).exists():
        from .core.demo_data import demo_model_path
        source = demo_model_path()
        if source is None:
            raise CliError("the bundled demo model is missing from this installation (see ganstudio --version)")
    model = load_generator(source, "cuda" if torch.cuda.is_available() and args.device != "cpu" else "cpu")
    seeds = list(range(args.seed, args.seed + args.count))
    look, dirs, names = LatentState(psi=args.truncation), None, None
    for k, v in args.direction or []:
        look = look.with_direction(k, v)
    if args.direction:
        from .core.directions import directions_for
        print("finding the model's directions (once per model; cached in its project)", file=sys.stderr)
        d = directions_for(model)
        if max(k for k, _ in args.direction) >= len(d):
            raise CliError(f"this model has {len(d)} directions; use K from 1 to {len(d)}")
        dirs, names = d.vectors, d.names
    states = [look.replace(seed=s) for s in seeds]
    z = batch_latents(states, model.z_dim, dirs)
    images = model.render(z)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for s, st, zi, img in zip(seeds, states, z, images):
        save_png(out / f"seed{s:06d}.png", img, state_to_meta(st, model, zi, names))
    print(f"wrote {len(seeds)} image{'s' if len(seeds) != 1 else ''} to {out}")
    return 0


class _VersionAction(argparse.Action):
    """--version: GAN Studio's version, the torch build and the resources' location (torch is imported only here)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from .core.about import version_text
        print(version_text())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ganstudio", description="GAN Studio: train, explore and animate GANs on "
                                "your own images. With no command, opens the studio window.")
    p.add_argument("--version", action=_VersionAction,
                   help="show the version, the torch build (CPU/CUDA) and where the resources come from")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    t = sub.add_parser("train", help="train a GAN on a folder of images",
                       description="Scan DATA_DIR (recursively), cache it in the run folder and train.")
    t.add_argument("data_dir", metavar="DATA_DIR")
    t.add_argument("--out", required=True, metavar="RUN_DIR", help="run folder to create")
    t.add_argument("--arch", choices=["dcgan", "fastgan"], help="architecture (default: chosen for the device)")
    t.add_argument("--resolution", type=int, metavar="N", help="square size in px, a power of two 32-1024")
    t.add_argument("--batch", type=_positive(int), metavar="N")
    dur = t.add_mutually_exclusive_group()
    dur.add_argument("--minutes", type=_positive(float), metavar="M", help="train for M minutes")
    dur.add_argument("--kimg", type=_positive(float), metavar="K", help="train on K thousand images (default 20)")
    t.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    t.add_argument("--seed", type=int)
    t.add_argument("--augment", dest="augment", action="store_true", default=None,
                   help="differentiable augmentation (default: on)")
    t.add_argument("--no-augment", dest="augment", action="store_false")
    t.add_argument("--channels", choices=["rgb", "rgba"], default="rgb",
                   help="rgba keeps transparency; rgb composites it on --background")
    t.add_argument("--fit", choices=["crop", "pad", "stretch"], default="crop")
    t.add_argument("--background", default="#ffffff", help="colour for transparency and padding")
    t.add_argument("--mirror", action="store_true", help="random horizontal flips of the images")
    t.add_argument("--width", type=_positive(int), help="base channel width (default 64)")
    t.add_argument("--r1-gamma", dest="r1_gamma", type=float, help="R1 penalty weight (default 0: off)")
    t.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                   help="auto (default): bf16 mixed precision where the hardware does bf16 natively (CUDA GPUs "
                        "from Ampere on, CPUs with AVX512-BF16 or AMX: about 1.7-2x faster, slightly different "
                        "numbers), fp32 elsewhere; bf16: always; fp32: full precision everywhere")
    t.add_argument("--compile", action="store_true",
                   help="compile G and D with torch.compile (compiles for a while at the start; same maths to "
                        "rounding; falls back to eager with a notice where it cannot compile)")
    t.add_argument("--show-skipped", type=int, default=20, metavar="N", help="list at most N skipped files")
    t.add_argument("--no-quality", dest="quality", action="store_false",
                   help="skip the periodic quality measurement (KID etc., about 5%% of training time)")
    t.set_defaults(func=cmd_train)

    r = sub.add_parser("resume", help="continue a run from its newest checkpoint")
    r.add_argument("run_dir", metavar="RUN_DIR")
    dur = r.add_mutually_exclusive_group()
    dur.add_argument("--minutes", type=_positive(float), metavar="M", help="train M more minutes")
    dur.add_argument("--kimg", type=_positive(float), metavar="K", help="train on K thousand more images")
    r.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], help="device for this session only")
    r.add_argument("--precision", choices=["auto", "bf16", "fp32"], help="change the run's precision from now on")
    r.add_argument("--compile", action=argparse.BooleanOptionalAction, default=None,
                   help="turn torch.compile on or off from now on")
    r.add_argument("--no-quality", dest="quality", action="store_false",
                   help="skip the periodic quality measurement (KID etc., about 5%% of training time)")
    r.set_defaults(func=cmd_resume)

    g = sub.add_parser("generate", help="write PNG images from a trained model")
    g.add_argument("model", metavar="RUN_DIR_OR_CHECKPOINT",
                   help="a project folder, a .safetensors model, or demo for the bundled demo model")
    g.add_argument("--count", type=_positive(int), default=16)
    g.add_argument("--seed", type=int, default=0, help="first seed; image i uses seed S+i")
    g.add_argument("--out", required=True, metavar="DIR")
    g.add_argument("--truncation", type=float, default=1.0, metavar="PSI", help="1 = none, 0 = the mean image")
    g.add_argument("--direction", action="append", type=_direction, metavar="K=VALUE",
                   help="move along principal direction K (1-64, as in the explorer) by VALUE σ; repeatable")
    g.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    g.set_defaults(func=cmd_generate)

    for name in COMMAND_MODULES:
        importlib.import_module(f"studio.commands.{name}").add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        from .gui.app import main as gui_main
        return gui_main()
    args = build_parser().parse_args(argv)
    if not getattr(args, "func", None):
        build_parser().print_help()
        return 0
    if os.environ.get("GANSTUDIO_DEBUG"):
        return args.func(args) or 0
    from .core.checkpoint import CheckpointError
    from .core.config import ConfigError
    from .core.dataset import Cancelled, DatasetError
    from .core.device import DeviceError
    from .core.run import ProjectLocked
    try:
        return args.func(args) or 0
    except (CliError, CheckpointError, ConfigError, DatasetError, DeviceError, ProjectLocked,
            FileNotFoundError, FileExistsError, NotADirectoryError, PermissionError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Cancelled:
        print("cancelled", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("\naborted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    # Re-import as studio.cli so feature commands and this entry share one CliError class.
    from studio.cli import main as _main
    sys.exit(_main())
