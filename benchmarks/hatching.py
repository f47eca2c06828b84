"""How hatched a generator's samples are: grey-level amplitude along the frequency axes near the top octave,
against the real pictures' (benchmarks/README.md §9).

    .venv/bin/python benchmarks/hatching.py ~/art/animals /tmp/qpm/default/samples-15min.png [more sheets …]

Each sheet is an 8×8 sample sheet written by benchmarks/quality_per_minute.py (64 tiles, 2 px apart). For each it
prints the mean amplitude at 24–31 cycles per 64 px within 2 cycles of the horizontal or vertical frequency axis
(periods of 2–2.7 px: the fine grid inside the animals) and on the diagonals at the same radius, each over the
real pictures' (1.0× = as the folder). Nearest-neighbour upsampling in G favours the axes; dcgan measured about 1×,
the projected default about 1.5×.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def amplitude(images: np.ndarray) -> np.ndarray:
    """uint8 (N, H, W, ≥3) → the mean 2-D amplitude spectrum of their grey levels, each image's mean removed."""
    grey = images[..., :3].astype(np.float64).mean(-1) / 255.0
    grey -= grey.mean(axis=(1, 2), keepdims=True)
    return np.abs(np.fft.fft2(grey)).mean(0)


def sheet_tiles(path: Path, size: int, rows: int = 8, pad: int = 2) -> np.ndarray:
    from PIL import Image
    a = np.asarray(Image.open(path).convert("RGB"))
    step = size + pad
    if a.shape[0] != rows * step + pad:
        raise SystemExit(f"{path}: not an {rows}×{rows} sheet of {size} px tiles")
    return np.stack([a[pad + r * step:pad + r * step + size, pad + c * step:pad + c * step + size]
                     for r in range(rows) for c in range(rows)])


def bands(size: int) -> tuple[np.ndarray, np.ndarray]:
    f = np.fft.fftfreq(size) * size
    fx, fy = np.meshgrid(np.abs(f), np.abs(f))
    top = np.maximum(fx, fy) >= size * 3 // 8
    return top & (np.minimum(fx, fy) <= 2), top & (np.minimum(fx, fy) >= size * 5 // 16)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", help="the folder the model was trained on")
    ap.add_argument("sheets", nargs="+", type=Path)
    ap.add_argument("--resolution", type=int, default=64)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from studio.core.config import TrainConfig
    from studio.core.dataset import build_dataset
    real = amplitude(build_dataset(TrainConfig(data_dir=args.data, resolution=args.resolution),
                                   write_cache=False).images)
    axes, diag = bands(args.resolution)
    for sheet in args.sheets:
        fake = amplitude(sheet_tiles(sheet, args.resolution))
        print(f"{sheet}  axes {fake[axes].mean() / real[axes].mean():.2f}×  diagonals "
              f"{fake[diag].mean() / real[diag].mean():.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
