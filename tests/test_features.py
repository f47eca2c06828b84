"""The feature network behind the quality metrics: real ImageNet weights, right preprocessing."""
from __future__ import annotations

import numpy as np
import pytest

skdata = pytest.importorskip("skimage.data")

# ImageNet-1k indices: cats, coffee, and what a rocket photo can honestly be called.
CATS = {281, 282, 283, 284, 285, 287}      # tabby, tiger cat, Persian, Siamese, Egyptian cat, lynx
COFFEE = {967, 968, 504, 809}              # espresso, cup, coffee mug, soup bowl
ROCKET = {657, 744, 812}                   # missile, projectile, space shuttle


@pytest.fixture(scope="module")
def extractor():
    from studio.core.metrics.features import get_extractor
    return get_extractor("cpu")


def test_the_network_classifies_natural_photos_sensibly(extractor):
    """Before trusting the features: top-5 ImageNet classes of skimage photos are the right kind."""
    for photo, expected in ((skdata.chelsea(), CATS), (skdata.coffee(), COFFEE), (skdata.rocket(), ROCKET)):
        probs = extractor.classify(photo[None])[0]
        top5 = set(np.argsort(probs)[::-1][:5].tolist())
        assert top5 & expected, (sorted(top5), expected)
        assert int(np.argmax(probs)) in expected


def test_features_are_1280d_deterministic_and_accept_small_rgba_and_gray(extractor):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    a = extractor.features(rgb)
    assert a.shape == (3, 1280) and a.dtype == np.float32 and np.isfinite(a).all()
    assert np.array_equal(a, extractor.features(rgb))
    opaque = np.concatenate([rgb, np.full((3, 32, 32, 1), 255, np.uint8)], axis=3)
    assert np.allclose(extractor.features(opaque), a, atol=1e-4)      # opaque RGBA = its RGB
    gray = extractor.features(rgb[..., :1])
    assert gray.shape == (3, 1280)


def test_weights_load_without_unpickling_code():
    import torch
    from studio.core.metrics.features import weights_path
    state = torch.load(weights_path(), map_location="cpu", weights_only=True)
    assert "_fc.weight" in state and tuple(state["_fc.weight"].shape) == (1000, 1280)
