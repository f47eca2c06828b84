"""The latent explorer driven by the hand: sliders change the canvas, bursts drop stale renders,
undo restores the image, exports restore their latent, keyframes land in the project."""
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from studio.core.checkpoint import load_generator, save_generator
from studio.core.config import TrainConfig
from studio.core.directions import cache_path, directions_for
from studio.core.keyframes import load_keyframes
from studio.core.models import ModelSpec, build_generator
from studio.core.pngmeta import save_png
from studio.gui.explorer import ExplorerWorkspace
from studio.gui.widgets.image_view import qimage_to_array


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """A tiny random dcgan and its cached directions (built once for the module)."""
    torch.manual_seed(0)
    spec = ModelSpec("dcgan", 32, 3, 32, 8)
    folder = tmp_path_factory.mktemp("src")
    path = folder / "g.safetensors"
    save_generator(path, build_generator(spec), spec)
    m = load_generator(path)
    d = directions_for(m, compute=True, samples=600)
    (folder / "dirs.json").write_text(__import__("json").dumps(d.to_dict()))
    return path, m.identity


@pytest.fixture
def project(tmp_path, model_file):
    src, identity = model_file
    proj = tmp_path / "proj"
    (proj / "checkpoints").mkdir(parents=True)
    TrainConfig().save(proj / "config.json")
    shutil.copy(src, proj / "checkpoints" / "ckpt-000000001.safetensors")
    cache_path(proj, identity).parent.mkdir()
    shutil.copy(src.parent / "dirs.json", cache_path(proj, identity))
    return proj


def _open(qtbot, path):
    from PySide6.QtWidgets import QApplication
    from studio.gui.theme import apply_theme
    apply_theme(QApplication.instance(), "dark")
    ws = ExplorerWorkspace()
    qtbot.addWidget(ws)
    ws.resize(1200, 760)
    ws.show()
    with qtbot.waitSignal(ws.frame_shown, timeout=20000):
        assert ws.open_model(path)
    qtbot.waitUntil(lambda: ws.directions is not None, timeout=60000)
    _settle(qtbot, ws)
    return ws


def _settle(qtbot, ws):
    qtbot.waitUntil(lambda: ws.settled, timeout=20000)


def pixels(ws):
    return qimage_to_array(ws.canvas.image)[..., :3]


def expected(ws):
    return ws.model.render(ws.current_z()[None])[0]


def test_slider_changes_canvas_and_undo_restores(qtbot, project):
    ws = _open(qtbot, project)
    before = pixels(ws)
    assert np.array_equal(before, expected(ws))
    row = ws.controls.rows[0].slider.slider
    row.setSliderDown(True)
    for v in (50, 150, 300):                       # one drag = one undo step
        row.setValue(v)
    row.setSliderDown(False)
    _settle(qtbot, ws)
    after = pixels(ws)
    assert ws.state.direction(0) == 3.0 and not np.array_equal(after, before)
    assert np.array_equal(after, expected(ws))
    assert len(ws.history) == 1
    ws.history.undo()
    _settle(qtbot, ws)
    assert ws.state.direction(0) == 0.0 and ws.controls.rows[0].slider.value() == 0.0
    assert np.array_equal(pixels(ws), before)
    ws.history.redo()
    _settle(qtbot, ws)
    assert np.array_equal(pixels(ws), after)
    ws.controls.psi.slider.setValue(40)
    ws.controls.seed.setValue(9)
    _settle(qtbot, ws)
    assert len(ws.history) == 3 and ws.state.seed == 9 and ws.state.psi == 0.4
    ws.shutdown()


def test_burst_drops_stale_renders(qtbot, project):
    ws = _open(qtbot, project)
    w = ws.worker
    r0 = w.rendered
    with w.lock:                                   # the generator is busy: requests pile up
        for v in range(-200, 200, 8):
            ws.controls.rows[1].slider.slider.setValue(v)
    _settle(qtbot, ws)
    qtbot.wait(50)
    assert w.dropped >= 40
    assert w.rendered - r0 <= 2                    # at most the one in flight plus the newest
    assert ws.state.direction(1) == pytest.approx(1.92)
    assert np.array_equal(pixels(ws), expected(ws))
    ws.shutdown()


def test_canvas_zoom_smooth_and_before(qtbot, project):
    ws = _open(qtbot, project)
    c = ws.canvas
    c.set_zoom(2.0)
    assert c.target_rect().width() == 2 * ws.model.spec.resolution
    c.fit()
    assert c.target_rect().width() > 2 * ws.model.spec.resolution
    first = c.image
    ws.random_seed()
    _settle(qtbot, ws)
    c.show_before(True)
    assert c.before is first and c.showing_before
    ws.act_smooth.setChecked(True)
    assert c.smooth
    ws.grab().save("/tmp/shots/explorer/test-before.png")
    ws.shutdown()


