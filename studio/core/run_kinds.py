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
            x = torch.from_numpy(np.array(images[i:i + batch])).to(device).permute(0, 3, 1, 2).float() / 127.5 - 1
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


def for_new_run(run, cfg, data: Dataset, device=None) -> tuple[Kinds | None, list[str]]:
    """A new run's kinds, decided, checked against the model it starts from, and written (kinds.json, and the
    sentences into scan.json)."""
    from . import train_state
    from .models.registry import ModelSpec
    kinds, notes = decide(cfg, data, "cpu" if device is None else device)
    if cfg.init_from:                         # the kinds must be the model's (known once the folder is read)
        train_state.init_source(cfg.init_from, ModelSpec.from_config(cfg, kinds.names if kinds else ()))
    write_scan(run, data, notes)
    save(run, kinds)
    return kinds, notes


def write_scan(run, data: Dataset, notes: list[str] | None = None) -> None:
    """scan.json: the dataset's files in order (what dataset indices name) and the kinds' sentences (None: those
    already there). Rewritten when a run reopens, so that it names the pictures as they are now."""
    if notes is None:
        try:
            notes = json.loads(run.scan_file.read_text(encoding="utf-8")).get("kinds", [])
        except (OSError, ValueError, AttributeError):
            notes = []
    atomic_write_text(run.scan_file, json.dumps({**data.report.to_dict(), "kinds": notes}))


def strength(kimg: float, fade_kimg: float) -> float:
    """How much G and D are conditioned on the kinds after `kimg` thousand images: 0 (every picture given the folder's
    average kind: trained as one kind) until a quarter of fade_kimg, then rising linearly to 1 at fade_kimg; always 1
    for fade_kimg 0, the default. The remedy Shahbazi et al. ("Collapse by Conditioning", ICLR 2022) give for
    conditional GANs that collapse on small folders; with G's kinds in its batch norms (KindBN) ours no longer did, and
    starting conditioned measured better (benchmarks/README.md §12), so it stays an option."""
    if fade_kimg <= 0:
        return 1.0
    start = fade_kimg / 4
    return float(min(1.0, max(0.0, (kimg - start) / max(fade_kimg - start, 1e-9))))


class Sampler:
    """The training step's kinds: which real pictures it draws (those in a kind) and the kinds G makes (as often as
    the folder has them); G's kind_prior is set to the same proportions (G called without kinds follows them).
    While the kinds fade in (strength s < 1) G and D are given s · kind + (1 - s) · the folder's average kind, and
    G's kind_strength is s (a latent's own kind, G's default, fades in the same way)."""

    def __init__(self, kinds: Kinds, G, device, fade_kimg: float):
        import torch
        self.G, self.fade_kimg = G, fade_kimg
        self.k = len(kinds)
        self.prior = torch.from_numpy(kinds.prior).to(device)
        G.kind_prior.copy_(self.prior)
        self.labels = torch.from_numpy(kinds.labels).to(device)
        self.pool = torch.nonzero(self.labels >= 0).flatten()      # pictures in no kind are left out

    def real_indices(self, b: int, gen):
        import torch
        return self.pool[torch.randint(0, len(self.pool), (b,), generator=gen, device=self.pool.device)]

    def conditions(self, idx, b: int, gen, rows, nimg: int) -> tuple[dict, dict]:
        """({"c": the real pictures' kinds}, {"c": the kinds G makes}) as rows of weights for this rank's `rows`:
        one-hot once the kinds have faded in (strength at `nimg` images seen)."""
        import torch
        s = strength(nimg / 1000, self.fade_kimg)
        self.G.kind_strength.fill_(s)             # G called without kinds (samples, quality) as trained; G_ema copies it
        made = torch.multinomial(self.prior, b, replacement=True, generator=gen)[rows]

        def rows_of(k):
            hot = torch.nn.functional.one_hot(k, self.k).float()
            return hot if s >= 1 else torch.lerp(self.prior.expand_as(hot), hot, s)
        return {"c": rows_of(self.labels[idx])}, {"c": rows_of(made)}
