"""The metrics themselves, on feature arrays (N, D). Pure numpy (float64), deterministic.

- KID: unbiased MMD² with the cubic polynomial kernel k(x, y) = (x·y / d + 1)³, mean ± std over
  random subsets (Bińkowski et al. 2018). 0 when both sets come from the same distribution.
- FD: Fréchet distance between Gaussians fitted to the two feature sets (what FID computes, here in
  an EfficientNet space, so it is NOT comparable to published FID numbers).
- precision / recall: k-NN manifolds, k = 3 (Kynkäänniemi et al. 2019).
- density / coverage: k = 5 (Naeem et al. 2020); real_coverage says which real images are the uncovered ones.
- diversity: mean pairwise feature distance of the generated set over that of the real set
  (1 ≈ as varied as the training images; near 0 = the samples all look alike).
"""
from __future__ import annotations

import warnings

import numpy as np


def scipy_linalg():
    """scipy.linalg if installed (it is optional: not a GAN Studio dependency), else None."""
    try:
        import scipy.linalg
    except ImportError:                # pragma: no cover - depends on the environment
        return None
    return scipy.linalg


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def kid(real, fake, subsets: int = 50, subset_size: int = 1000, seed: int = 0) -> tuple[float, float]:
    """(mean, std) of the unbiased MMD² over `subsets` random subsets of min(subset_size, N/2) points."""
    x, y = _f64(real), _f64(fake)
    # subsets of half the smaller set (at most subset_size), so their spread says how sure the mean is
    m = min(subset_size, max(2, min(len(x), len(y)) // 2))
    if min(len(x), len(y)) < 2:
        raise ValueError("KID needs at least 2 real and 2 generated images")
    d = x.shape[1]
    rng = np.random.default_rng(seed)
    vals = np.empty(subsets)
    for i in range(subsets):
        a = x[rng.choice(len(x), m, replace=False)]
        b = y[rng.choice(len(y), m, replace=False)]
        kxx = (a @ a.T / d + 1) ** 3
        kyy = (b @ b.T / d + 1) ** 3
        kxy = (a @ b.T / d + 1) ** 3
        vals[i] = ((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
                   - 2 * kxy.mean())
    return float(vals.mean()), float(vals.std())


def _psd_sqrt(s: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((s + s.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def trace_sqrt_product(s1: np.ndarray, s2: np.ndarray, use_scipy: bool | None = None) -> float:
    """tr(sqrtm(s1 @ s2)) for covariance matrices: scipy.linalg.sqrtm when available, else eigh.

    The eigh route uses tr(sqrtm(s1 s2)) = tr(sqrtm(A s2 A)) with A = sqrtm(s1), a symmetric PSD
    matrix, so it needs only symmetric eigen-decompositions in float64."""
    _sla = scipy_linalg() if use_scipy is not False else None
    if _sla is not None:
        with warnings.catch_warnings():          # singular when there are fewer images than dimensions
            warnings.simplefilter("ignore")
            covmean = _sla.sqrtm(s1 @ s2)
        if isinstance(covmean, tuple):          # older scipy returns (sqrtm, error) with disp=False
            covmean = covmean[0]
        if not np.isfinite(covmean).all():
            eps = np.eye(len(s1)) * 1e-6
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                covmean = _sla.sqrtm((s1 + eps) @ (s2 + eps))
        return float(np.real(np.trace(covmean)))
    a = _psd_sqrt(s1)
    w = np.linalg.eigvalsh(a @ s2 @ a)
    return float(np.sqrt(np.clip(w, 0, None)).sum())


def frechet_distance(real, fake, method: str = "auto") -> float:
    """‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^½), in float64.

    method: "lowrank" (exact when there are fewer images than feature dimensions: the non-zero
    eigenvalues of Σ₁Σ₂ are the squared singular values of X₁X₂ᵀ / √((n₁−1)(n₂−1)) for the centred
    feature matrices, so tr (Σ₁Σ₂)^½ is their sum — an n₁×n₂ SVD instead of a D×D matrix root),
    "scipy" (scipy.linalg.sqrtm), "eigh" (symmetric eigen-decompositions), or "auto": lowrank
    when min(n₁, n₂) ≤ D, else scipy if installed, else eigh."""
    x, y = _f64(real), _f64(fake)
    n1, n2, d = len(x), len(y), x.shape[1]
    if n1 < 2 or n2 < 2:
        raise ValueError("FD needs at least 2 real and 2 generated images")
    mu1, mu2 = x.mean(0), y.mean(0)
    xc, yc = x - mu1, y - mu2
    if method == "auto":
        method = "lowrank" if min(n1, n2) <= d else ("scipy" if scipy_linalg() is not None else "eigh")
    if method == "lowrank":
        tr1, tr2 = (xc * xc).sum() / (n1 - 1), (yc * yc).sum() / (n2 - 1)
        m = xc @ yc.T / np.sqrt((n1 - 1) * (n2 - 1))
        covmean_tr = float(np.linalg.svd(m, compute_uv=False).sum())
    else:
        s1, s2 = xc.T @ xc / (n1 - 1), yc.T @ yc / (n2 - 1)
        tr1, tr2 = np.trace(s1), np.trace(s2)
        if method == "scipy" and scipy_linalg() is None:
            raise RuntimeError("scipy is not installed: use method 'eigh'")
        covmean_tr = trace_sqrt_product(s1, s2, use_scipy=(method == "scipy"))
    fd = ((mu1 - mu2) ** 2).sum() + tr1 + tr2 - 2 * covmean_tr
    return float(max(fd, 0.0))


def pairwise_distances(a, b) -> np.ndarray:
    a, b = _f64(a), _f64(b)
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.clip(d2, 0, None))


def knn_radii(x, k: int) -> np.ndarray:
    """Distance from each point to its k-th nearest neighbour in the same set (itself excluded)."""
    d = pairwise_distances(x, x)
    k = min(k, len(x) - 1)
    return np.partition(d, k, axis=1)[:, k]          # column 0 is the point itself (distance 0)


def precision_recall(real, fake, k: int = 3) -> tuple[float, float]:
    """Precision: share of generated images inside the real k-NN manifold; recall: the converse."""
    d_rf = pairwise_distances(real, fake)              # (R, F)
    r_real, r_fake = knn_radii(real, k), knn_radii(fake, k)
    precision = (d_rf <= r_real[:, None]).any(axis=0).mean()
    recall = (d_rf <= r_fake[None, :]).any(axis=1).mean()
    return float(precision), float(recall)


def _real_balls(real, fake, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(R, F) distances from each real image to each generated one, and each real image's k-NN radius."""
    return pairwise_distances(real, fake), knn_radii(real, k)


def density_coverage(real, fake, k: int = 5) -> tuple[float, float]:
    """Density: how many real neighbourhoods each generated image falls in, over k (≈1 when matched);
    coverage: share of real images whose k-NN ball holds at least one generated image."""
    d_rf, radii = _real_balls(real, fake, k)
    inside = d_rf <= radii[:, None]                    # (R, F)
    density = inside.sum() / (min(k, len(real) - 1) * inside.shape[1])
    coverage = inside.any(axis=1).mean()
    return float(density), float(coverage)


def real_coverage(real, fake, k: int = 5) -> np.ndarray:
    """Per real image, how badly the generated set misses it: the distance to its nearest generated image over
    its k-NN radius (the ball of density_coverage). ≤ 1: covered (coverage is the share of these ≤ 1); 3: the
    nearest sample is three times farther than the real image's k-th most similar fellow."""
    d_rf, radii = _real_balls(real, fake, k)
    nearest = d_rf.min(axis=1)
    # a radius of 0 (duplicates among the reals): covered only by a sample at distance 0, as in density_coverage
    return nearest / np.maximum(radii, 1e-12)


def mean_pairwise_distance(x) -> float:
    d = pairwise_distances(x, x)
    n = len(d)
    return float(d.sum() / max(n * (n - 1), 1))


def diversity(real, fake) -> float:
    """Mean pairwise distance of the generated features over that of the real ones."""
    return mean_pairwise_distance(fake) / max(mean_pairwise_distance(real), 1e-12)


def all_scores(real, fake, seed: int = 0, subsets: int = 50) -> dict:
    """Every metric at once → a dict of floats (field names as in metrics.jsonl)."""
    k_mean, k_std = kid(real, fake, subsets=subsets, seed=seed)
    p, r = precision_recall(real, fake, 3)
    dens, cov = density_coverage(real, fake, 5)
    return {"kid": k_mean, "kid_std": k_std, "fd": frechet_distance(real, fake), "precision": p, "recall": r,
            "density": dens, "coverage": cov, "diversity": diversity(real, fake),
            "n_real": int(len(real)), "n_fake": int(len(fake))}
