"""Animations: paths through latent space sampled on an exact frame clock.

Every animation is a function frame index → latents (cells, z_dim) with a fixed frame count and fps;
frame i is shown at time i / fps. Three kinds:
- KeyframePath: keyframes (or seeds) joined by slerp/linear segments with easing and holds, optionally
  closed into a seamless loop. Keyframes land on whole frames, so they are reproduced exactly.
- PeriodicWalk: a smooth random walk that loops exactly (a random Fourier series per coordinate).
- Breathing: a base latent swinging along direction vectors (e.g. GANSpace directions) and back.
`FrameSource` turns an animation + a GeneratorModel into uint8 frames (grid, truncation, upscaling).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .keyframes import EASINGS  # noqa: F401 - one list of easing names, shared with keyframe files
from .latent import lerp, make_grid, seeds_to_z, slerp, truncate
from .errors import StudioError

FPS_RANGE = (8, 60)
INTERPOLATIONS = ("slerp", "linear")


class AnimationError(StudioError, ValueError):
    """Settings that cannot make an animation; the message says why."""


def ease(name: str, u: float) -> float:
    """Map progress u in [0, 1] through an easing curve (all start at 0 and end at 1)."""
    u = min(1.0, max(0.0, float(u)))
    if name == "linear":
        return u
    if name == "ease-in-out":
        return 0.5 - 0.5 * math.cos(math.pi * u)
    if name == "cubic":
        return 4 * u ** 3 if u < 0.5 else 1 - (2 - 2 * u) ** 3 / 2
    raise AnimationError(f"unknown easing '{name}': choose {', '.join(EASINGS)}")


def check_fps(fps: int) -> int:
    if not isinstance(fps, int) or not FPS_RANGE[0] <= fps <= FPS_RANGE[1]:
        raise AnimationError(f"fps must be a whole number from {FPS_RANGE[0]} to {FPS_RANGE[1]}, not {fps}")
    return fps


def split_frames(total: int, parts: int) -> list[int]:
    """Split `total` frames into `parts` near-equal whole numbers (the larger ones first)."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


class Animation:
    """Base: `frames` frames at `fps`; latents(indices) → (n, cells, z_dim) float32."""
    frames: int
    fps: int
    loop: bool
    cells: int
    z_dim: int

    @property
    def seconds(self) -> float:
        return self.frames / self.fps

    def latents(self, indices) -> torch.Tensor:
        return torch.stack([self._at(int(i) % self.frames) for i in indices])

    def kinds(self, indices) -> torch.Tensor | None:
        """(n, cells, K) kind weights of the frames (core/kinds.py); None: each latent's own."""
        return None

    def _at(self, i: int) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError


