"""Explore through the model's upscaler (issue 27): the toolbar's size box and U change the canvas's picture size
(rendered off the UI thread), 1:1 shows the enlarged pixels, the Export menu names what makes each size, and a
dropped ×2 PNG brings its size back. The bundled demo model has a ×2 upscaler."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from studio.core.checkpoint import save_generator
from studio.core.demo_data import demo_model_path
from studio.core.models import ModelSpec, build_generator
from studio.core.pngmeta import read_png_meta
from studio.gui.widgets.image_view import qimage_to_array

pytestmark = pytest.mark.gui



def _size(ws) -> tuple[int, int]:
    return ws.canvas.image.width(), ws.canvas.image.height()


def test_keyboard_changes_the_canvas_size_through_the_upscaler(make_main_window, qtbot):
    w = make_main_window()
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5000)
    ws = w.workspace("explore")
    ws.auto_directions = False
    w.open_model(demo_model_path())
    qtbot.waitUntil(lambda: ws.model is not None and ws.canvas.image is not None and ws.settled, timeout=30000)
    assert _size(ws) == (64, 64) and ws.size_box.isEnabled()
    assert [ws.size_box.itemText(i) for i in range(3)] == ["64 px", "128 px", "256 px"]
    assert ws.size_box.available() == [1, 2]                       # ×4: the demo's upscaler makes ×2 only
    assert "at most ×2" in ws.size_box.model().item(2).toolTip()
    from PySide6.QtGui import QPalette                             # and looks unavailable in the popup (it did not)
    dim = ws.size_box.palette().color(QPalette.Disabled, QPalette.Text)
    assert ws.size_box.model().item(2).foreground().color() == dim != ws.size_box.model().item(1).foreground().color()
    ws.canvas.setFocus()
    QTest.keyClick(ws.canvas, Qt.Key_U)                            # U: the next size
    qtbot.waitUntil(lambda: ws.settled and _size(ws) == (128, 128), timeout=20000)
    assert ws.doc.upscale == 2 and ws.size_box.currentText() == "128 px"
    want = ws.doc.upscaler().upscale(ws.model.render(ws.current_z()[None]), 2)[0]
    assert np.array_equal(qimage_to_array(ws.canvas.image)[..., :want.shape[2]], want)
    QTest.keyClick(ws.canvas, Qt.Key_1)                            # 1:1 shows the enlarged pixels one to one
    assert ws.canvas.scale() == 1.0 and ws.canvas.target_rect().width() == 128
    QTest.keyClick(ws.canvas, Qt.Key_U)                            # round to the model's size (×4 is skipped)
    qtbot.waitUntil(lambda: ws.settled and _size(ws) == (64, 64), timeout=20000)
    ws.size_box.setFocus()                                         # the box itself: Tab reaches it, arrows choose
    QTest.keyClick(ws.size_box, Qt.Key_Down)
    qtbot.waitUntil(lambda: ws.settled and _size(ws) == (128, 128), timeout=20000)
    QTest.keyClick(ws.size_box, Qt.Key_Down)                       # the disabled ×4 is not chosen
    qtbot.wait(50)
    assert ws.doc.upscale == 2 and _size(ws) == (128, 128)
    ws.shutdown()


def _items(ws) -> list[tuple[str, str]]:
    return [(a.text(), a.toolTip()) for a in ws.exports.png_actions.values()]


def test_export_menu_and_a_dropped_2x_png_brings_its_size_back(qtbot, tmp_path, open_explorer):
    ws = open_explorer(demo_model_path(), (1100, 700))
    (one, _), (two, two_tip), (four, four_tip) = _items(ws)
    assert one == "PNG at model size (64 px)…"
    assert two == "PNG ×2 through the upscaler (128 px)…" and "upscaler" in two_tip
    assert four == "PNG ×4 by Lanczos, no ×4 upscaler (256 px)…" and "ganstudio upscaler RUN" in four_tip
    ws.controls.seed.setValue(9)
    qtbot.waitUntil(lambda: ws.settled, timeout=20000)
    z, png = ws.current_z().clone(), tmp_path / "x2.png"
    with qtbot.waitSignal(ws.export_png(png, 2).returned, timeout=20000):
        pass
    assert read_png_meta(png).raw["upscale"] == {"factor": 2, "from": [64, 64]}
    ws.random_seed()
    qtbot.waitUntil(lambda: ws.settled, timeout=20000)
    assert ws.doc.upscale == 1 and _size(ws) == (64, 64)
    assert ws.restore_from_png(png)
    qtbot.waitUntil(lambda: ws.settled and _size(ws) == (128, 128), timeout=20000)
    assert torch.equal(ws.current_z(), z) and ws.size_box.currentText() == "128 px"
    ws.shutdown()


def test_file_export_writes_the_size_the_canvas_shows(qtbot, tmp_path, monkeypatch, open_explorer):
    """Ctrl+E / the toolbar's Export: the picture as the canvas shows it (found in a real window: it wrote 64 px
    while the canvas showed 128)."""
    ws = open_explorer(demo_model_path(), (1100, 700))
    asked = []
    monkeypatch.setattr(ws.exports, "export_dialog", asked.append)
    ws.export()
    ws.doc.set_upscale(2)
    qtbot.waitUntil(lambda: ws.settled and _size(ws) == (128, 128), timeout=20000)
    ws.export()
    assert asked == [1, 2]
    ws.shutdown()


def test_the_toolbar_keeps_every_tool_in_view_in_a_1360_px_window(make_main_window, qtbot):
    """With the size box in it, Explore's toolbar pushed Export into the overflow chevron (a real window, 1360 px)."""
    w = make_main_window()
    w.resize(1360, 860)
    w.open_model(demo_model_path())
    ws = w.workspace("explore")
    qtbot.waitUntil(lambda: ws.model is not None and ws.settled, timeout=30000)
    qtbot.wait(50)
    hidden = [a.text() or type(ws.tb.widgetForAction(a)).__name__ for a in ws.tb.actions()
              if not ws.tb.widgetForAction(a).isVisible()]
    assert hidden == [] and ws.tb.sizeHint().width() <= ws.tb.width()
    ws.shutdown()


