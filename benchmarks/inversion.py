"""Finding pictures in a model: how fast and how close, from the run's encoder and with the full search.

    .venv/bin/python benchmarks/inversion.py MODEL --real-dir DIR_OF_IMAGES_NOT_IN_TRAINING [--count 6]
    ONEDNN_MAX_CPU_ISA=AVX2 .venv/bin/python benchmarks/inversion.py …      # as on a CPU without AVX-512 / bf16

Side by side in one run, for each way a search can start (the model's encoder beside it, else only the full search):
- "encoder": E(x) alone, no search step (the first preview Find Image shows);
- "encoder + refine": E(x), then InvertSettings.refining() (what Find Image, invert and restore do by default);
- "full": today's search (InvertSettings(): random candidates, restarts, 150 steps) — `--full`.
Targets:
1. pictures the model made itself (seeds 1000…): mean absolute pixel error on a 0–1 scale (target < 0.03, ≤ 1 s);
2. pictures it never saw: the perceptual distance (Lite0, the search's own loss) of what is found, against the full
   search's and the best of `--random` random samples (target: at least as close as the full search, ≤ 2 s);
3. a restore of a 64 px picture with a hole: seconds to the first preview (target ≤ 0.5 s) and to the end (≤ 3 s).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch


def cpu_flags() -> str:
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags"))
    except (OSError, StopIteration):
        return "unknown"
    have = set(flags.split(":", 1)[1].split())
    return " ".join(f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in have) or "none of avx2/avx512"


def _run(steps):
    """Drive a search generator: (result, seconds to the first Step, seconds in all)."""
    t0 = time.perf_counter()
    first = None
    while True:
        try:
            next(steps)
            first = first or time.perf_counter() - t0
        except StopIteration as done:
            return done.value, first, time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--real-dir", help="images not in the training set (optional)")
    ap.add_argument("--count", type=int, default=6)
    ap.add_argument("--random", type=int, default=1000, help="random samples to beat for real images")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--no-full", action="store_true", help="skip the (slow) full search")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from studio.core.checkpoint import load_generator
    from studio.core.dataset import iter_files
    from studio.core.invert import InvertSettings, Perceptual, prepare_image, search
    from studio.core.latent import seed_to_z
    from studio.core.restore import restore_steps
    from studio.session.encoding import encoder_for

    model = load_generator(args.model, "cpu")
    spec = model.spec
    found = encoder_for(model)
    enc = found.encoder
    print(f"model {model.path} ({spec.arch}, {spec.resolution} px, z {spec.z_dim}); torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; CPU flags: {cpu_flags()}; ONEDNN_MAX_CPU_ISA="
          f"{os.environ.get('ONEDNN_MAX_CPU_ISA', '-')}; encoder: {enc.path.name if enc else found.note}")
    refine, full = InvertSettings.refining(), InvertSettings()
    warm = model.render(seed_to_z(999, spec.z_dim)[None])[0]             # first calls pay for allocation: not timed
    _run(search(model, warm, InvertSettings(steps=3, restarts=1, candidates=1)))
    if enc is not None:
        enc.encode(warm[None])

    def ways(target, mask=None):
        """{way: (result or None, seconds to the first step, seconds)}."""
        out = {}
        if enc is not None:
            t0 = time.perf_counter()
            z = enc.encode(target[None])[0]
            t_enc = time.perf_counter() - t0
            with torch.no_grad():
                image = model.render(z[None])[0]
            out["encoder"] = (image, t_enc, t_enc)
            res, first, dt = _run(search(model, target, refine, mask, start=z))
            out["encoder + refine"] = (res, first + t_enc, dt + t_enc)
        if not args.no_full:
            out["full"] = _run(search(model, target, full, mask))
        return out

    def table(rows, value_name):
        for way in rows[0]:
            vals = [r[way][0] for r in rows]
            secs = [r[way][2] for r in rows]
            firsts = [r[way][1] for r in rows]
            print(f"  {way:18s} {value_name} {np.mean(vals):.4f} (max {np.max(vals):.4f}); "
                  f"{np.mean(secs):.2f} s per picture (max {np.max(secs):.2f}); first preview {np.mean(firsts):.2f} s")

    # 1. the model's own pictures
    rows = []
    for i in range(args.count):
        target = model.render(seed_to_z(1000 + i, spec.z_dim)[None])[0]
        r = ways(target)
        rows.append({w: (np.abs((v[0] if isinstance(v[0], np.ndarray) else v[0].image).astype(float) - target)
                         .mean() / 255, v[1], v[2]) for w, v in r.items()})
    print(f"generated pictures (seeds 1000-{999 + args.count}): mean abs pixel error")
    table(rows, "error")

    # 2. pictures it never saw
    perc = Perceptual("cpu")

    def distance(image, target) -> float:
        a = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float() / 127.5 - 1
        b = torch.from_numpy(np.ascontiguousarray(target)).permute(2, 0, 1)[None].float() / 127.5 - 1
        with torch.no_grad():
            return float(perc.distance(perc.features(a), perc.features(b)))

    if args.real_dir:
        from studio.session.image_search import is_picture
        files = sorted(f for f in iter_files(Path(args.real_dir)) if is_picture(f))[:args.count]
        with torch.no_grad():
            feats = [perc.features(model.G(torch.stack([seed_to_z(5_000_000 + j, spec.z_dim)
                                                        for j in range(i, min(args.random, i + 50))])).float())
                     for i in range(0, args.random, 50)]
        rows, rand = [], []
        for f in files:
            target = prepare_image(f, spec.resolution, spec.channels)
            r = ways(target)
            rows.append({w: (distance(v[0] if isinstance(v[0], np.ndarray) else v[0].image, target), v[1], v[2])
                         for w, v in r.items()})
            tgt = perc.features(torch.from_numpy(target).permute(2, 0, 1)[None].float() / 127.5 - 1)
            with torch.no_grad():
                rand.append(min(float(perc.distance(fs, [t.expand(len(fs[0]), -1, -1, -1) for t in tgt]).min())
                                for fs in feats))
            print(f"    {f.name}: " + ", ".join(f"{w} {v[0]:.3f} ({v[2]:.1f} s)" for w, v in rows[-1].items())
                  + f", best of {args.random} random {rand[-1]:.3f}")
        print(f"pictures it never saw ({args.real_dir}): perceptual distance (best of {args.random} random "
              f"samples: {np.mean(rand):.4f})")
        table(rows, "distance")

    # 3. restore a 64 px picture: a hole in the middle
    rows = []
    for i in range(min(args.count, 4)):
        target = model.render(seed_to_z(2000 + i, spec.z_dim)[None])[0]
        mask = np.zeros(target.shape[:2], bool)
        r = spec.resolution
        mask[r // 3:r // 2, r // 4:3 * r // 4] = True
        row = {}
        if enc is not None:
            res, first, dt = _run(restore_steps(model, target, mask, refine, previews="blended",
                                                guess=lambda im: enc.encode(im[None])[0]))
            row["encoder + refine"] = (res.inversion.pixel_error, first, dt)
        if not args.no_full:
            res, first, dt = _run(restore_steps(model, target, mask, full, previews="blended"))
            row["full"] = (res.inversion.pixel_error, first, dt)
        rows.append(row)
    print(f"restore of a {spec.resolution} px picture (a hole of {mask.mean():.0%}): known pixels' error")
    table(rows, "error")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
