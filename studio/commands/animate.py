"""`ganstudio animate` (latent walks and loops) and `ganstudio timelapse` (a run's growth)."""
from __future__ import annotations

import sys
import threading
from pathlib import Path

from .common import DEVICE_CHOICES, CliError, add_upscale_arg, upscaler_of


def _progress(label: str, stream=None):
    stream = stream or sys.stderr                  # looked up per call: stderr may be replaced
    tty = stream.isatty()
    state = {"last": -1}

    def cb(done: int, total: int) -> None:
        pct = int(100 * done / max(1, total))
        if tty:
            bar = "#" * (pct * 24 // 100)
            stream.write(f"\r{label} [{bar:<24}] {done}/{total} frames")
            if done >= total:
                stream.write("\n")
        elif pct // 10 != state["last"] // 10 or done >= total:
            stream.write(f"{label}: {done}/{total} frames\n")
        state["last"] = pct
        stream.flush()
    return cb


def _grid(text: str) -> tuple[int, int]:
    import argparse
    try:
        rows, cols = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a grid: write ROWSxCOLS, e.g. 2x3") from None
    if not (1 <= rows <= 16 and 1 <= cols <= 16):
        raise argparse.ArgumentTypeError("a grid has 1 to 16 rows and columns")
    return rows, cols


def _seeds(text: str) -> list[int]:
    import argparse
    try:
        seeds = [int(s) for s in text.replace(" ", "").split(",") if s]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a list of seeds like 1,2,3") from None
    if not seeds:
        raise argparse.ArgumentTypeError("give at least one seed")
    return seeds


def add_parser(sub) -> None:
    a = sub.add_parser("animate", help="render a latent walk or seamless loop to GIF, WebP, MP4 or PNGs",
                       description="Animate a trained model: a path through seeds or saved keyframes, or a "
                       "random walk that loops. --out picks the format: .gif .webp .mp4, or a folder for PNGs.")
    a.add_argument("model", metavar="RUN_DIR_OR_CHECKPOINT")
    src = a.add_mutually_exclusive_group(required=True)
    src.add_argument("--seeds", type=_seeds, help="seeds to travel through, e.g. 1,2,3")
    src.add_argument("--keyframes", nargs="?", const="", metavar="FILE.json",
                     help="the keyframes the explorer keeps with this model (no FILE), or a keyframes file")
    src.add_argument("--walk", action="store_true", help="a smooth random walk that loops")
    a.add_argument("--fps", type=int, default=24, help="frames per second, 8-60 (default 24)")
    a.add_argument("--seconds", type=float, default=8.0, help="length of the animation (default 8)")
    a.add_argument("--loop", action="store_true", help="close the path back to the start (walks always loop)")
    a.add_argument("--hold", type=float, default=0.0, metavar="SEC", help="still time at each keyframe")
    a.add_argument("--interp", choices=["slerp", "linear"], default="slerp")
    a.add_argument("--easing", choices=["linear", "ease-in-out", "cubic"], default="ease-in-out",
                   help="easing of every segment (keyframes that set their own easing in the explorer keep it)")
    a.add_argument("--truncation", type=float, default=1.0, metavar="PSI")
    a.add_argument("--size", type=int, metavar="N", help="size of each image in px (default: the model's)")
    a.add_argument("--grid", type=_grid, default=(1, 1), metavar="ROWSxCOLS", help="several walks in one video")
    a.add_argument("--seed", type=int, default=0, help="random seed of --walk")
    a.add_argument("--crf", type=int, default=18, help="MP4 quality: 0 best … 51 worst (default 18)")
    a.add_argument("--dither", action="store_true", help="GIF: Floyd–Steinberg dithering (less banding, more grain)")
    a.add_argument("--device", default="auto", choices=DEVICE_CHOICES)
    a.add_argument("--out", required=True, metavar="FILE")
    add_upscale_arg(a)
    a.set_defaults(func=run)

    t = sub.add_parser("timelapse", help="export a run's saved sample grids as a GIF/MP4 of its training")
    t.add_argument("run_dir", metavar="RUN_DIR")
    t.add_argument("--fps", type=int, default=10, help="frames per second, 8-60 (default 10)")
    t.add_argument("--hold", type=int, default=1, metavar="N", help="frames per sample grid (default 1)")
    t.add_argument("--size", type=int, metavar="N", help="output width in px (default: the grids')")
    t.add_argument("--no-caption", dest="caption", action="store_false", help="no step/kimg caption")
    t.add_argument("--crf", type=int, default=18)
    t.add_argument("--out", required=True, metavar="FILE")
    t.set_defaults(func=run_timelapse)


def _write(out: Path, frames, fps: int, crf: int, dither: bool = False) -> None:
    from studio.core.video import VideoError, write_animation
    try:
        write_animation(out, frames, fps, crf=crf, dither=dither, progress=_progress("writing"),
                        cancel=threading.Event())
    except VideoError as e:
        raise CliError(str(e)) from None


def _keyframes(file: str, model) -> list:
    """The keyframes in `file`, or (no file) the ones the explorer keeps with this model."""
    from studio.core.keyframes import KeyframeError, load_keyframes
    from studio.session.explorer_doc import KEYFRAMES_FILE
    from studio.session.model_home import model_home

    path = Path(file) if file else model_home(model.path, model.identity) / KEYFRAMES_FILE
    if not file and not path.is_file():
        raise CliError(f"{model.path.name} has no keyframes yet: press K in Explore to add some, or give a "
                       "keyframes file (--keyframes FILE.json).")
    try:
        kfs, _ = load_keyframes(path, model.z_dim)
    except KeyframeError as e:
        raise CliError(str(e)) from None
    if len(kfs) < 2:
        raise CliError(f"{path} holds {len(kfs)} keyframe{'s' if len(kfs) != 1 else ''}: an animation needs "
                       "at least two.")
    return kfs


def run(args) -> int:
    import torch

    from studio.core import animation as an
    from studio.core.keyframes import segment_easings
    from studio.core.video import VideoError, format_of
    from studio.session.devices import load_model
    from studio.session.explorer_kinds import latent_kinds

    try:
        format_of(Path(args.out))
    except VideoError as e:
        raise CliError(str(e)) from None
    if args.seconds <= 0 or args.seconds > 600:
        raise CliError("--seconds must be more than 0 and at most 600")
    model = load_model(args.model, args.device)
    up = upscaler_of(model, args.upscale)
    rows, cols = args.grid
    cells = rows * cols
    try:
        an.check_fps(args.fps)
        if args.walk:
            anim = an.PeriodicWalk(model.z_dim, args.fps, round(args.fps * args.seconds), cells, args.seed)
        else:
            if args.keyframes is not None:
                kfs = _keyframes(args.keyframes, model)
                z = an.keyframes_path(torch.stack([k.z for k in kfs]), cells)
                easing = segment_easings(kfs, args.easing, args.loop)     # keyframes may set their own
                c = latent_kinds(model, kfs)                               # and their kinds (Explore's Kind)
                kinds = an.keyframes_path(c, cells) if c is not None else None
            else:
                z = an.seeds_path(args.seeds, model.z_dim, cells)
                easing, kinds = args.easing, None
            anim = an.KeyframePath.fit(z, args.fps, args.seconds, loop=args.loop, hold_seconds=args.hold,
                                       interp=args.interp, easing=easing, kinds=kinds)
        psi = 1.0 if args.keyframes is not None else args.truncation     # keyframes already hold their ψ
        frames = an.FrameSource(model, anim, psi=psi, size=args.size, grid=(rows, cols),
                                upscale=(lambda imgs: up.upscale(imgs, args.upscale)) if up is not None else None)
    except an.AnimationError as e:
        raise CliError(str(e)) from None
    out = Path(args.out)
    print(f"animating {model.path.name}: {len(frames)} frames at {anim.fps} fps ({anim.seconds:.2f} s)"
          f"{' loop' if anim.loop else ''} → {out}")
    _write(out, frames, anim.fps, args.crf, args.dither)
    print(f"wrote {out}")
    return 0


def run_timelapse(args) -> int:
    from studio.core.timelapse import TimelapseError, TimelapseFrames

    try:
        frames = TimelapseFrames(Path(args.run_dir), size=args.size, caption=args.caption, hold=args.hold)
    except TimelapseError as e:
        raise CliError(str(e)) from None
    out = Path(args.out)
    print(f"time-lapse of {len(frames.files)} sample grids → {out}")
    _write(out, frames, args.fps, args.crf)
    print(f"wrote {out}")
    return 0
