"""Peak memory (RSS) while training on a 10,000-image, 256 px folder, against the cache size plus the model.

    .venv/bin/python benchmarks/memory.py                     # images made once under $TMPDIR, reused later
    .venv/bin/python benchmarks/memory.py --count 2000 --steps 50 --touch-all

Phase 1 (one process) scans the folder and writes the uint8 cache (.npy). Phase 2 (a fresh process)
reopens the run, as `ganstudio resume` does, and trains --steps steps; it reports the peak RSS
(ru_maxrss) and the RSS at the end. --touch-all first reads every cached image through the trainer's
tensor, the worst case for a long run (every page of the cache resident). --copy emulates the old path
(a private torch copy of the cache) for comparison. Target: peak <= 1.5 x (cache + model).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_folder(folder: Path, count: int, size: int) -> None:
    import numpy as np
    from PIL import Image
    folder.mkdir(parents=True, exist_ok=True)
    have = len(list(folder.glob("*.jpg")))
    if have >= count:
        return
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    t0 = time.perf_counter()
    for i in range(have, count):
        a, b, c = rng.random(3) * 6.28
        img = np.stack([np.sin(xx * 7 + a), np.cos(yy * 5 + b), np.sin((xx + yy) * 4 + c)], -1)
        Image.fromarray(((img + 1) * 127.5).astype(np.uint8)).save(folder / f"img{i:05d}.jpg", quality=90)
        if (i + 1) % 2000 == 0:
            print(f"  made {i + 1}/{count} images ({time.perf_counter() - t0:.0f} s)", flush=True)


def _rss_now() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def child(args) -> dict:
    from studio.core.allocator import one_arena
    one_arena()                             # as `ganstudio` does at start (GANSTUDIO_PLAIN_HEAP=1: untuned)
    import numpy as np
    import torch
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    from studio.core.config import TrainConfig
    from studio.core.trainer import Trainer
    run = Path(args.run)
    if args.child == "build":
        cfg = TrainConfig(data_dir=args.data, resolution=args.res, arch="dcgan", batch=args.batch, augment=False,
                          kimg=0, minutes=0, log_every=10 ** 9, precision=args.precision)
        t0 = time.perf_counter()
        t = Trainer.create(run, cfg, device="cpu")
        out = {"build_s": time.perf_counter() - t0, "cache_bytes": int(t.dataset.images.nbytes)}
    else:
        t = Trainer.open(run, device="cpu")
        if args.copy:                                                   # the old path: a private copy
            t.images = torch.from_numpy(np.array(t.dataset.images))
        if args.touch_all:
            n = t.images.shape[0]
            for i in range(0, n, 256):
                t.images[i:i + 256].sum()
        for _ in range(args.steps):
            t.train_step()
        model = sum(p.numel() * p.element_size() for m in (t.G, t.D, t.G_ema) for p in m.parameters())
        model += sum(s.numel() * s.element_size() for o in (t.opt_g, t.opt_d) for st in o.state.values()
                     for s in st.values() if torch.is_tensor(s))
        out = {"cache_bytes": int(t.dataset.images.nbytes), "model_bytes": int(model), "images": int(len(t.dataset))}
    out["peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out["end_rss"] = _rss_now()
    return out


def run_child(phase: str, args, extra=()) -> dict:
    cmd = [sys.executable, __file__, "--child", phase, "--run", args.run, "--data", args.data, "--res", str(args.res),
           "--batch", str(args.batch), "--steps", str(args.steps), "--precision", args.precision, *extra]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--res", type=int, default=256)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--dir", default="", help="where to keep the generated images (default: $TMPDIR)")
    ap.add_argument("--precision", default="auto", choices=["auto", "bf16", "fp32"])
    ap.add_argument("--touch-all", action="store_true", help="read the whole cache first (worst case)")
    ap.add_argument("--copy", action="store_true", help="also measure the old private-copy path")
    ap.add_argument("--child", choices=["build", "train"], help=argparse.SUPPRESS)
    ap.add_argument("--run", default="", help=argparse.SUPPRESS)
    ap.add_argument("--data", default="", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        if args.child == "train":
            args.copy = "--copy" in sys.argv
        print(json.dumps(child(args)))
        return 0
    base = Path(args.dir or tempfile.gettempdir()) / f"ganstudio-memory-bench-{args.count}x{args.res}"
    args.data = str(base / "images")
    print(f"images: {args.count} x {args.res} px JPEG in {args.data} (made once, reused)")
    make_folder(Path(args.data), args.count, args.res)
    with tempfile.TemporaryDirectory() as tmp:
        args.run = str(Path(tmp) / "run")
        b = run_child("build", args)
        print(f"scan + cache: {b['build_s']:.0f} s, cache {b['cache_bytes'] / 2**20:.0f} MiB, "
              f"peak RSS while building {b['peak_rss'] / 2**20:.0f} MiB")
        modes = [("shared memmap (current)", ())] + ([("private copy (old path)", ("--copy",))] if args.copy else [])
        for label, extra in modes:
            extra = tuple(extra) + (("--touch-all",) if args.touch_all else ())
            r = run_child("train", args, extra)
            budget = 1.5 * (r["cache_bytes"] + r["model_bytes"])
            print(f"{label}, precision {args.precision}: {args.steps} steps, batch {args.batch}{', whole cache touched' if args.touch_all else ''}: "
                  f"peak RSS {r['peak_rss'] / 2**20:.0f} MiB, end {r['end_rss'] / 2**20:.0f} MiB; cache "
                  f"{r['cache_bytes'] / 2**20:.0f} MiB + model/optimizer {r['model_bytes'] / 2**20:.0f} MiB; "
                  f"peak / (cache + model) = {r['peak_rss'] / (r['cache_bytes'] + r['model_bytes']):.2f} "
                  f"({'within' if r['peak_rss'] <= budget else 'OVER'} the 1.5x target)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
