"""GAN Studio's `dcgan` against a plain-PyTorch reference of the classic pytorch/examples DCGAN loop.

    .venv/bin/python benchmarks/dcgan_reference.py                 # CPU, 6 rounds of 5 steps each
    .venv/bin/python benchmarks/dcgan_reference.py --rounds 10 --steps 10 --device cuda

The reference is written from the published recipe (64 px, batch 64, nz 100, ngf = ndf = 64, fp32, eager,
nn.BCELoss on a Sigmoid output with real/fake labels, D step on the real batch then on G(z).detach(),
G step reusing that fake, and `.item()` on the printed losses every step). Both loops run in this one
process on the same device, in alternating timed blocks of N steps; we report the median images/s of
each and the ratio. Absolute numbers on shared machines are noise; the ratio is the figure.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402


# ---------------------------------------------------------------- the reference (pytorch/examples recipe)
class RefGenerator(nn.Module):
    def __init__(self, nz=100, ngf=64, nc=3):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z)


class RefDiscriminator(nn.Module):
    def __init__(self, ndf=64, nc=3):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, x):
        return self.main(x).view(-1, 1).squeeze(1)


def _init(m):
    name = type(m).__name__
    if "Conv" in name:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif "BatchNorm" in name:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


class Reference:
    """The loop body of the classic example, one call = one iteration (the data comes from RAM)."""

    def __init__(self, images: torch.Tensor, device, batch=64, nz=100, ngf=64, ndf=64, seed=0):
        torch.manual_seed(seed)
        self.device, self.batch, self.nz = device, batch, nz
        self.data = images.to(device)                   # float (N, 3, H, W) in [-1, 1], like the transforms
        self.netG = RefGenerator(nz, ngf).to(device)
        self.netD = RefDiscriminator(ndf).to(device)
        self.netG.apply(_init)
        self.netD.apply(_init)
        self.criterion = nn.BCELoss()
        self.optD = torch.optim.Adam(self.netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.optG = torch.optim.Adam(self.netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.real_label, self.fake_label = 1.0, 0.0
        self.last = ""

    def step(self):
        idx = torch.randint(0, self.data.shape[0], (self.batch,), device=self.device)
        real = self.data[idx]
        b = real.size(0)
        # (1) D: maximise log D(x) + log(1 - D(G(z)))
        self.netD.zero_grad()
        label = torch.full((b,), self.real_label, dtype=real.dtype, device=self.device)
        out = self.netD(real)
        err_real = self.criterion(out, label)
        err_real.backward()
        d_x = out.mean().item()
        noise = torch.randn(b, self.nz, 1, 1, device=self.device)
        fake = self.netG(noise)
        label.fill_(self.fake_label)
        out = self.netD(fake.detach())
        err_fake = self.criterion(out, label)
        err_fake.backward()
        d_gz1 = out.mean().item()
        err_d = err_real + err_fake
        self.optD.step()
        # (2) G: maximise log D(G(z))
        self.netG.zero_grad()
        label.fill_(self.real_label)
        out = self.netD(fake)
        err_g = self.criterion(out, label)
        err_g.backward()
        d_gz2 = out.mean().item()
        self.optG.step()
        self.last = f"Loss_D {err_d.item():.4f} Loss_G {err_g.item():.4f} D(x) {d_x:.4f} D(G(z)) {d_gz1:.4f}/{d_gz2:.4f}"


# ---------------------------------------------------------------- GAN Studio side
def synthetic_images(n: int, res: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    """Smooth random colour fields, uint8 (N, H, W, C) — content does not matter for speed."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (n, 4, 4, channels), dtype=np.uint8)
    rep = res // 4
    return np.ascontiguousarray(small.repeat(rep, 1).repeat(rep, 2))


def make_trainer(images: np.ndarray, device, run_dir: Path, **cfg_kw):
    """A Trainer over an in-memory array (no folder scan), for benchmarks."""
    from studio.core.config import TrainConfig
    from studio.core.dataset import Dataset, ScanReport
    from studio.core.run import RunFolder
    from studio.core.trainer import Trainer

    base = dict(data_dir=str(run_dir), resolution=int(images.shape[1]), augment=False, seed=0,
                log_every=10 ** 9, sample_every_kimg=10 ** 6, checkpoint_every_kimg=10 ** 6)
    base.update(cfg_kw)
    cfg = TrainConfig(**base).validate()
    run = RunFolder(run_dir).create(cfg)
    return Trainer(run, cfg, Dataset(images, ScanReport(str(run_dir))), device=device)


