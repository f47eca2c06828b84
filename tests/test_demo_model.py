"""The bundled demo model: small, loads on the CPU, renders varied, smooth pictures at its resolution."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from studio.core.checkpoint import load_generator, read_file
from studio.core.demo_data import demo_model_path
from studio.core.latent import seeds_to_z


@pytest.fixture(scope="module")
def demo():
    path = demo_model_path()
    assert path is not None, "studio/resources/models/demo.safetensors is missing"
    return load_generator(path, "cpu")


@pytest.fixture(scope="module")
def samples(demo):
    return demo.render(seeds_to_z(list(range(16)), demo.z_dim)).astype(np.float32)


def test_file_is_a_small_fp16_generator():
    path = demo_model_path()
    assert path.stat().st_size <= 20 * 2**20
    tensors, meta = read_file(path)
    assert meta["kind"] == "generator"
    floats = [t for t in tensors.values() if t.is_floating_point()]
    assert floats and all(t.dtype == torch.float16 for t in floats)
    assert all(k.startswith("G_ema.") for k in tensors), "only the generator ships (no D, no optimizer)"
    assert (path.parent / "README.md").is_file() and (path.parent / "demo-samples.png").is_file()


def test_renders_at_its_resolution(demo, samples):
    r = demo.spec.resolution
    assert samples.shape == (16, r, r, demo.spec.channels) and r >= 64
    again = demo.render(seeds_to_z([3], demo.z_dim))
    assert np.array_equal(again, demo.render(seeds_to_z([3], demo.z_dim))), "a seed always gives the same picture"
    # in a batch of 16 the CPU's kernels may sum in another order (seen on an AMX CPU: 1e-5 apart in float, one
    # pixel one level apart after rounding): the same picture to rounding
    diff = np.abs(again[0].astype(np.float32) - samples[3])
    assert diff.max() <= 1 and (diff > 0).mean() < 0.001


def test_samples_are_diverse(samples):
    n = len(samples)
    flat = samples.reshape(n, -1)
    dist = np.abs(flat[:, None] - flat[None]).mean(axis=2)
    off = dist[~np.eye(n, dtype=bool)]
    assert off.min() > 4, f"two seeds give (nearly) the same picture (mean abs difference {off.min():.1f}/255)"
    assert off.mean() > 15, f"samples barely differ (mean pairwise difference {off.mean():.1f}/255)"


def test_samples_are_pictures_not_flat_or_noise(samples):
    per_image_std = samples.reshape(len(samples), -1).std(axis=1)
    assert per_image_std.min() > 10, "a sample is a flat colour"
    # spatial smoothness: neighbouring pixels differ far less than random pairs of pixels do
    neighbour = np.abs(np.diff(samples, axis=2)).mean()
    rng = np.random.default_rng(0)
    shuffled = samples.reshape(len(samples), -1, samples.shape[-1])
    shuffled = shuffled[:, rng.permutation(shuffled.shape[1])]
    random_pairs = np.abs(np.diff(shuffled, axis=1)).mean()
    assert neighbour < 0.5 * random_pairs, f"samples look like noise ({neighbour:.1f} vs {random_pairs:.1f})"


def test_ships_a_x2_upscaler_that_sharpens_without_changing_the_picture(demo, samples):
    """The demo's upscaler (learnt from the emoji at 128 px: the font holds no more than ×2) loads beside the model;
    its ×2 picture, taken back down to 64 px, is the demo's picture, and its edges are crisper than Lanczos's."""
    from PIL import Image

    from studio.session.upscaling import factor_choices, upscaler_for
    up = upscaler_for(demo)
    assert up is not None and up.path.name == "demo.upscaler.safetensors"
    assert factor_choices(up) == [1, 2] and up.meta["model_resolution"] == demo.spec.resolution
    small = samples[:8].astype(np.uint8)
    big = up.upscale(small, 2)
    assert big.shape == (8, 128, 128, 3)
    back = np.stack([np.asarray(Image.fromarray(a).resize((64, 64), Image.Resampling.BOX)) for a in big])
    assert np.abs(back.astype(np.float32) - small).mean() < 3.0
    lanczos = np.stack([np.asarray(Image.fromarray(a).resize((128, 128), Image.Resampling.LANCZOS)) for a in small])
    def detail(a):                    # mean |Laplacian|: the fine structure an upscale adds or blurs away
        a = a.astype(np.float32)
        return np.abs(4 * a[:, 1:-1, 1:-1] - a[:, 2:, 1:-1] - a[:, :-2, 1:-1] - a[:, 1:-1, 2:] - a[:, 1:-1, :-2]).mean()
    assert detail(big) > 1.2 * detail(lanczos)        # measured 1.45× on seeds 0-5


def test_ships_an_encoder_that_finds_its_pictures_again_in_a_few_steps(demo):
    """Issue 29: the demo's encoder guesses a generated picture's latent in one pass; a few refining steps from the
    guess find it again within 3 % mean pixel difference (the first Step previews the guess, before any step)."""
    from studio.core.invert import InvertSettings, search
    from studio.session.encoding import encoder_for
    found = encoder_for(demo)
    assert found.encoder is not None and found.note == "" and found.encoder.path.name == "demo.encoder.safetensors"
    pictures = demo.render(seeds_to_z([1001, 1002, 1003], demo.z_dim))
    z = found.encoder.encode(pictures)
    assert z.shape == (3, demo.z_dim)
    guessed = demo.render(z)
    guess_error = np.abs(guessed.astype(np.float32) - pictures).mean() / 255
    assert guess_error < 0.12                                        # the guess alone: measured ~0.06
    errors = []
    for i in range(3):
        steps = search(demo, pictures[i], InvertSettings.refining(), start=z[i])
        first = next(steps)
        assert first.fraction == 0.0 and np.abs(first.preview.astype(np.float32) - guessed[i]).mean() < 1
        while True:
            try:
                next(steps)
            except StopIteration as done:
                errors.append(done.value.pixel_error)
                break
    assert np.mean(errors) < 0.03, errors
