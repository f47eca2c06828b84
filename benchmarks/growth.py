"""Progressive growth: quality per minute of a model trained small, then grown to twice the size.

    .venv/bin/python benchmarks/growth.py ~/art/animals --first 10 --then 5 10 20 --threads 1 --out /tmp/grow
    .venv/bin/python benchmarks/growth.py ~/art/animals --first 10 --then 5 10 20 --threads 1 --out /tmp/grow \
        --scratch                  # and the comparison: the same recipe at the full size from scratch

Stage 1 (OUT/small) trains the default recipe (or --arch) at --resolution (64) for --first minutes; stage 2
(OUT/grown) starts from it at twice the size, as `ganstudio train --init-from` does (half the width, so every
trained block is kept; the new block fades in over --fade-kimg thousand images), and is measured at each --then
mark. --scratch adds OUT/scratch: the full size from scratch, measured at first + each mark, so the two compare at
equal total minutes. Each stage is benchmarks/quality_per_minute.py (its clock, measurements and sample sheets);
OUT/summary.jsonl gathers every measurement with its stage and total minutes. For the comparison on two cores,
run the stages side by side instead: quality_per_minute.py --resolution 128 … for the scratch row, and this script
without --scratch.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _stage(qpm, data: str, out: Path, common: list[str], *extra: str) -> list[dict]:
    if qpm.main([data, "--out", str(out), *common, *extra]) != 0:
        raise SystemExit(f"stage {out.name} failed")
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines() if line.strip()]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("--out", required=True)
    ap.add_argument("--first", type=float, required=True, help="minutes at --resolution before growing")
    ap.add_argument("--then", nargs="+", type=float, required=True, help="marks (minutes) after growing")
    ap.add_argument("--resolution", type=int, default=64, help="the first stage's size (grown to twice this)")
    ap.add_argument("--arch", default="projected")
    ap.add_argument("--fade-kimg", type=float, default=20.0)
    ap.add_argument("--scratch", action="store_true", help="also train the full size from scratch (comparison)")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--count", type=int, default=500, help="generated images per measurement")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--clock", choices=["cpu", "wall"], default="cpu")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="TrainConfig fields, every stage")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import quality_per_minute as qpm

    out = Path(args.out)
    common = ["--arch", args.arch, "--threads", str(args.threads), "--count", str(args.count),
              "--seed", str(args.seed), "--clock", args.clock]
    sets = ["--set", *args.set] if args.set else []
    small = _stage(qpm, args.data, out / "small", common, "--resolution", str(args.resolution),
                   "--minutes", str(args.first), *sets)
    width = json.loads((out / "small" / "recipe.json").read_text())["width"]
    grown = _stage(qpm, args.data, out / "grown", common, "--resolution", str(args.resolution * 2),
                   "--width", str(width // 2), "--minutes", *map(str, args.then),
                   "--set", f"init_from={(out / 'small' / 'run').resolve()}", f"fade_kimg={args.fade_kimg}",
                   *args.set)
    rows = [dict(r, stage="small", total_minutes=r["minutes"]) for r in small]
    rows += [dict(r, stage="grown", total_minutes=args.first + r["minutes"]) for r in grown]
    if args.scratch:
        scratch = _stage(qpm, args.data, out / "scratch", common, "--resolution", str(args.resolution * 2),
                         "--width", str(width // 2), "--minutes",
                         *(str(args.first + m) for m in args.then), *sets)
        rows += [dict(r, stage="scratch", total_minutes=r["minutes"]) for r in scratch]
    with open(out / "summary.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    for r in rows:
        print(f"{r['stage']:8s} {r['total_minutes']:6g} min total  {r['kimg']:7.2f} kimg  "
              f"KID {r['kid_lite1'] * 1e3:7.2f}e-3  {r['sheet']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
