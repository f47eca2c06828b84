"""Honesty checks of the quality metrics on small multi-mode sets of real photos.

Each mode is one skimage photo; its images are random crops of it (64 px, upsampled to 224 by
the extractor). Features are computed once per module: extraction dominates the cost.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageFilter

skdata = pytest.importorskip("skimage.data")

from studio.core.events import Quality  # noqa: E402
from studio.core.metrics import scores  # noqa: E402
from studio.core.metrics.quality import collapse_warning  # noqa: E402

PER_MODE = 10
MODES = 6


def crops(seed: int, modes=range(MODES), n: int = PER_MODE, size: int = 64) -> np.ndarray:
    photos = [skdata.astronaut(), skdata.chelsea(), skdata.coffee(), skdata.rocket(), skdata.hubble_deep_field(),
              skdata.immunohistochemistry()]
    rng = np.random.default_rng(seed)
    out = []
    for m in modes:
        p = photos[m]
        h, w = p.shape[:2]
        for _ in range(n):
            s = int(min(h, w) * rng.uniform(0.6, 0.9))
            y, x = rng.integers(0, h - s + 1), rng.integers(0, w - s + 1)
            a = np.asarray(Image.fromarray(p[y:y + s, x:x + s]).resize((size, size), Image.BILINEAR))
            out.append(a[:, ::-1] if rng.random() < 0.5 else a)
    return np.stack(out)


def blur(images: np.ndarray, radius: float) -> np.ndarray:
    return np.stack([np.asarray(Image.fromarray(a).filter(ImageFilter.GaussianBlur(radius))) for a in images])


@pytest.fixture(scope="module")
def feats():
    from studio.core.metrics.features import get_extractor
    ex = get_extractor("cpu")
    a, b = crops(1), crops(2)
    sub = b[::2]                                        # half of split B, every mode, for the blur ladder
    noise = np.random.default_rng(0).integers(0, 256, (16, 64, 64, 3), dtype=np.uint8)
    return {"a": ex.features(a), "b": ex.features(b), "noise": ex.features(noise),
            "blur": [ex.features(blur(sub, r)) for r in (0.0, 1.5, 3.0)],
            "modes": np.repeat(np.arange(MODES), PER_MODE)}


def test_real_vs_disjoint_real_split_is_near_zero_and_noise_is_far(feats):
    same, same_std = scores.kid(feats["a"], feats["b"])
    noise, _ = scores.kid(feats["a"], feats["noise"])
    assert abs(same) <= 2 * same_std + 1e-3
    assert noise > 20 * max(abs(same), same_std)
    assert scores.frechet_distance(feats["a"], feats["noise"]) > 5 * scores.frechet_distance(feats["a"], feats["b"])
    p, r = scores.precision_recall(feats["a"], feats["b"])
    assert p > 0.8 and r > 0.8
    assert scores.precision_recall(feats["a"], feats["noise"])[0] < 0.1


def test_more_blur_means_worse_kid_and_fd(feats):
    kids = [scores.kid(feats["a"], f)[0] for f in feats["blur"]]
    fds = [scores.frechet_distance(feats["a"], f) for f in feats["blur"]]
    assert kids[0] < kids[1] < kids[2], kids
    assert fds[0] < fds[1] < fds[2], fds


def test_dropping_half_the_modes_halves_coverage_and_recall_but_not_precision(feats):
    half = feats["b"][feats["modes"] < MODES // 2]
    p, r = scores.precision_recall(feats["a"], half)
    d, c = scores.density_coverage(feats["a"], half)
    assert 0.3 <= r <= 0.6 and 0.3 <= c <= 0.6, (r, c)
    assert p > 0.8
    _, c_full = scores.density_coverage(feats["a"], feats["b"])
    assert c_full > 0.85


def test_collapse_onto_a_few_images_is_detected_in_words(feats):
    rng = np.random.default_rng(0)
    few = np.repeat(feats["b"][[0, PER_MODE, 2 * PER_MODE]], 20, axis=0) + rng.normal(0, 0.01, (60, 1280))
    collapsed = scores.all_scores(feats["a"], few)
    assert collapsed["diversity"] < scores.all_scores(feats["a"], feats["b"])["diversity"]
    msg = collapse_warning(collapsed)
    assert msg and "augmentation" in msg and "learning rate" in msg and "R1" in msg
    assert collapse_warning(scores.all_scores(feats["a"], feats["b"])) is None
    assert collapse_warning(scores.all_scores(feats["a"], feats["noise"])) is None   # bad, not collapsed


def test_collapse_during_training_means_variety_lost_not_never_learnt():
    """An untrained generator's samples look alike (it has not learnt variety yet): no warning. A generator that
    showed variety and then lost it: the warning, with the figures that fell."""
    def rec(prec, cov, div, recall=0.0):
        return {"precision": prec, "coverage": cov, "diversity": div, "recall": recall}
    untrained = [rec(0.35, 0.05, 0.2), rec(0.4, 0.08, 0.3)]           # similar blobs that happen to look real
    assert collapse_warning(untrained[-1], untrained[:-1]) is None    # too early: one earlier measurement
    assert collapse_warning(rec(0.45, 0.1, 0.3), untrained) is None   # never had variety: nothing lost
    learnt = [rec(0.5, 0.4, 0.9), rec(0.6, 0.5, 0.95)]
    assert collapse_warning(rec(0.6, 0.45, 0.9), learnt) is None      # healthy
    assert collapse_warning(rec(0.2, 0.05, 0.2), learnt) is None      # broken, but not like the data: not collapse
    msg = collapse_warning(rec(0.7, 0.1, 0.3), learnt)
    assert msg and "0.95" in msg and "0.30" in msg and "50%" in msg and "10%" in msg


def test_same_inputs_same_numbers_and_fd_routes_agree(feats):
    one, two = scores.all_scores(feats["a"], feats["b"]), scores.all_scores(feats["a"], feats["b"])
    assert json.dumps(one) == json.dumps(two)
    a, b = feats["a"][:, :200], feats["b"][:, :200]      # 200 dims keep the D×D routes cheap
    fd = scores.frechet_distance(a, b, method="lowrank")
    # 30 images in 200 dims: Σ₁Σ₂ is rank-deficient, and the D×D route takes square roots of eigenvalues that
    # are zero up to rounding (√1e-13 ≈ 3e-7 each), which shifts its result by ~1e-6 relative depending on the
    # BLAS kernel (OPENBLAS_CORETYPE); the exact low-rank route must agree to well within that
    assert fd == pytest.approx(scores.frechet_distance(a, b, method="eigh"), rel=2e-5)
    if scores.scipy_linalg() is not None:
        assert fd == pytest.approx(scores.frechet_distance(a, b, method="scipy"), rel=1e-4)


def test_fd_and_kid_on_known_gaussians():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (4000, 4))
    y = rng.normal(0, 1, (4000, 4)) + np.array([2.0, 0, 0, 0])
    for method in ("eigh", "auto"):
        assert scores.frechet_distance(x, y, method) == pytest.approx(4.0, abs=0.2)    # ‖Δμ‖² = 4
    assert scores.kid(x, y, subsets=10)[0] > 10 * abs(scores.kid(x, x[::-1].copy(), subsets=10)[0])


def test_training_logs_quality_keeps_best_and_loads_it(tmp_path, make_image_folder, tiny_config, capsys):
    from studio.core.checkpoint import load_generator
    from studio.core.metrics import QualityMonitor
    from studio.core.run import RunFolder
    from studio.core.trainer import Trainer

    events = []
    t = Trainer.create(tmp_path / "run", tiny_config(make_image_folder(24)), on_event=events.append, device="cpu")
    t.evaluator = QualityMonitor(every_kimg=0.16, count=12, real_count=24, patience=1,
                                 min_best_precision=0.0)
    assert t.run() == "done"
    recs = RunFolder(tmp_path / "run").read_metrics("quality")
    assert len(recs) == 2
    for k in ("step", "kimg", "kid", "kid_std", "fd", "precision", "recall", "density", "coverage", "diversity"):
        assert isinstance(recs[0][k], (int, float)), k
    assert recs[0]["n_real"] == 24 and recs[0]["n_fake"] == 12
    # every figure says its space: the primary one no discriminator looks through, Lite0 beside it
    assert recs[0]["feature_space"] == "EfficientNet-Lite1"
    assert recs[0]["secondary"]["feature_space"] == "EfficientNet-Lite0"
    assert isinstance(recs[0]["secondary"]["kid"], float) and isinstance(recs[0]["secondary"]["fd"], float)
    assert [e.metrics["kid"] for e in events if isinstance(e, Quality)] == [r["kid"] for r in recs]
    assert list((tmp_path / "run" / "cache").glob("quality-real-*.npy"))
    model = load_generator(tmp_path / "run")
    assert model.path.name == "best.safetensors"
    best = min(recs, key=lambda r: r["kid"])
    assert model.meta["quality"]["kid"] == best["kid"]

    from studio.cli import main
    out = tmp_path / "q.json"
    assert main(["evaluate", str(tmp_path / "run"), "--data", str(tmp_path / "images"), "--count", "8",
                 "--device", "cpu", "--json", str(out)]) == 0
    got = json.loads(out.read_text())
    assert got["n_fake"] == 8 and got["n_real"] == 24 and got["feature_space"] == "EfficientNet-Lite1"
    # the pictures the samples miss, by file name, worst first (a barely trained model misses some)
    usable = json.loads((tmp_path / "run" / "scan.json").read_text())["usable"]
    assert got["missing"] and got["missing_files"] == [usable[i] for i in got["missing"]]
    printed = capsys.readouterr().out
    assert "No sample resembles" in printed and "of the 24 measured); the worst" in printed
    assert printed.index(got["missing_files"][0]) < printed.index(got["missing_files"][-1])
    assert all(0 <= i < 24 for r in recs for i in r["missing"]) and all(min(r["missing_far"]) > 1 for r in recs
                                                                          if r["missing"])
    assert got["secondary"]["feature_space"] == "EfficientNet-Lite0" and got["secondary"]["kid"] >= -1


def test_plateau_is_announced_once_when_kid_stops_improving():
    from studio.core.metrics import QualityMonitor
    m = QualityMonitor(patience=3)
    flags = []
    for i, kid in enumerate((0.5, 0.3, 0.2, 0.199, 0.21, 0.205, 0.25, 0.1)):
        m._track({"kid": kid, "kid_std": 0.001, "kimg": float(i), "precision": 0.7})
        flags.append(m.plateau)
        if i == 5:
            assert "stopped improving" in m.plateau_message() and "best.safetensors" in m.plateau_message()
    assert flags == [False, False, False, False, False, True, True, False]
    assert m.best_kid == 0.1
    early = QualityMonitor(patience=2)
    for kid in (0.4, 0.5, 0.5):
        early._track({"kid": kid, "kid_std": 0.01, "kimg": 1.0, "precision": 0.0})
    assert early.plateau and "more time" in early.plateau_message()        # junk samples: no "stop now"
    assert early.best_kid == float("inf")                  # and none of them may become best.safetensors


@pytest.mark.filterwarnings("ignore::DeprecationWarning")      # torch.jit is deprecated, still the file's format
def test_optional_inception_fid_accepts_torchscript_and_refuses_state_dicts(tmp_path):
    """The real inception-2015-12-05.pt is not on this machine: a stand-in TorchScript module with
    the same call convention checks loading and calling; a state dict and junk are refused in words."""
    import torch

    from studio.core.metrics.inception import InceptionError, InceptionFID

    class StandIn(torch.nn.Module):
        def forward(self, x: torch.Tensor, return_features: bool = False) -> torch.Tensor:
            m = x.mean(dim=(2, 3))                                  # (N, 3), images in 0..255
            return m.repeat(1, 683)[:, :2048] / 255.0

    ts = tmp_path / "inception-2015-12-05.pt"
    torch.jit.script(StandIn()).save(str(ts))
    fid = InceptionFID(ts)
    rng = np.random.default_rng(0)
    real = rng.integers(0, 256, (20, 16, 16, 3), dtype=np.uint8)
    assert fid.features(real).shape == (20, 2048)
    assert fid.fid(real, real) == pytest.approx(0.0, abs=1e-6)
    assert fid.fid(real, np.zeros_like(real)) > 1.0
    sd = tmp_path / "pt_inception-2015-12-05-6726825d.pth"
    torch.save({"w": torch.zeros(2)}, sd)
    with pytest.raises(InceptionError, match="state dict"):
        InceptionFID(sd)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a model")
    with pytest.raises(InceptionError, match="not a TorchScript"):
        InceptionFID(junk)
