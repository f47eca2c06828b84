"""Animate's MP4 export through the upscaler: frames per second written, model size vs ×4 (issue 27).

    .venv/bin/python benchmarks/animate_upscaled.py [MODEL] [--frames 96] [--threads 2]

MODEL defaults to the bundled demo model (64 px). Its own ×2 upscaler cannot make ×4, so the ×4 run uses a fresh
CompactSR of the default size (×4, width 32, depth 8): the speed does not depend on what it learnt. Each run is
what Animate's Export does: FrameSource (batches of 16, the generator, then the upscaler) into write_animation
(H.264, crf 18), timed end to end; Lanczos ×4 (FrameSource size=) is printed for comparison.

First figures (2026-12-04, the shared 2-core Xeon with other sessions' tests running, load 5–7, 2 threads, two runs):
model size 64 px 78–106 frames/s; ×4 Lanczos 256 px 36–76 frames/s; ×4 upscaler 256 px 14.5–23 frames/s
(43–69 ms a frame, CPU ≈ wall). A 10 s clip at 24 fps exports in about 10–17 s.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", nargs="?")
    ap.add_argument("--frames", type=int, default=96)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from studio.core import animation as an
    from studio.core.checkpoint import load_generator
    from studio.core.demo_data import demo_model_path
    from studio.core.upscaler import CompactSR, Upscaler, UpscalerSpec
    from studio.core.video import write_animation

    model = load_generator(args.model or demo_model_path(), "cpu")
    res = model.spec.resolution
    spec = UpscalerSpec(4, 32, 8)
    up = Upscaler(CompactSR(spec).eval().requires_grad_(False).to(memory_format=torch.channels_last), spec)
    anim = an.KeyframePath.fit(an.seeds_path([1, 2, 3, 4], model.z_dim), 24, args.frames / 24, loop=True)
    runs = [("model size", {}), ("×4 Lanczos", {"size": 4 * res}),
            ("×4 upscaler", {"upscale": lambda imgs: up.upscale(imgs, 4)})]
    print(f"{model.path.name}: {res} px, {len(an.FrameSource(model, anim))} frames at 24 fps, "
          f"{torch.get_num_threads()} threads")
    with tempfile.TemporaryDirectory() as tmp:
        for name, kw in runs:
            frames = an.FrameSource(model, anim, **kw)
            t0, c0 = time.perf_counter(), time.process_time()
            write_animation(Path(tmp) / "a.mp4", frames, 24, crf=18)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            side = frames[0].shape[0]
            print(f"  {name:12s} {side:4d} px: {len(frames) / wall:6.1f} frames/s wall "
                  f"({1000 * wall / len(frames):.1f} ms/frame; {1000 * cpu / len(frames):.1f} ms CPU/frame)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
