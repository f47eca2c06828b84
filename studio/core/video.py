"""Animation writers: GIF, WebP, MP4 (H.264) and PNG sequences, frame-exact, atomic, cancellable.

`write_animation(path, frames, fps, ...)` takes any sized sequence of uint8 (H, W, C) frames (a list, or
animation.FrameSource which renders lazily) and writes exactly len(frames) frames at `fps`:
- MP4: PyAV (FFmpeg + libx264 ship inside its wheel), H.264 yuv420p, constant frame rate, `crf` quality;
  odd widths/heights are padded by one edge pixel (yuv420p needs even sizes).
- GIF: one global palette fitted to 12 sampled frames (median cut refined by k-means), no dithering by
  default (dithering 'boils' in motion; dither=True for Floyd–Steinberg), loops forever. GIF delays are whole centiseconds, so frame
  i lasts round(100(i+1)/fps) − round(100·i/fps) cs: the clock never drifts (total = frames/fps exactly
  at whole 1/100 s) and each frame is within 1 cs of 1/fps; fps 10, 20, 25 and 50 are exact per frame.
  GIF is limited to 50 fps (players stretch shorter delays). Pillow merges identical consecutive frames,
  so a repeated frame gets one pixel switched to a twin palette entry of the same colour (invisible).
- WebP: Pillow/libwebp, loops forever, millisecond delays with the same drift-free rounding. libwebp
  merges identical consecutive frames into one longer frame (the timing stays exact).
- PNG sequence: a folder frame_00000.png …, written beside the target and renamed when complete.
Every format is written to a temporary name and renamed when done: failure or cancel leaves nothing.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from PIL import Image

from .animation import FPS_RANGE
from .dataset import Cancelled
from .files import atomic_path
from .errors import StudioError

FORMATS = ("gif", "webp", "mp4", "png")
GIF_MAX_FPS = 50


class VideoError(StudioError, ValueError):
    """An export that cannot be written; the message says why."""


def format_of(path: Path) -> str:
    """'.gif' / '.webp' / '.mp4' → that format; a path without a suffix (a folder) → 'png' sequence."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if not suffix:
        return "png"
    if suffix not in ("gif", "webp", "mp4"):
        raise VideoError(f"cannot write '.{suffix}': use .gif, .webp, .mp4 or a folder for PNG frames")
    return suffix


def frame_durations(count: int, fps: int, unit: int) -> list[int]:
    """Per-frame delays in 1/unit s with no cumulative drift (unit 100 for GIF, 1000 for WebP)."""
    edges = [round(unit * i / fps) for i in range(count + 1)]
    return [b - a for a, b in zip(edges, edges[1:])]


def _flatten(frame: np.ndarray, background=(0, 0, 0)) -> np.ndarray:
    """RGBA → RGB over a background colour; greyscale → RGB."""
    if frame.shape[-1] == 4:
        a = frame[..., 3:4].astype(np.float32) / 255.0
        rgb = frame[..., :3].astype(np.float32) * a + np.asarray(background, np.float32) * (1 - a)
        return (rgb + 0.5).astype(np.uint8)
    if frame.shape[-1] == 1:
        return np.repeat(frame, 3, -1)
    return frame


def write_animation(path: Path, frames: Sequence[np.ndarray], fps: int, *, fmt: str | None = None,
                    crf: int = 18, quality: int = 90, background=(0, 0, 0), dither: bool = False,
                    progress: Callable[[int, int], None] | None = None,
                    cancel: threading.Event | None = None) -> Path:
    """Write all frames to `path`; returns the path. Raises Cancelled (nothing written) or VideoError."""
    path = Path(path)
    fmt = fmt or format_of(path)
    if fmt not in FORMATS:
        raise VideoError(f"unknown format '{fmt}': choose {', '.join(FORMATS)}")
    if not isinstance(fps, int) or not FPS_RANGE[0] <= fps <= FPS_RANGE[1]:
        raise VideoError(f"fps must be a whole number from {FPS_RANGE[0]} to {FPS_RANGE[1]}")
    if fmt == "gif" and fps > GIF_MAX_FPS:
        raise VideoError(f"GIF plays at most {GIF_MAX_FPS} fps reliably; choose a lower fps or MP4/WebP")
    if not 0 <= crf <= 51:
        raise VideoError("MP4 quality (crf) must be between 0 (best) and 51")
    total = len(frames)
    if total < 1:
        raise VideoError("there are no frames to write")
    cancel = cancel or threading.Event()

    def frames_checked():
        for i, f in enumerate(frames):
            if cancel.is_set():
                raise Cancelled("export cancelled")
            yield np.ascontiguousarray(f)
            if progress:
                progress(i + 1, total)

    if fmt == "png":
        _write_png_folder(path, frames_checked())
        return path
    with atomic_path(path, "." + fmt) as tmp:
        if fmt == "mp4":
            _write_mp4(tmp, frames_checked(), fps, crf, background)
        elif fmt == "gif":
            _write_gif(tmp, frames, frames_checked(), fps, background, dither)
        else:
            _write_webp(tmp, frames_checked(), total, fps, quality)
        if cancel.is_set():
            raise Cancelled("export cancelled")
    return path


