"""Image folder → preprocessed uint8 dataset (N, H, W, C), cached in the run folder.

The scan walks the folder recursively (symlink loops are cut, unreadable folders reported),
decodes every file with `images.load_image`, and streams the fitted squares into a .npy file,
so memory stays bounded however large the folder. A second run with the same folder contents
and settings loads the cache at once.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .config import TrainConfig
from .files import atomic_path, atomic_write_text
from .images import ACCEPTED, ImageSkipped, fit_square, load_image, parse_colour
from .errors import Cancelled, StudioError

CACHE_VERSION = 1
Progress = Callable[[int, int, str], None]


class DatasetError(StudioError, ValueError):
    """No usable dataset; the message is one sentence saying what was found and what is accepted."""


def show_path(p: str | os.PathLike) -> str:
    """A printable form of any file name, including names that are not valid UTF-8."""
    return os.fsdecode(p).encode("utf-8", "replace").decode("utf-8")


@dataclass
class ScanReport:
    root: str
    usable: list[str] = field(default_factory=list)            # relative paths, in dataset order
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (relative path, reason)

    @property
    def found(self) -> int:
        return len(self.usable) + len(self.skipped)

    def summary(self) -> str:
        s = f"{len(self.usable)} usable image{'s' if len(self.usable) != 1 else ''} in {show_path(self.root)}"
        if self.skipped:
            s += f"; {len(self.skipped)} file{'s' if len(self.skipped) != 1 else ''} skipped"
        return s

    def lines(self, limit: int = 50) -> list[str]:
        out = [self.summary()]
        for rel, why in self.skipped[:limit]:
            out.append(f"  skipped {show_path(rel)}: {why}")
        if len(self.skipped) > limit:
            out.append(f"  … and {len(self.skipped) - limit} more skipped files")
        return out

    def to_dict(self) -> dict:
        return {"root": show_path(self.root), "usable": [show_path(u) for u in self.usable],
                "skipped": [[show_path(r), w] for r, w in self.skipped]}

    @classmethod
    def from_dict(cls, d: dict) -> "ScanReport":
        return cls(d["root"], list(d["usable"]), [tuple(x) for x in d["skipped"]])


def iter_files(root: Path, report: ScanReport | None = None, cancel=None) -> Iterator[Path]:
    """Yield regular files under root (sorted, recursive), skipping hidden entries and cutting symlink loops."""
    seen: set[tuple[int, int]] = set()
    stack = [Path(root)]
    while stack:
        folder = stack.pop()
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        try:
            st = os.stat(folder)
        except OSError:
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            if report is not None:
                report.skipped.append((os.path.relpath(folder, root), "folder link loop (already scanned)"))
            continue
        seen.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as e:
            if report is not None:
                report.skipped.append((os.path.relpath(folder, root) or ".",
                                       f"folder cannot be read ({e.strerror or e})"))
            continue
        subdirs = []
        for e in entries:
            if e.name.startswith("."):
                continue
            try:
                if e.is_dir(follow_symlinks=True):
                    subdirs.append(Path(e.path))
                elif e.is_file(follow_symlinks=True):
                    yield Path(e.path)
                elif report is not None and e.is_symlink():
                    report.skipped.append((os.path.relpath(e.path, root), "broken link"))
            except OSError as err:
                if report is not None:
                    report.skipped.append((os.path.relpath(e.path, root), f"cannot be read ({err.strerror or err})"))
        stack.extend(reversed(subdirs))


def _settings_key(cfg: TrainConfig) -> dict:
    return {"v": CACHE_VERSION, "resolution": cfg.resolution, "fit": cfg.fit, "channels": cfg.channels,
            "background": cfg.background, "min_size": cfg.min_size}


def folder_fingerprint(root: Path, cfg: TrainConfig, cancel=None,
                       report: ScanReport | None = None) -> tuple[str, list[Path]]:
    """Hash of the folder's file list (names, sizes, mtimes) and the preprocessing settings."""
    h = hashlib.sha256(json.dumps(_settings_key(cfg), sort_keys=True).encode())
    h.update(os.fsencode(os.path.abspath(root)))
    files = []
    for p in iter_files(root, report, cancel):
        try:
            st = os.stat(p)
        except OSError:
            continue
        files.append(p)
        h.update(os.fsencode(os.path.relpath(p, root)) + b"\0" + f"{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:20], files


@dataclass
class Dataset:
    images: np.ndarray            # uint8 (N, H, W, C), possibly memory-mapped
    report: ScanReport
    cache_file: Path | None = None

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def identity(self) -> str:
        """The usable files' names and the images' shape, hashed: equal when two processes see the same data."""
        h = hashlib.sha256(json.dumps([list(self.images.shape), self.report.usable]).encode("utf-8", "replace"))
        return h.hexdigest()[:16]

    @property
    def resolution(self) -> int:
        return int(self.images.shape[1])

    @property
    def channels(self) -> int:
        return int(self.images.shape[3])


def no_images_message(root: Path, report: ScanReport) -> str:
    if report.found == 0:
        return (f"No files were found in {show_path(root)}: choose a folder that contains "
                f"images ({ACCEPTED}).")
    reasons: dict[str, int] = {}
    for _, why in report.skipped:
        reasons[why.split(" (")[0]] = reasons.get(why.split(" (")[0], 0) + 1
    top = ", ".join(f"{n} {w}" for w, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:3])
    return (f"No usable image in {show_path(root)}: {report.found} file{'s' if report.found != 1 else ''} "
            f"found, none could be used ({top}); GAN Studio accepts {ACCEPTED} images at least "
            f"16 px on the shorter side.")


