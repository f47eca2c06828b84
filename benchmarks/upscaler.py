"""The per-run upscaler (issue 27) on a held-out fifth of a folder: ×f from the model's size vs Lanczos.

    .venv/bin/python benchmarks/upscaler.py FOLDER [--cpu-minutes 5] [--variant default|l1|clean|...] \
        [--sheet sheet.png] [--json out.json]

Every fifth picture (sorted by name) is held out and never trained on. For each held-out picture the low-res
input is the picture fitted to --resolution px exactly as a run's training images are (images.fit_square,
Lanczos), the reference is the same picture fitted to f·resolution px from the original. The upscaler trains on
the other four fifths for --cpu-minutes of *2-core-equivalent* time (process CPU seconds / 2, so a busy shared
machine does not shorten the training), and is scored every --every CPU-minutes: perceptual distance in
EfficientNet-Lite1 features (LPIPS-style, losses.PerceptualDistance; the loss uses Lite0) and PSNR, against
Lanczos and bicubic. Then: 64→f·64 px per frame (CPU ms and wall ms, p50/p95) and the peak memory training adds.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.core.dataset import iter_files  # noqa: E402
from studio.core.images import ImageSkipped, fit_square, load_image  # noqa: E402
from studio.core.upscaler import Upscaler, UpscalerSettings, UpscalerTraining, load_targets  # noqa: E402
from studio.core.upscaler.degrade import Degradation  # noqa: E402
from studio.core.upscaler.losses import PerceptualDistance, psnr  # noqa: E402

VARIANTS = {
    "default": {},                        # L1, 16 px crops × 32, lr 3e-3 (§11, second table)
    "perc": {"perceptual": 1.0, "perceptual_every": 2},
    "clean": {"degradation": Degradation.none()},
    "perc03": {"perceptual": 0.3},
    "wide": {"width": 48},
    "perc1": {"perceptual": 1.0},
    "perc1-clean": {"perceptual": 1.0, "degradation": Degradation.none()},
}


def split(folder: Path, resolution: int, factor: int):
    files = []
    for p in iter_files(folder):
        try:
            with Image.open(p) as im:
                if min(im.size) >= resolution * factor:
                    files.append(p)
        except (OSError, ValueError):
            continue
    files.sort()
    return [p for i, p in enumerate(files) if i % 5 != 4], [p for i, p in enumerate(files) if i % 5 == 4]


def held_out(files, resolution: int, factor: int):
    lows, highs = [], []
    for p in files:
        try:
            img = load_image(p, "rgb", (255, 255, 255))
        except ImageSkipped:
            continue
        lows.append(fit_square(img, resolution))
        highs.append(fit_square(img, resolution * factor))
    return np.stack(lows), np.stack(highs)


def resize(images: np.ndarray, size: int, kernel) -> np.ndarray:
    return np.stack([np.asarray(Image.fromarray(a).resize((size, size), kernel)) for a in images])


def tensor(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(a).permute(0, 3, 1, 2).float() / 127.5 - 1


@torch.no_grad()
def score(pred: np.ndarray, ref: np.ndarray, perc: PerceptualDistance) -> tuple[float, float]:
    d, p = [], []
    for i in range(0, len(pred), 8):
        x, y = tensor(pred[i:i + 8]), tensor(ref[i:i + 8])
        d.append(perc(x, y))
        p.append(psnr(x, y))
    return float(torch.cat(d).mean()), float(torch.cat(p).mean())


def speed(up: Upscaler, resolution: int, frames: int = 60) -> dict:
    x = np.random.default_rng(0).integers(0, 256, (1, resolution, resolution, 3), dtype=np.uint8)
    for _ in range(10):
        up.upscale(x)
    cpu, wall = [], []
    for _ in range(frames):
        c, w = time.process_time(), time.perf_counter()
        up.upscale(x)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    q = lambda v, k: float(np.percentile(v, k) * 1e3)  # noqa: E731
    return {"cpu_ms_p50": q(cpu, 50), "cpu_ms_p95": q(cpu, 95), "wall_ms_p50": q(wall, 50), "wall_ms_p95": q(wall, 95)}


def sheet(path: Path, low, lanczos, ours, high, count: int = 6) -> None:
    """Rows of: input (nearest) | Lanczos | upscaler | original, at f·resolution px, 4 px apart."""
    size, pad = high.shape[1], 4
    near = resize(low[:count], size, Image.Resampling.NEAREST)
    canvas = np.full((count * (size + pad) + pad, 4 * (size + pad) + pad, 3), 255, np.uint8)
    for r in range(min(count, len(high))):
        for c, a in enumerate((near[r], lanczos[r], ours[r], high[r])):
            y, x = pad + r * (size + pad), pad + c * (size + pad)
            canvas[y:y + size, x:x + size] = a
    Image.fromarray(canvas).save(path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--resolution", type=int, default=64)
    ap.add_argument("--factor", type=int, default=4)
    ap.add_argument("--cpu-minutes", type=float, default=5.0, help="2-core-equivalent minutes of training")
    ap.add_argument("--every", type=float, default=1.0, help="score the held-out fifth every so many minutes")
    ap.add_argument("--variant", default="default", choices=sorted(VARIANTS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sheet", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    f, res = args.factor, args.resolution
    train_files, test_files = split(args.folder, res, f)
    low, high = held_out(test_files, res, f)
    perc = PerceptualDistance("lite1")
    lanczos = resize(low, res * f, Image.Resampling.LANCZOS)
    bicubic = resize(low, res * f, Image.Resampling.BICUBIC)
    ref = {"lanczos": score(lanczos, high, perc), "bicubic": score(bicubic, high, perc)}
    print(f"{args.folder}: {len(train_files)} training, {len(high)} held out; ×{f} from {res} px")
    print(f"  Lanczos: perceptual (Lite1) {ref['lanczos'][0]:.4f}  PSNR {ref['lanczos'][1]:.2f} dB;  "
          f"bicubic {ref['bicubic'][0]:.4f}  {ref['bicubic'][1]:.2f} dB")
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    targets = load_targets(train_files, res * f)
    settings = UpscalerSettings(factor=f, seed=args.seed, minutes=0, **VARIANTS[args.variant])
    out = Path("/tmp") / f"upscaler-bench-{args.variant}-{args.seed}.safetensors"
    tr = UpscalerTraining(targets, settings, out, None)
    curve, ours, cpu_used, wall0 = [], None, 0.0, time.perf_counter()
    while cpu_used < args.cpu_minutes * 60 - 1:
        chunk = min(args.every * 60, args.cpu_minutes * 60 - cpu_used)
        tr.s.cpu_seconds = chunk * 2
        c0 = time.process_time()
        tr.run()
        cpu_used += (time.process_time() - c0) / 2
        up = Upscaler(tr.ema.eval(), settings.spec)
        ours = up.upscale(low)
        d, p = score(ours, high, perc)
        curve.append({"minutes": round(cpu_used / 60, 2), "steps": tr.step, "perceptual": d, "psnr": p,
                      "ratio": d / ref["lanczos"][0]})
        print(f"  {cpu_used / 60:5.2f} min ({tr.step} steps, {tr.seen} crops): perceptual {d:.4f} "
              f"({d / ref['lanczos'][0]:.2f}× Lanczos)  PSNR {p:.2f} dB", flush=True)
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sp = speed(Upscaler(tr.ema.eval().to(memory_format=torch.channels_last), settings.spec), res)
    print(f"  64→{res * f} px per frame: CPU {sp['cpu_ms_p50']:.1f} ms p50 / {sp['cpu_ms_p95']:.1f} p95, "
          f"wall {sp['wall_ms_p50']:.1f} / {sp['wall_ms_p95']:.1f} ms; training wall {time.perf_counter() - wall0:.0f} s;"
          f" peak RSS added by training {(rss1 - rss0) / 1024:.0f} MB")
    if args.sheet:
        sheet(args.sheet, low, lanczos, ours, high)
    if args.json:
        args.json.write_text(json.dumps({"folder": str(args.folder), "variant": args.variant, "reference": ref,
                                         "curve": curve, "speed": sp, "rss_added_mb": (rss1 - rss0) / 1024}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
