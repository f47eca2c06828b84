"""`ganstudio demo-data OUT_DIR`: write a folder of procedural abstract-art images to train on."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from .common import CliError


def add_parser(sub) -> None:
    p = sub.add_parser("demo-data", help="write a folder of generated abstract-art images to try training on",
                       description="Write COUNT procedurally painted abstract images (palette, gradient, "
                       "texture and shapes vary) to OUT_DIR. The same --seed always gives the same files.")
    p.add_argument("out_dir", metavar="OUT_DIR")
    p.add_argument("--count", type=int, default=1000, metavar="N", help="number of images (default 1000)")
    p.add_argument("--size", type=int, default=64, metavar="PX", help="square size in px, 16-1024 (default 64)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed (default 0)")
    p.set_defaults(func=run)


def run(args) -> int:
    from studio.core.demo_data import write_demo_images

    if args.count < 1:
        raise CliError(f"--count must be at least 1, not {args.count}")
    if not 16 <= args.size <= 1024:
        raise CliError(f"--size must be from 16 to 1024 px, not {args.size}")
    out = Path(args.out_dir)
    if out.exists() and not out.is_dir():
        raise CliError(f"{out} is a file: choose a folder for the images")
    tty = sys.stderr.isatty()

    def progress(done, total):
        if tty:
            sys.stderr.write(f"\rpainting {done}/{total}")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    t0 = time.perf_counter()
    paths = write_demo_images(out, args.count, args.size, args.seed, progress)
    print(f"wrote {len(paths)} images ({args.size}x{args.size} px, seed {args.seed}) to {out} "
          f"in {time.perf_counter() - t0:.1f} s")
    print(f"train on them with: ganstudio train {out} --out runs/demo-art")
    return 0
