"""A run's kinds (core/kinds.py): decided once when the run is created, kept in its kinds.json, read on resume.

    kinds = decide(cfg, dataset, device)         # None: the run trains without kinds
    save(run, kinds); kinds = load(run, dataset, cfg, device)
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .dataset import Dataset, DatasetError
from .files import atomic_write_text
from .kinds import Kinds, assign, auto_count, found_kinds, subfolder_kinds
from .models.registry import ARCHITECTURES

KINDS_NAME = "kinds.json"


def top_subdirs(root: str | Path) -> list[str]:
    try:
        return sorted(e.name for e in os.scandir(root) if e.is_dir() and not e.name.startswith("."))
    except OSError:
        return []


def mode(cfg) -> str:
    """cfg.classes for this architecture: "auto" (subfolders where the folder has them, else found kinds where
    that measured better: FOUND_BY_DEFAULT), "subfolders", "found" or "none"."""
    if cfg.classes != "auto":
        return cfg.classes
    return "auto" if ARCHITECTURES[cfg.arch].kinds else "none"


FOUND_BY_DEFAULT = False            # benchmarks/README.md, the variety table


def picture_features(images: np.ndarray, device="cpu", batch: int = 64) -> np.ndarray:
    """(N, F) features of uint8 NHWC pictures in the discriminator's own frozen network (its deepest stage,
    averaged over the picture): what found kinds cluster."""
    import torch
    from .backbone import Backbone
    from .models.projected import BACKBONE
    net = Backbone(BACKBONE).to(device).eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x = torch.from_numpy(np.asarray(images[i:i + batch])).to(device).permute(0, 3, 1, 2).float() / 127.5 - 1
            if x.shape[1] == 4:                            # composited on white, as D sees it
                a = (x[:, 3:4] + 1) * 0.5
                x = x[:, :3] * a + (1 - a)
            out.append(net.taps(x)[-1].float().mean((2, 3)).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, 1), np.float32)


def decide(cfg, data: Dataset, device="cpu") -> tuple[Kinds | None, list[str]]:
    """(the kinds a new run trains with, sentences for the scan report)."""
    how = mode(cfg)
    if how == "none":
        return None, []
    kinds, notes = None, []
    if how != "found":                     # found: kinds found in the pictures, whatever the subfolders say
        kinds, notes = subfolder_kinds(data.report.usable, cfg.class_rules, top_subdirs(cfg.data_dir))
    if kinds is not None or how == "subfolders":
        if kinds is None and how == "subfolders" and not notes:
            raise DatasetError(f"--classes subfolders: {cfg.data_dir} has no subfolders of pictures; sort the "
                               "pictures into one subfolder per kind, or use --classes found")
        return kinds, notes
    if how == "found" or (how == "auto" and FOUND_BY_DEFAULT):
        k = cfg.kinds or auto_count(len(data))
        if len(data) < 2 * k:
            return None, [f"{len(data)} pictures are too few to find {k} kinds in: the model trains without kinds."]
        kinds = found_kinds(picture_features(data.images, device), k, cfg.seed)
        return kinds, [f"Found {k} kinds of picture in the folder (largest {max(kinds.counts)}, smallest "
                       f"{min(kinds.counts)} pictures)."]
    return None, notes


def save(run, kinds: Kinds | None) -> None:
    path = Path(run.path) / KINDS_NAME
    if kinds is None:
        path.unlink(missing_ok=True)
    else:
        atomic_write_text(path, json.dumps(kinds.to_dict()))


def read(run) -> Kinds | None:
    """The run's kinds as saved (None: a run without kinds, or one made before kinds existed)."""
    path = Path(run.path) / KINDS_NAME
    if not path.is_file():
        return None
    try:
        return Kinds.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise DatasetError(f"{path} is damaged ({e}): the run's kinds cannot be read") from None


def load(run, cfg, data: Dataset, device="cpu") -> Kinds | None:
    """The saved kinds, with labels for the dataset as it is now (a folder that changed since: subfolders by name,
    found kinds by the nearest centre; pictures of a kind the model does not have are left out)."""
    kinds = read(run)
    if kinds is None or len(kinds.labels) == len(data) and kinds.source == "found":
        return kinds
    if kinds.source == "found":
        labels = assign(picture_features(data.images, device), kinds.centres)
    else:
        now, _ = subfolder_kinds(data.report.usable, cfg.class_rules, top_subdirs(cfg.data_dir))
        labels = np.full(len(data), -1, np.int64)
        if now is not None:
            index = {n: i for i, n in enumerate(kinds.names)}
            for j, name in enumerate(now.names):
                if name in index:
                    labels[now.labels == j] = index[name]
    return Kinds(kinds.names, labels, kinds.source, kinds.notes, kinds.examples, kinds.centres)
