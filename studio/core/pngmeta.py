"""GAN Studio metadata in PNG text chunks: written on every export, read back defensively.

One iTXt chunk with keyword "ganstudio" holds JSON (model identity, seed, ψ, direction values,
the latent z, and for an enlarged picture `"upscale": {"factor": f, "from": [w, h]}`, see `upscale_record`). Reading walks the PNG chunks itself with hard size limits — never PIL's text
parser — and validates every value, so an oversized, malformed or hostile file raises
PngMetaError with a readable reason and nothing out of range ever reaches the explorer.
"""
from __future__ import annotations

import json
import math
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from .files import atomic_path
from .errors import StudioError

KEY = "ganstudio"
FORMAT = "ganstudio-image"
SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_FILE = 256 * 1024 * 1024
MAX_TEXT = 2 * 1024 * 1024          # largest metadata text accepted (compressed or not)
MAX_DIM = 4096
Z_LIMIT = 1e3                       # |z_i| beyond this is no Gaussian latent
PSI_RANGE = (-1.0, 2.0)
DIR_LIMIT = 10.0
MAX_DIRECTION_INDEX = 63
UPSCALE_FACTORS = (2, 4)            # what an "upscale" record may say (an upscaler's factors)


class PngMetaError(StudioError, ValueError):
    pass


@dataclass
class ImageMeta:
    identity: str
    model_name: str
    z_dim: int
    seed: int
    psi: float
    directions: dict[int, float]
    z: torch.Tensor
    z_base: torch.Tensor | None
    label: str
    raw: dict
    upscale: int = 1                # the factor the picture was enlarged by (1: the model's size)


# ---------------------------------------------------------------- writing
def upscale_record(factor: int, size: tuple[int, int], by: str | None = None) -> dict:
    """The metadata of a picture enlarged `factor` times from `size` (w, h): by the model's upscaler, or `by`
    another way ("lanczos")."""
    return {"factor": int(factor), "from": [int(size[0]), int(size[1])], **({"by": by} if by else {})}


def _upscale(image: np.ndarray, scale: int) -> Image.Image:
    im = Image.fromarray(image)
    if scale and scale != 1:
        im = im.resize((im.width * scale, im.height * scale), Image.LANCZOS)
    return im


def save_png(path: Path, image: np.ndarray, meta: dict | None = None, scale: int = 1) -> Path:
    """Write uint8 HxWxC as PNG (upscaled 2×/4× with Lanczos if asked), metadata in its text chunks."""
    info = PngInfo()
    info.add_text("Software", "GAN Studio")
    if meta:
        doc = {"format": FORMAT, "version": 1, **meta}
        info.add_itxt(KEY, json.dumps(doc, separators=(",", ":")), zip=True)
        bits = [f"seed {meta['seed']}" if "seed" in meta else "", f"psi {meta['psi']:g}" if "psi" in meta else ""]
        info.add_text("Description", "GAN Studio image " + ", ".join(b for b in bits if b))
    path = Path(path)
    with atomic_path(path, ".png") as tmp:
        _upscale(image, scale).save(tmp, format="PNG", pnginfo=info)
    return path


# ---------------------------------------------------------------- reading
def _chunks(data: bytes):
    if data[:8] != SIGNATURE:
        raise PngMetaError("not a PNG file")
    pos = 8
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        if pos + 12 + length > len(data):
            raise PngMetaError("the PNG is truncated")
        yield ctype, length, pos + 8
        if ctype == b"IEND":
            return
        pos += 12 + length


def _inflate(body: bytes) -> bytes:
    d = zlib.decompressobj()
    try:
        out = d.decompress(body, MAX_TEXT + 1)
    except zlib.error:
        raise PngMetaError("the image's GAN Studio metadata is damaged") from None
    if len(out) > MAX_TEXT or d.unconsumed_tail:
        raise PngMetaError("the image's GAN Studio metadata is too large")
    return out


