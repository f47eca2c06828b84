"""Inversion speed and quality: how fast and how close `ganstudio invert` finds images in a model.

    .venv/bin/python benchmarks/inversion.py MODEL --real-dir DIR_OF_IMAGES_NOT_IN_TRAINING [--count 8]

Two kinds of target, with the default settings (studio.core.invert.InvertSettings):
1. images the model generated itself (seeds 1000…): they exist in the latent space, so the search should find
   them again: mean absolute pixel error on a 0–1 scale (target < 0.03) and seconds per image;
2. real images the model never saw: the reconstruction's perceptual distance (EfficientNet-Lite0, the
   inversion's own loss) against the best of 1,000 random samples of the model, which is what a user would
   get by browsing seeds.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--real-dir", help="images not in the training set (optional)")
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--random", type=int, default=1000, help="random samples to beat for real images")
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from studio.core.checkpoint import load_generator
    from studio.core.dataset import iter_files
    from studio.core.invert import InvertSettings, Perceptual, invert, prepare_image
    from studio.core.latent import seed_to_z

    model = load_generator(args.model, "cpu")
    spec = model.spec
    s = InvertSettings()
    print(f"model {model.path} ({spec.arch}, {spec.resolution} px, z {spec.z_dim}); torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; {s.steps} steps, {s.restarts} restarts, {s.candidates} candidates")
    errs, secs = [], []
    for i in range(args.count):
        target = model.render(seed_to_z(1000 + i, spec.z_dim)[None])[0]
        t0 = time.perf_counter()
        r = invert(model, target, s)
        secs.append(time.perf_counter() - t0)
        errs.append(np.abs(r.image.astype(float) - target).mean() / 255)
    print(f"generated images: mean abs pixel error {np.mean(errs):.4f} (max {np.max(errs):.4f}), "
          f"{np.mean(secs):.2f} s per image (min {np.min(secs):.2f})")
    if args.real_dir:
        perc = Perceptual("cpu")
        with torch.no_grad():
            feats = []
            for i in range(0, args.random, 50):
                z = torch.stack([seed_to_z(5_000_000 + j, spec.z_dim) for j in range(i, min(args.random, i + 50))])
                feats.append(perc.features(model.G(z).float()))
        files = sorted(iter_files(Path(args.real_dir)))[:args.count]
        wins, rows = 0, []
        for f in files:
            target = prepare_image(f, spec.resolution, spec.channels)
            t0 = time.perf_counter()
            r = invert(model, target, s)
            dt = time.perf_counter() - t0
            tgt = perc.features(torch.from_numpy(target).permute(2, 0, 1)[None].float() / 127.5 - 1)
            with torch.no_grad():
                best = min(float(perc.distance(fs, [t.expand(len(fs[0]), -1, -1, -1) for t in tgt]).min())
                           for fs in feats)
            wins += r.distance < best
            rows.append((f.name, r.distance, best, dt))
            print(f"  {f.name}: inverted {r.distance:.4f} vs best of {args.random} random {best:.4f}  ({dt:.1f} s)")
        d_inv, d_rand = np.mean([r[1] for r in rows]), np.mean([r[2] for r in rows])
        print(f"real images: perceptual distance {d_inv:.4f} inverted vs {d_rand:.4f} best random "
              f"({d_rand / max(d_inv, 1e-9):.2f}x closer); inverted closer for {wins}/{len(rows)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