def test_keyframes_mix_and_favourites_saved(qtbot, project):
    ws = _open(qtbot, project)
    ws.add_keyframe()
    ws.controls.seed.setValue(3)
    _settle(qtbot, ws)
    ws.add_keyframe()
    ws.add_favourite()
    kfs, ident = load_keyframes(project / "keyframes.json", ws.model.z_dim)
    assert len(kfs) == 2 and ident == ws.model.identity
    qtbot.waitUntil(lambda: not ws.keyframes.missing_thumbnails(), timeout=10_000)
    assert ws.keyframes.visualItemRect(ws.keyframes.item(1)).height() > ws.keyframes.iconSize().height()
    assert torch.equal(kfs[1].z, ws.current_z())
    assert len(load_keyframes(project / "favourites.json")[0]) == 1
    # blend toward keyframe 1 fully → exactly keyframe 1's latent (ψ 1, no edits)
    ws.controls.mix_source.setCurrentIndex(1)
    ws.controls.mix_t.slider.setValue(100)
    assert torch.allclose(ws.current_z(), kfs[0].z, atol=1e-5)
    # reorder and delete persist
    strip = ws.keyframes
    strip.move_row(0, 1)
    assert [k.label for k in load_keyframes(project / "keyframes.json")[0]] == ["Key 2", "Key 1"]
    strip.set_easing(0, "linear")                 # the keyframe menu's "Easing to the next keyframe"
    assert [k.easing for k in load_keyframes(project / "keyframes.json")[0]] == ["linear", ""]
    assert "easing to next: linear" in strip.item(0).toolTip()
    [sub] = [a.menu() for a in strip.item_menu(strip.item(0)).actions() if a.menu()]
    assert [a.text() for a in sub.actions() if a.isChecked()] == ["linear"]
    assert not ws.favourites.per_segment_easing     # favourites are not a path
    strip.setCurrentRow(0)
    strip.item(0).setSelected(True)
    strip.delete_selected()
    left, _ = load_keyframes(project / "keyframes.json")
    assert len(left) == 1 and torch.equal(left[0].z, kfs[0].z)
    ws.jump_to(left[0])
    _settle(qtbot, ws)
    assert torch.equal(ws.current_z(), kfs[0].z)
    ws.grab().save("/tmp/shots/explorer/test-keyframes.png")
    ws.shutdown()


def test_export_and_drop_restore(qtbot, trained_run, tmp_path):
    ws = _open(qtbot, trained_run)
    ws.controls.seed.setValue(12)
    ws.controls.rows[2].slider.slider.setValue(-150)
    _settle(qtbot, ws)
    z, img = ws.current_z().clone(), pixels(ws)
    out = tmp_path / "out" / "look.png"
    with qtbot.waitSignal(ws.export_png(out, 1).returned, timeout=20000):
        pass
    with qtbot.waitSignal(ws.export_png(tmp_path / "out" / "big.png", 2).returned, timeout=20000):
        pass
    with qtbot.waitSignal(ws.export_sheet(tmp_path / "out" / "sheet.png", 16).returned, timeout=20000):
        pass
    assert sorted(p.name for p in out.parent.iterdir()) == ["big.png", "look.png", "sheet.png"]
    ws.random_seed()
    ws.controls.psi.slider.setValue(30)
    _settle(qtbot, ws)
    assert ws.restore_from_png(out)
    _settle(qtbot, ws)
    assert torch.equal(ws.current_z(), z) and np.array_equal(pixels(ws), img)
    assert ws.state.seed == 12 and ws.controls.rows[2].slider.value() == -1.5
    save_png(tmp_path / "plain.png", img)                # no metadata: refused, nothing changes
    assert not ws.restore_from_png(tmp_path / "plain.png")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\xff" * 40)
    assert not ws.restore_from_png(tmp_path / "bad.png")
    assert torch.equal(ws.current_z(), z)
    ws.shutdown()


def test_dropped_png_finds_its_model_in_a_recent_project(make_main_window, trained_run, qtbot, tmp_path):
    ws0 = _open(qtbot, trained_run)
    ws0.controls.seed.setValue(5)
    _settle(qtbot, ws0)
    z, png = ws0.current_z().clone(), tmp_path / "elsewhere" / "look.png"
    with qtbot.waitSignal(ws0.export_png(png, 1).returned, timeout=20000):
        pass
    ws0.shutdown()
    win = make_main_window()
    win.settings.setValue("recent", [str(tmp_path / "gone"), str(trained_run)])
    ws = win.workspace("explore")
    assert ws.model is None and win.project is None
    with qtbot.waitSignal(ws.restored, timeout=30000):      # no model open, no project: found among the recent ones
        assert ws.restore_from_png(png)                      # the search (hashing files) runs on a worker
    _settle(qtbot, ws)
    assert ws.model is not None and Path(trained_run) in ws.model.path.parents
    assert torch.equal(ws.current_z(), z)
    ws.shutdown()