def test_fit_fills_the_canvas_at_the_enlarged_size(qtbot, open_explorer):
    """At Fit a 128 px frame in a ~200 px canvas is drawn ~200 px wide, smoothly (whole-pixel steps floored it to
    1×: the enlarged picture looked smaller than the model's 64 px one at 3×; seen in a real window)."""
    ws = open_explorer(demo_model_path(), (1100, 700))
    ws.canvas.setFixedSize(250, 250)
    ws.canvas.fit()
    qtbot.wait(20)
    small = ws.canvas.target_rect().width()
    assert small == 3 * 64                                          # the model's pixels: whole-pixel steps
    ws.doc.set_upscale(2)
    qtbot.waitUntil(lambda: ws.settled and _size(ws) == (128, 128), timeout=20000)
    assert ws.canvas.target_rect().width() == pytest.approx(250 - 48) and ws.canvas.scale() > 1.5
    ws.shutdown()


def test_a_model_without_an_upscaler_says_how_to_get_one(qtbot, tmp_path, open_explorer):
    torch.manual_seed(0)
    spec = ModelSpec("dcgan", 32, 3, 32, 8)
    path = tmp_path / "g.safetensors"
    save_generator(path, build_generator(spec), spec)
    ws = open_explorer(path, (1100, 700))
    assert not ws.size_box.isEnabled() and ws.size_box.currentText() == "32 px"
    assert "ganstudio upscaler RUN" in ws.size_box.toolTip() and "Train view" in ws.size_box.toolTip()
    QTest.keyClick(ws.canvas, Qt.Key_U)                            # nothing else to show: stays
    qtbot.wait(50)
    assert ws.doc.upscale == 1 and _size(ws) == (32, 32)
    texts = [t for t, _ in _items(ws)]
    assert texts[1:] == ["PNG ×2 by Lanczos, no ×2 upscaler (64 px)…", "PNG ×4 by Lanczos, no ×4 upscaler (128 px)…"]
    ws.shutdown()
