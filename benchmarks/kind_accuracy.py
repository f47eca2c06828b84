"""Do a model's kinds make what they are named? Generated pictures of each kind, classified by their nearest real
picture (EfficientNet-Lite1 features, the space no discriminator looks through), against the run's own kinds.

    .venv/bin/python benchmarks/kind_accuracy.py runs/creatures --count 100

Prints, per kind, the share of its samples whose nearest real picture is of that kind (target ≥ 80 %, issue 28),
and for "Any kind" (each latent's own) how the samples spread over the kinds next to the folder's proportions.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run")
    ap.add_argument("--count", type=int, default=100, help="samples per kind")
    ap.add_argument("--model", help="a checkpoint or generator file of the run (default: what the run opens with)")
    args = ap.parse_args(argv)
    import numpy as np
    from studio.core.checkpoint import load_generator
    from studio.core.dataset import run_pictures
    from studio.core.latent import seeds_to_z
    from studio.core.metrics.features import PRIMARY, get_extractor
    from studio.core.metrics.scores import pairwise_distances
    from studio.core.run import RunFolder
    from studio.core.run_kinds import read
    run = RunFolder(args.run)
    kinds = read(run)
    if kinds is None:
        raise SystemExit(f"{args.run} was trained without kinds")
    keep = np.flatnonzero(kinds.labels >= 0)
    pics = run_pictures(run.cache_dir, run.scan_file, keep)
    real = np.stack([p[1] for p in pics])
    labels = kinds.labels[keep]
    ext = get_extractor("cpu", PRIMARY)
    real_f = ext.features(real)
    model = load_generator(args.model or run.path)
    z = seeds_to_z(range(args.count), model.z_dim)

    def nearest_kinds(images):
        return labels[pairwise_distances(ext.features(images), real_f).argmin(1)]

    print(f"{run.path.name}: {len(kinds)} kinds, {len(real)} pictures; {args.count} samples per kind; "
          f"model {model.path.name}")
    accs = []
    for k, name in enumerate(kinds.names):
        got = nearest_kinds(model.render(z, kind=name))
        accs.append(float((got == k).mean()))
        spread = ", ".join(f"{kinds.names[j]} {np.mean(got == j):.0%}" for j in range(len(kinds)) if (got == j).any())
        print(f"  {name:<16} {accs[-1]:6.1%} as its own kind   ({spread})")
    got = nearest_kinds(model.render(z))
    share = ", ".join(f"{n} {np.mean(got == j):.0%} (folder {p:.0%})" for j, (n, p) in enumerate(zip(kinds.names,
                                                                                                    kinds.prior)))
    print(f"  mean {np.mean(accs):.1%}; Any kind: {share}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
