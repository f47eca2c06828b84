"""A latent's kind as files keep it (explorer position, keyframes, PNG metadata) and along an animation (issue 28):
checked when read, kept exactly, and a keyframe path between kinds is continuous — a keyframe without a kind
starts from the weights G derives from its own latent."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from studio.core import animation as an
from studio.core.checkpoint import load_generator
from studio.core.explore import LatentState, state_from_dict, state_to_dict
from studio.core.keyframes import Keyframe, KeyframeError
from studio.core.kind_rows import kind_from_json, kind_rows
from studio.core.kinds import default_weights
from studio.core.pngmeta import PngMetaError, kind_of, read_png_meta, save_png

NAMES = ("apple", "boat", "cat")


@pytest.fixture(scope="module")
def kinds_model(make_kinds_model):
    return load_generator(make_kinds_model(NAMES))


@pytest.mark.parametrize("bad", [[1, 2], {"a": -1}, {"a": float("nan")}, {"a": 0, "b": 0}, {"": 1}, {"a": True},
                                 {f"k{i}": 1 for i in range(65)}])
def test_a_kind_read_from_a_file_is_checked(bad):
    with pytest.raises(ValueError, match="kind"):
        kind_from_json(bad, "keyframe")
    with pytest.raises(KeyframeError, match="kind"):
        Keyframe.from_dict({"z": [0.0] * 4, "kind": bad})
    with pytest.raises(ValueError, match="saved position"):
        state_from_dict({"kind": bad}, 4)


def test_kinds_round_trip_through_position_keyframe_and_png(tmp_path):
    st = LatentState(seed=3, kind_mix={"apple": 0.25, "cat": 0.75})
    back = state_from_dict(state_to_dict(st), 8)
    assert back.kind_mix == {"apple": 0.25, "cat": 0.75} and back.same_as(st)
    assert not back.same_as(st.replace(kind_mix=None))
    assert "kind" not in state_to_dict(LatentState(seed=3))
    kf = Keyframe(torch.ones(4), "k", kind_mix={"boat": 1.0})
    assert Keyframe.from_dict(kf.to_dict()).kind_mix == {"boat": 1.0}
    assert Keyframe.from_dict(Keyframe(torch.ones(4)).to_dict()).kind_mix is None
    meta = {"model": {"z_dim": 4}, "seed": 1, "psi": 1.0, "z": [0.0] * 4}
    save_png(tmp_path / "a.png", np.zeros((8, 8, 3), np.uint8), {**meta, "kind": {"cat": 1.0}})
    save_png(tmp_path / "b.png", np.zeros((8, 8, 3), np.uint8), meta)
    save_png(tmp_path / "c.png", np.zeros((8, 8, 3), np.uint8), {**meta, "kind": "cat"})
    assert kind_of(read_png_meta(tmp_path / "a.png")) == {"cat": 1.0}
    assert kind_of(read_png_meta(tmp_path / "b.png")) is None
    with pytest.raises(PngMetaError, match="kind"):
        kind_of(read_png_meta(tmp_path / "c.png"))


def test_kind_rows_use_each_latents_own_kind_for_none(kinds_model):
    z = torch.randn(3, 32, generator=torch.Generator().manual_seed(1))
    c = kind_rows(NAMES, kinds_model.G.kind_prior, [None, {"boat": 1.0}, {"apple": 1, "cat": 3}], z)
    assert torch.equal(c[0], default_weights(z[:1], kinds_model.G.kind_prior)[0])
    assert c[1].tolist() == [0, 1, 0] and c[2].tolist() == [0.25, 0, 0.75]
    assert kind_rows((), None, [None], z) is None
    # G given its own default weights draws exactly what it draws without any
    assert np.array_equal(kinds_model.render(z[:1], kind=c[:1]), kinds_model.render(z[:1]))


def test_a_keyframe_path_travels_between_kinds_continuously(kinds_model):
    z = torch.randn(2, 32, generator=torch.Generator().manual_seed(2))
    c = kind_rows(NAMES, kinds_model.G.kind_prior, [None, {"cat": 1.0}], z)
    path = an.KeyframePath(an.keyframes_path(z), 12, [10], easing="linear", kinds=an.keyframes_path(c))
    w = path.kinds(range(path.frames))[:, 0]
    assert torch.equal(w[0], c[0]) and torch.equal(w[-1], c[1])              # each keyframe's kind exactly
    assert (w[1:] - w[:-1]).abs().max() <= 0.1 + 1e-6                        # no jump: 1/10 of the way a frame
    assert torch.allclose(w[5], (c[0] + c[1]) / 2)
    frames = list(an.FrameSource(kinds_model, path))
    assert np.array_equal(frames[0], kinds_model.render(z[:1])[0])          # "Any kind": the latent's own
    assert np.array_equal(frames[-1], kinds_model.render(z[1:], kind="cat")[0])
    with pytest.raises(an.AnimationError, match="kind"):
        an.KeyframePath(z, 12, [10], kinds=c[:1])
    assert an.KeyframePath(z, 12, [10]).kinds([0]) is None                 # a model without kinds: as before


def test_animate_keyframes_travel_between_their_kinds(tmp_path, kinds_model):
    """`ganstudio animate --keyframes` renders each keyframe as its kind (what Explore's strip and Animate show)."""
    from PIL import Image

    from studio.cli import main
    from studio.core.keyframes import save_keyframes
    z = torch.randn(2, 32, generator=torch.Generator().manual_seed(3))
    save_keyframes(tmp_path / "k.json", [Keyframe(z[0], kind_mix={"cat": 1.0}), Keyframe(z[1], kind_mix={"apple": 1})])
    gif = tmp_path / "a.gif"
    assert main(["animate", str(kinds_model.path), "--keyframes", str(tmp_path / "k.json"), "--fps", "8",
                 "--seconds", "0.5", "--out", str(gif)]) == 0
    with Image.open(gif) as im:
        first = np.asarray(im.convert("RGB")).astype(int)
    want = kinds_model.render(z[:1], kind="cat")[0].astype(int)
    other = kinds_model.render(z[:1])[0].astype(int)                      # its own kind is boat
    assert np.abs(first - want).mean() < 12 < np.abs(first - other).mean()
