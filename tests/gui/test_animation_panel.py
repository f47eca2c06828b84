"""Animate workspace: build from keyframes, preview on the clock, export and cancel."""
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from PIL import Image

from studio.core.checkpoint import load_generator
from studio.core.keyframes import Keyframe
from studio.core.latent import seeds_to_z
from studio.gui.animation_panel import AnimationPanel

SHOTS = Path("/tmp/shots/animation")


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory, tiny_config_module):
    """One tiny trained dcgan for this module (training is the slow part of these tests)."""
    from studio.core.trainer import Trainer
    root = tmp_path_factory.mktemp("anim")
    (root / "images").mkdir()
    rng = np.random.default_rng(0)
    for i in range(24):                                           # a coloured square on white
        a = np.full((48, 48, 3), 255, np.uint8)
        x, y = rng.integers(0, 32, 2)
        a[y:y + 16, x:x + 16] = [(220, 30, 30), (30, 200, 30), (30, 30, 220)][i % 3]
        Image.fromarray(a).save(root / "images" / f"img{i:04d}.png")
    Trainer.create(root / "run", tiny_config_module(root / "images"), device="cpu").run()
    from studio.core.upscaler import FILE_NAME, CompactSR, UpscalerSpec, save_upscaler
    save_upscaler(root / "run" / FILE_NAME, CompactSR(UpscalerSpec(4, 8, 1)), {})   # untrained ×4: ×2 and ×4
    return root / "run"


@pytest.fixture(scope="module")
def tiny_config_module():
    from studio.core.config import TrainConfig
    return lambda data: TrainConfig(data_dir=str(data), arch="dcgan", resolution=32, width=8, batch=16, z_dim=32,
                                    kimg=0.32, log_every=5, sample_every_kimg=0.16, checkpoint_every_kimg=0.16,
                                    augment=False, sample_grid=(2, 2)).validate()


@pytest.fixture
def panel(qtbot, trained_model):
    trained_run = trained_model
    try:
        from studio.gui.theme import apply_theme
        from PySide6.QtWidgets import QApplication
        apply_theme(QApplication.instance(), "dark")
    except ImportError:
        pass
    from studio.session.explorer_doc import ExplorerDocument
    model = load_generator(trained_run)
    doc = ExplorerDocument()                                      # what Explore edits and Animate reads
    doc.set_model(model)
    doc.set_animation_upscale(1)                                  # (the project keeps the other tests' size)
    doc.keyframes.replace([Keyframe(z, f"key {i}", seed=i) for i, z in enumerate(seeds_to_z([3, 7, 11],
                                                                                            model.z_dim))])
    p = AnimationPanel(doc)
    qtbot.addWidget(p)
    p.resize(1100, 680)
    p.fps.setValue(8)
    p.segment.setValue(0.5)
    p.hold.setValue(0.25)
    p.rebuild()
    yield p
    p.shutdown()


def _wait_rendered(qtbot, p):
    qtbot.waitUntil(lambda: p.renderer is not None and len(p.renderer.frames) == p.animation.frames, timeout=20000)


def test_build_from_keyframes_preview_and_export(qtbot, panel, tmp_path):
    p = panel
    assert p.source.currentData() == "keyframes"
    a = p.animation
    assert a.loop and a.frames == 3 * (2 + 4)                     # 3 keyframes, 0.25 s hold, 0.5 s segments
    _wait_rendered(qtbot, p)
    expect = p.model.render(torch.stack([k.z for k in p.keyframes]))
    for k, i in enumerate(a.keyframe_frames()):                   # keyframes reproduced exactly
        assert (p.renderer.frames[i] == expect[k]).all()
    p.player.scrub.setValue(7)
    assert p.player.current_frame() == 7 and "frame 8/18" in p.player.time_label.text()
    before = p.player.view.updates
    p.player.play_btn.setChecked(True)
    qtbot.waitUntil(lambda: p.player.view.updates >= before + 3, timeout=10000)
    p.player.play_btn.setChecked(False)
    SHOTS.mkdir(parents=True, exist_ok=True)
    p.grab().save(str(SHOTS / "panel_keyframes.png"))

    out = tmp_path / "anim.mp4"
    p.export_card.fmt.setCurrentIndex(0)
    p.export_card.size.setCurrentIndex(1)                                     # 2× upscale
    with qtbot.waitSignal(p.exported, timeout=30000):
        p.export_card.export(str(out))
    assert p.export_card.progress.value() == p.export_card.progress.maximum() == 18
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        frames = list(c.decode(s))
        assert len(frames) == 18 and s.average_rate == 8 and (s.width, s.height) == (64, 64)
    p.grab().save(str(SHOTS / "panel_exported.png"))

    assert p.export_card.lapse_btn.isEnabled()                                # the model came from a project
    lapse = tmp_path / "lapse.gif"
    with qtbot.waitSignal(p.exported, timeout=30000):
        p.export_card.export_timelapse(str(lapse))
    im = Image.open(lapse)
    assert im.n_frames == 3 * 1 and im.size == (70, 70)           # 3 sample grids, 8 fps → 1 frame each


