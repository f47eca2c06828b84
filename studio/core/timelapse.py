"""Training time-lapse: a run's saved sample grids, oldest first, as animation frames with a caption."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .run import RunFolder
from .errors import StudioError


class TimelapseError(StudioError, ValueError):
    pass


class TimelapseFrames:
    """A lazy sequence of frames (uint8 H, W, 3), one per saved sample grid, each `hold` times."""

    def __init__(self, run_dir: Path, size: int | None = None, caption: bool = True, hold: int = 1):
        self.run = RunFolder(run_dir)
        self.files = self.run.sample_files()
        if not self.files:
            raise TimelapseError(f"{run_dir} has no saved sample grids yet: train it first")
        try:
            self.batch = self.run.config().batch
        except Exception:                    # an unreadable config only costs the kimg caption
            self.batch = None
        self.size, self.caption, self.hold = size, caption, max(1, int(hold))
        first = Image.open(self.files[0][1])
        w, h = first.size
        if size:
            w, h = int(size), max(2, round(int(size) * h / w))
        self.shape = (h + (h % 2), w + (w % 2))

    def __len__(self) -> int:
        return len(self.files) * self.hold

    def __getitem__(self, i: int) -> np.ndarray:
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        step, path = self.files[(i % len(self)) // self.hold]
        with Image.open(path) as im:
            im = im.convert("RGB")
            if im.size != (self.shape[1], self.shape[0]):
                im = im.resize((self.shape[1], self.shape[0]), Image.Resampling.LANCZOS)
        if self.caption:
            self._caption(im, step)
        return np.asarray(im)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def _caption(self, im: Image.Image, step: int) -> None:
        text = f"step {step}" + (f"  ·  {step * self.batch / 1000:.1f} kimg" if self.batch else "")
        draw = ImageDraw.Draw(im, "RGBA")
        font = ImageFont.load_default(size=max(9, im.height // 28))
        x0, y0, x1, y1 = draw.textbbox((0, 0), text, font=font)
        pad = max(2, im.height // 120)
        y = im.height - (y1 - y0) - 3 * pad
        draw.rectangle((0, y - pad, x1 - x0 + 3 * pad, im.height), fill=(0, 0, 0, 160))
        draw.text((pad - x0, y - y0), text, fill=(240, 240, 240, 255), font=font)