class KeyframePath(Animation):
    """Keyframes joined by segments. Block k = `hold` still frames of keyframe k, then `segments[k]`
    frames moving to keyframe k+1 (the first of them is keyframe k itself, the next block starts on
    keyframe k+1). A loop ends by moving back to keyframe 0, so frame `frames` would equal frame 0."""

    def __init__(self, z: torch.Tensor, fps: int, segments: list[int], hold: int = 0, loop: bool = False,
                 interp: str = "slerp", easing: str | list[str] = "ease-in-out", kinds: torch.Tensor | None = None):
        z = torch.as_tensor(z, dtype=torch.float32)
        if z.dim() == 2:
            z = z[:, None, :]                      # (K, cells, z_dim)
        c = None if kinds is None else torch.as_tensor(kinds, dtype=torch.float32)
        if c is not None and c.dim() == 2:
            c = c[:, None, :]                      # (K, cells, kinds)
        if c is not None and c.shape[:2] != z.shape[:2]:
            raise AnimationError("give one row of kind weights per keyframe and cell")
        self.kind_weights = c
        if z.dim() != 3 or len(z) < 1:
            raise AnimationError("an animation needs at least one keyframe")
        self.z, self.fps, self.loop, self.hold = z, check_fps(fps), bool(loop), max(0, int(hold))
        n_seg = len(z) if self.loop else len(z) - 1
        if len(z) == 1:
            n_seg = 0
        if len(segments) != n_seg or any(int(s) < 1 for s in segments):
            raise AnimationError(f"{len(z)} keyframes need {n_seg} segments of at least one frame each")
        if interp not in INTERPOLATIONS:
            raise AnimationError(f"unknown interpolation '{interp}': choose slerp or linear")
        easings = [easing] * n_seg if isinstance(easing, str) else list(easing)
        if len(easings) != n_seg:
            raise AnimationError(f"give one easing per segment ({n_seg}), not {len(easings)}")
        for e in easings:
            ease(e, 0)
        self.segments, self.interp, self.easings = [int(s) for s in segments], interp, easings
        self.cells, self.z_dim = z.shape[1], z.shape[2]
        # start frame of every block; a non-loop path ends with keyframe K-1 shown hold+1 frames
        self.starts = [0]
        for s in self.segments:
            self.starts.append(self.starts[-1] + self.hold + s)
        self.frames = self.starts[-1] if self.loop and n_seg else self.starts[-1] + self.hold + 1

    @classmethod
    def fit(cls, z: torch.Tensor, fps: int, seconds: float, loop: bool = False, hold_seconds: float = 0.0,
            **kw) -> "KeyframePath":
        """A path lasting `seconds` in total (round(fps × seconds) frames), segments shared out evenly."""
        fps = check_fps(fps)
        total = round(fps * seconds)
        k = len(z)
        n_seg = k if loop else k - 1
        hold = round(hold_seconds * fps)
        move = total - (k * hold if loop else k * hold + 1)
        if k < 2 or move < n_seg:
            if k < 2:
                raise AnimationError("a path needs at least two keyframes or seeds")
            raise AnimationError(f"{seconds:g} s at {fps} fps is too short for {k} keyframes with these holds")
        return cls(z, fps, split_frames(move, n_seg), hold, loop, **kw)

    @classmethod
    def per_segment(cls, z: torch.Tensor, fps: int, segment_seconds: float, hold_seconds: float = 0.0,
                    loop: bool = False, **kw) -> "KeyframePath":
        fps = check_fps(fps)
        n_seg = len(z) if loop else len(z) - 1
        if len(z) < 2:
            raise AnimationError("a path needs at least two keyframes or seeds")
        return cls(z, fps, [max(1, round(segment_seconds * fps))] * n_seg, round(hold_seconds * fps), loop, **kw)

    def keyframe_frames(self) -> list[int]:
        """The frame index on which each keyframe is shown exactly (first frame of its block)."""
        return self.starts[:len(self.z)] if self.loop else self.starts

    def _where(self, i: int) -> tuple[int, float | None]:
        """(the keyframe frame i leaves from, the eased progress to the next; None: keyframe k itself)."""
        k = max(j for j in range(len(self.starts)) if self.starts[j] <= i) if i else 0
        k = min(k, len(self.z) - 1)
        f = i - self.starts[k]
        if f <= self.hold or k >= len(self.segments):
            return k, None
        return k, ease(self.easings[k], (f - self.hold) / self.segments[k])

    def _at(self, i: int) -> torch.Tensor:
        k, u = self._where(i)
        if u is None:
            return self.z[k]
        a, b = self.z[k], self.z[(k + 1) % len(self.z)]
        return slerp(a, b, u) if self.interp == "slerp" else lerp(a, b, u)

    def kinds(self, indices) -> torch.Tensor | None:
        """Kind weights travel with the latents: linearly, with the same easing (a keyframe's kind is exact)."""
        if self.kind_weights is None:
            return None

        def at(i):
            k, u = self._where(i)
            c = self.kind_weights
            return c[k] if u is None else lerp(c[k], c[(k + 1) % len(c)], u)
        return torch.stack([at(int(i) % self.frames) for i in indices])


class PeriodicWalk(Animation):
    """A smooth random walk that loops exactly: z_d(t) = Σ_h w_h (a_dh cos 2πht/T + b_dh sin 2πht/T)
    with a, b ~ N(0, 1) and Σ w_h² = 1, so at every instant each coordinate is exactly N(0, 1): the
    walk stays on the Gaussian shell the generator was trained on. Higher `harmonics` → busier motion."""

    def __init__(self, z_dim: int, fps: int, frames: int, cells: int = 1, seed: int = 0, harmonics: int = 2):
        self.fps, self.frames, self.cells, self.z_dim, self.loop = check_fps(fps), int(frames), int(cells), z_dim, True
        if self.frames < 2:
            raise AnimationError("a walk needs at least two frames")
        g = torch.Generator().manual_seed(int(seed))
        h = max(1, int(harmonics))
        self.a = torch.randn(h, self.cells, z_dim, generator=g)
        self.b = torch.randn(h, self.cells, z_dim, generator=g)
        w = 1.0 / torch.arange(1, h + 1, dtype=torch.float32)      # gentle 1/h spectrum: slow motion dominates
        self.w = w / w.norm()

    def _at(self, i: int) -> torch.Tensor:
        phase = 2 * math.pi * i / self.frames * torch.arange(1, len(self.w) + 1, dtype=torch.float32)
        coef_a, coef_b = (self.w * torch.cos(phase))[:, None, None], (self.w * torch.sin(phase))[:, None, None]
        return (coef_a * self.a + coef_b * self.b).sum(0)


