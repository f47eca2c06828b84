"""Welcome screen and preferences: first launch, the demo model in the explorer, demo training, settings."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt

from studio.core.demo_data import demo_model_path
from studio.gui.preferences import PreferencesDialog, QSettingsStore
from studio.gui.welcome import SHOW_KEY, WelcomeScreen
from studio.session.preferences import Preferences
from studio.session.studio import Studio

pytestmark = pytest.mark.gui


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)


@pytest.fixture
def project_with_samples(tmp_path):
    """A project folder with a config and one saved sample grid (no training needed)."""
    from PIL import Image

    from studio.core.config import TrainConfig
    from studio.core.run import RunFolder
    run = RunFolder(tmp_path / "My Flowers")
    run.create(TrainConfig(data_dir=str(tmp_path)).validate())
    run.samples_dir.mkdir(parents=True, exist_ok=True)
    grid = np.random.default_rng(0).integers(0, 255, (130, 130, 3), dtype=np.uint8)
    Image.fromarray(grid).save(run.samples_dir / "step-000000100.png")
    return run.path


def _grab_array(widget) -> np.ndarray:
    img = widget.grab().toImage().convertToFormat(widget.grab().toImage().Format.Format_RGB888)
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    return np.frombuffer(bytes(img.constBits()), np.uint8).reshape(h, bpl)[:, :w * 3].reshape(h, w, 3)


def test_cards_emit_requests_and_recent_projects_have_thumbnails(qtbot, settings, project_with_samples, shot):
    settings.setValue("recent", [str(project_with_samples), "/no/such/project"])
    w = WelcomeScreen(settings)
    qtbot.addWidget(w)
    w.resize(1200, 720)
    w.show()
    qtbot.waitExposed(w)
    with qtbot.waitSignal(w.new_project_requested, timeout=1000):
        qtbot.mouseClick(w.train_button, Qt.LeftButton)
    with qtbot.waitSignal(w.open_project_requested, timeout=1000):
        qtbot.mouseClick(w.open_button, Qt.LeftButton)
    assert w.recent_list.count() == 1                        # the missing project is not offered
    item = w.recent_list.item(0)
    assert not item.icon().isNull(), "a project with samples shows a thumbnail"
    with qtbot.waitSignal(w.open_recent_requested, timeout=1000) as sig:
        w.recent_list.itemClicked.emit(item)
    assert sig.args == [str(project_with_samples)]
    w.show_at_start.setChecked(False)
    assert WelcomeScreen(settings).shows_at_start() is False
    shot(w, "welcome")


def test_explore_demo_model_shows_a_frame(qtbot, settings):
    from studio.gui.explorer import ExplorerWorkspace
    assert demo_model_path() is not None, "studio/resources/models/demo.safetensors is missing"
    w = WelcomeScreen(settings)
    ex = ExplorerWorkspace()
    qtbot.addWidget(w)
    qtbot.addWidget(ex)
    w.explore_demo_requested.connect(ex.open_model)
    ex.resize(900, 600)
    ex.show()
    w.show()
    assert w.explore_button.isEnabled()
    try:
        with qtbot.waitSignal(ex.frame_shown, timeout=30000):
            qtbot.mouseClick(w.explore_button, Qt.LeftButton)
        assert ex.model is not None and ex.model.spec.resolution == 64
        canvas = _grab_array(ex.canvas).astype(np.float32)
        assert canvas.std() > 10, "the canvas shows a picture, not a flat colour"
    finally:
        ex.shutdown()


def test_main_window_first_launch_shows_welcome_and_opens_demo(make_main_window, qtbot, settings_path):
    win = make_main_window()
    qtbot.waitUntil(lambda: win.current_workspace() == "welcome", timeout=3000)
    welcome = win.workspace("welcome")
    explore = win.workspace("explore")
    if explore is not None:
        with qtbot.waitSignal(explore.frame_shown, timeout=30000):
            qtbot.mouseClick(welcome.explore_button, Qt.LeftButton)
        assert win.current_workspace() == "explore"
        explore.shutdown()
    else:          # the Explore workspace is not registered in this build: the window says so
        qtbot.mouseClick(welcome.explore_button, Qt.LeftButton)
        assert "Explore workspace is not available" in win.statusBar().currentMessage()
    welcome.show_at_start.setChecked(False)
    win.settings.sync()
    win2 = make_main_window(settings=QSettings(str(settings_path), QSettings.IniFormat))
    qtbot.wait(50)
    assert win2.current_workspace() != "welcome"
    helps = [a for m in win2.menuBar().actions() if m.menu() for a in m.menu().actions()]
    assert any(a.text().replace("&", "") == "Welcome Screen" for a in helps)


def test_try_training_on_demo_images_starts_a_project(make_main_window, qtbot, tmp_path):
    win = make_main_window()
    welcome = win.workspace("welcome")
    folder = tmp_path / "demo-images"
    with qtbot.waitSignal(welcome.demo_training_requested, timeout=30000):
        welcome.start_demo_training(folder, count=24)
    assert len(list(folder.glob("*.png"))) == 24
    qtbot.waitUntil(lambda: win.project is not None, timeout=5000)
    assert win.current_workspace() == "dataset"


def test_preferences_round_trip_and_refuse_missing_weights(qtbot, settings, tmp_path):
    store = QSettingsStore(settings)
    d = PreferencesDialog(Studio(store))
    qtbot.addWidget(d)
    d.device.setCurrentIndex(d.device.findData("cpu"))
    d.threads.setValue(3)
    d.export_dir.setText(str(tmp_path / "exports"))
    d.weights.setText(str(tmp_path / "missing.pt"))
    d.accept()
    assert d.error.isVisibleTo(d) and "does not exist" in d.error.text()
    assert Preferences.load(store).device == "auto"             # nothing stored until the form is valid
    weights = tmp_path / "inception.pt"
    weights.write_bytes(b"x")
    d.weights.setText(str(weights))
    with qtbot.waitSignal(d.applied, timeout=1000):
        d.accept()
    p = Preferences.load(store)
    assert (p.device, p.cpu_threads, p.export_dir, p.feature_weights, p.theme) == \
        ("cpu", 3, str(tmp_path / "exports"), str(weights), "dark")
    settings.setValue("prefs/cpu_threads", "lots")              # damaged values read as defaults
    settings.setValue("prefs/device", "tpu")
    assert (Preferences.load(store).cpu_threads, Preferences.load(store).device) == (0, "auto")
