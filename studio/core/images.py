"""Reading one image file the way artists' folders really are.

`load_image` decodes any supported file to a uint8 HxWxC array (C = 3 or 4) or raises
`ImageSkipped` with a one-line reason. `fit_square` crops, pads or stretches to a square.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import StudioError

FORMATS = {"PNG", "JPEG", "MPO", "WEBP", "BMP", "TIFF", "GIF"}
ACCEPTED = "PNG, JPEG, WebP, BMP, TIFF and GIF"
MAX_PIXELS = 80_000_000          # larger declared sizes are refused before decoding (bombs)


class ImageSkipped(StudioError):
    """The file cannot be used; str(e) is the reason shown to the artist."""


def parse_colour(text: str) -> tuple[int, int, int]:
    """'#rrggbb', 'rrggbb', 'white', 'black' or 'r,g,b' → (r, g, b)."""
    t = (text or "").strip().lower()
    named = {"white": (255, 255, 255), "black": (0, 0, 0), "grey": (128, 128, 128), "gray": (128, 128, 128)}
    if t in named:
        return named[t]
    if "," in t:
        parts = [int(p) for p in t.split(",")]
        if len(parts) == 3 and all(0 <= p <= 255 for p in parts):
            return tuple(parts)  # type: ignore[return-value]
    else:
        h = t.lstrip("#")
        if len(h) == 6:
            try:
                return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
            except ValueError:
                pass
    raise ValueError(f"'{text}' is not a colour: use #rrggbb, r,g,b, white or black")


def _to_8bit(im: Image.Image) -> Image.Image:
    """16-bit and float greyscale modes → 'L' by scaling, not clipping."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        a = np.asarray(im, dtype=np.float64)
        hi = 65535.0 if a.max(initial=0) > 255 or im.mode.startswith("I;16") else 255.0
        if im.mode == "F" and a.max(initial=0) <= 1.0:
            hi = 1.0
        return Image.fromarray(np.clip(a / hi * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")
    return im


def _normalise_mode(im: Image.Image) -> Image.Image:
    """Any mode → 'RGB' or 'RGBA' (alpha only when the image really has transparency)."""
    im = _to_8bit(im)
    if im.mode == "P":
        im = im.convert("RGBA") if "transparency" in im.info else im.convert("RGB")
    elif im.mode in ("LA", "La", "PA", "RGBa"):
        im = im.convert("RGBA")
    elif im.mode == "L" and "transparency" in im.info:
        im = im.convert("RGBA")
    elif im.mode == "RGB" and "transparency" in im.info:
        im = im.convert("RGBA")
    elif im.mode not in ("RGB", "RGBA"):
        im = im.convert("RGB")          # L, 1, CMYK, YCbCr, LAB, HSV
    return im


def load_image(path: Path | str, channels: str = "rgb", background=(255, 255, 255),
               min_size: int = 16, max_pixels: int = MAX_PIXELS, draft_size: int | None = None) -> np.ndarray:
    """Decode `path` to uint8 HxWx3 (rgb) or HxWx4 (rgba); raise ImageSkipped with a reason."""
    path = Path(path)
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        raise ImageSkipped("disappeared while being read") from None
    except OSError as e:
        raise ImageSkipped(f"cannot be read ({e.strerror or e})") from None
    if size == 0:
        raise ImageSkipped("empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                if im.format not in FORMATS:
                    raise ImageSkipped(f"{im.format} images are not supported (accepted: {ACCEPTED})")
                w, h = im.size
                if w * h > max_pixels:
                    raise ImageSkipped(f"declares {w}x{h} pixels, over the {max_pixels // 1_000_000} MP limit "
                                       "(refused without decoding: possible decompression bomb)")
                if min(w, h) < min_size:
                    raise ImageSkipped(f"too small ({w}x{h}; the shorter side must be at least {min_size} px)")
                if getattr(im, "n_frames", 1) > 1:
                    im.seek(0)
                if draft_size and im.format == "JPEG":
                    im.draft("RGB", (draft_size, draft_size))
                im.load()
                im = ImageOps.exif_transpose(im)
                im = _normalise_mode(im)
    except ImageSkipped:
        raise
    except UnidentifiedImageError:
        raise ImageSkipped(f"not an image (accepted: {ACCEPTED})") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageSkipped("declares too many pixels (refused: possible decompression bomb)") from None
    except PermissionError:
        raise ImageSkipped("cannot be read (permission denied)") from None
    except FileNotFoundError:
        raise ImageSkipped("disappeared while being read") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, MemoryError) as e:
        raise ImageSkipped(f"truncated or corrupt ({str(e) or type(e).__name__})") from None
    if channels == "rgba":
        if im.mode != "RGBA":
            im = im.convert("RGBA")
    elif im.mode == "RGBA":
        base = Image.new("RGB", im.size, tuple(background))
        base.paste(im, mask=im.getchannel("A"))
        im = base
    return np.asarray(im, dtype=np.uint8).copy()


def fit_square(img: np.ndarray, resolution: int, fit: str = "crop", background=(255, 255, 255)) -> np.ndarray:
    """Resize a uint8 HxWxC image to resolution² by centre-crop, pad (letterbox) or stretch."""
    h, w, c = img.shape
    im = Image.fromarray(img)
    if fit == "crop":
        s = min(w, h)
        left, top = (w - s) // 2, (h - s) // 2
        im = im.crop((left, top, left + s, top + s))
    elif fit == "pad":
        s = max(w, h)
        fill = tuple(background) + ((0,) if c == 4 else ())
        canvas = Image.new(im.mode, (s, s), fill)
        canvas.paste(im, ((s - w) // 2, (s - h) // 2))
        im = canvas
    elif fit != "stretch":
        raise ValueError(f"unknown fit mode '{fit}'")
    if im.size != (resolution, resolution):
        im = im.resize((resolution, resolution), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return np.asarray(im, dtype=np.uint8)


def resize_lanczos(img: np.ndarray, width: int, height: int) -> np.ndarray:
    """A uint8 (H, W, C) picture at (height, width, C) by Lanczos; the same size comes back as it is."""
    img = np.asarray(img)
    if img.shape[:2] == (height, width):
        return img
    im = Image.fromarray(img[..., 0] if img.shape[2] == 1 else img)
    return np.asarray(im.resize((width, height), Image.Resampling.LANCZOS)).reshape(height, width, -1)
