"""Training throughput (images/s) with 1 and 2 training processes on this machine (`ganstudio train --nproc N`).

    .venv/bin/python benchmarks/distributed_throughput.py                    # dcgan 64 px, batch 16, 40 s each
    .venv/bin/python benchmarks/distributed_throughput.py --device cuda --nproc 1 2 4 --arch fastgan --res 256

Each setting is a real `python -m studio.cli train … --nproc N` (torchrun's launcher for N > 1) on a synthetic
folder, with OMP_NUM_THREADS threads per process (default 1, so N processes use N cores), for --seconds. The
figure is the median of the images/s that rank 0 logged (metrics.jsonl), the first log line (start-up, step-0
checkpoint) left out; start-up time is printed apart. Images/s count the global batch: all ranks together.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_folder(folder: Path, n: int, size: int) -> None:
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        a = np.full((size, size, 3), 255, np.uint8)
        s = size // 3
        x, y = rng.integers(0, size - s, 2)
        a[y:y + s, x:x + s] = rng.integers(0, 255, 3)
        Image.fromarray(a).save(folder / f"{i:04d}.png")


def measure(data: Path, out: Path, nproc: int, threads: int, args) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "studio.cli", "train", str(data), "--out", str(out), "--nproc", str(nproc),
           "--device", args.device, "--arch", args.arch, "--resolution", str(args.res), "--batch", str(args.batch),
           "--minutes", str(args.seconds / 60), "--no-quality", "--no-augment", "--seed", "0",
           "--precision", args.precision]
    if args.width:
        cmd += ["--width", str(args.width)]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stdout}\n{r.stderr}")
    log = out / "metrics.jsonl"                  # none when rank 0 never reached its first log line
    recs = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    ips = [rec["images_per_sec"] for rec in recs if rec.get("kind", "step") == "step"][1:]
    return {"nproc": nproc, "threads": threads, "ips": statistics.median(ips) if ips else float("nan"),
            "logs": len(ips), "kimg": recs[-1]["kimg"] if recs else 0.0, "overhead_s": wall - args.seconds}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--nproc", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS per process")
    ap.add_argument("--also-one-process-all-threads", type=int, default=0, metavar="T",
                    help="add a 1-process run with T threads (the same cores as T single-thread processes)")
    ap.add_argument("--arch", default="dcgan")
    ap.add_argument("--res", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--width", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=40.0)
    ap.add_argument("--images", type=int, default=256)
    ap.add_argument("--precision", default="fp32", help="auto | bf16 | fp32 (default fp32: the same on every CPU)")
    args = ap.parse_args(argv)
    import torch
    print(f"torch {torch.__version__}; {os.cpu_count()} CPUs; {args.arch} {args.res} px, global batch {args.batch}, "
          f"{args.seconds:g} s per setting, device {args.device}, {args.precision}")
    settings = [(n, args.threads) for n in args.nproc]
    if args.also_one_process_all_threads:
        settings.append((1, args.also_one_process_all_threads))
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "images"
        make_folder(data, args.images, args.res)
        rows = [measure(data, Path(tmp) / f"run-{n}-{t}", n, t, args) for n, t in settings]
    print("| processes | threads each | images/s (median) | log lines | kimg | start-up + exit s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['nproc']} | {r['threads']} | {r['ips']:.1f} | {r['logs']} | {r['kimg']:.2f} | "
              f"{r['overhead_s']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
