"""Latent maths of the explorer: GANSpace directions, composing a state, undoing an edit."""
import threading

import pytest
import torch

from studio.core.checkpoint import load_generator
from studio.core.directions import (Cancelled, Directions, DirectionsError, cache_path, compute_directions,
                                    directions_for, early_activations, load_directions, save_directions)
from studio.core.explore import LatentState, compose, contact_sheet
from studio.core.latent import lerp, seed_to_z, slerp, truncate


@pytest.fixture(scope="module")
def model(random_model):
    return random_model


def test_directions_orthonormal_and_ordered(model):
    d = compute_directions(model.G, model.z_dim, count=16, samples=600)
    v = d.vectors
    assert v.shape == (16, model.z_dim)
    assert torch.allclose(v @ v.T, torch.eye(16), atol=1e-4)
    assert all(a >= b - 1e-9 for a, b in zip(d.variance, d.variance[1:]))
    assert 0 < sum(d.variance) <= 1.0 + 1e-6


def test_first_direction_moves_activations_most(model):
    """Moving along direction 1 changes the early activations more than along the last one."""
    d = compute_directions(model.G, model.z_dim, count=16, samples=600)
    z = torch.randn(64, model.z_dim, generator=torch.Generator().manual_seed(3))
    y0 = early_activations(model.G, z)
    step = [(early_activations(model.G, z + 2 * d.vectors[k]) - y0).pow(2).sum(1).mean() for k in (0, 15)]
    assert step[0] > step[1]


def test_deterministic_and_cancel(model):
    a = compute_directions(model.G, model.z_dim, count=8, samples=600)
    b = compute_directions(model.G, model.z_dim, count=8, samples=600)
    assert torch.equal(a.vectors, b.vectors)
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        compute_directions(model.G, model.z_dim, samples=600, cancel=stop)


def test_directions_cache_round_trip(trained_run, tmp_path):
    model = load_generator(trained_run)
    d = directions_for(model, samples=600)
    path = cache_path(trained_run, model.identity)
    assert path.exists() and path.read_text().startswith("{")
    back = load_directions(path, model.z_dim)
    assert torch.equal(back.vectors, d.vectors) and back.names == d.names
    back.names[2] = "Tilt"
    save_directions(path, back)
    assert directions_for(model, compute=False).names[2] == "Tilt"
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "ganstudio-directions", "vectors": [[1e999]]}')
    with pytest.raises(DirectionsError):
        load_directions(bad)
    with pytest.raises(DirectionsError):
        load_directions(path, model.z_dim + 1)


def test_edit_and_undo_round_trip():
    dirs = torch.linalg.qr(torch.randn(32, 8))[0].T
    s0 = LatentState(seed=7, psi=0.8)
    z0 = compose(s0, 32, dirs)
    s1 = s0.with_direction(3, 2.5)
    z1 = compose(s1, 32, dirs)
    assert torch.allclose(z1 - z0, 2.5 * dirs[3], atol=1e-5)
    assert torch.equal(compose(s1.with_direction(3, 0.0), 32, dirs), z0)
    assert s1.with_direction(3, 0.0).same_as(s0) and s1.reset_directions().same_as(s0)
    assert torch.equal(compose(s0, 32, dirs), truncate(seed_to_z(7, 32), 0.8))


def test_mix_endpoints_and_interpolation():
    a, b = seed_to_z(1, 64), seed_to_z(2, 64)
    for f in (lerp, slerp):
        assert torch.allclose(f(a, b, 0.0), a, atol=1e-5) and torch.allclose(f(a, b, 1.0), b, atol=1e-5)
    s = LatentState(seed=1, mix_seed=2, mix_t=1.0)
    assert torch.allclose(compose(s, 64), b, atol=1e-5)
    assert torch.equal(compose(s.replace(mix_t=0.0), 64), a)
    mid = compose(s.replace(mix_t=0.5), 64)
    assert abs(mid.norm() - (a.norm() + b.norm()) / 2) < 1e-3
    kz = torch.randn(64)
    assert torch.allclose(compose(LatentState(seed=1, mix_z=kz, mix_t=1.0), 64), kz, atol=1e-5)


def test_contact_sheet(model):
    zs = torch.stack([seed_to_z(s, model.z_dim) for s in range(5)])
    sheet = contact_sheet(model, zs, cols=3, pad=2)
    r = model.spec.resolution
    assert sheet.shape == (2 * r + 6, 3 * r + 8, 3) and sheet.dtype.name == "uint8"
    assert sheet[2:2 + r, 2:2 + r].std() > 0
