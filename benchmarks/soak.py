"""Soak: train with the studio window open for many steps and report resident memory over time.

The window streams curves and sample grids the whole time; memory must stay flat (no growth from
frame streaming or plot buffers beyond the curves' own few bytes per logged step).

    .venv/bin/python benchmarks/soak.py --minutes 10            # offscreen; prints RSS every 30 s
    .venv/bin/python benchmarks/soak.py --minutes 2 --every 10  # quick look

Reports RSS at each interval, steps done, and the growth between the first and the last third of the
run (after warm-up), in MB and MB per 1000 steps.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--every", type=float, default=30.0, help="seconds between RSS samples")
    ap.add_argument("--resolution", type=int, default=32)
    args = ap.parse_args()

    from PySide6.QtCore import QCoreApplication, QSettings

    from studio.core.config import TrainConfig
    from studio.core.demo_data import write_demo_images
    from studio.gui.app import make_app
    from studio.gui.main_window import MainWindow

    tmp = Path(tempfile.mkdtemp(prefix="ganstudio-soak-"))
    app = make_app([])
    QCoreApplication.setOrganizationName("GANStudioSoak")
    settings = QSettings(str(tmp / "settings.ini"), QSettings.IniFormat)
    settings.setValue("projects_dir", str(tmp / "projects"))
    data = tmp / "images"
    write_demo_images(data, count=200, size=args.resolution, seed=0)
    win = MainWindow(settings)
    win.resize(1400, 900)
    win.show()

    def pump(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.005)

    page = win.project_page
    if not win.new_project(data):
        print("could not start a project", file=sys.stderr)
        return 1
    while page.dataset is None:
        pump(0.1)
    cfg = TrainConfig(data_dir=str(data), resolution=args.resolution, width=16, z_dim=64, batch=16, kimg=1e6,
                      log_every=5, sample_every_kimg=0.1, checkpoint_every_kimg=5, augment=True, device="cpu")
    page.apply_config(cfg, record=False)
    while page.dataset is None or page.dataset.resolution != args.resolution:
        pump(0.1)
    page.btn_start.click()
    tv = win.training_view
    while tv.state != "training":
        pump(0.1)
    print(f"soak: {args.minutes:g} min, dcgan {args.resolution} px, window open, samples every 100 images")
    print(f"{'time s':>7} {'step':>8} {'RSS MB':>8} {'curve pts':>10}")
    rows = []
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < args.minutes * 60:
        pump(args.every)
        step = tv.session.step
        pts = len(tv.curves.series("loss_g")[0])
        rows.append((time.perf_counter() - t0, step, rss_mb()))
        print(f"{rows[-1][0]:7.0f} {step:8d} {rows[-1][2]:8.1f} {pts:10d}", flush=True)
    tv.btn_stop.click()
    while tv.state.working:
        pump(0.1)
    win.close()
    if len(rows) >= 3:
        third = max(1, len(rows) // 3)
        early = sum(r[2] for r in rows[:third]) / third
        late = sum(r[2] for r in rows[-third:]) / third
        steps = max(1, rows[-1][1] - rows[third - 1][1])
        print(f"RSS growth first third → last third: {late - early:+.1f} MB over {steps} steps "
              f"({(late - early) / steps * 1000:+.2f} MB per 1000 steps); peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