def test_bad_model_is_refused_clearly(qtbot, tmp_path):
    ws = ExplorerWorkspace()
    qtbot.addWidget(ws)
    bad = tmp_path / "x.safetensors"
    bad.write_bytes(b"junk")
    with qtbot.waitSignal(ws.notice, timeout=10000) as sig:
        ws.open_model(bad)
    assert "Cannot open x.safetensors" in sig.args[0] and sig.args[1] == "error"
    assert ws.model is None and ws.canvas.image is None


def test_registered_in_main_window(make_main_window, project, qtbot):
    win = make_main_window()
    ws = win.workspace("explore")
    assert isinstance(ws, ExplorerWorkspace)
    qtbot.wait(400)                              # let the first-launch welcome screen settle
    with qtbot.waitSignal(ws.frame_shown, timeout=20000):
        win.open_model(project)
    assert win.current_workspace() == "explore" and ws.model is not None
    ws.controls.seed.setValue(4)
    assert win.act_undo.isEnabled() and "Seed" in win.act_undo.text()
    ws.shutdown()


def test_direction_sliders_span_the_latents_and_rename_from_the_label(qtbot, project, model_file):
    """Issue 26: sliders were "Direction 1–12" over ±5 σ; they span ±3 spreads of the latents along each
    direction, and a double-click or right-click ▸ Rename… on the label names it (saved with the directions)."""
    import json
    import math
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QApplication
    ws = _open(qtbot, project)
    ws.show()
    qtbot.waitExposed(ws)
    d = ws.directions
    assert len(d.std) == len(d) and all(0.8 < s < 1.2 for s in d.std)   # zᵀd ~ N(0, 1) for z ~ N(0, I)
    row = ws.controls.rows[0]
    span = math.ceil(3 * d.std[0] * 2) / 2
    assert row.slider.slider.maximum() == round(span * 100) and row.slider.slider.minimum() == -round(span * 100)
    # rename by double-clicking the label, typing, Enter
    qtbot.mouseDClick(row.name, Qt.LeftButton)
    assert not row.name.isReadOnly()
    qtbot.keyClicks(row.name, "Smile")
    qtbot.keyClick(row.name, Qt.Key_Return)
    assert ws.directions.names[0] == "Smile" and ws.controls.rows[0].name.text() == "Smile"
    cached = json.loads(cache_path(project, ws.model.identity).read_text())
    assert cached["names"][0] == "Smile" and len(cached["std"]) == len(d)
    # rename from the right-click menu; Esc while typing keeps the old name
    row = ws.controls.rows[1]
    qtbot.mouseClick(row.name, Qt.RightButton, pos=QPoint(10, 5))
    # (QTest's clicks skip the window system, which turns a right-press into this event)
    QApplication.sendEvent(row.name, QContextMenuEvent(QContextMenuEvent.Mouse, QPoint(10, 5),
                                                       row.name.mapToGlobal(QPoint(10, 5))))
    qtbot.waitUntil(lambda: row.name.menu is not None and row.name.menu.isVisible(), timeout=5000)
    menu = row.name.menu
    assert [a.text() for a in menu.actions()] == ["Rename…", "Reset to 0"]
    qtbot.keyClick(menu, Qt.Key_Down)
    qtbot.keyClick(menu, Qt.Key_Return)
    assert not row.name.isReadOnly()
    qtbot.keyClicks(row.name, "Age")
    qtbot.keyClick(row.name, Qt.Key_Escape)
    assert ws.directions.names[1] == "Direction 2" and row.name.text() == "Direction 2"
    qtbot.mouseDClick(row.name, Qt.LeftButton)
    qtbot.keyClicks(row.name, "Age")
    qtbot.keyClick(row.name, Qt.Key_Enter)
    assert ws.directions.names[1] == "Age"
    ws.shutdown()


def test_directions_cached_before_the_spread_was_stored_still_load(tmp_path, model_file):
    import json
    from studio.core.directions import load_directions
    m = load_generator(model_file[0])
    raw = json.loads((model_file[0].parent / "dirs.json").read_text())
    d = load_directions(model_file[0].parent / "dirs.json", m.z_dim)
    del raw["std"]                                        # a file written by an older GAN Studio
    (tmp_path / "old.json").write_text(json.dumps(raw))
    old = load_directions(tmp_path / "old.json", m.z_dim)
    assert old.std == [1.0] * len(old) and old.names == d.names