def sync(device) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def timed(fn, steps: int, batch: int, device) -> tuple[float, float]:
    """(images per wall second, images per process-CPU second) over `steps` calls of fn.

    CPU seconds are the contention-robust figure on a shared machine (other processes steal wall time,
    not our CPU time); on CUDA only the wall figure means anything."""
    sync(device)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        fn()
    sync(device)
    n = steps * batch
    return n / (time.perf_counter() - t0), n / max(time.process_time() - c0, 1e-9)


def compare(device="cpu", rounds=6, steps=5, warmup=2, n_images=512, log_every=10, quiet=False,
            precision="auto", compile=False) -> dict:
    """Alternate timed blocks of `steps` iterations of each loop; medians of images/s and the ratio."""
    device = torch.device(device)
    imgs = synthetic_images(n_images, 64)
    ref_data = torch.from_numpy(imgs).permute(0, 3, 1, 2).float().div(127.5).sub(1.0).contiguous()
    ref = Reference(ref_data, device)
    with tempfile.TemporaryDirectory() as tmp:
        tr = make_trainer(imgs, device, Path(tmp) / "run", arch="dcgan", width=64, z_dim=100, batch=64,
                          precision=precision, compile=compile)
        acc = torch.zeros(4, device=device)
        count = [0]

        def studio_step():                              # what Trainer.run does per step, minus I/O
            nonlocal acc
            acc += tr.train_step()
            count[0] += 1
            if count[0] % log_every == 0:
                acc.tolist()
                acc.zero_()

        for _ in range(warmup):
            ref.step()
            studio_step()
        r_ips, s_ips = [], []
        for i in range(rounds):
            order = [(ref.step, r_ips), (studio_step, s_ips)]
            for fn, out in (order if i % 2 == 0 else order[::-1]):
                out.append(timed(fn, steps, 64, device))
            if not quiet:
                print(f"  round {i + 1}/{rounds}: reference {r_ips[-1][0]:7.1f} img/s ({r_ips[-1][1]:6.1f}/cpu-s)"
                      f"   studio {s_ips[-1][0]:7.1f} img/s ({s_ips[-1][1]:6.1f}/cpu-s)", flush=True)
    med = lambda xs, k: statistics.median(x[k] for x in xs)  # noqa: E731
    r, s, rc, sc = med(r_ips, 0), med(s_ips, 0), med(r_ips, 1), med(s_ips, 1)
    return {"reference": r, "studio": s, "ratio": s / r, "reference_cpu": rc, "studio_cpu": sc,
            "ratio_cpu": sc / rc, "rounds": rounds, "steps": steps}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--steps", type=int, default=5, help="steps per timed block")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--compile", action="store_true", help="GAN Studio with torch.compile (warm-up compiles)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0 = leave as is)")
    ap.add_argument("--precision", default="auto", choices=["auto", "bf16", "fp32"],
                    help="GAN Studio's precision (the reference is always fp32, as published)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, device {args.device}, {torch.get_num_threads()} threads; "
          f"dcgan 64 px, batch 64, nz 100, ngf=ndf=64, fp32; {args.rounds} rounds x {args.steps} steps")
    t0 = time.perf_counter()
    res = compare(args.device, args.rounds, args.steps, args.warmup, precision=args.precision, compile=args.compile)
    if args.compile:
        print(f"(with compilation in the warm-up; whole comparison took {time.perf_counter() - t0:.0f} s)")
    print(f"reference (pytorch/examples loop): {res['reference']:.1f} img/s (median)")
    print(f"GAN Studio Trainer.train_step:     {res['studio']:.1f} img/s (median)")
    print(f"ratio studio / reference: {res['ratio']:.2f}x (wall)")
    if torch.device(args.device).type == "cpu":
        print(f"per process-CPU second: reference {res['reference_cpu']:.1f}, studio {res['studio_cpu']:.1f}, "
              f"ratio {res['ratio_cpu']:.2f}x (robust to other processes on the machine)")
    plain = os.environ.get("GANSTUDIO_PLAIN_EAGER", "") not in ("", "0")
    from studio.core.device import resolve_precision
    used = resolve_precision(args.precision, torch.device(args.device))
    print(f"speed paths: {'off (GANSTUDIO_PLAIN_EAGER=1)' if plain else 'on'}; GAN Studio precision: {args.precision} "
          f"(= {used} on this device){'; compiled' if args.compile else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
