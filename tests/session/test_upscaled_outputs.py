"""Issue 27: Animate's frame size kept with the model, and pictures enlarged to any size through the upscaler."""
import numpy as np
import pytest

from studio.core.upscaler import CompactSR, Upscaler, UpscalerSpec
from studio.session.animation_settings import ANIMATION_FILE, AnimationSettings
from studio.session.upscaling import enlarge, enlarging, fitting_factor, missing_factor


def _upscaler(factor: int) -> Upscaler:
    spec = UpscalerSpec(factor, 8, 1)
    return Upscaler(CompactSR(spec).eval(), spec)


def test_the_frame_size_is_kept_and_a_bad_file_is_said(tmp_path):
    s = AnimationSettings()
    assert s.load(tmp_path) == "" and s.upscale == 1
    assert s.set_upscale(4) == ""
    again = AnimationSettings()
    assert again.load(tmp_path) == "" and again.upscale == 4
    with pytest.raises(ValueError, match="×3"):
        s.set_upscale(3)
    (tmp_path / ANIMATION_FILE).write_text('{"format": "ganstudio-animation", "upscale": 8}')
    error = again.load(tmp_path)
    assert "×8" in error and str(tmp_path) in error and again.upscale == 1
    assert AnimationSettings().set_upscale(2) == ""                     # no model folder: nothing written


def test_missing_factors_say_how_to_get_an_upscaler():
    assert missing_factor(1, None) == "" and missing_factor(2, _upscaler(2)) == ""
    assert "has no upscaler yet" in missing_factor(2, None) and "ganstudio upscaler RUN" in missing_factor(2, None)
    assert "at most ×2" in missing_factor(4, _upscaler(2)) and "--factor 4" in missing_factor(4, _upscaler(2))


def test_a_picture_is_enlarged_to_any_size_through_the_fitting_factor():
    up2, up4 = _upscaler(2), _upscaler(4)
    assert fitting_factor(8, up4) == 4 and fitting_factor(1.5, up4) == 2 and fitting_factor(3, up4) == 4
    assert fitting_factor(8, up2) == 2 and fitting_factor(0.5, up4) == 1 and fitting_factor(8, None) == 1
    img = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    assert np.array_equal(enlarge(img, 64, 64, up4), up4.upscale(img[None], 4)[0])    # exactly ×4: the upscaler's
    assert enlarge(img, 100, 80, up4).shape == (80, 100, 3)
    assert enlarge(img, 16, 16, up4) is img
    assert enlarging(16, 64, 64, up4) == "enlarged from 16 px to 64×64 by the model's ×4 upscaler"
    assert "×2 upscaler and Lanczos" in enlarging(16, 512, 512, up2)
    assert "Lanczos (the model has no upscaler yet" in enlarging(16, 512, 512, None)
