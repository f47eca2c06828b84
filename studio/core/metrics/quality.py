"""Evaluating a generator against its training images: sampling, cached real features, the report.

    report = evaluate_model(model, dataset_images, count=1000, cache_dir=run.cache_dir)
    print(report.table()); report.record(step, kimg) → a metrics.jsonl line (kind "quality")

A report also names the training images the samples miss: `missing` holds the dataset indices of the worst-covered
ones (no generated image within their k-NN ball), worst first, and `missing_far` how far off each is (the nearest
sample's distance over that ball's radius); the Train view shows them as pictures, `ganstudio evaluate` by name.
"""
from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..files import atomic_path
from ..latent import seeds_to_z, to_uint8
from . import scores
from .features import NAME as FEATURE_NAME
from .features import SECONDARY, title

MISSING_SHOWN = 8                 # the worst-covered training images a record names
MISSING_FAR_MAX = 99.0            # how far off they are, capped (a duplicate's radius is 0: its ratio is huge)
EVAL_SEED = 20_000_000            # latents of the evaluation samples: the same set at every evaluation
CACHE_VERSION = 2
SECONDARY_NAME = title(SECONDARY)

LABELS = {                        # honest display names: these are NOT Inception FID numbers
    "kid": f"KID ({FEATURE_NAME})",
    "fd": f"FD ({FEATURE_NAME})",
    "precision": "Precision (k=3)",
    "recall": "Recall (k=3)",
    "density": "Density (k=5)",
    "coverage": "Coverage (k=5)",
    "diversity": "Diversity (vs. training set)",
    "fid": "FID (Inception, local weights)",
    "kid_secondary": f"KID ({SECONDARY_NAME})",
    "fd_secondary": f"FD ({SECONDARY_NAME})",
}


@dataclass
class QualityReport:
    kid: float
    kid_std: float
    fd: float
    precision: float
    recall: float
    density: float
    coverage: float
    diversity: float
    n_real: int
    n_fake: int
    seconds: float = 0.0
    fid: float | None = None
    secondary: dict | None = None      # {"kid", "kid_std", "fd"} in the secondary feature space
    missing: list[int] = field(default_factory=list)        # dataset indices of uncovered images, worst first
    missing_far: list[float] = field(default_factory=list)  # each one's nearest sample / its k-NN radius (> 1)
    extra: dict = field(default_factory=dict)

    def record(self, step: int, kimg: float) -> dict:
        """A metrics.jsonl record: kind "quality" and the field names the training plot reads.

        Every figure says its feature space: kid/fd/precision/… are in `feature_space` (EfficientNet-Lite1),
        the `secondary` block in its own `feature_space` (EfficientNet-Lite0)."""
        rec = {"kind": "quality", "step": int(step), "kimg": float(kimg), "feature_space": FEATURE_NAME}
        rec.update({k: v for k, v in asdict(self).items() if k not in ("extra", "fid", "secondary")})
        rec["eval_sec"] = rec.pop("seconds")
        if self.fid is not None:
            rec["fid"] = self.fid
        if self.secondary is not None:
            rec["secondary"] = {"feature_space": SECONDARY_NAME, **self.secondary}
        return rec

    def table(self) -> str:
        rows = [(LABELS["kid"], f"{self.kid * 1e3:.2f} ± {self.kid_std * 1e3:.2f} ×10⁻³"),
                (LABELS["fd"], f"{self.fd:.3f}")]
        if self.secondary is not None:
            rows += [(LABELS["kid_secondary"], f"{self.secondary['kid'] * 1e3:.2f} ± "
                                               f"{self.secondary['kid_std'] * 1e3:.2f} ×10⁻³"),
                     (LABELS["fd_secondary"], f"{self.secondary['fd']:.3f}")]
        if self.fid is not None:
            rows.append((LABELS["fid"], f"{self.fid:.2f}"))
        rows += [(LABELS[k], f"{getattr(self, k):.3f}") for k in ("precision", "recall", "density", "coverage",
                                                                  "diversity")]
        rows += [("Images (training / generated)", f"{self.n_real} / {self.n_fake}"),
                 ("Time", f"{self.seconds:.1f} s")]
        w = max(len(a) for a, _ in rows)
        return "\n".join(f"{a:<{w}}  {b}" for a, b in rows)