def _write_mp4(tmp: Path, frames, fps: int, crf: int, background) -> None:
    import av
    from fractions import Fraction

    with av.open(str(tmp), mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = None
        for f in frames:
            rgb = _flatten(f, background)
            h, w = rgb.shape[:2]
            if h % 2 or w % 2:
                rgb = np.pad(rgb, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
            if stream is None:
                stream = container.add_stream("libx264", rate=fps)
                stream.width, stream.height = rgb.shape[1], rgb.shape[0]
                stream.pix_fmt = "yuv420p"
                stream.time_base = Fraction(1, fps)
                stream.options = {"crf": str(int(crf)), "preset": "medium"}
                index = 0
            elif (rgb.shape[1], rgb.shape[0]) != (stream.width, stream.height):
                raise VideoError("all frames of a video must have the same size")
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            index += 1
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _palette_image(samples: list[np.ndarray]) -> tuple[Image.Image, int]:
    """255 colours fitted to sample frames (median cut refined by k-means) + a twin (index 255) of the
    most used colour, for making repeated frames differ invisibly."""
    import torch
    px = np.concatenate([f[..., :3].reshape(-1, 3) for f in samples])
    rng = np.random.default_rng(0)
    px = px[rng.choice(len(px), 40000, replace=False)] if len(px) > 40000 else px
    init = Image.fromarray(np.ascontiguousarray(px[None])).quantize(255, method=Image.Quantize.MEDIANCUT)
    centres = torch.tensor(init.getpalette()[:765], dtype=torch.float32).reshape(-1, 3)
    centres = torch.cat([centres, centres[-1:].repeat(255 - len(centres), 1)]) if len(centres) < 255 else centres
    x = torch.from_numpy(px.astype(np.float32))
    for _ in range(8):                                       # Lloyd iterations: a few dB over median cut
        label = torch.cdist(x, centres).argmin(1)
        count = torch.bincount(label, minlength=255).float()
        sums = torch.zeros_like(centres).index_add_(0, label, x)
        centres = torch.where(count[:, None] > 0, sums / count.clamp_min(1)[:, None], centres)
    label = torch.cdist(x, centres).argmin(1)
    common = int(torch.bincount(label, minlength=255).argmax())
    pal = (centres + 0.5).clamp(0, 255).to(torch.uint8).reshape(-1).tolist()
    pal += pal[common * 3:common * 3 + 3]
    out = Image.new("P", (1, 1))
    out.putpalette(pal)
    return out, common


def _write_gif(tmp: Path, source: Sequence[np.ndarray], frames, fps: int, background, dither: bool) -> None:
    total = len(source)
    picks = sorted({round(i * (total - 1) / 11) for i in range(12)}) if total > 1 else [0]
    pal_img, common = _palette_image([_flatten(source[i], background) for i in picks])
    durations = [10 * d for d in frame_durations(total, fps, 100)]   # Pillow writes int(ms / 10) cs

    def indexed():
        prev = None
        for f in frames:
            q = Image.fromarray(_flatten(f, background)).quantize(
                palette=pal_img, dither=Image.Dither.FLOYDSTEINBERG if dither else Image.Dither.NONE)
            a = np.asarray(q).copy()
            if prev is not None and np.array_equal(a, prev):
                spot = np.flatnonzero((a == common) | (a == 255))
                flat = a.reshape(-1)
                j = spot[0] if len(spot) else 0
                flat[j] = (255 if flat[j] == common else common) if len(spot) else (flat[j] + 1) % 255
                q = Image.fromarray(a, "P")
                q.putpalette(pal_img.getpalette())
            prev = a
            yield q

    it = indexed()
    first = next(it)
    first.save(tmp, format="GIF", save_all=True, append_images=it, duration=durations, loop=0,
               optimize=False, disposal=1)


def _write_webp(tmp: Path, frames, total: int, fps: int, quality: int) -> None:
    durations = frame_durations(total, fps, 1000)

    def images():
        for f in frames:
            yield Image.fromarray(f if f.shape[-1] in (3, 4) else np.repeat(f, 3, -1))

    it = images()
    first = next(it)
    first.save(tmp, format="WEBP", save_all=True, append_images=it, duration=durations, loop=0,
               quality=int(quality), method=4)


def _write_png_folder(path: Path, frames) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise VideoError(f"{path} already exists and is not an empty folder: choose a new folder name")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
    try:
        for i, f in enumerate(frames):
            Image.fromarray(f.squeeze(-1) if f.shape[-1] == 1 else f).save(tmp / f"frame_{i:05d}.png")
        if path.exists():
            path.rmdir()
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
