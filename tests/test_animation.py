"""Latent paths: keyframes land exactly on their frames, loops close smoothly, walks stay Gaussian."""
import pytest
import torch

from studio.core.animation import (AnimationError, Breathing, FrameSource, KeyframePath, PeriodicWalk, ease,
                                   keyframes_path, seeds_path)
from studio.core.checkpoint import load_generator


def _steps(L):
    L = L.reshape(len(L), -1)
    return (L[1:] - L[:-1]).norm(dim=-1)


@pytest.mark.parametrize("name", ["linear", "ease-in-out", "cubic"])
def test_easings_run_from_0_to_1_monotonically(name):
    vals = [ease(name, i / 20) for i in range(21)]
    assert vals[0] == 0 and vals[-1] == pytest.approx(1)
    assert all(b >= a for a, b in zip(vals, vals[1:]))
    with pytest.raises(AnimationError):
        ease("bouncy", 0.5)


@pytest.mark.parametrize("loop,hold", [(True, 0.0), (False, 0.25), (True, 0.5)])
def test_keyframes_reproduced_exactly_and_frame_count(loop, hold):
    z = torch.randn(4, 32)
    p = KeyframePath.fit(z, 8, 3, loop=loop, hold_seconds=hold)
    assert p.frames == 24
    L = p.latents(range(p.frames))
    for k, i in enumerate(p.keyframe_frames()):
        assert torch.equal(L[i, 0], z[k])
        for j in range(i, i + round(hold * 8) + 1):              # held still for `hold` seconds
            assert torch.equal(L[j, 0], z[k])
    if not loop:
        assert torch.equal(L[-1, 0], z[-1])


def test_seamless_loop_last_frame_leads_into_first():
    p = KeyframePath.fit(seeds_path([1, 2, 3], 64), 8, 3, loop=True, easing="linear")
    L = p.latents(range(p.frames + 1))
    assert torch.equal(L[-1], L[0])                            # frame N would be frame 0 again
    steps = _steps(L[:-1])
    closing = (L[-2] - L[0]).norm()
    assert 0 < closing <= steps.max() * 1.05 and abs(closing - steps[-1]) < 0.05 * steps[-1]
    open_path = KeyframePath.fit(seeds_path([1, 2, 3], 64), 8, 3, easing="linear").latents(range(24))
    assert (open_path[-1] - open_path[0]).norm() > 5 * _steps(open_path).max()   # the check can fail


def test_periodic_walk_loops_smoothly_and_stays_gaussian():
    w = PeriodicWalk(256, 12, 48, cells=2, seed=3)
    L = w.latents(range(49))
    assert torch.allclose(L[48], L[0], atol=1e-5)
    steps = _steps(L[:48])
    assert (L[47] - L[0]).norm() <= steps.max() * 1.05
    assert steps.max() < 3 * steps.mean()                     # smooth: no jumps
    norms = L.norm(dim=-1) / 256 ** 0.5
    assert norms.min() > 0.8 and norms.max() < 1.2            # on the Gaussian shell
    assert not torch.allclose(L[0, 0], L[0, 1])               # grid cells walk differently


def test_breathing_swings_along_directions_and_back():
    base = torch.randn(16)
    d = torch.zeros(16)
    d[3] = 5.0
    b = Breathing(base, [d], [2.0], fps=8, frames=16)
    L = b.latents(range(16))[:, 0]
    assert torch.allclose(L[0], base)
    assert torch.allclose(L[4] - base, torch.eye(16)[3] * 2.0, atol=1e-5)   # peak = amplitude · unit
    assert torch.allclose((L - base)[:, [i for i in range(16) if i != 3]], torch.zeros(16, 15), atol=1e-5)
    with pytest.raises(AnimationError):
        Breathing(base, [torch.zeros(16)], [1.0], fps=8, frames=16)


def test_keyframe_grid_cells_take_different_routes():
    z = torch.randn(3, 8)
    g = keyframes_path(z, 2)
    assert g.shape == (3, 2, 8) and torch.equal(g[:, 0], z) and torch.equal(g[0, 1], z[1])


def test_bad_settings_are_refused():
    with pytest.raises(AnimationError):
        KeyframePath.fit(torch.randn(1, 8), 8, 2)
    with pytest.raises(AnimationError):
        KeyframePath.fit(torch.randn(5, 8), 8, 0.25)
    with pytest.raises(AnimationError):
        KeyframePath.fit(torch.randn(2, 8), 120, 2)


def test_frame_source_renders_keyframes_grid_and_upscale(trained_run):
    model = load_generator(trained_run)
    z = seeds_path([4, 5], model.z_dim, cells=2)
    p = KeyframePath.fit(z, 8, 1, loop=True)
    src = FrameSource(model, p, size=40, grid=(1, 2))
    frames = list(src)
    assert len(frames) == 8 and frames[0].shape == (44, 86, 3)
    assert (frames[0] == src[0]).all() and not (frames[0] == frames[2]).all()
    single = FrameSource(model, KeyframePath.fit(z[:, :1], 8, 1), psi=0.7)
    expect = model.render(z[1:, 0] * 0.7)[0]
    assert (single[single.animation.keyframe_frames()[1]] == expect).all()
    with pytest.raises(AnimationError):
        FrameSource(model, p, grid=(2, 2))


def test_keyframes_carry_their_own_easing(tmp_path):
    from studio.core.keyframes import Keyframe, KeyframeError, load_keyframes, save_keyframes, segment_easings
    kfs = [Keyframe(torch.randn(8), f"k{i}") for i in range(3)]
    kfs[1].easing = "linear"
    save_keyframes(tmp_path / "k.json", kfs)
    back, _ = load_keyframes(tmp_path / "k.json", 8)
    assert [k.easing for k in back] == ["", "linear", ""]
    assert segment_easings(back, "cubic", loop=False) == ["cubic", "linear"]
    assert segment_easings(back, "cubic", loop=True) == ["cubic", "linear", "cubic"]
    from studio.core.latent import slerp
    path = KeyframePath.per_segment(keyframes_path(torch.stack([k.z for k in back])), 8, 1.0,
                                    easing=segment_easings(back, "ease-in-out", loop=False))
    z0, z1, z2 = (k.z for k in back)
    quarter = path.latents([2, 10])[:, 0]         # a quarter into segment 1 (eased) and segment 2 (linear)
    assert torch.allclose(quarter[0], slerp(z0, z1, ease("ease-in-out", 0.25)), atol=1e-5)
    assert torch.allclose(quarter[1], slerp(z1, z2, 0.25), atol=1e-5)
    bad = (tmp_path / "k.json").read_text().replace('"linear"', '"bouncy"')
    (tmp_path / "bad.json").write_text(bad)
    with pytest.raises(KeyframeError, match="unknown easing 'bouncy'"):
        load_keyframes(tmp_path / "bad.json", 8)