COLLAPSE_MIN_PRECISION = 0.3      # below this the samples are not yet like the training images: not collapse
COLLAPSE_DROP = 0.6               # during training: variety fell below this fraction of the best seen


TRAIN_VIEW_SHOWS = "the Train view shows which"


def uncovered_phrase(coverage: float, n_real: int | None, where: str | None = TRAIN_VIEW_SHOWS) -> str:
    """"no sample resembles 61% of your pictures (305 of the 500 measured); the Train view shows which":
    the real images without a generated image in their k-NN ball, the per-image side of coverage."""
    share = 1.0 - float(coverage)
    text = f"no sample resembles {share:.0%} of your pictures"
    if n_real:
        text += f" ({round(share * n_real)} of the {n_real} measured)"
    return text + (f"; {where}" if where else "")


def collapse_warning(s, earlier: list[dict] | None = None, where: str | None = TRAIN_VIEW_SHOWS) -> str | None:
    """A plain sentence when the generator has collapsed onto a few modes, else None.

    Collapse = the samples look like training images (precision is fine) but cover few of them (low recall
    and coverage) or look alike (low diversity). Early, blurry samples have low precision too and are not
    called collapsed.

    With `earlier` (the run's previous quality records) the samples are compared with the generator's own
    earlier samples instead of the training set alone: an untrained generator makes similar-looking images
    because it has not learnt variety yet, not because it lost it. So during training the warning needs the
    generator to have shown variety first (at least two earlier measurements) and then lost it: diversity and
    coverage both below COLLAPSE_DROP of their best so far.

    The sentence says how many of the pictures have no sample near them (uncovered_phrase) and `where` they are
    shown (the Train view's Missing strip; `ganstudio evaluate` lists them)."""
    get = (lambda k, d=None: s.get(k, d)) if isinstance(s, dict) else (lambda k, d=None: getattr(s, k, d))
    prec, rec, cov, div = get("precision"), get("recall"), get("coverage"), get("diversity")
    uncovered = uncovered_phrase(cov, get("n_real"), where)
    if prec < COLLAPSE_MIN_PRECISION:
        return None
    if earlier is not None:
        if len(earlier) < 2:
            return None
        best_div = max(float(r.get("diversity", 0.0)) for r in earlier)
        best_cov = max(float(r.get("coverage", 0.0)) for r in earlier)
        if not (div < COLLAPSE_DROP * best_div and cov < COLLAPSE_DROP * best_cov):
            return None
        return (f"Mode collapse: the generator now makes only a few kinds of image (diversity fell from "
                f"{best_div:.2f} to {div:.2f}, coverage of the training set from {best_cov:.0%} to {cov:.0%}): "
                f"{uncovered}. What usually helps: more augmentation, a lower learning rate, or the R1 penalty "
                "(r1_gamma); the best model so far is kept, and resuming from an earlier checkpoint saves time.")
    if not ((rec < 0.2 and cov < 0.3) or div < 0.4):
        return None
    return (f"Mode collapse: the generator makes only a few kinds of image (diversity {div:.2f} of the training "
            f"set's): {uncovered}. What usually helps: more augmentation, a lower "
            f"learning rate, or the R1 penalty (r1_gamma); resuming from an earlier checkpoint saves time.")


# ---------------------------------------------------------------- images in, features out
def pick_real(images: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """The dataset indices (sorted) of a fixed random subset of the training images (all when there are fewer):
    the rows of real_features(images, count, …), so a real feature's row i is the image images[pick_real(…)[i]]."""
    n = len(images)
    if count >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, count, replace=False))


