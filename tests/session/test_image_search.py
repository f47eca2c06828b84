"""The artist's own pictures, Qt-free: fitted by the model's training rules, found as one undoable edit,
restored with previews that are the picture with the fill blended in."""
import numpy as np
import pytest
import torch
from PIL import Image

from studio.core.checkpoint import load_generator, save_generator
from studio.core.config import TrainConfig
from studio.core.errors import StudioError
from studio.core.latent import seed_to_z
from studio.core.models import ModelSpec, build_generator
from studio.session import image_search as search
from studio.session.explorer_doc import ExplorerDocument


@pytest.fixture
def doc(tmp_path):
    """An explorer document with a tiny model inside a project whose pictures are padded on black."""
    torch.manual_seed(0)
    spec = ModelSpec("dcgan", 32, 3, 32, 8)
    proj = tmp_path / "proj"
    (proj / "checkpoints").mkdir(parents=True)
    TrainConfig(fit="pad", background="#000000").save(proj / "config.json")
    save_generator(proj / "best.safetensors", build_generator(spec), spec)
    d = ExplorerDocument()
    d.set_model(load_generator(proj / "best.safetensors"))
    return d


def test_a_picture_is_fitted_by_the_models_training_rules(doc, tmp_path):
    Image.fromarray(np.full((20, 40, 3), 255, np.uint8)).save(tmp_path / "wide.png")
    pic = search.fit_picture(doc, tmp_path / "wide.png")
    assert pic.image.shape == (32, 32, 3) and pic.name == "wide.png"
    assert pic.image[0, 16].sum() == 0 and pic.image[16, 16].sum() == 765       # padded on the project's black
    assert search.is_picture("a.JPG") and not search.is_picture("a.safetensors")
    (tmp_path / "bad.png").write_bytes(b"nope")
    with pytest.raises(StudioError) as e:
        search.fit_picture(doc, tmp_path / "bad.png")
    assert "bad.png" in str(e.value)
    empty = ExplorerDocument()
    with pytest.raises(search.SearchError, match="Open a model"):
        search.fit_picture(empty, tmp_path / "wide.png")


def test_found_latent_is_one_undoable_edit(doc):
    target = doc.model.render(seed_to_z(3, doc.model.z_dim)[None])[0]
    pic = search.Picture("mine.png", target)
    steps = search.find_steps(doc, pic)
    fractions = []
    while True:
        try:
            fractions.append(next(steps).fraction)
        except StopIteration as done:
            res = done.value
            break
    assert fractions[-1] == 1.0 and len(fractions) > 10
    before = doc.state
    assert search.apply_found(doc, pic, res)
    assert torch.equal(doc.state.base, res.z) and "mine.png" in doc.state.label
    assert torch.equal(doc.current_z(), res.z)                   # ψ 1, no directions: exactly the found latent
    doc.history.undo()
    assert doc.state.same_as(before)


def _drain(gen):
    """Run a restore's steps to the end: (the previews it showed, its result)."""
    previews = []
    while True:
        try:
            step = next(gen)
        except StopIteration as done:
            return previews, done.value
        if step.preview is not None:
            previews.append(step.preview)


def test_restore_previews_blend_the_fill_into_the_picture(doc):
    img = doc.model.render(seed_to_z(4, doc.model.z_dim)[None])[0]
    mask = np.zeros((32, 32), bool)
    mask[8:16, 8:16] = True
    pic = search.Picture("p.png", img)
    gen = search.restore_steps(doc, pic, mask, search.InvertSettings(steps=12, preview_every=4))
    previews, res = _drain(gen)
    assert previews and all(np.array_equal(p[0:4, 0:4], img[0:4, 0:4]) for p in previews)   # far pixels kept
    assert np.array_equal(res.image[0:4, 0:4], img[0:4, 0:4])
    with pytest.raises(search.SearchError, match="mask"):
        next(search.restore_steps(doc, pic, np.zeros((8, 8), bool)))


def test_restore_works_on_the_picture_at_its_own_size(doc, tmp_path):
    """Issue 27: the window's Restore paints on and gives back the photo at its size (here 512×384, padded on the
    project's black to the model's 32 px for the search); beyond the feathered seam every pixel is the photo's."""
    photo = np.random.default_rng(5).integers(0, 256, (384, 512, 3), dtype=np.uint8)
    Image.fromarray(photo).save(tmp_path / "photo.png")
    pic = search.fit_picture(doc, tmp_path / "photo.png")
    assert pic.image.shape == (32, 32, 3) and np.array_equal(pic.full, photo) and pic.fit == "pad"
    mask = np.zeros((384, 512), bool)
    mask[100:140, 200:260] = True
    gen = search.restore_steps(doc, pic, mask, search.InvertSettings(steps=3, restarts=1, preview_every=2))
    previews, res = _drain(gen)
    seam = np.zeros_like(mask)
    seam[100 - 17:140 + 17, 200 - 17:260 + 17] = True                  # feather: 512 / 32 = 16 px
    assert previews and all(p.shape == photo.shape and np.array_equal(p[~seam], photo[~seam]) for p in previews)
    assert res.image.shape == photo.shape and np.array_equal(res.image[~seam], photo[~seam])
    assert (res.image[mask] != photo[mask]).any()
    with pytest.raises(search.SearchError, match="mask"):
        next(search.restore_steps(doc, pic, np.ones((32, 32), bool)))   # a mask of the model's size: not this one


def test_a_match_is_judged_by_the_measured_figures():
    """Issue 26: a 43 % pixel difference was announced as "Found … in the model" with no warning."""
    from studio.session.image_search import judge_match
    own = judge_match("made.png", 0.02, 0.011)           # as the model's own pictures are found (benchmarks §10)
    assert own.level == "close" and own.title == "Found made.png in the model"
    rough = judge_match("near.png", 0.3, 0.06, quick=True)
    assert rough.level == "rough" and "rough" in rough.title and "Search closer" in rough.sentence
    assert "--steps 300" in judge_match("near.png", 0.3, 0.06).sentence        # after the full search: more of it
    for distance, pixel in ((1.4, 0.43), (0.2, 0.15), (0.9, 0.05)):  # either figure alone can make it poor
        poor = judge_match("cat.png", distance, pixel)
        assert poor.level == "poor" and poor.title == "Only a poor match for cat.png"
        assert "poor match" in poor.sentence and f"{pixel:.1%}" in poor.sentence
        assert "the full search" in poor.sentence.lower() and "trained on pictures like" in poor.sentence
