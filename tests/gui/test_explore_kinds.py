"""Explore's Kind picker (issue 28): a model with kinds shows which kind the canvas renders — Any kind or one of
its kinds (with a typical picture of each from the run's cached folder), mixed with a second one by a slider — picked
by the keyboard, kept with the model, remembered by keyframes and exported PNGs. A model without kinds shows none."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.core.checkpoint import load_generator, save_generator
from studio.core.config import TrainConfig
from studio.core.dataset import ScanReport
from studio.core.keyframes import load_keyframes
from studio.core.models import ModelSpec, build_generator
from studio.core.pngmeta import kind_of, read_png_meta
from studio.gui.widgets.image_view import qimage_to_array

pytestmark = pytest.mark.gui
KINDS = ("apple", "boat", "cat")


@pytest.fixture(scope="module")
def kinds_model(make_kinds_model):
    return make_kinds_model(KINDS)


@pytest.fixture
def kinds_run(tmp_path, kinds_model):
    """A run folder with the conditional model, its kinds.json and a cached copy of its (9-picture) folder."""
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    (run / "cache").mkdir()
    TrainConfig().save(run / "config.json")
    shutil.copy(kinds_model, run / "checkpoints" / "ckpt-000000001.safetensors")
    labels = [0, 0, 0, 1, 1, 1, 2, 2, 2]
    (run / "kinds.json").write_text(json.dumps({"names": list(KINDS), "labels": labels, "source": "subfolders",
                                                "examples": [[1, 0], [4], [8]]}))
    images = np.zeros((9, 64, 64, 3), np.uint8)
    for i, k in enumerate(labels):
        images[i, ..., k] = 200                                   # apple red, boat green, cat blue
    np.save(run / "cache" / "images-0.npy", images)
    report = ScanReport("/art", [f"{KINDS[k]}/{i}.png" for i, k in enumerate(labels)]).to_dict()
    (run / "cache" / "images-0.json").write_text(json.dumps(report))
    (run / "scan.json").write_text(json.dumps(report))
    return run



def pixels(ws):
    return qimage_to_array(ws.canvas.image)[..., :3]


def rendered(ws, kind):
    return ws.model.render(ws.current_z()[None], kind=kind)[0]


def _settle(qtbot, ws):
    qtbot.waitUntil(lambda: ws.settled, timeout=20000)


def test_the_keyboard_picks_a_kind_and_the_canvas_renders_it(qtbot, kinds_run, open_explorer):
    ws = open_explorer(kinds_run)
    box = ws.kind_picker.box
    assert not ws.kind_picker.isHidden()
    assert [box.itemText(i) for i in range(box.count())] == ["Any kind", *KINDS]
    qtbot.waitUntil(lambda: not box.itemIcon(3).isNull(), timeout=10000)      # the kinds' typical pictures
    from studio.session.explorer_kinds import kind_pictures
    pictures = kind_pictures(ws.model)                                      # each kind's first example
    assert [pictures[k][0, 0].argmax() for k in KINDS] == [0, 1, 2] and pictures["apple"].shape == (64, 64, 3)
    any_kind, seed = pixels(ws), ws.state.seed
    assert ws.state.kind_mix is None and np.array_equal(any_kind, rendered(ws, None))
    ws.canvas.setFocus()
    QTest.keyClick(ws.canvas, Qt.Key_C)                                     # C: the picker
    assert box.hasFocus()
    QTest.keyClick(box, Qt.Key_Down)
    _settle(qtbot, ws)
    assert ws.state.kind_mix == {"apple": 1.0} and box.currentText() == "apple"
    apple = pixels(ws)                                  # seed 0's own kind is apple (kinds.default_weights)
    assert np.array_equal(apple, rendered(ws, "apple"))
    QTest.keyClick(box, Qt.Key_Right)                                       # ←/→ too, not the seed's keys here
    _settle(qtbot, ws)
    assert ws.state.kind_mix == {"boat": 1.0} and ws.state.seed == seed
    assert np.array_equal(pixels(ws), rendered(ws, "boat")) and not np.array_equal(pixels(ws), any_kind)
    QTest.keyClick(box, Qt.Key_Left)
    QTest.keyClick(box, Qt.Key_Left)
    _settle(qtbot, ws)
    assert ws.state.kind_mix is None and np.array_equal(pixels(ws), any_kind)
    ws.history.undo()                                                       # a kind is an undoable step
    _settle(qtbot, ws)
    assert ws.state.kind_mix == {"apple": 1.0} and box.currentText() == "apple"
    ws.shutdown()


def test_the_mix_slider_ends_are_each_kind_exactly(qtbot, kinds_run, open_explorer):
    ws = open_explorer(kinds_run)
    p = ws.kind_picker
    assert not p.partner.isEnabled() and not p.amount.isEnabled()         # Any kind: nothing to mix
    p.box.setCurrentIndex(1)
    p.box.activated.emit(1)
    p.partner.setCurrentIndex(3)
    p.partner.activated.emit(3)
    assert ws.state.kind_mix == {"apple": 1.0, "cat": 0.0} and p.amount.isEnabled()
    _settle(qtbot, ws)
    assert np.array_equal(pixels(ws), rendered(ws, "apple"))
    p.amount.slider.setValue(100)
    _settle(qtbot, ws)
    assert ws.state.kind_mix == {"apple": 0.0, "cat": 1.0}
    cat = rendered(ws, "cat")
    assert np.array_equal(pixels(ws), cat)
    p.amount.slider.setValue(50)
    _settle(qtbot, ws)
    half = pixels(ws)
    assert np.array_equal(half, rendered(ws, {"apple": 0.5, "cat": 0.5}))
    assert not np.array_equal(half, cat) and not np.array_equal(half, rendered(ws, "apple"))
    ws.shutdown()


def test_the_kind_is_kept_with_the_model(qtbot, kinds_run, open_explorer):
    ws = open_explorer(kinds_run)
    ws.doc.set_kind({"boat": 0.75, "cat": 0.25})
    ws.shutdown()
    ws.doc.close()
    again = open_explorer(kinds_run)
    assert again.state.kind_mix == {"boat": 0.75, "cat": 0.25}
    p = again.kind_picker
    assert (p.box.currentText(), p.partner.currentText(), p.amount.value()) == ("boat", "cat", 0.25)
    assert np.array_equal(pixels(again), rendered(again, {"boat": 0.75, "cat": 0.25}))
    again.shutdown()


def test_keyframes_remember_their_kind_and_strips_render_it(qtbot, kinds_run, open_explorer):
    ws = open_explorer(kinds_run)
    strip, thumbs = ws.keyframes, {}
    show = strip.set_thumbnail_of
    strip.set_thumbnail_of = lambda kf, img: (thumbs.__setitem__(kf.label, qimage_to_array(img)[..., :3]),
                                              show(kf, img))
    ws.doc.set_kind("cat")
    ws.add_keyframe()
    ws.doc.set_kind(None)
    ws.add_keyframe()
    kfs, _ = load_keyframes(kinds_run / "keyframes.json")
    assert [k.kind_mix for k in kfs] == [{"cat": 1.0}, None]
    qtbot.waitUntil(lambda: not strip.missing_thumbnails(), timeout=10000)
    assert np.array_equal(thumbs["Key 1"], ws.model.render(kfs[0].z[None], kind="cat")[0])   # the strip: its kind
    assert np.array_equal(thumbs["Key 2"], ws.model.render(kfs[1].z[None])[0])
    assert "cat" in strip.item(0).toolTip() and "cat" not in strip.item(1).toolTip()
    ws.jump_to(kfs[0])
    _settle(qtbot, ws)
    assert ws.state.kind_mix == {"cat": 1.0} and np.array_equal(pixels(ws), rendered(ws, "cat"))
    ws.shutdown()


def test_a_dropped_png_brings_back_latent_and_kind(qtbot, kinds_run, tmp_path, open_explorer):
    ws = open_explorer(kinds_run)
    ws.doc.set_kind({"apple": 0.6, "boat": 0.4})
    z, png = ws.current_z().clone(), tmp_path / "out.png"
    with qtbot.waitSignal(ws.export_png(png, 1).returned, timeout=20000):
        pass
    assert kind_of(read_png_meta(png)) == {"apple": 0.6, "boat": 0.4}
    shown = pixels(ws)
    ws.doc.set_kind(None)
    ws.random_seed()
    _settle(qtbot, ws)
    assert ws.open_dropped(png) is True
    _settle(qtbot, ws)
    assert torch.equal(ws.current_z(), z) and ws.state.kind_mix == {"apple": 0.6, "boat": 0.4}
    assert np.array_equal(pixels(ws), shown)
    ws.shutdown()


def test_a_model_without_kinds_shows_no_picker(qtbot, tmp_path, open_explorer):
    torch.manual_seed(0)
    spec = ModelSpec("dcgan", 32, 3, 32, 8)
    path = tmp_path / "plain.safetensors"
    save_generator(path, build_generator(spec), spec)
    ws = open_explorer(path)
    assert ws.kind_picker.isHidden() and ws.doc.kind_weights() is None
    ws.canvas.setFocus()
    QTest.keyClick(ws.canvas, Qt.Key_C)
    assert ws.canvas.hasFocus() and ws.state.kind_mix is None
    ws.edit(ws.state.replace(kind_mix={"apple": 1.0}), "from another model")    # an edit made with a model with kinds
    assert ws.state.kind_mix is None
    assert np.array_equal(pixels(ws), load_generator(path).render(ws.current_z()[None])[0])
    png = tmp_path / "plain.png"
    with qtbot.waitSignal(ws.export_png(png, 1).returned, timeout=20000):
        pass
    assert "kind" not in read_png_meta(png).raw
    ws.shutdown()


def test_animate_travels_between_the_keyframes_kinds(qtbot, kinds_model):
    from studio.core.keyframes import Keyframe
    from studio.core.kinds import default_weights
    from studio.gui.animation_panel import AnimationPanel
    from studio.session.explorer_doc import ExplorerDocument
    model = load_generator(kinds_model)
    doc = ExplorerDocument()
    doc.set_model(model)
    z = torch.randn(2, 32, generator=torch.Generator().manual_seed(4))
    doc.keyframes.replace([Keyframe(z[0], "any"), Keyframe(z[1], "cat", kind_mix={"cat": 1.0})])
    p = AnimationPanel(doc)
    qtbot.addWidget(p)
    p.fps.setValue(8)
    p.closed.setChecked(False)
    p.rebuild()
    a = p.animation
    assert p.source.currentData() == "keyframes"
    first, last = a.kinds([0])[0, 0], a.kinds([a.frames - 1])[0, 0]
    assert torch.equal(first, default_weights(z[:1], model.G.kind_prior)[0]) and last.tolist() == [0, 0, 1]
    frame = p.frame_source(1)[a.frames - 1]
    assert np.array_equal(frame, model.render(z[1:], kind="cat")[0])
    p.shutdown()