def _cached_dataset(cache_npy: Path, cache_json: Path) -> "Dataset | None":
    """The cached preprocessed images and their report, or None when missing, stale or damaged."""
    if not (cache_npy.exists() and cache_json.exists()):
        return None
    try:
        report = ScanReport.from_dict(json.loads(cache_json.read_text(encoding="utf-8")))
        arr = np.load(cache_npy, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, KeyError, json.JSONDecodeError):
        return None                                  # stale or damaged cache: rebuild it
    ok = arr.dtype == np.uint8 and arr.ndim == 4 and arr.shape[0] == len(report.usable)
    return Dataset(arr, report, cache_npy) if ok else None


def _preprocess(files, root: Path, cfg: TrainConfig, bg, out, report: "ScanReport", progress, cancel) -> int:
    """Load, fit and store each file in `out` (usable ones first, in order); returns how many were usable."""
    count, n, res = 0, len(files), cfg.resolution
    for i, p in enumerate(files):
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        rel = os.path.relpath(p, root)
        try:
            img = load_image(p, cfg.channels, bg, cfg.min_size, draft_size=res * 2)
            out[count] = fit_square(img, res, cfg.fit, bg)
            report.usable.append(rel)
            count += 1
        except ImageSkipped as e:
            report.skipped.append((rel, str(e)))
        if progress and (i % 8 == 0 or i == n - 1):
            progress(i + 1, n, show_path(rel))
    return count


def _shrink(path: Path, count: int) -> None:
    """Cut the .npy file at `path` to its first `count` images."""
    full = np.load(path, mmap_mode="r")
    part = np.array(full[:count])
    del full
    with open(path, "wb") as f:
        np.save(f, part, allow_pickle=False)


def build_dataset(cfg: TrainConfig, cache_dir: Path | None = None, progress: Progress | None = None,
                  cancel=None, write_cache: bool = True) -> Dataset:
    """Scan cfg.data_dir and preprocess it, or load the matching cache from cache_dir. write_cache=False: a
    reader only (a training process of rank > 0): a missing cache is built in memory, nothing is written."""
    root = Path(cfg.data_dir)
    if not root.is_dir():
        raise DatasetError(f"The image folder {show_path(root)} does not exist or is not a folder.")
    report = ScanReport(str(root))
    key, files = folder_fingerprint(root, cfg, cancel, report)
    cache_npy = cache_json = None
    if cache_dir is not None:
        cache_npy = Path(cache_dir) / f"images-{key}.npy"
        cache_json = Path(cache_dir) / f"images-{key}.json"
        cached = _cached_dataset(cache_npy, cache_json)
        if cached is not None:
            if progress:
                progress(len(files), len(files), "cached")
            return cached
    bg = parse_colour(cfg.background)
    n, res, c = len(files), cfg.resolution, cfg.img_channels
    ctx = atomic_path(cache_npy) if cache_npy is not None and write_cache else None
    tmp = ctx.__enter__() if ctx is not None else None
    try:
        if tmp is not None:
            out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=(max(n, 1), res, res, c))
        else:
            out = np.zeros((max(n, 1), res, res, c), np.uint8)
        count = _preprocess(files, root, cfg, bg, out, report, progress, cancel)
        if count == 0:
            raise DatasetError(no_images_message(root, report))
        if tmp is not None:
            out.flush()
            del out
            if count < n:
                _shrink(tmp, count)
            ctx.__exit__(None, None, None)
            ctx = None
            atomic_write_text(cache_json, json.dumps(report.to_dict()))
            return Dataset(np.load(cache_npy, mmap_mode="r", allow_pickle=False), report, cache_npy)
        return Dataset(out[:count], report, None)
    except BaseException as e:
        if ctx is not None:
            ctx.__exit__(type(e), e, e.__traceback__)
        raise


def reopen_dataset(cfg: TrainConfig, cache_dir: Path, progress=None, cancel=None) -> Dataset:
    """A run's dataset: rescan the folder (a cache hit when nothing changed), else the run's newest cache."""
    if Path(cfg.data_dir).is_dir():
        return build_dataset(cfg, cache_dir, progress, cancel)
    caches = sorted(Path(cache_dir).glob("images-*.npy"), key=lambda p: p.stat().st_mtime, reverse=True)
    for npy in caches:
        js = npy.with_suffix(".json")
        try:
            arr = np.load(npy, mmap_mode="r", allow_pickle=False)
            report = ScanReport.from_dict(json.loads(js.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError):
            continue
        if arr.ndim == 4 and arr.shape[1] == cfg.resolution and arr.shape[3] == cfg.img_channels:
            return Dataset(arr, report, npy)
    raise DatasetError(f"The image folder {cfg.data_dir} is gone and the run has no usable cached copy of it.")


def run_pictures(cache_dir: Path, scan_file: Path, indices) -> list[tuple[str, np.ndarray | None] | None]:
    """(file name, preprocessed uint8 picture or None) of a run's dataset images by index — the quality records'
    `missing`: the names from the run's scan.json, the pixels from its cached dataset with that same file list,
    memory-mapped so only these pictures are read. No rescan: cheap enough for the window. One entry per index:
    None for an index the list does not have; the picture is None when no cache holds that list."""
    try:
        usable = ScanReport.from_dict(json.loads(Path(scan_file).read_text(encoding="utf-8"))).usable
    except (OSError, ValueError, KeyError, TypeError):
        usable = []
    indices = [int(i) for i in indices]
    images = None
    if any(0 <= i < len(usable) for i in indices):
        for js in Path(cache_dir).glob("images-*.json"):
            found = _cached_dataset(js.with_suffix(".npy"), js)
            if found is not None and found.report.usable == usable:
                images = found.images
                break
    return [(show_path(usable[i]), None if images is None else np.array(images[i])) if 0 <= i < len(usable)
            else None for i in indices]
