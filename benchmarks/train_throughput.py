"""Training throughput (images/s) of each architecture at 64/128/256 px on this device.

    .venv/bin/python benchmarks/train_throughput.py                       # ~3 s per config, batch 16
    .venv/bin/python benchmarks/train_throughput.py --seconds 20 --batch 64 --arch dcgan --res 64 128

Runs Trainer.train_step (augment on, as artists train) after one warm-up step, for at least --seconds
and at least --min-steps steps. Prints wall images/s and, on CPU, images per process-CPU second (robust to
other processes on a shared machine). --flops also counts one step's floating-point operations once (PyTorch's
FlopCounterMode: matrix products and convolutions, forward and backward) and prints the GFLOP/s achieved against
the CPU's fp32 peak (the cores its threads use × FMA lanes × 2 FMA units × 2 × clock; how each figure was found is printed).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from dcgan_reference import make_trainer, sync, synthetic_images  # noqa: E402


def cpu_peak() -> tuple[float, str]:
    """The CPU's fp32 peak in GFLOP/s and how it was found (/proc/cpuinfo: flags, BogoMIPS = 2 × the clock)."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    flags = set(next((ln.split(":", 1)[1].split() for ln in info.splitlines() if ln.startswith("flags")), []))
    bogo = next((float(ln.split(":")[1]) for ln in info.splitlines() if ln.lower().startswith("bogomips")), 0.0)
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    if lanes == 16 and os.environ.get("ONEDNN_MAX_CPU_ISA", "").upper().startswith("AVX2"):
        lanes, flags = 8, flags - {"avx512f", "avx512_bf16", "amx_bf16"}    # oneDNN held to AVX2: that CPU's peak
    cores = min(os.cpu_count() or 1, torch.get_num_threads())      # the cores this process computes on
    ghz = bogo / 2000
    peak = cores * lanes * 2 * 2 * ghz
    return peak, (f"{cores} cores × {lanes} fp32 lanes ({'avx512f' if lanes == 16 else 'avx2'}) × 2 FMA units × 2 "
                  f"× {ghz:.2f} GHz (BogoMIPS/2) = {peak:.0f} GFLOP/s; flags: "
                  + " ".join(f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in flags))


def step_flops(tr) -> float:
    """Floating-point operations of one training step, counted once."""
    from torch.utils.flop_counter import FlopCounterMode
    counter = FlopCounterMode(display=False)
    with counter:
        tr.train_step()
    return float(counter.get_total_flops())


def measure(arch: str, res: int, device, batch: int, seconds: float, min_steps: int, augment: bool,
            width: int | None, flops: bool = False, precision: str = "auto") -> dict:
    from studio.core.config import arch_defaults
    from studio.core.models.registry import get_arch
    kw = dict(arch=arch, batch=batch, augment=augment, loss=get_arch(arch).loss, precision=precision,
              **arch_defaults(arch))
    if arch == "projected" and not width:
        from studio.session.settings import CPU_WIDTH
        kw["width"] = CPU_WIDTH.get(res, 8) if torch.device(device).type == "cpu" else 32
    if width:
        kw["width"] = width
    imgs = synthetic_images(max(64, batch * 2), res)
    with tempfile.TemporaryDirectory() as tmp:
        tr = make_trainer(imgs, device, Path(tmp) / "run", **kw)
        tr.train_step()                                        # warm-up (allocations, oneDNN kernels)
        counted = step_flops(tr) if flops else 0.0
        sync(device)
        t0, c0, steps = time.perf_counter(), os.times(), 0
        while steps < min_steps or time.perf_counter() - t0 < seconds:
            tr.train_step()
            steps += 1
        sync(device)
        wall, c1 = time.perf_counter() - t0, os.times()
        user, kernel = c1.user - c0.user, c1.system - c0.system
        return {"arch": arch, "res": res, "batch": batch, "width": tr.cfg.width, "steps": steps,
                "ips": steps * batch / wall, "ips_cpu": steps * batch / max(user + kernel, 1e-9),
                "kernel": kernel / max(user + kernel, 1e-9),
                "channels_last": tr.memory_format is not None, "bf16": tr.amp,
                "gflop_step": counted / 1e9, "gflops": counted * steps / wall / 1e9}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="auto", help="auto | cpu | cuda | mps")
    ap.add_argument("--arch", nargs="+", default=["projected", "dcgan", "fastgan"])
    ap.add_argument("--res", nargs="+", type=int, default=[64, 128, 256])
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--width", type=int, default=0, help="base width (0 = each config's default)")
    ap.add_argument("--seconds", type=float, default=3.0, help="minimum timed seconds per config")
    ap.add_argument("--min-steps", type=int, default=2)
    ap.add_argument("--no-augment", action="store_true")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0 = the default)")
    ap.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16"),
                    help="as the run's setting (fp32 with ONEDNN_MAX_CPU_ISA=AVX2: a CPU without AVX-512 or bf16)")
    ap.add_argument("--flops", action="store_true", help="count a step's FLOPs: GFLOP/s against the CPU's peak")
    ap.add_argument("--plain-heap", action="store_true",
                    help="leave glibc's malloc untuned (GANSTUDIO_PLAIN_HEAP=1; studio/core/allocator.py)")
    args = ap.parse_args(argv)
    if args.plain_heap:
        os.environ["GANSTUDIO_PLAIN_HEAP"] = "1"
    from studio.core import allocator
    heap = "tuned" if allocator.one_arena() else "plain"        # before torch starts its threads, as ganstudio
    if args.threads:
        torch.set_num_threads(args.threads)
    from studio.core.device import describe, pick_device
    device = pick_device(args.device)
    paths = "off (GANSTUDIO_PLAIN_EAGER=1)" if os.environ.get("GANSTUDIO_PLAIN_EAGER", "") not in ("", "0") else "on"
    print(f"torch {torch.__version__} on {describe(device)}; batch {args.batch}, augment "
          f"{'off' if args.no_augment else 'on'}, >= {args.seconds:g} s and >= {args.min_steps} steps per config; "
          f"speed paths {paths}; C heap {heap}; {torch.get_num_threads()} threads")
    if args.flops and device.type == "cpu":
        print("peak: " + cpu_peak()[1])
    print(f"{'arch':8} {'res':>4} {'width':>5} {'steps':>5} {'img/s':>8} {'img/cpu-s':>10} {'kernel':>7}  layout")
    for arch in args.arch:
        for res in args.res:
            if arch == "dcgan" and res > 256:
                continue
            r = measure(arch, res, device, args.batch, args.seconds, args.min_steps, not args.no_augment,
                        args.width or None, args.flops, args.precision)
            cpu = (f"{r['ips_cpu']:10.1f} {r['kernel']:7.0%}" if device.type == "cpu"
                   else f"{'-':>10} {'-':>7}")
            layout = ("channels_last" if r["channels_last"] else "default") + (" bf16" if r["bf16"] else " fp32")
            fl = (f"  {r['gflop_step']:.2f} GFLOP/step, {r['gflops']:.1f} GFLOP/s ({r['gflops'] / cpu_peak()[0]:.0%} "
                  "of the fp32 peak)") if args.flops and device.type == "cpu" else ""
            print(f"{arch:8} {res:4d} {r['width']:5d} {r['steps']:5d} {r['ips']:8.1f} {cpu}  {layout}{fl}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
