"""Quality per minute of training: train one recipe on a folder for fixed minutes, measure at checkpoints.

    .venv/bin/python benchmarks/quality_per_minute.py ~/art/animals --minutes 5 15 30 --out /tmp/qpm/default
    .venv/bin/python benchmarks/quality_per_minute.py ~/art/animals --arch projected --resolution 128 \
        --minutes 5 15 --threads 1 --out /tmp/qpm/projected128

With no --arch the recipe is what `ganstudio train DATA` picks for this folder on this device (session.settings.suggestion):
the default a user gets. Training time counts only training steps (Trainer.train_step, EMA included): at each
mark the EMA generator is measured and a sample sheet written, then training continues. The quality monitor,
sample grids and checkpoints are off so every recipe spends its minutes the same way.

--clock cpu (the default) counts this process's CPU time divided by its threads, so a run that shares the
machine with other work still gets its full minutes of computing (run candidates side by side with
--threads 1, one per core); --clock wall counts wall time (for the headline figures on a quiet machine).

At each mark it prints and appends to OUT/results.jsonl: minutes, kimg, images/s, KID and FD in the primary
space (EfficientNet-Lite1, which no discriminator looks through) and KID in EfficientNet-Lite0, precision,
recall, coverage, diversity (Lite1), and the path of an 8×8 sample sheet (fixed seeds 0-63, truncation 1).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def parse_set(items: list[str]) -> dict:
    out = {}
    for item in items or []:
        key, _, value = item.partition("=")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", nargs="+", type=float, default=[5, 15, 30])
    ap.add_argument("--kimg", nargs="+", type=float,
                    help="measure at these thousands of images seen instead of minutes (quality at equal images)")
    ap.add_argument("--arch")
    ap.add_argument("--resolution", type=int)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--width", type=int)
    ap.add_argument("--precision", default=None)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0 = the default)")
    ap.add_argument("--count", type=int, default=500, help="generated images per measurement")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                    help="cpu: this process's CPU seconds / threads (robust to a shared machine); wall: wall time")
    ap.add_argument("--set", nargs="*", metavar="KEY=VALUE", help="TrainConfig fields (JSON values)")
    ap.add_argument("--arch-opt", nargs="*", metavar="NAME=VALUE",
                    help="experiment knobs: module-level constants of studio.core.models.<arch> (JSON values)")
    args = ap.parse_args(argv)
    if args.threads:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)
    from studio.core.allocator import one_arena
    one_arena()                             # as `ganstudio` does at start (studio/core/allocator.py)
    import numpy as np
    import torch
    from PIL import Image
    if args.threads:
        torch.set_num_threads(args.threads)
    from studio.session.settings import suggestion
    from studio.core.dataset import iter_files
    from studio.core.latent import make_grid, seeds_to_z, to_uint8
    from studio.core.metrics.features import SPACES, get_extractor, title
    from studio.core.metrics.quality import generate, real_features
    from studio.core.metrics.scores import all_scores, kid
    from studio.core.trainer import Trainer

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    count = sum(1 for _ in iter_files(Path(args.data)))
    cfg = suggestion(count, "cpu", args.resolution, arch=args.arch).config
    for name in ("resolution", "batch", "width", "precision", "seed"):
        if getattr(args, name) is not None:
            setattr(cfg, name, getattr(args, name))
    for k, v in parse_set(args.set).items():
        setattr(cfg, k, v)
    cfg.data_dir, cfg.device, cfg.kimg, cfg.minutes = str(Path(args.data).resolve()), "cpu", 0.0, 0.0
    if args.arch_opt:
        import importlib
        mod = importlib.import_module(f"studio.core.models.{cfg.arch}")
        for k, v in parse_set(args.arch_opt).items():
            setattr(mod, k, v)
    cfg.validate()
    run = out / "run"
    if (run / "config.json").exists():
        raise SystemExit(f"{out} already holds a benchmark run: choose a new --out")
    trainer = Trainer.create(run, cfg)
    desc = {k: getattr(cfg, k) for k in ("arch", "resolution", "batch", "width", "z_dim", "lr_g", "lr_d", "beta1",
                                          "beta2", "augment", "mirror", "loss_name", "ema_kimg")}
    desc.update(precision=trainer.precision, threads=torch.get_num_threads(), clock=args.clock,
                images=len(trainer.dataset.images),
                arch_opt=parse_set(args.arch_opt), data=str(args.data))
    print(json.dumps(desc), flush=True)
    (out / "recipe.json").write_text(json.dumps(desc, indent=2))

    extractors = {s: get_extractor("cpu", s) for s in SPACES}
    reals = {s: real_features(trainer.dataset.images, 2000, e, run / "cache") for s, e in extractors.items()}
    threads = torch.get_num_threads()

    def clock() -> float:
        return time.process_time() / threads if args.clock == "cpu" else time.perf_counter()

    spent = 0.0                                   # training seconds on the chosen clock
    by_kimg = bool(args.kimg)
    for mark in sorted(args.kimg or args.minutes):
        n0, t0 = trainer.nimg, clock()
        while (trainer.nimg < mark * 1000) if by_kimg else (spent + (clock() - t0) < mark * 60):
            trainer.train_step()
        spent += clock() - t0
        ips = (trainer.nimg - n0) / max(clock() - t0, 1e-9)
        fake = generate(trainer.G_ema, trainer.spec.z_dim, args.count, "cpu")
        feats = {s: e.features(fake) for s, e in extractors.items()}
        s1 = all_scores(reals[SPACES[0]], feats[SPACES[0]])
        k0 = kid(reals[SPACES[1]], feats[SPACES[1]])
        with torch.no_grad():
            trainer.G_ema.eval()
            sheet = make_grid(to_uint8(trainer.G_ema(seeds_to_z(range(64), trainer.spec.z_dim)).float()), 8, 8)
        trainer.save_checkpoint()                 # so a later run can start from this one (--set init_from=…)
        sheet_path = out / f"samples-{mark:g}{'kimg' if by_kimg else 'min'}.png"
        Image.fromarray(sheet).save(sheet_path)
        rec = {"minutes": round(spent / 60, 2), "kimg": round(trainer.kimg, 2), "images_per_sec": round(ips, 1),
               "kinds": len(trainer.spec.classes),
               f"kid_{SPACES[0]}": s1["kid"], f"kid_std_{SPACES[0]}": s1["kid_std"], f"fd_{SPACES[0]}": s1["fd"],
               f"kid_{SPACES[1]}": k0[0], "precision": s1["precision"], "recall": s1["recall"],
               "coverage": s1["coverage"], "diversity": s1["diversity"], "sheet": str(sheet_path)}
        print(f"{spent / 60:5.1f} min  {trainer.kimg:7.2f} kimg  {ips:6.1f} img/s  KID {title(SPACES[0])} "
              f"{s1['kid'] * 1e3:7.2f}e-3  KID {title(SPACES[1])} {k0[0] * 1e3:7.2f}e-3  prec {s1['precision']:.2f} "
              f"rec {s1['recall']:.2f} cov {s1['coverage']:.2f} div {s1['diversity']:.2f}  {sheet_path}", flush=True)
        with open(out / "results.jsonl", "a") as f:
            f.write(json.dumps(rec) + "\n")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