class Breathing(Animation):
    """base + Σ_j amplitude_j · sin(2π·cycles·t/T + phase_j) · unit(direction_j): swings out and back."""

    def __init__(self, base: torch.Tensor, directions: list[torch.Tensor], amplitudes: list[float], fps: int,
                 frames: int, cycles: int = 1, phases: list[float] | None = None):
        base = torch.as_tensor(base, dtype=torch.float32)
        self.base = base[None] if base.dim() == 1 else base          # (cells, z_dim)
        self.cells, self.z_dim = self.base.shape
        if not directions or len(directions) != len(amplitudes):
            raise AnimationError("give at least one direction and one amplitude per direction")
        dirs = []
        for d in directions:
            d = torch.as_tensor(d, dtype=torch.float32).flatten()
            if d.numel() != self.z_dim or not torch.isfinite(d).all() or d.norm() == 0:
                raise AnimationError(f"a direction must be {self.z_dim} finite numbers, not all zero")
            dirs.append(d / d.norm())
        self.dirs, self.amps = torch.stack(dirs), torch.tensor([float(a) for a in amplitudes])
        self.phases = torch.tensor(phases if phases else [0.0] * len(dirs), dtype=torch.float32)
        self.fps, self.frames, self.cycles, self.loop = check_fps(fps), int(frames), max(1, int(cycles)), True
        if self.frames < 2:
            raise AnimationError("a breathing loop needs at least two frames")

    def _at(self, i: int) -> torch.Tensor:
        s = torch.sin(2 * math.pi * self.cycles * i / self.frames + self.phases) * self.amps
        return self.base + (s[:, None] * self.dirs).sum(0)[None]


def seeds_path(seeds: list[int], z_dim: int, cells: int = 1) -> torch.Tensor:
    """Seeds → keyframe latents (K, cells, z_dim); for a grid, cell c uses seed s + 1000·c."""
    if not seeds:
        raise AnimationError("give at least one seed")
    return torch.stack([seeds_to_z([s + 1000 * c for s in seeds], z_dim) for c in range(cells)], 1)


def keyframes_path(z: torch.Tensor, cells: int = 1) -> torch.Tensor:
    """Keyframe latents (K, z_dim) → (K, cells, z_dim); grid cell c visits them starting from keyframe c."""
    z = torch.as_tensor(z, dtype=torch.float32)
    return torch.stack([torch.roll(z, -c, 0) for c in range(cells)], 1)


@dataclass
class FrameSource:
    """Renders an animation with a model: frames[i] → uint8 (H, W, C); iterate for all frames in order."""
    model: object                   # GeneratorModel
    animation: Animation
    psi: float = 1.0
    size: int | None = None         # output size of one cell (None: the model's resolution)
    grid: tuple[int, int] = (1, 1)  # rows, cols
    batch: int = 16
    upscale: object = None          # uint8 (N, H, W, C) → (N, fH, fW, C), before `size` (an upscaler's)

    def __post_init__(self):
        rows, cols = self.grid
        if rows * cols != self.animation.cells:
            raise AnimationError(f"a {rows}×{cols} grid needs {rows * cols} walks, the animation has "
                                 f"{self.animation.cells}")
        if self.size is not None and not 16 <= int(self.size) <= 4096:
            raise AnimationError("the frame size must be between 16 and 4096 px")

    def __len__(self) -> int:
        return self.animation.frames

    @property
    def fps(self) -> int:
        return self.animation.fps

    def render(self, indices) -> list[np.ndarray]:
        z = self.animation.latents(indices)                            # (n, cells, z_dim)
        n, cells, d = z.shape
        c = self.animation.kinds(indices)
        imgs = self.model.render(truncate(z.reshape(n * cells, d), self.psi),
                                 kind=None if c is None else c.reshape(n * cells, -1))
        if self.upscale is not None:
            imgs = self.upscale(imgs)
        imgs = imgs.reshape(n, cells, *imgs.shape[1:])
        return [self._compose(cell_imgs) for cell_imgs in imgs]

    def __getitem__(self, i: int) -> np.ndarray:
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return self.render([i % len(self)])[0]

    def __iter__(self):
        for start in range(0, len(self), self.batch):
            yield from self.render(range(start, min(len(self), start + self.batch)))

    def _compose(self, cells: np.ndarray) -> np.ndarray:
        if self.size and self.size != cells.shape[1]:
            from .images import resize_lanczos
            cells = np.stack([resize_lanczos(c, self.size, self.size) for c in cells])
        rows, cols = self.grid
        if rows * cols == 1:
            return cells[0]
        return make_grid(cells, rows, cols, pad=2)