def test_walk_grid_gif_and_cancel(qtbot, panel, tmp_path):
    p = panel
    p.source.setCurrentIndex(2)
    p.rows.setValue(2)
    p.cols.setValue(2)
    p.length.setValue(2.0)
    p.rebuild()
    assert p.animation.cells == 4 and p.animation.frames == 16
    _wait_rendered(qtbot, p)
    assert p.renderer.frames[0].shape == (70, 70, 3)
    p.grab().save(str(SHOTS / "panel_walk_grid.png"))
    gif = tmp_path / "walk.gif"
    p.export_card.fmt.setCurrentIndex(1)
    with qtbot.waitSignal(p.exported, timeout=30000):
        p.export_card.export(str(gif))
    im = Image.open(gif)
    assert im.n_frames == 16 and im.info["loop"] == 0
    first, last = np.asarray(im.convert("RGB"), np.float32), None
    im.seek(15)
    last = np.asarray(im.convert("RGB"), np.float32)
    assert np.abs(first - last).mean() < 60                       # loop end is near its start

    p.length.setValue(20.0)
    p.rebuild()
    big = tmp_path / "long.mp4"
    p.export_card.fmt.setCurrentIndex(0)
    p.export_card.export(str(big))
    qtbot.waitUntil(lambda: p.export_card.progress.value() >= 1, timeout=20000)
    p.export_card.cancel_export()
    qtbot.waitUntil(lambda: p.export_card.exporter is None, timeout=20000)
    assert "cancelled" in p.export_card.status.text() and list(tmp_path.glob("long*")) == [] \
        and list(tmp_path.glob(".long*")) == []
    assert p.export_card.export_btn.isEnabled()


def test_keyframes_own_easing_is_used_for_their_segments(qtbot, panel):
    p = panel
    p.easing.setCurrentText("cubic")
    p.doc.keyframes.set_easing(1, "linear")       # Explore: right-click a keyframe → easing to the next one
    a = p.build_animation()
    assert a.loop and a.easings == ["cubic", "linear", "cubic"]
    assert p.form.labelForField(p.easing).text() == "Other easings"
    SHOTS.mkdir(parents=True, exist_ok=True)
    p.grab().save(str(SHOTS / "panel_own_easing.png"))
    p.closed.setChecked(False)
    assert p.build_animation().easings == ["cubic", "linear"]


def test_keyframes_become_the_source_when_they_appear_unless_the_artist_chose(qtbot, trained_model):
    """Issue 26: Animate opened before any keyframe stayed on "Seeds 1, 2, 3, 4" after the artist added some."""
    from PySide6.QtCore import Qt
    from studio.session.explorer_doc import ExplorerDocument
    model = load_generator(trained_model)
    doc = ExplorerDocument()
    doc.set_model(model)
    doc.keyframes.replace([])                                           # (the project keeps the other tests')
    p = AnimationPanel(doc)
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    try:
        assert p.source.currentData() == "seeds"                       # nothing to animate from yet
        keys = [Keyframe(z, f"key {i}", seed=i) for i, z in enumerate(seeds_to_z([3, 7], model.z_dim))]
        doc.keyframes.replace(keys[:1])                                 # Explore: K once — not a path yet
        assert p.source.currentData() == "seeds"
        doc.keyframes.replace(keys)                                     # K again: now they are the source
        assert p.source.currentData() == "keyframes" and p.seeds.isHidden()
        doc.keyframes.replace([])                                       # all removed: back to seeds …
        assert p.source.currentData() == "seeds"
        doc.keyframes.replace(keys)                                     # … and they are followed again
        assert p.source.currentData() == "keyframes"
        # the artist picks "Random walk loop" with the keyboard: more keyframes do not take it over
        p.source.setFocus()
        qtbot.keyClick(p.source, Qt.Key_Down)
        qtbot.keyClick(p.source, Qt.Key_Down)
        assert p.source.currentData() == "walk"
        doc.keyframes.replace(keys + keys[:1])
        assert p.source.currentData() == "walk"
    finally:
        p.shutdown()


