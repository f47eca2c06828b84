"""Explorer slider-to-frame latency: p50/p95 at 64/128/256/512 px on this machine.

End to end, as the artist feels it: a slider moves (request) → the render worker runs the
generator → uint8 pixels in a QImage → the frame is painted on the canvas. Each size uses the
architecture GAN Studio suggests for the device (random weights: speed does not depend on them).
With --upscale 2|4 the canvas shows every frame that many times larger through a (random-weight, default-size)
upscaler beside the model, as Explore's Size box does: the frame's cost then includes the upscaler.

    .venv/bin/python benchmarks/explorer_latency.py [--sizes 64 128 256 512] [--frames 60] [--upscale 2]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from PySide6.QtCore import QEventLoop  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from studio.core.checkpoint import save_generator  # noqa: E402
from studio.session.settings import suggestion  # noqa: E402
from studio.core.device import pick_device  # noqa: E402
from studio.core.models import ModelSpec, build_generator  # noqa: E402
from studio.core.upscaler import CompactSR, UpscalerSpec, save_upscaler  # noqa: E402


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def measure(app, ws, path: Path, frames: int, warmup: int = 5, upscale: int = 1):
    ws.auto_directions = False                   # the hand drives ψ here; directions are not needed
    opened = QEventLoop()
    ws.model_opened.connect(lambda m: opened.quit())
    ws.open_model(path)                          # loads (reads + hashes) on a worker
    opened.exec()
    ws.model_opened.disconnect()
    if upscale > 1:
        ws.choose_size(upscale)                  # the canvas's size, as the Size box sets it
    frame_ms, e2e = [], []
    loop = QEventLoop()
    ws.frame_shown.connect(lambda s: loop.quit() if ws.settled else None)
    slider = ws.controls.psi.slider
    for i in range(frames + warmup):
        t0 = time.perf_counter()
        slider.setValue(40 + (i % 2) * 60 + i % 7)          # the hand moves ψ
        if not ws.settled:
            loop.exec()                                      # idle UI thread, like the app between events
        ws.canvas.repaint()                                  # painted on screen
        t1 = time.perf_counter()
        if i >= warmup:
            e2e.append((t1 - t0) * 1000)
            frame_ms.append(float(ws.fps.text().split("(")[-1].split(" ")[0]) if "(" in ws.fps.text() else 0)
    ws.frame_shown.disconnect()
    return e2e, frame_ms


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256, 512])
    p.add_argument("--frames", type=int, default=60)
    p.add_argument("--device", default="auto")
    p.add_argument("--upscale", type=int, choices=[1, 2, 4], default=1,
                   help="show the frames 2 or 4 times larger through an upscaler (Explore's Size box)")
    a = p.parse_args(argv)
    device = pick_device(a.device)
    app = QApplication.instance() or QApplication([])
    from studio.gui.explorer import ExplorerWorkspace
    ws = ExplorerWorkspace()
    ws.resize(1200, 800)
    ws.show()
    print(f"explorer latency on {device} ({torch.get_num_threads()} torch threads, {os.cpu_count()} CPUs), "
          f"{a.frames} frames per size" + (f", shown ×{a.upscale} through an upscaler" if a.upscale > 1 else ""))
    print(f"{'size':>6} {'shown':>6} {'arch':>8} {'p50 ms':>8} {'p95 ms':>8} {'render p50':>11} {'fps p50':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for res in a.sizes:
            cfg = suggestion(0, device.type, res).config
            spec = ModelSpec(cfg.arch, res, 3, cfg.z_dim, cfg.width)
            torch.manual_seed(0)
            path = Path(tmp) / f"g{res}.safetensors"
            save_generator(path, build_generator(spec), spec)
            if a.upscale > 1:
                save_upscaler(path.with_name(f"{path.stem}.upscaler.safetensors"),
                              CompactSR(UpscalerSpec(a.upscale)), {"model_resolution": res})
            e2e, render = measure(app, ws, path, a.frames, upscale=a.upscale)
            p50 = statistics.median(e2e)
            print(f"{res:>6} {res * a.upscale:>6} {cfg.arch:>8} {p50:8.1f} {pct(e2e, 95):8.1f} {statistics.median(render):11.1f} "
                  f"{1000 / p50:8.1f}", flush=True)
    ws.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