def real_features(images: np.ndarray, count: int, extractor, cache_dir: Path | None = None,
                  cancel: threading.Event | None = None) -> np.ndarray:
    """Features of up to `count` training images, cached as .npy in cache_dir (keyed by the pixels)."""
    idx = pick_real(images, count)
    sel = np.ascontiguousarray(images[idx])
    path = None
    if cache_dir is not None:
        h = hashlib.sha1(sel.tobytes())
        h.update(f"{sel.shape}|{extractor.title}|{CACHE_VERSION}".encode())
        path = Path(cache_dir) / f"quality-real-{h.hexdigest()[:16]}.npy"
        if path.exists():
            try:
                feats = np.load(path, allow_pickle=False)
                if feats.shape[0] == len(sel):
                    return feats
            except (OSError, ValueError):
                pass
    feats = extractor.features(sel, cancel)
    if path is not None:
        try:
            with atomic_path(path, ".npy") as tmp:
                with open(tmp, "wb") as f:
                    np.save(f, feats, allow_pickle=False)
        except OSError:
            pass                                   # a cache only: carry on without it
    return feats


@torch.no_grad()
def generate(G: torch.nn.Module, z_dim: int, count: int, device, batch: int = 64) -> np.ndarray:
    """`count` samples of G from the fixed evaluation latents → uint8 (N, H, W, C)."""
    was_training = G.training
    G.eval()
    dtype = next(G.parameters()).dtype
    out = []
    try:
        for i in range(0, count, batch):
            z = seeds_to_z(range(EVAL_SEED + i, EVAL_SEED + min(count, i + batch)), z_dim)
            out.append(to_uint8(G(z.to(device, dtype)).float()))
    finally:
        G.train(was_training)
    return np.concatenate(out)


def missing_images(real: np.ndarray, fake: np.ndarray, real_index=None,
                   count: int = MISSING_SHOWN) -> tuple[list[int], list[float]]:
    """The `count` real images the samples cover worst, worst first, among those no sample covers at all:
    (their indices — real_index[row] when given, i.e. dataset indices —, how far off each is)."""
    far = scores.real_coverage(real, fake, 5)
    rows = [r for r in np.argsort(-far, kind="stable")[:count] if far[r] > 1.0]
    index = np.arange(len(real)) if real_index is None else np.asarray(real_index)
    return [int(index[r]) for r in rows], [round(min(float(far[r]), MISSING_FAR_MAX), 2) for r in rows]


def evaluate_features(real: np.ndarray, fake: np.ndarray, seconds: float = 0.0,
                      secondary: tuple[np.ndarray, np.ndarray] | None = None, real_index=None) -> QualityReport:
    """The report from primary-space features (real, fake), with KID/FD in the secondary space if given.
    real_index: the dataset index of each real row (pick_real), so that `missing` names dataset images."""
    second = None
    if secondary is not None:
        k, k_std = scores.kid(*secondary)
        second = {"kid": k, "kid_std": k_std, "fd": scores.frechet_distance(*secondary)}
    missing, far = missing_images(real, fake, real_index)
    return QualityReport(**scores.all_scores(real, fake), seconds=seconds, secondary=second, missing=missing,
                         missing_far=far)


def evaluate_images(real_images: np.ndarray, fake_images: np.ndarray, extractors, real_count: int | None = None,
                    cache_dir: Path | None = None, cancel=None) -> QualityReport:
    """extractors: the primary space's FeatureExtractor, or (primary, secondary)."""
    t0 = time.perf_counter()
    extractors = extractors if isinstance(extractors, (tuple, list)) else (extractors,)
    feats = [(real_features(real_images, real_count or len(real_images), e, cache_dir, cancel),
              e.features(fake_images, cancel)) for e in extractors]
    return evaluate_features(*feats[0], time.perf_counter() - t0, feats[1] if len(feats) > 1 else None,
                             pick_real(real_images, real_count or len(real_images)))