def test_each_export_control_shows_only_for_its_formats(qtbot, panel):
    """Issue 26: the crf (H.264 quality) box showed for GIF."""
    from PySide6.QtCore import Qt
    p = panel
    p.show()
    qtbot.waitExposed(p)
    card = p.export_card
    shown = {}
    card.fmt.setFocus()
    for _ in range(card.fmt.count()):                                   # every format, chosen with the keyboard
        shown[card.fmt.currentData()] = card.crf.isVisible() and card.form.labelForField(card.crf).isVisible()
        qtbot.keyClick(card.fmt, Qt.Key_Down)
    assert shown == {"mp4": True, "gif": False, "webp": False, "png": False}
    assert card.fps.isVisible() and card.size.isVisible()              # these apply to every format


def test_the_size_goes_through_the_upscaler_and_is_kept_with_the_model(qtbot, panel, tmp_path, monkeypatch):
    """Issue 27: Animate's ×2 / ×4 were Lanczos; now the model's upscaler makes them, preview and export alike,
    and the chosen size comes back when the model is opened again."""
    from studio.session.explorer_doc import ExplorerDocument
    from studio.session.upscaling import upscaler_for
    p = panel
    card = p.export_card
    items = card.size.model()
    assert [card.size.itemData(i) for i in range(3)] == [1, 2, 4] and all(items.item(i).isEnabled() for i in range(3))
    assert card.size.itemText(2) == "4× upscale · 128 px"
    card.size.setCurrentIndex(2)                                        # the artist picks ×4
    assert p.doc.animation.upscale == 4
    p.rebuild()
    _wait_rendered(qtbot, p)
    up = upscaler_for(p.model)
    k = p.animation.keyframe_frames()[1]
    expect = up.upscale(p.model.render(p.keyframes[1].z[None]), 4)[0]
    assert p.renderer.frames[k].shape == (128, 128, 3) and np.array_equal(p.renderer.frames[k], expect)

    out = tmp_path / "big.mp4"
    with qtbot.waitSignal(p.exported, timeout=30000):
        card.export(str(out))
    with av.open(str(out)) as c:
        assert (c.streams.video[0].width, c.streams.video[0].height) == (128, 128)

    import studio.gui.animation_panel as ap
    monkeypatch.setattr(ap, "PREVIEW_BYTES", 100_000)                   # a long animation at ×4: too big to keep
    p.rebuild()
    _wait_rendered(qtbot, p)
    assert p.renderer.frames[0].shape == (32, 32, 3) and "preview at the model's size" in p.status.text()
    assert card.factor == 4                                              # the export stays ×4

    again = ExplorerDocument()                                          # the project opened again
    again.set_model(load_generator(p.model.path))
    assert again.animation.upscale == 4
    other = AnimationPanel(again)
    qtbot.addWidget(other)
    try:
        assert other.export_card.factor == 4 and other.frame_source().render([0])[0].shape == (128, 128, 3)
    finally:
        other.shutdown()


def test_a_size_the_model_cannot_make_is_disabled_and_says_how_to_get_it(qtbot):
    """The demo model ships a ×2 upscaler: ×4 is offered disabled, its tooltip says how to train one."""
    from studio.core.animation import AnimationError
    from studio.core.demo_data import demo_model_path
    from studio.session.explorer_doc import ExplorerDocument
    doc = ExplorerDocument()
    doc.set_model(load_generator(demo_model_path()))
    doc.set_animation_upscale(4)                                         # chosen once, with another upscaler
    p = AnimationPanel(doc)
    qtbot.addWidget(p)
    try:
        card, items = p.export_card, p.export_card.size.model()
        assert items.item(1).isEnabled() and not items.item(2).isEnabled()
        assert "ganstudio upscaler RUN --factor 4" in items.item(2).toolTip()
        assert card.factor == 1 and doc.animation.upscale == 4            # shown at model size, the choice kept
        with pytest.raises(AnimationError, match="at most ×2"):
            p.frame_source(4)
        card.size.setCurrentIndex(1)
        assert doc.animation.upscale == 2 and p.frame_source().render([0])[0].shape == (128, 128, 3)
    finally:
        p.shutdown()
