"""Nothing an artist makes is lost, and the window agrees with itself (issue 26), driven as a person would:
keys on the canvas, clicks on buttons, the View menu, the Preferences dialog's OK, quitting and starting again."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QDialogButtonBox

from studio.core.checkpoint import load_generator, save_generator
from studio.core.models import ModelSpec, build_generator
from studio.session.training import TrainingState as S

pytestmark = pytest.mark.gui


@pytest.fixture
def demo_model(tmp_path, monkeypatch):
    """A tiny model standing in for the bundled demo model (GANSTUDIO_DEMO_MODEL), in a read-only folder."""
    torch.manual_seed(1)
    spec = ModelSpec("dcgan", 32, 3, 32, 8)
    folder = tmp_path / "package"
    folder.mkdir()
    path = folder / "demo.safetensors"
    save_generator(path, build_generator(spec), spec)
    monkeypatch.setenv("GANSTUDIO_DEMO_MODEL", str(path))
    return path


def _explore(w, qtbot, path):
    ws = w.workspace("explore")
    ws.auto_directions = False
    with qtbot.waitSignal(ws.frame_shown, timeout=30_000):
        w.open_model(path)
    qtbot.waitUntil(lambda: ws.settled, timeout=20_000)
    return ws


def _keys(qtbot, ws, *keys):
    ws.canvas.setFocus()
    for k in keys:
        qtbot.keyClick(ws.canvas, k)


def test_keyframes_and_position_survive_a_new_project_and_a_restart(make_main_window, demo_model, qtbot,
                                                                    make_image_folder, settings_path):
    w = make_main_window()
    ws = _explore(w, qtbot, demo_model)
    _keys(qtbot, ws, Qt.Key_K, Qt.Key_Right, Qt.Key_K, Qt.Key_Right, Qt.Key_K, Qt.Key_F, Qt.Key_Right)
    assert len(ws.doc.keyframes) == 3 and len(ws.doc.favourites) == 1
    seed = ws.doc.state.seed
    assert seed == 3
    assert w.new_project(make_image_folder(6))                       # File ▸ New Project: the window's project moves
    assert ws.model is not None and ws.model.path == demo_model
    assert len(ws.doc.keyframes) == 3 and ws.keyframes.count() == 3   # the strip still shows them
    home = ws.doc.project
    assert home is not None and demo_model.parent not in home.parents      # never beside the installed package
    saved = json.loads((home / "keyframes.json").read_text())
    assert len(saved["keyframes"]) == 3 and saved["model"] == ws.model.identity
    w.close()                                                        # quit

    w2 = make_main_window(settings=QSettings(str(settings_path), QSettings.IniFormat))
    ws2 = _explore(w2, qtbot, demo_model)                            # the demo again, in a new window
    assert [k.label for k in ws2.doc.keyframes] == ["Key 1", "Key 2", "Key 3"]
    assert len(ws2.doc.favourites) == 1
    assert ws2.doc.state.seed == seed and ws2.controls.seed.value() == seed      # where the artist left it
    assert torch.equal(ws2.doc.keyframes[1].z, ws.doc.keyframes[1].z)


def test_each_model_keeps_its_own_keyframes(make_main_window, demo_model, trained_run, qtbot):
    w = make_main_window()
    ws = _explore(w, qtbot, demo_model)
    _keys(qtbot, ws, Qt.Key_K, Qt.Key_K)
    run_model = sorted((trained_run / "checkpoints").glob("ckpt-*.safetensors"))[-1]
    _explore(w, qtbot, run_model)
    assert len(ws.doc.keyframes) == 0 and ws.doc.project == trained_run
    _keys(qtbot, ws, Qt.Key_K)
    assert (trained_run / "keyframes.json").is_file()
    _explore(w, qtbot, demo_model)
    assert len(ws.doc.keyframes) == 2
    _explore(w, qtbot, run_model)
    assert len(ws.doc.keyframes) == 1


def test_view_menu_theme_and_preferences_are_one_value(make_main_window, qtbot, settings_path):
    from studio.gui import theme
    from studio.gui.preferences import show_preferences
    w = make_main_window()
    light = next(a for a in w._theme_actions if a.data() == "light")
    light.trigger()                                                   # View ▸ Theme ▸ Light
    assert theme.current() == "light" and w.studio.prefs.theme == "light"
    dlg = show_preferences(w)
    assert dlg.theme.currentData() == "light"                         # the dialog shows the menu's choice
    ok = dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok)
    qtbot.mouseClick(ok, Qt.LeftButton)
    assert theme.current() == "light" and light.isChecked()          # OK keeps it
    # the dialog's choice shows in the menu
    dlg = show_preferences(w)
    dlg.theme.setCurrentIndex(dlg.theme.findData("dark"))
    qtbot.mouseClick(dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok), Qt.LeftButton)
    dark = next(a for a in w._theme_actions if a.data() == "dark")
    assert theme.current() == "dark" and dark.isChecked() and not light.isChecked()
    assert QSettings(str(settings_path), QSettings.IniFormat).value("theme") == "dark"


def _icon_colour(ic: QIcon, mode) -> np.ndarray:
    img = ic.pixmap(24, 24, mode).toImage().convertToFormat(ic.pixmap(24).toImage().Format.Format_RGBA8888)
    a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    opaque = a[a[..., 3] > 200]
    assert len(opaque), "the icon draws nothing"
    return opaque[:, :3].mean(0)


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)], float)


def test_icons_follow_the_theme(make_main_window):
    from studio.gui import theme
    w = make_main_window()
    undo = w.act_undo.icon()                                          # the very icon already on the toolbar
    for name in ("light", "dark"):
        w.set_theme(name)
        c = theme.colours(name)
        assert np.abs(_icon_colour(undo, QIcon.Normal) - _rgb(c["text"])).max() < 40
        assert np.abs(_icon_colour(undo, QIcon.Disabled) - _rgb(c["border"])).max() < 40


def test_recent_projects_from_creation_and_explore_shows_the_run_after_training(
        make_main_window, make_image_folder, tiny_config, qtbot, demo_model):
    w = make_main_window()
    ws = _explore(w, qtbot, demo_model)
    data = make_image_folder(20, 48)
    page = w.project_page
    assert w.new_project(data)
    project = w.project
    assert str(project) in w.recent_projects()                       # at once, not when the app quits
    qtbot.waitUntil(lambda: page.dataset is not None, timeout=30_000)
    page.apply_config(tiny_config(data, kimg=0.2, log_every=2, sample_every_kimg=0.064,
                                  checkpoint_every_kimg=0.1, device="cpu"), record=True)
    qtbot.waitUntil(lambda: page.dataset is not None and page.dataset.resolution == 32, timeout=30_000)
    tv = w.training_view
    assert not tv.btn_explore.isEnabled()                            # nothing trained yet
    qtbot.mouseClick(page.btn_start, Qt.LeftButton)
    qtbot.waitUntil(lambda: tv.shown_state == S.FINISHED, timeout=120_000)
    qtbot.waitUntil(lambda: ws.doc.project == project, timeout=30_000)   # Explore now shows the run
    assert tv.btn_explore.isEnabled() and w.current_workspace() == "train"
    last = max(s for s, _ in w.studio.project.checkpoints())
    assert tv.stat_step.text() == f"{last:,}"                    # the header says the step the run ended at
    assert w.close_project() and w.open_project(project)
    assert tv.stat_step.text() == f"{last:,}"                    # and so it does when the project is reopened
    qtbot.waitUntil(lambda: ws.doc.project == project, timeout=30_000)
    qtbot.mouseClick(tv.btn_explore, Qt.LeftButton)
    assert w.current_workspace() == "explore"
    w.show_workspace("welcome")
    items = [w.welcome_screen.recent_list.item(i).data(Qt.UserRole)
             for i in range(w.welcome_screen.recent_list.count())]
    assert str(project) in [str(i) for i in items]


def test_animate_uses_the_keyframes_kept_with_the_model(trained_run, tmp_path):
    from studio.cli import main
    from studio.session.explorer_doc import ExplorerDocument
    model = sorted((trained_run / "checkpoints").glob("ckpt-*.safetensors"))[-1]
    doc = ExplorerDocument()
    doc.set_model(load_generator(model))
    out = tmp_path / "none.gif"
    assert main(["animate", str(model), "--keyframes", "--out", str(out), "--fps", "10", "--seconds", "1"]) != 0
    assert not out.exists()
    for seed in (1, 2, 3):
        doc.edit(doc.state.replace(seed=seed), "Seed")
        doc.add_keyframe()
    assert main(["animate", str(trained_run), "--keyframes", "--out", str(out), "--fps", "10",
                 "--seconds", "1"]) == 0
    from PIL import Image
    with Image.open(out) as im:
        assert im.n_frames == 10


def test_explore_side_panel_is_never_cut_at_the_window_edge(make_main_window, demo_model, qtbot):
    w = make_main_window()
    w.resize(1360, 860)
    ws = _explore(w, qtbot, demo_model)
    w.show_workspace("explore")
    qtbot.wait(50)
    c = ws.controls
    viewport = c.parentWidget()
    assert c.width() <= viewport.width()                       # the column shows all of its contents
    assert c.minimumSizeHint().width() <= viewport.width()
    from PySide6.QtWidgets import QPushButton
    buttons = [b for b in c.findChildren(QPushButton) if b.isVisible()]
    assert any(b.text() == "Random" for b in buttons) and any(b.text() == "Reset all" for b in buttons)
    for b in buttons:                                          # "Random", "Reset all": inside the visible column
        assert b.mapTo(viewport, b.rect().topRight()).x() < viewport.width()


def test_file_dialogs_remember_their_folder_per_purpose(make_main_window, demo_model, qtbot, tmp_path, monkeypatch,
                                                        settings_path):
    from PySide6.QtWidgets import QFileDialog
    from PIL import Image
    photos, models = tmp_path / "photos", tmp_path / "models"
    photos.mkdir()
    models.mkdir()
    Image.new("RGB", (40, 40), "red").save(photos / "p.png")
    starts, answers = [], {}
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda parent, title, start, *a: starts.append((title, start))
                                     or (answers.get(title, ""), "")))
    w = make_main_window()
    ws = _explore(w, qtbot, demo_model)
    answers["Find Image in Model"] = str(photos / "p.png")
    w.act_find_image.trigger()                                   # File ▸ Find Image in Model…
    ws.pictures.cancel()
    qtbot.waitUntil(lambda: not ws.pictures.busy, timeout=30_000)
    w.act_open_model.trigger()                                   # File ▸ Open Model… (cancelled)
    assert starts[-1][1] != str(photos)                          # another purpose: not the pictures' folder
    w.close()
    w2 = make_main_window(settings=QSettings(str(settings_path), QSettings.IniFormat))
    _explore(w2, qtbot, demo_model)
    w2.act_restore.trigger()                                     # Restore a Picture… (cancelled): a picture too
    assert starts[-1] == ("Restore a Picture", str(photos))


def test_the_window_never_widens_itself(make_main_window, demo_model, qtbot, trained_run):
    w = make_main_window()
    w.resize(1360, 860)
    qtbot.wait(50)
    _explore(w, qtbot, demo_model)
    assert w.open_project(trained_run)
    for key in ("welcome", "dataset", "train", "explore", "animate"):
        w.show_workspace(key)
        qtbot.wait(30)
        assert w.width() == 1360 and w.minimumSizeHint().width() <= 1360, key
