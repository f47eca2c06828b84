"""Keys work where a person presses them: real key events (QTest.keyClick) to whatever widget has focus in a
shown MainWindow. A workspace's keys fire while focus is anywhere inside it and never in another one."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from studio.core.demo_data import demo_model_path
from studio.session.training import TrainingState as S

pytestmark = pytest.mark.gui


def activate(qtbot, w):
    """The window has the keyboard (as after a person clicks into it)."""
    w.activateWindow()
    w.raise_()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5000)


def press(qtbot, key, modifier=Qt.NoModifier):
    """A key press on the widget that has focus now, as a person's keyboard would deliver it."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has focus"
    QTest.keyClick(target, key, modifier)
    qtbot.wait(20)
    return target


@pytest.fixture
def explore(make_main_window, qtbot):
    w = make_main_window()
    activate(qtbot, w)
    ex = w.workspace("explore")
    w.open_model(demo_model_path())
    qtbot.waitUntil(lambda: ex.model is not None and ex.canvas.image is not None and ex.settled, timeout=30_000)
    yield w, ex
    ex.shutdown()


def test_k_f_r_arrows_and_ctrl_z_after_a_click_on_the_canvas(explore, qtbot, shot):
    w, ex = explore
    QTest.mouseClick(ex.canvas, Qt.LeftButton)                       # a person clicks the picture …
    assert QApplication.focusWidget() is ex.canvas
    press(qtbot, Qt.Key_K)                                           # … and presses K
    assert len(ex.doc.keyframes) == 1
    press(qtbot, Qt.Key_F)
    assert len(ex.doc.favourites) == 1
    seed = ex.state.seed
    press(qtbot, Qt.Key_R)
    assert ex.state.seed != seed
    seed = ex.state.seed
    press(qtbot, Qt.Key_Right)
    assert ex.state.seed == seed + 1
    press(qtbot, Qt.Key_Left)
    press(qtbot, Qt.Key_Left)
    assert ex.state.seed == seed - 1
    press(qtbot, Qt.Key_Z, Qt.ControlModifier)                       # Edit ▸ Undo, in this workspace
    assert ex.state.seed == seed
    press(qtbot, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert ex.state.seed == seed - 1
    qtbot.waitUntil(lambda: ex.settled, timeout=10_000)
    shot(w, "keys-explore-after-k-f")


def test_keys_work_anywhere_in_explore_but_a_slider_keeps_its_arrows(explore, qtbot):
    w, ex = explore
    qtbot.waitUntil(lambda: ex.directions is not None, timeout=60_000)
    activate(qtbot, w)
    QTest.mouseClick(ex.keyframes.viewport(), Qt.LeftButton)        # focus in the keyframe strip
    assert QApplication.focusWidget() is ex.keyframes
    press(qtbot, Qt.Key_K)
    assert len(ex.doc.keyframes) == 1
    slider = ex.controls.rows[0].slider.slider
    QTest.mouseClick(slider, Qt.LeftButton)                          # a click on the slider (it may page-step)
    assert QApplication.focusWidget() is slider
    seed, value = ex.state.seed, slider.value()
    press(qtbot, Qt.Key_Right)                                       # the slider moves, the seed stays
    assert ex.state.seed == seed and slider.value() > value
    press(qtbot, Qt.Key_K)                                           # K still adds a keyframe from here
    assert len(ex.doc.keyframes) == 2


def test_a_workspace_key_never_fires_in_another_workspace(explore, qtbot):
    w, ex = explore
    QTest.mouseClick(ex.canvas, Qt.LeftButton)
    press(qtbot, Qt.Key_R)                                           # an edit in Explore
    press(qtbot, Qt.Key_K)
    edits = len(ex.history)
    assert edits == 1
    QTest.keyClick(QApplication.focusWidget(), Qt.Key_2, Qt.ControlModifier)   # Ctrl+2: the Dataset workspace
    assert w.current_workspace() == "dataset"
    focus = QApplication.focusWidget()
    assert focus is not None and w.project_page.isAncestorOf(focus) or focus is w.project_page
    for key in (Qt.Key_K, Qt.Key_F, Qt.Key_R, Qt.Key_Right):
        press(qtbot, key)
    press(qtbot, Qt.Key_Z, Qt.ControlModifier)                       # nothing to undo in the Dataset page
    assert len(ex.doc.keyframes) == 1 and len(ex.doc.favourites) == 0 and len(ex.history) == edits
    assert ex.history.can_undo                                       # Explore's edit was not undone from there
    w.show_workspace("train")
    press(qtbot, Qt.Key_K)
    assert len(ex.doc.keyframes) == 1


def test_space_starts_pauses_and_resumes_training_only_in_train(make_main_window, make_image_folder, tiny_config,
                                                                qtbot):
    w = make_main_window()
    activate(qtbot, w)
    data = make_image_folder(16, 40)
    assert w.new_project(data)
    page = w.project_page
    qtbot.waitUntil(lambda: page.dataset is not None, timeout=30_000)
    page.apply_config(tiny_config(data, kimg=200.0, log_every=2), record=True)
    qtbot.waitUntil(lambda: page.dataset is not None and page.dataset.resolution == 32, timeout=30_000)
    tv = w.training_view
    w.show_workspace("train")
    assert tv.isAncestorOf(QApplication.focusWidget()) or QApplication.focusWidget() is tv
    press(qtbot, Qt.Key_Space)                                       # no checkpoint yet: Start asks the Dataset page
    qtbot.waitUntil(lambda: tv.state == S.TRAINING, timeout=60_000)
    press(qtbot, Qt.Key_Space)
    assert tv.state == S.PAUSED
    w.show_workspace("explore")
    press(qtbot, Qt.Key_Space)                                       # Space in Explore leaves training alone
    assert tv.state == S.PAUSED
    w.show_workspace("train")
    press(qtbot, Qt.Key_Space)
    assert tv.state == S.TRAINING
    tv.stop()
    qtbot.waitUntil(lambda: tv.shown_state == S.FINISHED, timeout=60_000)


def test_redo_keys_are_each_held_once_whatever_the_platform_says(qapp, monkeypatch):
    """On Linux desktops the platform's Redo is Ctrl+Shift+Z: holding it twice made Qt call the key ambiguous and
    do nothing in a real window (offscreen the platform has no Redo keys, so only this catches it)."""
    from PySide6.QtGui import QKeySequence
    from studio.gui import edit_actions
    for platform in ([], [QKeySequence("Ctrl+Shift+Z")], [QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")]):
        monkeypatch.setattr(edit_actions.QKeySequence, "keyBindings", staticmethod(lambda _k, p=platform: p))
        names = [k.toString() for k in edit_actions.redo_keys()]
        assert sorted(names) == ["Ctrl+Shift+Z", "Ctrl+Y"], names


def test_ctrl_y_redoes_too(explore, qtbot):
    w, ex = explore
    QTest.mouseClick(ex.canvas, Qt.LeftButton)
    seed = ex.state.seed
    press(qtbot, Qt.Key_Right)
    press(qtbot, Qt.Key_Z, Qt.ControlModifier)
    assert ex.state.seed == seed
    press(qtbot, Qt.Key_Y, Qt.ControlModifier)
    assert ex.state.seed == seed + 1
