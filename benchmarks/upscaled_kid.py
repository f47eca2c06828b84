"""GAN samples at the upscaled size (issue 27): KID against the folder, through the run's upscaler vs Lanczos.

    .venv/bin/python benchmarks/upscaled_kid.py RUN [--model FILE] [--upscaler-cpu-minutes 3] [--count 500] \
        [--sheet sheet.png] [--json out.json]

RUN is a run folder (its config names the folder and the model's size; benchmarks/quality_per_minute.py --out
X leaves one in X/run). When RUN has no upscaler.safetensors yet, the run's upscaler stage trains one first
(studio.session.upscaling.train_upscaler, the largest factor the folder supports) for --upscaler-cpu-minutes of
CPU time per thread (process CPU seconds / torch threads, so a busy machine does not shorten it).

Then, all in EfficientNet-Lite1 (the primary quality space, which no discriminator looks through), against the
folder's pictures fitted to f × the model's size from their originals:

    samples + upscaler        the model's pictures as the app now shows and exports them
    samples + Lanczos         the same pictures enlarged without the upscaler
    folder → 64 → Lanczos     the folder's own pictures taken down to the model's size and back: the best any
                              model of that size can score without an upscaler
    folder → 64 → upscaler    the same through the upscaler: the best with it

KID (× 1e3, subsets of the generated set) and coverage; --sheet writes rows of samples at nearest | Lanczos |
upscaler.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.core.checkpoint import load_generator  # noqa: E402
from studio.core.images import resize_lanczos  # noqa: E402
from studio.core.latent import make_grid, seeds_to_z  # noqa: E402
from studio.core.metrics.features import SPACES, get_extractor  # noqa: E402
from studio.core.metrics.scores import density_coverage, kid  # noqa: E402
from studio.core.run import RunFolder  # noqa: E402
from studio.core.upscaler import UpscalerSettings, load_targets  # noqa: E402
from studio.session.upscaling import plan_upscaler, train_upscaler, upscaler_file, upscaler_for  # noqa: E402


def resize(images: np.ndarray, size: int, method=None) -> np.ndarray:
    """Lanczos (studio.core.images.resize_lanczos), or `method` (PIL's NEAREST for the sheet)."""
    if method is None:
        return np.stack([resize_lanczos(a, size, size) for a in images])
    return np.stack([np.asarray(Image.fromarray(a).resize((size, size), method)) for a in images])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run")
    ap.add_argument("--model", help="a checkpoint or generator file (default: the run's best, else newest)")
    ap.add_argument("--upscaler-cpu-minutes", type=float, default=3.0)
    ap.add_argument("--size", type=int, help="compare at this size (default: the upscaler's largest factor × the "
                    "model's size); e.g. 256 for a 128 px model whose upscaler learnt ×4")
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--sheet")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    run = RunFolder(Path(args.run))
    cfg = run.config()
    threads = torch.get_num_threads()
    if not upscaler_file(run.path).is_file():
        plan = plan_upscaler(run)
        t0, c0 = time.perf_counter(), time.process_time()
        s = UpscalerSettings(cpu_seconds=args.upscaler_cpu_minutes * 60 * threads)
        res = train_upscaler(run, None, 0, settings=s, plan=plan)
        print(f"upscaler ×{plan.factor}: {res.steps} steps in {time.perf_counter() - t0:.0f} s wall, "
              f"{(time.process_time() - c0) / threads / 60:.1f} CPU-min ({threads} threads)", flush=True)
    up = upscaler_for(run.path)
    model = load_generator(Path(args.model) if args.model else run.path, "cpu")
    res = model.spec.resolution
    f = args.size // res if args.size else max(up.factors)
    up.check_factor(f)
    plan = plan_upscaler(run, f)
    real = load_targets(plan.files, res * f, cfg.fit, cfg.background_rgb)
    real64 = resize(real, res)
    fake64 = model.render(seeds_to_z(list(range(args.count)), model.z_dim))
    variants = {
        "samples + upscaler": up.upscale(fake64, f),
        "samples + Lanczos": resize(fake64, res * f),
        f"folder → {res} → Lanczos": resize(real64, res * f),
        f"folder → {res} → upscaler": up.upscale(real64, f),
    }
    ext = get_extractor("cpu", SPACES[0])
    rf = ext.features(real)
    out = {"run": str(run.path), "model": str(model.path), "factor": f, "resolution": res, "folder": cfg.data_dir,
           "real": len(real), "generated": len(fake64), "space": SPACES[0]}
    print(f"{cfg.data_dir}: {len(real)} pictures at {res * f} px; {len(fake64)} samples of {model.path.name} "
          f"at {res} px, ×{f}")
    for name, imgs in variants.items():
        ff = ext.features(imgs)
        k, ks = kid(rf, ff, subset_size=min(1000, len(ff), len(rf)))
        _, cov = density_coverage(rf, ff)
        out[name] = {"kid": k, "kid_std": ks, "coverage": cov}
        print(f"  {name:28s} KID {k * 1e3:7.2f} ± {ks * 1e3:5.2f} e-3   coverage {cov:.2f}", flush=True)
    if args.sheet:
        n = 8
        rows = [resize(fake64[:n], res * f, Image.Resampling.NEAREST), variants["samples + Lanczos"][:n],
                variants["samples + upscaler"][:n]]
        Image.fromarray(make_grid(np.concatenate(rows), 3, n, pad=2, fill=255)).save(args.sheet)
        out["sheet"] = args.sheet
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
