"""UI responsiveness while training on the CPU: event-loop stall p50 / p99 / max.

A 5 ms QTimer records the gap between its ticks while the real window trains a small dcgan on a
synthetic folder (TrainingSession on a Worker + 30 Hz coalesced updates, exactly as in the app). A stall is the gap
beyond the timer interval. Prints figures only; nothing is asserted.

    .venv/bin/python benchmarks/ui_stall.py [--seconds 20] [--width 32] [--resolution 64]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--resolution", type=int, default=64)
    ap.add_argument("--images", type=int, default=200)
    args = ap.parse_args()
    from studio.core.allocator import one_arena
    one_arena()                             # as `ganstudio` does at start (GANSTUDIO_PLAIN_HEAP=1: untuned)

    import numpy as np
    from PIL import Image
    from PySide6.QtCore import QElapsedTimer, QSettings, QTimer

    from studio.core.config import TrainConfig
    from studio.gui import theme
    from studio.gui.app import make_app
    from studio.gui.main_window import MainWindow

    tmp = Path(tempfile.mkdtemp(prefix="ui_stall-"))
    data = tmp / "images"
    data.mkdir()
    rng = np.random.default_rng(0)
    for i in range(args.images):
        Image.fromarray(rng.integers(0, 255, (96, 96, 3), dtype=np.uint8)).save(data / f"{i:04d}.png")
    app = make_app()
    theme.apply_theme(app, "dark")
    settings = QSettings(str(tmp / "settings.ini"), QSettings.IniFormat)
    settings.setValue("projects_dir", str(tmp / "projects"))
    w = MainWindow(settings)
    w.resize(1400, 900)
    w.show()

    def spin(cond, timeout=120.0):
        t0 = time.perf_counter()
        while not cond():
            app.processEvents()
            time.sleep(0.005)
            if time.perf_counter() - t0 > timeout:
                raise SystemExit("timed out waiting for the window")

    w.new_project(data)
    page, tv = w.project_page, w.training_view
    spin(lambda: page.dataset is not None)
    cfg = TrainConfig(data_dir=str(data), resolution=args.resolution, arch="dcgan", width=args.width, batch=32,
                      kimg=10_000, log_every=5, sample_every_kimg=0.5, checkpoint_every_kimg=5,
                      device="cpu", augment=True)
    page.apply_config(cfg)
    spin(lambda: page.dataset is not None and page.dataset.resolution == args.resolution)
    page.request_start()
    spin(lambda: tv.state == "training" and tv.last_step is not None)

    clock = QElapsedTimer()
    clock.start()
    gaps: list[float] = []
    last = [clock.nsecsElapsed()]
    interval = 5

    def tick():
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now
    timer = QTimer(interval=interval, timeout=tick)
    timer.start()
    end = time.perf_counter() + args.seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    ips = tv.stat_speed.text()
    tv.stop()
    spin(lambda: not tv.state.working)
    w.close()

    stall = np.maximum(np.asarray(gaps) - interval, 0.0)
    print(f"UI stall during CPU training ({args.seconds:.0f} s, dcgan {args.resolution} px width {args.width}, "
          f"torch threads {__import__('torch').get_num_threads()}, {os.cpu_count()} CPUs)")
    print(f"  ticks {len(gaps)}   images/s {ips}")
    print(f"  stall p50 {np.percentile(stall, 50):.1f} ms   p99 {np.percentile(stall, 99):.1f} ms   "
          f"max {stall.max():.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
