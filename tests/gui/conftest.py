"""GUI fixtures: `make_main_window` (like napari's make_napari_viewer) with QSettings isolated per test.

Screenshots: `shot(widget, name)` saves PNGs under $GANSTUDIO_SHOTS (default /tmp/shots/studio);
the folder is printed at the end of the run.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

SHOTS = Path(os.environ.get("GANSTUDIO_SHOTS", "/tmp/shots/studio"))


def pytest_terminal_summary(terminalreporter):
    if SHOTS.is_dir() and any(SHOTS.glob("*.png")):
        terminalreporter.write_line(f"GUI screenshots: {SHOTS}")


@pytest.fixture(autouse=True)
def garbage_on_the_gui_thread(qapp):
    """As in the app (studio.gui.app.collect_garbage_on_main_thread): no Qt object is collected on a worker thread
    (a training thread once hung in PySide's destructor that way). Undone after each test, so tests without an
    event loop keep Python's automatic collection."""
    import gc

    from studio.gui.app import collect_garbage_on_main_thread
    timer = collect_garbage_on_main_thread(qapp)
    yield
    timer.stop()
    qapp._studio_gc_timer = None
    gc.collect()
    gc.enable()


@pytest.fixture
def settings_path(tmp_path):
    return tmp_path / "settings" / "ganstudio.ini"


@pytest.fixture
def make_main_window(qtbot, tmp_path, settings_path):
    """Factory: make_main_window(show=True) → MainWindow with its own QSettings (ini file in tmp_path).

    New projects go to tmp_path/projects. Every window is closed (training stopped) after the test.
    """
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from studio.gui import theme
    from studio.gui.main_window import MainWindow

    theme.apply_theme(QApplication.instance(), "dark")
    windows = []

    def make(show: bool = True, settings: QSettings | None = None, defer_heavy: bool = False) -> MainWindow:
        s = settings or QSettings(str(settings_path), QSettings.IniFormat)
        if s.value("projects_dir") is None:
            s.setValue("projects_dir", str(tmp_path / "projects"))
        w = MainWindow(s, defer_heavy=defer_heavy)
        qtbot.addWidget(w, before_close_func=_quiet_close)
        windows.append(w)
        if show:
            w.show()
            qtbot.waitExposed(w)
        return w

    yield make
    for w in windows:
        _quiet_close(w)


def _quiet_close(w) -> None:
    """Stop training and close the project without asking (the window then closes without a dialog)."""
    try:
        w.training_view.shutdown()
        w.project_page.shutdown()
        w.close_project(ask=False)
    except RuntimeError:
        pass                                     # already deleted by Qt


@pytest.fixture
def open_explorer(qtbot):
    """Factory: an ExplorerWorkspace shown at `size` with the model at `path` open, its first frame drawn and settled
    (no direction finding)."""
    from studio.gui.explorer import ExplorerWorkspace

    def open_(path, size=(1200, 760)) -> ExplorerWorkspace:
        ws = ExplorerWorkspace()
        ws.auto_directions = False
        qtbot.addWidget(ws)
        ws.resize(*size)
        ws.show()
        with qtbot.waitSignal(ws.frame_shown, timeout=20000):
            ws.open_model(path)
        qtbot.waitUntil(lambda: ws.settled, timeout=20000)
        return ws
    return open_


@pytest.fixture
def shot():
    """shot(widget, name): save a screenshot PNG and return its path."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def save(widget, name: str) -> Path:
        from PySide6.QtWidgets import QApplication
        QApplication.processEvents()
        path = SHOTS / f"{name}.png"
        widget.grab().save(str(path))
        return path
    return save
