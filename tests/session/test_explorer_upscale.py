"""Explore's canvas size through the model's upscaler (issue 27): the ExplorerDocument keeps the factor with the
model, offers only what the upscaler can make, and Export PNG enlarges through it, recorded in the metadata."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from studio.core.checkpoint import save_generator
from studio.core.demo_data import demo_model_path
from studio.core.events import Notice
from studio.core.models import ModelSpec, build_generator
from studio.core.pngmeta import load_pixels, read_png_meta
from studio.core.upscaler import CompactSR, UpscalerSpec, save_upscaler
from studio.session.events import UpscaleChanged
from studio.session.explorer_doc import ExplorerDocument, ExplorerError


def _model_file(folder, upscaler: int | None = None, name="g"):
    """A tiny random dcgan (32 px) as a loose model file, with a ×`upscaler` upscaler beside it."""
    torch.manual_seed(0)
    spec = ModelSpec("dcgan", 32, 3, 32, 8)
    folder.mkdir(parents=True, exist_ok=True)
    save_generator(folder / f"{name}.safetensors", build_generator(spec), spec)
    if upscaler:
        net = CompactSR(UpscalerSpec(upscaler, 8, 2))
        torch.nn.init.normal_(net.tail.weight, std=0.05)           # a picture that is not only its Lanczos
        save_upscaler(folder / f"{name}.upscaler.safetensors", net, {"model_resolution": 32})
    return folder / f"{name}.safetensors"


def _doc(path) -> tuple[ExplorerDocument, list]:
    doc, seen = ExplorerDocument(), []
    doc.subscribe(seen.append, UpscaleChanged, Notice)
    doc.set_model(ExplorerDocument.load(path))
    return doc, seen


def test_the_factor_is_kept_with_the_model_across_a_switch_and_a_reopen(tmp_path):
    with_up, without = _model_file(tmp_path / "a", 4), _model_file(tmp_path / "b")
    doc, seen = _doc(with_up)
    assert doc.upscale == 1 and doc.upscale_choices() == [1, 2, 4]
    assert doc.set_upscale(4) and not doc.set_upscale(4)
    assert [(e.factor, e.choices) for e in seen if isinstance(e, UpscaleChanged)] == [(1, [1, 2, 4]), (4, [1, 2, 4])]
    doc.set_model(ExplorerDocument.load(without))               # a project switch: the other model's own size
    assert doc.upscale == 1 and doc.upscale_choices() == [1] and seen[-1] == UpscaleChanged(1, [1])
    doc.set_model(ExplorerDocument.load(with_up))
    assert doc.upscale == 4
    doc.close()
    again, _ = _doc(with_up)                                     # quit and reopen
    assert again.upscale == 4 and len(again.history) == 0       # a view setting, never an undo step


def test_the_factor_is_limited_to_what_the_upscaler_makes(tmp_path):
    doc, _ = _doc(_model_file(tmp_path / "plain"))
    with pytest.raises(ExplorerError, match="no upscaler yet.*ganstudio upscaler RUN"):
        doc.set_upscale(2)
    assert doc.upscale == 1
    demo = demo_model_path()
    doc.set_model(ExplorerDocument.load(demo))
    assert doc.upscale_choices() == [1, 2]
    with pytest.raises(ExplorerError, match="at most ×2"):
        doc.set_upscale(4)
    two = _model_file(tmp_path / "two", 4)
    doc.set_model(ExplorerDocument.load(two))
    doc.set_upscale(4)
    doc.close()
    two.with_name("g.upscaler.safetensors").unlink()             # the upscaler is gone: the model's size
    again, _ = _doc(two)
    assert again.upscale == 1 and again.upscale_choices() == [1]


def test_a_damaged_upscaler_is_said_in_one_sentence_and_the_factor_stays_1(tmp_path):
    path = _model_file(tmp_path / "m", 2)
    up = path.with_name("g.upscaler.safetensors")
    up.write_bytes(up.read_bytes()[:100])
    doc, seen = _doc(path)
    said = [e.message for e in seen if isinstance(e, Notice)]
    assert len(said) == 1 and "cannot be used" in said[0] and "\n" not in said[0]
    assert doc.upscale == 1 and doc.upscale_choices() == [1]
    doc.upscale_choices()
    assert len([e for e in seen if isinstance(e, Notice)]) == 1  # loaded (and said) once per model


def test_export_at_2x_through_the_demo_upscaler_regenerates_the_same_picture(tmp_path):
    doc, _ = _doc(demo_model_path())
    doc.edit(doc.state.replace(seed=7, psi=0.8), "Seed")
    out = doc.export_png(tmp_path / "look.png", 2)
    pixels, meta = load_pixels(out), read_png_meta(out)
    res = doc.model.spec.resolution
    assert pixels.shape[:2] == (2 * res, 2 * res) == (128, 128)
    assert meta.raw["upscale"] == {"factor": 2, "from": [res, res]} and meta.upscale == 2
    again = doc.upscaler().upscale(doc.model.render(meta.z[None]), 2)[0]
    assert np.array_equal(again, pixels)


def test_a_4x_export_round_trips_its_latent_and_size(tmp_path):
    path = _model_file(tmp_path / "m", 4)
    doc, _ = _doc(path)
    doc.edit(doc.state.replace(seed=3).with_direction(0, 0.0), "Seed")
    z = doc.current_z().clone()
    out = doc.export_png(tmp_path / "big.png", 4)
    pixels = load_pixels(out)
    assert pixels.shape[:2] == (128, 128)
    other, _ = _doc(path)
    other.edit(other.state.replace(seed=99), "Seed")
    assert other.upscale == 1
    other.restore(read_png_meta(out), out.name)
    assert torch.equal(other.current_z(), z) and other.upscale == 4
    assert np.array_equal(other.upscaler().upscale(other.model.render(other.current_z()[None]), 4)[0], pixels)
    two = other.export_png(tmp_path / "two.png", 2)              # a ×4 upscaler makes ×2 too
    assert read_png_meta(two).raw["upscale"] == {"factor": 2, "from": [32, 32]}


def test_without_an_upscaler_export_enlarges_by_lanczos_and_says_so(tmp_path):
    doc, _ = _doc(_model_file(tmp_path / "plain"))
    out = doc.export_png(tmp_path / "big.png", 4)
    meta = read_png_meta(out)
    assert load_pixels(out).shape[:2] == (128, 128)
    assert meta.raw["upscale"] == {"factor": 4, "from": [32, 32], "by": "lanczos"}
    doc.restore(meta, out.name)                                  # the latent comes back; the canvas cannot grow
    assert doc.upscale == 1
    with pytest.raises(ExplorerError, match="1, 2 or 4"):
        doc.export_png(tmp_path / "x.png", 3)