def read_text(data: bytes) -> str | None:
    """The raw 'ganstudio' text of a PNG's bytes, or None when it has none."""
    for ctype, length, start in _chunks(data):
        if ctype not in (b"tEXt", b"iTXt", b"zTXt"):
            continue
        body = data[start:start + length]
        key, sep, rest = body.partition(b"\0")
        if not sep or key != KEY.encode():
            continue
        if length > MAX_TEXT:
            raise PngMetaError("the image's GAN Studio metadata is too large")
        if ctype == b"tEXt":
            raw = rest
        elif ctype == b"zTXt":
            raw = _inflate(rest[1:])
        else:
            if len(rest) < 2:
                raise PngMetaError("the image's GAN Studio metadata is damaged")
            flag, rest = rest[0], rest[2:]
            parts = rest.split(b"\0", 2)
            if len(parts) != 3:
                raise PngMetaError("the image's GAN Studio metadata is damaged")
            raw = _inflate(parts[2]) if flag else parts[2]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise PngMetaError("the image's GAN Studio metadata is not text") from None
    return None


def _num(v, lo: float, hi: float, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
        raise PngMetaError(f"the image's {what} is missing or out of range")
    return float(v)


def _vector(v, z_dim: int, what: str) -> torch.Tensor:
    if not isinstance(v, list) or len(v) != z_dim:
        raise PngMetaError(f"the image's {what} has the wrong length")
    for x in v:
        _num(x, -Z_LIMIT, Z_LIMIT, what)
    return torch.tensor(v, dtype=torch.float32)


def parse(text: str) -> ImageMeta:
    """Validate the JSON text of a 'ganstudio' chunk."""
    if len(text) > MAX_TEXT:
        raise PngMetaError("the image's GAN Studio metadata is too large")
    try:
        d = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except (ValueError, RecursionError):
        raise PngMetaError("the image's GAN Studio metadata is not valid JSON") from None
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise PngMetaError("the image has no GAN Studio metadata")
    m = d.get("model")
    if not isinstance(m, dict):
        raise PngMetaError("the image does not say which model made it")
    z_dim = int(_num(m.get("z_dim"), 1, MAX_DIM, "latent size"))
    identity = m.get("identity", "")
    if not isinstance(identity, str) or len(identity) > 64 or not all(c in "0123456789abcdef" for c in identity):
        raise PngMetaError("the image's model identity is malformed")
    seed = d.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 64:
        raise PngMetaError("the image's seed is out of range")
    psi = _num(d.get("psi", 1.0), *PSI_RANGE, "truncation ψ")
    dirs_raw = d.get("directions", {})
    if not isinstance(dirs_raw, dict) or len(dirs_raw) > MAX_DIRECTION_INDEX + 1:
        raise PngMetaError("the image's direction values are malformed")
    dirs = {}
    for k, v in dirs_raw.items():
        if not (isinstance(k, str) and k.isdigit() and len(k) <= 2 and int(k) <= MAX_DIRECTION_INDEX):
            raise PngMetaError("the image's direction values are malformed")
        dirs[int(k)] = _num(v, -DIR_LIMIT, DIR_LIMIT, "direction value")
    z = _vector(d.get("z"), z_dim, "latent vector")
    zb = _vector(d["z_base"], z_dim, "base latent") if d.get("z_base") is not None else None
    name = m.get("name", "")
    label = d.get("label", "")
    up = d.get("upscale")
    factor = up.get("factor") if isinstance(up, dict) else None      # an unusable record: the model's size
    return ImageMeta(identity, name[:200] if isinstance(name, str) else "", z_dim, seed, psi, dirs, z, zb,
                     label[:200] if isinstance(label, str) else "", d,
                     factor if type(factor) is int and factor in UPSCALE_FACTORS else 1)


def read_png_meta(path: Path) -> ImageMeta:
    """GAN Studio metadata of a PNG file; PngMetaError (clear reason) if absent or unusable."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE:
            raise PngMetaError(f"{path.name} is too large")
        data = path.read_bytes()
    except OSError as e:
        raise PngMetaError(f"cannot read {path.name} ({e.strerror or e})") from None
    text = read_text(data)
    if text is None:
        raise PngMetaError(f"{path.name} was not made by GAN Studio (it has no latent recorded)")
    return parse(text)


def kind_of(meta: ImageMeta) -> dict[str, float] | None:
    """The kind a picture was made with (its "kind" record: kinds.kind_dict's {name: weight}), None when it has
    none ("Any kind": the latent's own). PngMetaError for a record that is not one."""
    from .kind_rows import kind_from_json
    try:
        return kind_from_json(meta.raw.get("kind"), "image")
    except ValueError as e:
        raise PngMetaError(str(e)) from None


def load_pixels(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im)
