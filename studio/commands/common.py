"""What every command shares: the usage error, argument types, progress printing and Ctrl-C.

Commands are thin adapters over studio.session and studio.core: parse, call, print.
"""
from __future__ import annotations

import argparse
import signal
import sys
from contextlib import contextmanager

from studio.core.errors import StudioError
from studio.core.events import CheckpointSaved, Failed, Finished, Notice, Quality, StepMetrics
from studio.session.events import StageFinished, StageProgress, StageStarted, TrainingStarted

DEVICE_CHOICES = ["auto", "cpu", "cuda", "mps"]
LAUNCH_HELP = ("train in N processes on this machine (one per GPU, or sharing the CPU cores) through torchrun's "
               "launcher; the batch is shared out, so it must be divisible by the number of processes")


class CliError(StudioError):
    """One clear sentence for the user; the command exits with status 2."""


def positive(kind):
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if v <= 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0, not {text}")
        return v
    return parse


def direction(text):
    from studio.core.explore import parse_direction
    try:
        return parse_direction(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def fmt_time(sec) -> str:
    if sec is None:
        return "--"
    sec = int(sec)
    h, rem = divmod(sec, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"


class ProgressPrinter:
    """Training events → a one-line progress bar on a terminal (a line per update otherwise), by event type."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.last_len = 0
        self._handlers = {StepMetrics: self._step, Quality: self._quality, CheckpointSaved: self._checkpoint,
                          Notice: self._notice, Failed: self._failed, Finished: self._finished,
                          TrainingStarted: self._started, StageStarted: self._stage_started,
                          StageProgress: self._stage_progress, StageFinished: lambda ev: self._print(ev.text)}
        self._stage_shown = (-1.0, "")                   # when the last stage line was printed, its unit

    def __call__(self, ev) -> None:
        for cls in type(ev).__mro__:
            handler = self._handlers.get(cls)
            if handler is not None:
                handler(ev)
                return

    def _step(self, ev: StepMetrics) -> None:
        bar = ""
        if ev.progress is not None:
            filled = int(ev.progress * 24)
            bar = "[" + "#" * filled + "." * (24 - filled) + f"] {ev.progress * 100:5.1f}% "
        self._line(f"{bar}{ev.kimg:8.2f} kimg  step {ev.step}  {ev.images_per_sec:7.1f} img/s  "
                   f"ETA {fmt_time(ev.eta_sec)}  G {ev.loss_g:.3f}  D {ev.loss_d:.3f}  "
                   f"D(x) {ev.d_real:.2f}  D(G(z)) {ev.d_fake:.2f}")

    def _quality(self, ev: Quality) -> None:
        m = ev.metrics
        fid = f"  FID {m['fid']:.2f}" if isinstance(m.get("fid"), (int, float)) else ""
        self._print(f"quality at {ev.kimg:.2f} kimg: KID ({m.get('feature_space', '?')}) {m['kid']:.4f} ± "
                    f"{m['kid_std']:.4f}  precision {m['precision']:.2f}  recall {m['recall']:.2f}  "
                    f"coverage {m['coverage']:.2f}{fid}" + ("  (best so far)" if ev.best else ""))

    def _checkpoint(self, ev: CheckpointSaved) -> None:
        self._print(f"checkpoint saved: {ev.path}")

    def _notice(self, ev: Notice) -> None:
        self._print(("warning: " if ev.level != "info" else "") + ev.message)

    def _failed(self, ev: Failed) -> None:
        self._print(f"error: {ev.reason}")

    def _finished(self, ev: Finished) -> None:
        if ev.reason == "cancelled":
            self._print("cancelled")
        else:
            self._print(f"{'stopped' if ev.reason == 'stopped' else 'finished'} at step {ev.step} "
                        f"({ev.kimg:.2f} kimg)")

    def _started(self, ev: TrainingStarted) -> None:
        goal = f" until {ev.target_kimg:.2f} kimg" if ev.target_kimg else \
            (f" for {ev.minutes:g} min" if ev.minutes else " until stopped")
        self._print(f"training from step {ev.step} ({ev.kimg:.2f} kimg){goal}, batch {ev.batch}, on {ev.device}")

    def _stage_started(self, ev: StageStarted) -> None:
        self._print(f"{ev.title.lower().replace('training', 'learning')} for {ev.minutes:.1f} min"
                    + (f" (note: {ev.note})" if ev.note else ""))

    def _stage_progress(self, ev: StageProgress) -> None:
        """A line per update on a terminal, else one every 10 seconds (and the last)."""
        import time
        now = time.monotonic()
        last, unit = self._stage_shown
        if not self.tty and now - last < 10 and ev.unit == unit and ev.done < ev.total:
            return
        self._stage_shown = (now, ev.unit)
        if ev.unit == "pictures":
            self._line(f"{ev.name}: reading the pictures {ev.done}/{ev.total}")
        else:
            left = f"  {fmt_time(ev.total - ev.done)} left" if ev.unit == "seconds" else f"  {ev.done}/{ev.total}"
            self._line(f"{ev.text}{left}")

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

    def cb(done, total, name=""):
        if tty:
            stream.write(f"\rscanning images {done}/{total}")
            if done >= total:
                stream.write("\n")
            stream.flush()
    return cb


@contextmanager
def stop_on_signals(stop, stopping, message: str = "stopping: saving a checkpoint (press Ctrl-C again to abort)"):
    """Ctrl-C / SIGTERM call stop() (a clean stop); a second one, once stopping() is true, aborts."""
    def on_signal(signum, frame):
        if stopping():
            raise KeyboardInterrupt
        if message:
            sys.stderr.write(f"\n{message}\n")
        stop()
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def add_launch_args(p) -> None:
    """--nproc, --nnodes and --rdzv-endpoint: training in several processes (studio/core/distributed.py)."""
    p.add_argument("--nproc", type=positive(int), default=1, metavar="N", help=LAUNCH_HELP)
    p.add_argument("--nnodes", type=positive(int), default=1, metavar="M",
                   help="machines taking part (start the same command on each, with the same --rdzv-endpoint)")
    p.add_argument("--rdzv-endpoint", dest="rdzv_endpoint", metavar="HOST:PORT",
                   help="where the machines meet: the first machine's address and a free port (default: this "
                        "machine, any free port)")


def launching(args) -> bool:
    """Whether this command should start the training processes rather than train itself."""
    from studio.core.distributed import in_worker
    return (args.nproc > 1 or args.nnodes > 1) and not in_worker()


def launch(args, resume_hint: str) -> int:
    """Run this very command in --nproc processes per machine through torchrun's elastic launch."""
    from studio.core.distributed import check_launch, launch as elastic
    check_launch(args.nnodes, args.rdzv_endpoint)
    print(f"GAN Studio: starting {args.nproc} training process{'es' if args.nproc > 1 else ''}"
          + (f" on each of {args.nnodes} machines" if args.nnodes > 1 else "") + " (torchrun)", flush=True)
    rc = elastic(args.nproc, args.argv, args.nnodes, args.rdzv_endpoint, resume_hint)
    if rc == 130:
        print("stopped", file=sys.stderr)
    return rc


def replica_printer(rank: int):
    """What a training process of rank > 0 prints: its failures only (rank 0 reports the progress)."""
    def show(ev) -> None:
        if isinstance(ev, Failed):
            print(f"error (training process {rank}): {ev.reason}", file=sys.stderr, flush=True)
    return show


def add_upscale_arg(p) -> None:
    p.add_argument("--upscale", type=int, choices=[2, 4], metavar="2|4",
                   help="enlarge every picture with the model's upscaler (ganstudio upscaler RUN trains one)")


def upscaler_of(model, factor):
    """The model's upscaler, checked for `factor`, or None when no factor was asked; one sentence otherwise."""
    if not factor:
        return None
    from studio.session.upscaling import upscale, upscaler_for
    up = upscaler_for(model, model.device)
    if up is None:
        upscale(None, factor, None)             # raises the sentence
    up.check_factor(factor)
    return up


def stage_printer():
    """A stage's progress on stderr (done/total seconds and its text): one line, or every 10 s when piped."""
    stream = sys.stderr
    tty = stream.isatty()
    last = {"t": -10}

    def show(done: int, total: int, text: str) -> None:
        if tty:
            stream.write(f"\r{done}/{total} s  {text}   ")
            stream.flush()
        elif done - last["t"] >= 10 or done >= total:
            last["t"] = done
            stream.write(f"{done}/{total} s  {text}\n")
    return show
